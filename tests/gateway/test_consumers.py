"""The lifecycle driven by consumed events: forward only, duplicates and stale events
ignored, dead letters end a submission as internal_error (free of quota)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from shared.bus.base import PermanentError, Subscription
from shared.events import (
    Event,
    ExecutionFinished,
    ExecutionStarted,
    FailureReason,
    SubmissionQueued,
    SubmissionScored,
    SubmissionScoringFailed,
    utcnow,
)
from tests.gateway.conftest import Gateway, eventually


async def queued(gw: Gateway, who: dict[str, str]) -> tuple[dict[str, Any], SubmissionQueued]:
    r = await gw.submit(who)
    assert r.status_code == 202, r.text
    sub = r.json()

    async def find() -> SubmissionQueued | None:
        for e in gw.of_type("submission.queued"):
            if str(e.submission_id) == sub["id"]:
                return e  # type: ignore[no-any-return]
        return None

    return sub, await eventually(find)


def started(q: SubmissionQueued, attempt: int = 1) -> ExecutionStarted:
    return ExecutionStarted(submission_id=q.submission_id, attempt=attempt, started_at=utcnow())


def finished(q: SubmissionQueued, **extra: Any) -> ExecutionFinished:
    return ExecutionFinished(
        submission_id=q.submission_id,
        competition_id=q.competition_id,
        team_id=q.team_id,
        team_name=q.team_name,
        submitted_at=q.submitted_at,
        attempt=1,
        scoring=q.scoring,
        **extra,
    )


def scored(q: SubmissionQueued, score: float) -> SubmissionScored:
    return SubmissionScored(
        submission_id=q.submission_id,
        competition_id=q.competition_id,
        team_id=q.team_id,
        team_name=q.team_name,
        submitted_at=q.submitted_at,
        metric="accuracy",
        higher_is_better=True,
        public_score=score,
        private_score=score,
    )


async def test_a_run_moves_through_running_scoring_scored(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host)
    sub, q = await queued(gw, alice)

    await gw.bus.publish(started(q))
    await gw.wait_status(sub["id"], alice, "running")
    await gw.bus.publish(finished(q, exit_code=0, predictions_key="k"))
    await gw.wait_status(sub["id"], alice, "scoring")
    await gw.bus.publish(scored(q, 0.75))
    done = await gw.wait_status(sub["id"], alice, "scored")
    assert done["public_score"] == 0.75 and done["exit_code"] == 0 and done["failure_reason"] is None


async def test_duplicates_and_stale_events_change_nothing(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    await gw.ready_competition(host)
    sub, q = await queued(gw, host)
    score = scored(q, 0.5)
    # scored arrives before the run's own events (redelivery can reorder them)
    await gw.bus.publish(score)
    await gw.wait_status(sub["id"], host, "scored")

    await gw.bus.publish(score)  # the same event again
    late_start = started(q)
    await gw.bus.publish(late_start)
    late_finish = finished(q, failure_reason=FailureReason.RUNTIME_ERROR, detail="boom", exit_code=1)
    await gw.bus.publish(late_finish)
    # a different score that is older than the one applied (a late, superseded one)
    other_score = scored(q, 0.1).model_copy(update={"occurred_at": score.occurred_at - timedelta(seconds=1)})
    await gw.bus.publish(other_score)
    for event in (late_start, late_finish, other_score):
        await gw.consumed(event)

    after = await gw.status_of(sub["id"], host)
    assert after["status"] == "scored"
    assert after["public_score"] == 0.5
    assert after["failure_reason"] is None and after["exit_code"] is None


async def test_a_newer_score_replaces_the_score_of_a_scored_submission(gw: Gateway) -> None:
    """A rescoring answers with newer submission.scored events; only newer ones win."""
    host = await gw.user("hana", is_host=True)
    await gw.ready_competition(host)
    sub, q = await queued(gw, host)
    first = scored(q, 0.5)
    await gw.bus.publish(first)
    await gw.wait_status(sub["id"], host, "scored")

    rescored = scored(q, 0.75).model_copy(update={"occurred_at": first.occurred_at + timedelta(minutes=5)})
    await gw.bus.publish(rescored)
    await gw.consumed(rescored)
    assert (await gw.status_of(sub["id"], host))["public_score"] == 0.75

    between = scored(q, 0.6).model_copy(update={"occurred_at": first.occurred_at + timedelta(minutes=1)})
    await gw.bus.publish(between)
    await gw.consumed(between)
    after = await gw.status_of(sub["id"], host)
    assert after["public_score"] == 0.75 and after["status"] == "scored"


async def test_a_rescore_that_finds_the_predictions_invalid_withdraws_the_score(gw: Gateway) -> None:
    """After new labels, a scored submission's predictions may no longer fit: the newer
    scoring failure withdraws its score; a failure older than the score is stale."""
    host = await gw.user("hana", is_host=True)
    await gw.ready_competition(host)
    sub, q = await queued(gw, host)
    first = scored(q, 0.5)
    await gw.bus.publish(first)
    await gw.wait_status(sub["id"], host, "scored")

    def failure(at_offset: timedelta) -> SubmissionScoringFailed:
        return SubmissionScoringFailed(
            submission_id=q.submission_id,
            competition_id=q.competition_id,
            reason=FailureReason.INVALID_PREDICTIONS,
            detail="missing 3 ids (e.g. 'x1')",
            occurred_at=first.occurred_at + at_offset,
        )

    stale = failure(-timedelta(seconds=1))
    await gw.bus.publish(stale)
    await gw.consumed(stale)
    assert (await gw.status_of(sub["id"], host))["status"] == "scored"

    newer = failure(timedelta(minutes=5))
    await gw.bus.publish(newer)
    after = await gw.wait_status(sub["id"], host, "failed")
    assert after["failure_reason"] == "invalid_predictions" and after["public_score"] is None
    assert after["detail"] == "after the host rescored the competition: missing 3 ids (e.g. 'x1')"


async def test_run_failure_and_scoring_failure_carry_reason_and_detail(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    await gw.ready_competition(host)
    sub, q = await queued(gw, host)
    await gw.bus.publish(
        finished(q, failure_reason=FailureReason.TIME_LIMIT_EXCEEDED, detail="ran past 600 s", exit_code=137)
    )
    failed = await gw.wait_status(sub["id"], host, "failed")
    assert failed["failure_reason"] == "time_limit_exceeded"
    assert failed["detail"] == "ran past 600 s" and failed["exit_code"] == 137

    sub2, q2 = await queued(gw, host)
    await gw.bus.publish(finished(q2, exit_code=0))
    await gw.wait_status(sub2["id"], host, "scoring")
    await gw.bus.publish(
        SubmissionScoringFailed(
            submission_id=q2.submission_id,
            competition_id=q2.competition_id,
            reason=FailureReason.INVALID_PREDICTIONS,
            detail="row 3: column 'target' is empty",
        )
    )
    failed2 = await gw.wait_status(sub2["id"], host, "failed")
    assert failed2["failure_reason"] == "invalid_predictions"
    assert "row 3" in failed2["detail"]


async def test_cancel_of_running_then_events_from_the_run_are_ignored(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    await gw.ready_competition(host)
    sub, q = await queued(gw, host)
    await gw.bus.publish(started(q))
    await gw.wait_status(sub["id"], host, "running")
    r = await gw.client.post(f"/api/v1/submissions/{sub['id']}/cancel", headers=host)
    assert r.json()["status"] == "cancelled"
    late = finished(q, exit_code=0)
    await gw.bus.publish(late)
    await gw.consumed(late)
    assert (await gw.status_of(sub["id"], host))["status"] == "cancelled"


async def test_dead_letter_fails_the_submission_as_internal_error_free_of_quota(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host, daily_quota=1)

    async def broken_orchestrator(event: Event) -> None:
        raise PermanentError("cannot schedule")

    await gw.bus.subscribe(
        Subscription(queue="orchestrator", routing_keys=["submission.queued"], handler=broken_orchestrator)
    )
    sub, _ = await queued(gw, alice)
    failed = await gw.wait_status(sub["id"], alice, "failed")
    assert failed["failure_reason"] == "internal_error"
    assert failed["detail"].startswith("Holdout failed to process this submission (")
    assert "does not count against your quota" in failed["detail"]
    # the quota of one is still free
    assert (await gw.submit(alice)).status_code == 202


async def test_dead_letter_of_a_finished_submission_or_garbage_changes_nothing(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    await gw.ready_competition(host)
    sub, q = await queued(gw, host)
    await gw.bus.publish(scored(q, 0.9))
    await gw.wait_status(sub["id"], host, "scored")
    consumers_handler = gw.bus._dead[0]
    await consumers_handler(finished(q).model_dump_json().encode(), "poison")
    await consumers_handler(b"\x00not json", "unparseable")
    await consumers_handler(
        b'{"type": "mystery", "submission_id": "' + str(uuid.uuid4()).encode() + b'"}', "x"
    )
    assert (await gw.status_of(sub["id"], host))["status"] == "scored"
