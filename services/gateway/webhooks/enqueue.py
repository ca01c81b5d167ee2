"""What each event owes the webhooks, enqueued in the transaction of the change that
caused it (so a delivery exists exactly when the change was committed).

Two ways in, one implementation (``enqueue_sync``):

- events the gateway consumes (``submission.scored`` / ``submission.scoring_failed``):
  the consumer calls ``enqueue`` in its transaction, once the change applied;
- events the gateway publishes (``competition.revealed``, ``stage.opened``,
  ``stage.closed``): ``install`` makes the gateway's sessions watch their own
  statements, and every INSERT into the gateway's outbox of a webhook event type
  enqueues its deliveries on the same connection, in the same transaction. Every
  ``shared.db.add_event`` call is covered without touching it, new ones included.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Insert, event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session

from services.gateway.models import outbox
from services.gateway.webhooks import repository
from services.gateway.webhooks.schemas import EVENT_TYPES
from shared.events import BaseEvent, parse_event, utcnow

# kept out of every payload: private scores before (and after) a reveal belong on the
# host's boards, not on a third party's server; storage keys are internal
_WITHHELD = frozenset(
    {"private_score", "private_scores", "private_extra_scores", "scoring_log_key", "event_id", "version"}
)


def payload(ev: BaseEvent) -> dict[str, Any]:
    """The JSON body a webhook receives for ``ev``: an envelope and the event's ids and facts."""
    data = {k: v for k, v in ev.model_dump(mode="json").items() if k not in _WITHHELD}
    return {
        "event_id": str(ev.event_id),
        "type": data.pop("type"),
        "occurred_at": data.pop("occurred_at"),
        "competition_id": data.get("competition_id"),
        "data": data,
    }


def enqueue_sync(session: Session, ev: BaseEvent) -> int:
    """Add one pending delivery of ``ev`` per webhook that takes it; returns how many."""
    kind: str = getattr(ev, "type", "")
    competition_id: uuid.UUID | None = getattr(ev, "competition_id", None)
    if kind not in EVENT_TYPES or competition_id is None:
        return 0
    hooks = repository.subscribed(session, competition_id, kind)
    repository.add_deliveries(session, hooks, ev.event_id, kind, payload(ev), utcnow())
    return len(hooks)


async def enqueue(session: AsyncSession, ev: BaseEvent) -> int:
    return await session.run_sync(enqueue_sync, ev)


class GatewaySession(Session):
    """The gateway's sessions: a plain Session that the outbox seam below listens on."""


@event.listens_for(GatewaySession, "do_orm_execute")
def _on_outbox_insert(state: ORMExecuteState) -> None:
    statement = state.statement
    if not isinstance(statement, Insert) or statement.table is not outbox:
        return
    # ``add_event``'s insert(...).values(...); rows passed to execute() are allowed too
    given = state.parameters
    rows: list[Mapping[str, Any]]
    if isinstance(given, Mapping):
        rows = [given] if given else [statement.compile().params]
    else:
        rows = list(given or ()) or [statement.compile().params]
    for row in rows:
        if row.get("type") in EVENT_TYPES:
            enqueue_sync(state.session, parse_event(str(row["body"])))


def install(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Make the gateway's sessions enqueue webhook deliveries for the events they publish."""
    sessionmaker.configure(sync_session_class=GatewaySession)
