"""The rules a competition's stages keep together: a schedule in order, and what an
evaluation-only or fed stage needs. Pure functions over the stages' settings, used by
``stages.settings`` whenever a stage is created or edited (the competition's own
schedule, the first stage's, included).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.gateway.stages.scope import Scope
from shared.db import as_aware
from shared.web import ProblemError

FEEDS = ("finals", "all")


@dataclass(frozen=True)
class Times:
    """A stage's place in the schedule (as it is, or as an edit would leave it)."""

    position: int
    name: str
    opens_at: datetime | None
    closes_at: datetime | None

    @classmethod
    def of(cls, scope: Scope) -> Times:
        return cls(scope.position, scope.stage_name, scope.opens_at, scope.closes_at)


def _when(value: datetime) -> str:
    return as_aware(value).isoformat()


def _schedule_problem(detail: str, position: int) -> ProblemError:
    return ProblemError(detail, status=422, code="invalid-schedule", stage=position)


def check_schedule(position: int, opens_at: datetime | None, closes_at: datetime | None) -> None:
    """Inside one stage: it closes after it opens."""
    if opens_at is not None and closes_at is not None and as_aware(closes_at) <= as_aware(opens_at):
        raise _schedule_problem(
            f"stage {position} would close ({_when(closes_at)}) before it opens ({_when(opens_at)}): "
            "closes_at must be after opens_at",
            position,
        )


def check_order(stages: Sequence[Times]) -> None:
    """Stages run one after the other, in position order.

    No opening time means "open from the start", so a later stage needs one as soon as the
    stage before it has a schedule; and a stage opens no earlier than the previous one
    opens, nor before it closes (overlapping stages are refused).
    """
    for before, after in itertools.pairwise(stages):
        check_schedule(before.position, before.opens_at, before.closes_at)
        prev = f"stage {before.position} ({before.name!r})"
        this = f"stage {after.position} ({after.name!r})"
        if after.opens_at is None:
            if before.opens_at is not None or before.closes_at is not None:
                bound = before.closes_at or before.opens_at
                assert bound is not None
                raise _schedule_problem(
                    f"{this} has no opens_at, so it would be open from the start, alongside {prev}; "
                    f"give it an opens_at no earlier than {_when(bound)}",
                    after.position,
                )
            continue
        if before.opens_at is not None and as_aware(after.opens_at) < as_aware(before.opens_at):
            raise _schedule_problem(
                f"{this} would open ({_when(after.opens_at)}) before {prev} opens "
                f"({_when(before.opens_at)}); stages run in order",
                after.position,
            )
        if before.closes_at is not None and as_aware(after.opens_at) < as_aware(before.closes_at):
            raise _schedule_problem(
                f"{this} would open ({_when(after.opens_at)}) before {prev} closes "
                f"({_when(before.closes_at)}); stages may not overlap: open it at "
                f"{_when(before.closes_at)} or later, or close {prev} earlier",
                after.position,
            )
    if stages:
        check_schedule(stages[-1].position, stages[-1].opens_at, stages[-1].closes_at)


def check_feed(position: int, feed: str | None, accepts_submissions: bool) -> None:
    if feed is not None and position < 2:
        raise ProblemError(
            "the first stage has no earlier stage to be fed from: feed is for stages 2 and later",
            status=422,
            code="invalid-feed",
            stage=position,
        )
    if not accepts_submissions and feed is None:
        raise ProblemError(
            f"stage {position} takes no uploads (accepts_submissions is false), so it would run nothing: "
            "give it a feed ('finals': each team's selected final submissions of the previous stage, "
            "'all': every successful one), or let it accept submissions",
            status=422,
            code="invalid-feed",
            stage=position,
        )
