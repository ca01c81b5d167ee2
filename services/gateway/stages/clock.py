"""The stage clock: a supervised loop of the gateway (started by ``app.py`` beside the
reconciler) that publishes each stage's opening and closing exactly once.

Every ``stage_clock_interval_s`` it looks for stages (the competition rows, which are
first stages, and the ``stages`` rows) whose time has come:

- opening: ``opens_at`` passed (none: the stage is open from its creation) and
  ``opened_at`` unset. The replica whose conditional ``UPDATE ... SET opened_at
  WHERE opened_at IS NULL`` changes the row does the opening; in the same transaction
  it stages ``stage.opened`` and, for a fed stage, the re-runs of the previous stage
  (``feed.py``), so two replicas never feed a stage twice and a crash feeds it whole
  or not at all.
- A fed stage opens only once it has its test data and labels: its re-runs need them,
  and opening it without would lose its feed. Until then it waits (``waiting_for``
  says for what; a warning is logged at most once a minute per stage).
- closing: ``closes_at`` passed, ``closed_at`` unset and the stage opened: claimed the
  same way, ``stage.closed`` staged. Runs still queued in a closed stage finish and
  count: nothing refuses their results.

Every gateway replica runs the clock: the claims above make each transition happen
once, in whichever replica's transaction changes the row first (``replicas.py``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions import repository as competitions_repo
from services.gateway.config import GatewaySettings
from services.gateway.models import Competition, Stage, outbox
from services.gateway.stages import feed, repository, scope
from services.gateway.stages.scope import Scope
from shared.db import add_event, as_aware, transaction
from shared.events import StageClosed, StageOpened, utcnow
from shared.loops import BackgroundLoop
from shared.runtime import ServiceRuntime

log = structlog.get_logger(__name__)

WARN_EVERY = timedelta(minutes=1)
Kind = type[Competition] | type[Stage]


@dataclass(frozen=True)
class Transition:
    competition_id: uuid.UUID
    stage_id: uuid.UUID
    position: int
    action: str  # opened | closed
    reruns_queued: int = 0


async def waiting_for(session: AsyncSession, stage: Scope, now: datetime) -> list[str]:
    """What a stage whose opening time has passed still lacks before the clock opens it
    ("data", "labels"); empty when it is not waiting (opened, not due, or not fed)."""
    if stage.opened_at is not None or not _fed(stage):
        return []
    if stage.opens_at is not None and now < as_aware(stage.opens_at):
        return []
    missing = []
    if not await competitions_repo.data_files(session, stage.id, stage.data_version):
        missing.append("data")
    if stage.labels_version is None:
        missing.append("labels")
    return missing


def _fed(stage: Scope) -> bool:
    # the first stage has no previous stage to be fed from, whatever its column says
    return stage.feed is not None and stage.position > 1


class StageClock:
    def __init__(self, rt: ServiceRuntime, settings: GatewaySettings) -> None:
        self.rt = rt
        self.settings = settings
        self.loop = BackgroundLoop(
            "gateway-stage-clock", self._step, interval_s=settings.stage_clock_interval_s
        )
        self._warned: dict[uuid.UUID, datetime] = {}

    def start(self) -> None:
        if self.settings.stage_clock_interval_s > 0:
            self.loop.start()

    async def stop(self) -> None:
        await self.loop.stop()

    async def _step(self) -> None:
        await self.tick()

    async def tick(self, now: datetime | None = None) -> list[Transition]:
        """Open, then close, every stage whose time has come; returns what this replica did."""
        now = now or utcnow()
        done: list[Transition] = []
        for kind in (Competition, Stage):
            for stage_id in await self._due(kind, now, opening=True):
                opened = await self._open(kind, stage_id, now)
                if opened is not None:
                    done.append(opened)
        for kind in (Competition, Stage):
            for stage_id in await self._due(kind, now, opening=False):
                closed = await self._close(kind, stage_id, now)
                if closed is not None:
                    done.append(closed)
        return done

    async def _due(self, kind: Kind, now: datetime, *, opening: bool) -> list[uuid.UUID]:
        if opening:
            where = [kind.opened_at.is_(None), or_(kind.opens_at.is_(None), kind.opens_at <= now)]
        else:
            where = [kind.opened_at.is_not(None), kind.closed_at.is_(None), kind.closes_at <= now]
        async with self.rt.sessionmaker() as session:
            return list(await session.scalars(select(kind.id).where(*where).order_by(kind.id)))

    async def _open(self, kind: Kind, stage_id: uuid.UUID, now: datetime) -> Transition | None:
        async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
            competition, stage = await self._load(session, kind, stage_id)
            if stage is None or competition is None:
                return None
            missing = await waiting_for(session, stage, now)
            if missing:
                self._warn_waiting(competition, stage, missing, now)
                return None
            if not await self._claim(session, kind, stage_id, "opened_at", now):
                return None
            reruns = []
            if _fed(stage):
                assert stage.feed is not None
                previous = await scope.get(session, competition, stage.position - 1)
                originals = await feed.chosen(session, competition, previous, stage.feed)
                reruns = await feed.queue_reruns(session, competition, stage, originals, now)
            await add_event(
                session,
                outbox,
                StageOpened(
                    competition_id=competition.id,
                    stage_id=stage.id,
                    position=stage.position,
                    name=stage.stage_name,
                    accepts_submissions=stage.accepts_submissions,
                    reruns_queued=len(reruns),
                ),
            )
        self._warned.pop(stage_id, None)
        log.info(
            "stage.opened",
            competition_id=str(competition.id),
            stage_id=str(stage_id),
            position=stage.position,
            feed=stage.feed,
            reruns_queued=len(reruns),
        )
        return Transition(competition.id, stage_id, stage.position, "opened", len(reruns))

    async def _close(self, kind: Kind, stage_id: uuid.UUID, now: datetime) -> Transition | None:
        async with transaction(self.rt.sessionmaker, self.rt.relay) as session:
            competition, stage = await self._load(session, kind, stage_id)
            if stage is None or competition is None:
                return None
            if not await self._claim(session, kind, stage_id, "closed_at", now):
                return None
            await add_event(
                session,
                outbox,
                StageClosed(
                    competition_id=competition.id,
                    stage_id=stage.id,
                    position=stage.position,
                    name=stage.stage_name,
                ),
            )
        log.info(
            "stage.closed",
            competition_id=str(competition.id),
            stage_id=str(stage_id),
            position=stage.position,
        )
        return Transition(competition.id, stage_id, stage.position, "closed")

    @staticmethod
    async def _load(
        session: AsyncSession, kind: Kind, stage_id: uuid.UUID
    ) -> tuple[Competition | None, Scope | None]:
        if kind is Competition:
            competition = await session.get(Competition, stage_id)
            return competition, competition
        stage = await repository.by_id(session, stage_id)
        if stage is None:
            return None, None
        return await repository.competition_of(session, stage), stage

    @staticmethod
    async def _claim(
        session: AsyncSession, kind: Kind, stage_id: uuid.UUID, column: str, now: datetime
    ) -> bool:
        """Set ``column`` unless another replica (or an earlier tick) has: True if this one did.

        On PostgreSQL a concurrent claim waits on the row lock, then finds the column set
        and changes nothing; on SQLite the write lock serialises the two transactions.
        """
        field = getattr(kind, column)
        result = await session.execute(
            update(kind).where(kind.id == stage_id, field.is_(None)).values({column: now})
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def _warn_waiting(
        self, competition: Competition, stage: Scope, missing: list[str], now: datetime
    ) -> None:
        last = self._warned.get(stage.id)
        if last is not None and now - last < WARN_EVERY:
            return
        self._warned[stage.id] = now
        log.warning(
            "stage.opening_waits",
            competition_id=str(competition.id),
            stage_id=str(stage.id),
            position=stage.position,
            missing=missing,
            why="a fed stage opens once its test data and labels are uploaded (its re-runs need them)",
        )
