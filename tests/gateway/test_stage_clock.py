"""The stage clock: each stage opens and closes once (across replicas), a fed stage
re-runs the previous stage's finals (or all its scored runs) at its opening, charged to
no quota, and a fed stage without its data and labels waits for them.

The clock is driven by calling its ``tick`` with an explicit ``now`` (the app's own loop
is off in these tests, bar one). Later stages are inserted as ``stages`` rows through
the gateway's session, with their data recorded as ``data_files`` rows: the stages API
is not written yet, and the clock reads only what those rows say.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services.gateway.models import Competition, DataFile, Stage, Submission, Team, outbox
from services.gateway.stages import feed
from services.gateway.stages.clock import StageClock, waiting_for
from services.gateway.submissions import quota
from shared.events import SubmissionQueued, SubmissionScoringFailed, parse_event, utcnow
from tests.gateway.conftest import Gateway, eventually
from tests.gateway.test_team_rules import scored

FINALS = "/api/v1/competitions/titanic/teams/mine/final-submissions"
SETTINGS = [
    "metric",
    "extra_metrics",
    "columns",
    "scoring_program",
    "runtime",
    "limits",
    "daily_quota",
    "smoke_daily_quota",
    "show_logs",
]


async def add_stage(
    gw: Gateway, competition_id: str, position: int, *, ready: bool = True, **settings: Any
) -> uuid.UUID:
    """A later stage as its row (copying the first stage's settings), with its test data
    and labels recorded when ``ready``."""
    async with gw.runtime.sessionmaker() as session, session.begin():
        competition = await session.get(Competition, uuid.UUID(competition_id))
        assert competition is not None
        stage = Stage(
            competition_id=competition.id,
            position=position,
            stage_name=f"Stage {position}",
            **{name: getattr(competition, name) for name in SETTINGS},
            **settings,
        )
        session.add(stage)
        await session.flush()
        if ready:
            await make_ready(session, competition.id, stage)
        return stage.id


async def make_ready(session: Any, competition_id: uuid.UUID, stage: Stage) -> None:
    session.add(
        DataFile(
            stage_id=stage.id,
            competition_id=competition_id,
            data_version=stage.data_version,
            filename="test.csv",
            size_bytes=9,
            sha256="0" * 64,
        )
    )
    stage.labels_version = 1


async def outbox_events(gw: Gateway, kind: str) -> list[Any]:
    async with gw.runtime.sessionmaker() as session:
        bodies = await session.scalars(select(outbox.c.body).where(outbox.c.type == kind))
        return [parse_event(body.encode()) for body in bodies]


async def submissions_of(gw: Gateway, stage_id: uuid.UUID) -> list[Submission]:
    async with gw.runtime.sessionmaker() as session:
        rows = await session.scalars(select(Submission).where(Submission.stage_id == stage_id))
        return list(rows)


async def scored_runs(gw: Gateway, who: dict[str, str], scores: list[float]) -> list[dict[str, Any]]:
    subs = []
    for score in scores:
        r = await gw.submit(who)
        assert r.status_code == 202, r.text
        subs.append(r.json())
        await scored(gw, subs[-1], score)
    return subs


async def two_stages(
    gw: Gateway, feed_kind: str = "finals"
) -> tuple[dict[str, Any], dict[str, str], uuid.UUID, datetime]:
    """Stage 1 open now until ``t1``; stage 2 (evaluation-only, fed) from ``t1`` for an hour."""
    host = await gw.user("hana", is_host=True)
    t1 = utcnow() + timedelta(hours=1)
    comp = await gw.ready_competition(host, final_count=2, daily_quota=10, closes_at=t1.isoformat())
    stage2 = await add_stage(
        gw,
        comp["id"],
        2,
        opens_at=t1,
        closes_at=t1 + timedelta(hours=1),
        accepts_submissions=False,
        feed=feed_kind,
    )
    return comp, host, stage2, t1


async def test_a_fed_stage_reruns_the_finals_once_and_charges_no_quota(gw: Gateway) -> None:
    comp, _, stage2, t1 = await two_stages(gw)
    alice, bob = await gw.user("alice"), await gw.user("bob")
    a = await scored_runs(gw, alice, [0.5, 0.6, 0.7])
    b = await scored_runs(gw, bob, [0.4, 0.9, 0.8, 0.9])
    smoke = (await gw.submit(bob, smoke="true")).json()
    await scored(gw, smoke, 0.99)
    unscored = (await gw.submit(bob)).json()
    # alice picks one final (not her best); bob picks none: his best two count, the
    # earlier of his two 0.9s before the later
    r = await gw.client.put(FINALS, json={"submission_ids": [a[0]["id"]]}, headers=alice)
    assert r.status_code == 200, r.text

    clock = StageClock(gw.runtime, gw.settings)
    first = await clock.tick(utcnow())
    assert [(t.position, t.action) for t in first] == [(1, "opened")]
    assert await clock.tick(t1 - timedelta(seconds=1)) == []

    async with gw.runtime.sessionmaker() as session:
        teams = {t.name: t for t in await session.scalars(select(Team))}
        stage = await session.get(Stage, stage2)
        assert stage is not None
        before = {n: await quota.counter(session, stage, t, smoke=False, now=t1) for n, t in teams.items()}

    done = await clock.tick(t1)
    assert sorted((t.position, t.action, t.reruns_queued) for t in done) == [
        (1, "closed", 0),
        (2, "opened", 3),
    ]

    reruns = await submissions_of(gw, stage2)
    assert {s.rerun_of for s in reruns} == {uuid.UUID(s["id"]) for s in (a[0], b[1], b[3])}
    assert uuid.UUID(unscored["id"]) not in {s.rerun_of for s in reruns}
    originals = {uuid.UUID(s["id"]): s for s in a + b}
    for rerun in reruns:
        original = originals[rerun.rerun_of]  # type: ignore[index]
        assert rerun.status == "queued" and not rerun.is_smoke
        assert str(rerun.team_id) == original["team_id"] and rerun.sha256 == original["sha256"]
        assert rerun.archive_key == f"{comp['id']}/{original['id']}.zip"

    queued = [e for e in await outbox_events(gw, "submission.queued") if e.stage_id == stage2]
    assert {e.submission_id for e in queued} == {s.id for s in reruns}
    for event in queued:
        assert isinstance(event, SubmissionQueued) and event.rerun_of is not None
        assert event.execution.data_prefix == f"{stage2}/1/" and event.execution.data_files == ["test.csv"]
        assert event.scoring.labels_key == f"{stage2}/1.csv"
        assert event.submitted_at == datetime.fromisoformat(originals[event.rerun_of]["created_at"])

    (opened,) = [e for e in await outbox_events(gw, "stage.opened") if e.stage_id == stage2]
    assert opened.position == 2 and opened.reruns_queued == 3 and opened.accepts_submissions is False
    (closed,) = await outbox_events(gw, "stage.closed")
    assert str(closed.stage_id) == comp["id"] and closed.position == 1

    async with gw.runtime.sessionmaker() as session:
        stage = await session.get(Stage, stage2)
        assert stage is not None and stage.data_frozen  # replacing its data now starts a new version
        after = {n: await quota.counter(session, stage, t, smoke=False, now=t1) for n, t in teams.items()}
    assert after == before and all(c.used == 0 for c in after.values())

    # later ticks (and the end of stage 2) feed nothing more; each transition happened once
    assert await clock.tick(t1 + timedelta(minutes=1)) == []
    (end,) = await clock.tick(t1 + timedelta(hours=1))
    assert (end.position, end.action) == (2, "closed")
    assert await clock.tick(t1 + timedelta(hours=2)) == []
    assert len(await submissions_of(gw, stage2)) == 3
    assert len(await outbox_events(gw, "stage.opened")) == 2
    assert len(await outbox_events(gw, "stage.closed")) == 2


async def test_feed_all_reruns_every_scored_real_run_but_the_hosts(gw: Gateway) -> None:
    _, host, stage2, t1 = await two_stages(gw, feed_kind="all")
    alice, bob = await gw.user("alice"), await gw.user("bob")
    runs = await scored_runs(gw, alice, [0.5, 0.6, 0.7]) + await scored_runs(gw, bob, [0.4])
    # the host's own trial run is no entry (the boards leave it out): it is not fed on
    await scored_runs(gw, host, [1.0])
    done = await StageClock(gw.runtime, gw.settings).tick(t1)
    assert (2, "opened", 4) in [(t.position, t.action, t.reruns_queued) for t in done]
    assert {s.rerun_of for s in await submissions_of(gw, stage2)} == {uuid.UUID(s["id"]) for s in runs}


async def test_a_fed_stage_waits_for_its_data_and_labels(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    t1 = utcnow() + timedelta(hours=1)
    comp = await gw.ready_competition(host, closes_at=t1.isoformat())
    stage2 = await add_stage(
        gw, comp["id"], 2, ready=False, opens_at=t1, feed="all", accepts_submissions=False
    )
    alice = await gw.user("alice")
    await scored_runs(gw, alice, [0.5])
    clock = StageClock(gw.runtime, gw.settings)

    done = await clock.tick(t1)
    assert (2, "opened") not in [(t.position, t.action) for t in done]
    async with gw.runtime.sessionmaker() as session, session.begin():
        stage = await session.get(Stage, stage2)
        assert stage is not None and stage.opened_at is None
        assert await waiting_for(session, stage, t1) == ["data", "labels"]
        assert await waiting_for(session, stage, t1 - timedelta(seconds=1)) == []  # not due yet
        await make_ready(session, uuid.UUID(comp["id"]), stage)
    assert await submissions_of(gw, stage2) == []

    (opened,) = await clock.tick(t1 + timedelta(minutes=5))
    assert (opened.position, opened.action, opened.reruns_queued) == (2, "opened", 1)
    async with gw.runtime.sessionmaker() as session:
        stage = await session.get(Stage, stage2)
        assert stage is not None and await waiting_for(session, stage, t1) == []


async def test_concurrent_ticks_on_postgresql_open_a_stage_once(
    make_gateway: Callable[..., Any], pg_database: Any
) -> None:
    async with make_gateway(gateway_database_url=await pg_database("gateway")) as gw:
        _, _, stage2, t1 = await two_stages(gw)
        alice, bob = await gw.user("alice"), await gw.user("bob")
        await scored_runs(gw, alice, [0.5, 0.6, 0.7])
        await scored_runs(gw, bob, [0.4])
        replicas = [StageClock(gw.runtime, gw.settings) for _ in range(4)]
        results = await asyncio.gather(*(r.tick(t1) for r in replicas))
        opened = [t for done in results for t in done if t.action == "opened" and t.position == 2]
        assert len(opened) == 1 and opened[0].reruns_queued == 3
        assert len(await submissions_of(gw, stage2)) == 3
        assert len([e for e in await outbox_events(gw, "stage.opened") if e.stage_id == stage2]) == 1
        assert len(await outbox_events(gw, "stage.closed")) == 1


async def test_the_apps_loop_publishes_the_opening(make_gateway: Callable[..., Any]) -> None:
    async with make_gateway(stage_clock_interval_s=0.05) as gw:
        host = await gw.user("hana", is_host=True)
        comp = await gw.ready_competition(host)

        async def opened() -> list[Any]:
            return [e for e in gw.of_type("stage.opened") if str(e.stage_id) == comp["id"]]

        (event,) = await eventually(opened)
        assert event.position == 1 and event.reruns_queued == 0


async def test_finals_are_chosen_per_stage(gw: Gateway) -> None:
    comp, _, stage2, _ = await two_stages(gw)
    alice = await gw.user("alice")
    (first,) = await scored_runs(gw, alice, [0.5])
    # stage 1 closes and stage 2 opens, taking uploads here, so the team has runs in both
    async with gw.runtime.sessionmaker() as session, session.begin():
        competition = await session.get(Competition, uuid.UUID(comp["id"]))
        stage = await session.get(Stage, stage2)
        assert competition is not None and stage is not None
        competition.closes_at = stage.opens_at = utcnow() - timedelta(minutes=1)
        stage.accepts_submissions, stage.feed = True, None
    second, third = await scored_runs(gw, alice, [0.6, 0.7])

    mixed = await gw.client.put(FINALS, json={"submission_ids": [second["id"], first["id"]]}, headers=alice)
    assert mixed.status_code == 422, mixed.text
    assert mixed.json()["type"].endswith("/final-selection-mixes-stages")
    assert mixed.json()["other_stages"] == [1] and mixed.json()["stage"] == 2

    ok = await gw.client.put(FINALS, json={"submission_ids": [second["id"]]}, headers=alice)
    assert ok.status_code == 200, ok.text
    assert ok.json()["stage_position"] == 2 and ok.json()["stage_id"] == str(stage2)
    # stage 1 closed: its finals are locked, and say which stage
    locked = await gw.client.put(FINALS, json={"submission_ids": [first["id"]]}, headers=alice)
    assert locked.status_code == 409 and locked.json()["stage"] == 1

    now = (await gw.client.get(FINALS, headers=alice)).json()
    assert now["stage_position"] == 2 and now["submission_ids"] == [second["id"]]
    one = (await gw.client.get(FINALS, params={"stage": 1}, headers=alice)).json()
    assert one["stage_position"] == 1 and one["submission_ids"] == [] and one["default"] is True
    missing = await gw.client.get(FINALS, params={"stage": 3}, headers=alice)
    assert missing.status_code == 404 and missing.json()["type"].endswith("/stage-not-found")

    # replacing stage 2's finals leaves stage 1's alone; the event names the stage
    swapped = await gw.client.put(FINALS, json={"submission_ids": [third["id"]]}, headers=alice)
    assert swapped.json()["submission_ids"] == [third["id"]]
    cleared = await gw.client.put(FINALS, json={"submission_ids": []}, params={"stage": 2}, headers=alice)
    assert cleared.json()["default"] is True and cleared.json()["stage_position"] == 2

    async def changes() -> list[Any] | None:
        found = gw.of_type("final_selection.changed")
        return found if len(found) >= 3 else None

    assert {e.stage_id for e in await eventually(changes)} == {stage2}


@pytest.mark.parametrize("higher", [True, False])
def test_the_default_finals_are_the_best_in_the_stages_direction(higher: bool) -> None:
    t = utcnow()

    def run(score: float | None, minutes: int) -> Submission:
        return Submission(id=uuid.uuid4(), public_score=score, created_at=t + timedelta(minutes=minutes))

    runs = [run(0.5, 0), run(0.9, 1), run(0.1, 2), run(0.9, 3), run(None, 4)]
    picked = feed.best(runs, 2, higher)
    expected = [runs[1], runs[3]] if higher else [runs[2], runs[0]]
    assert picked == expected


def test_the_direction_is_the_first_columns_else_the_metrics() -> None:
    assert feed.ranks_higher(Stage(metric="accuracy", columns=[])) is True
    assert feed.ranks_higher(Stage(metric="rmse", columns=[])) is False
    program_first = [{"key": "cost", "higher_is_better": False}, {"key": "acc", "metric": "accuracy"}]
    assert feed.ranks_higher(Stage(metric="accuracy", columns=program_first)) is False


async def test_a_scoring_programs_log_is_kept_on_the_failed_submission(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    comp = await gw.ready_competition(host)
    sub = (await gw.submit(host)).json()
    event = SubmissionScoringFailed(
        submission_id=sub["id"],
        competition_id=comp["id"],
        reason="internal_error",
        detail="the host's scoring program failed",
        scoring_log_key="scoring/run-1/log.txt",
    )
    await gw.bus.publish(event)
    await gw.consumed(event)
    async with gw.runtime.sessionmaker() as session:
        row = await session.get(Submission, uuid.UUID(sub["id"]))
        assert row is not None and row.status == "failed" and row.scoring_log_key == "scoring/run-1/log.txt"
