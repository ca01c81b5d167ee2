"""Queue positions and start estimates (``services/orchestrator/queue.py``): the simulated
order is the one ``fair_pick`` serves, slot by slot, and the estimates follow the runs
going now and the competitions' usual durations.

Micro-benchmark (a note, not a timed test): ``test_ten_thousand_queued_runs_all_get_a_place``
simulates 10,000 queued runs of 1,000 teams over 20 competitions; on the shared 2-CPU
development machine (load about 6) ``simulate`` took 0.3 to 0.5 s for it
(``python -m tests.orchestrator.test_queue`` prints the time).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from services.orchestrator.queue import Queued, Running, median_durations, positions, simulate, time_limit
from services.orchestrator.scheduler import fair_pick

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def later(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def queue_of(team: str, n: int, *, competition: str = "c", start: int = 0) -> list[Queued]:
    return [Queued(f"{team}{i}", team, competition, ago(10_000 - start - i)) for i in range(n)]


def test_a_new_teams_first_run_is_next_while_a_team_with_50_queued_has_a_run_going() -> None:
    a = queue_of("a", 48)
    b = Queued("b0", "b", "c", ago(1))  # queued after all of A's
    going = [Running("a", "c", ago(30)), Running("a", "c", ago(10))]
    places = simulate([*a, b], going, slots=2, now=NOW, durations={"c": 60})

    # A has runs going and B none: B's run takes the first slot that frees
    assert places["b0"].position == 1
    assert places["b0"].estimated_start_at == later(30)  # A's older run ends then
    # then A carries on, oldest first, each start at the next expected end
    assert positions(places, ["a0", "a1", "a2"]) == [2, 3, 4]
    assert [places[f"a{i}"].estimated_start_at for i in range(3)] == [later(50), later(90), later(110)]
    assert sorted(p.position for p in places.values()) == list(range(1, 50))


def test_a_new_teams_first_run_is_second_when_neither_team_has_had_a_run_started() -> None:
    # the slots are held by a third team; A (50 queued) and B have never had a run started,
    # so their keys tie and the older queued run (A's first) goes first, then B's
    a = queue_of("a", 50)
    b = Queued("b0", "b", "c", ago(1))
    going = [Running("z", "c", ago(0)), Running("z", "c", ago(0))]
    places = simulate([*a, b], going, slots=2, now=NOW, durations={"c": 60})
    assert positions(places, ["a0", "b0", "a1"]) == [1, 2, 3]
    assert places["a0"].estimated_start_at == places["b0"].estimated_start_at == later(60)


def test_a_team_whose_last_run_started_longer_ago_goes_first() -> None:
    # A has nothing going but had a run started a minute ago; B never had one: B first
    places = simulate(
        [*queue_of("a", 50), Queued("b0", "b", "c", ago(1))],
        [Running("z", "c", ago(0))],
        slots=1,
        now=NOW,
        durations={"c": 60},
        last_started={"a": ago(60), "z": ago(0)},
    )
    assert positions(places, ["b0", "a0", "a1"]) == [1, 2, 3]


def test_a_free_slot_means_starting_now() -> None:
    places = simulate(queue_of("a", 3), [], slots=2, now=NOW, durations={"c": 100})
    assert [places[f"a{i}"].estimated_start_at for i in range(3)] == [NOW, NOW, later(100)]


def test_a_run_past_its_usual_duration_is_expected_to_end_any_moment() -> None:
    places = simulate(queue_of("a", 1), [Running("z", "c", ago(500))], slots=1, now=NOW, durations={"c": 60})
    assert places["a0"].estimated_start_at == NOW


def test_a_competition_at_its_cap_waits_while_others_use_the_free_slots() -> None:
    queued = [*queue_of("a", 3, competition="x"), Queued("b0", "b", "y", ago(1))]
    places = simulate(queued, [], slots=2, now=NOW, durations={"x": 60, "y": 600}, caps={"x": 1, "y": None})
    # x runs one at a time; y's run takes the second slot at once although it came last
    assert positions(places, ["a0", "b0", "a1", "a2"]) == [1, 2, 3, 4]
    assert [places[s].estimated_start_at for s in ("a0", "b0", "a1", "a2")] == [
        NOW,
        NOW,
        later(60),
        later(120),
    ]


def test_a_deferred_run_takes_its_place_when_its_wait_is_over() -> None:
    deferred = Queued("a0", "a", "c", ago(300), not_before=later(100))
    queued = [deferred, Queued("b0", "b", "c", ago(200)), Queued("a1", "a", "c", ago(100))]
    places = simulate(queued, [], slots=1, now=NOW, durations={"c": 60})
    # a0 is A's oldest but may not start before +100: B's run and A's next go first
    assert positions(places, ["b0", "a1", "a0"]) == [1, 2, 3]
    assert places["a0"].estimated_start_at == later(120)

    # with slots to spare it starts the moment its wait ends
    places = simulate(queued, [], slots=3, now=NOW, durations={"c": 60})
    assert places["a0"].position == 3 and places["a0"].estimated_start_at == later(100)


def test_no_slot_at_all_places_nothing() -> None:
    assert simulate(queue_of("a", 2), [], slots=0, now=NOW, durations={}) == {}


def reference(queued: list[Queued], running: list[Running], **kw: Any) -> dict[str, tuple[int, datetime]]:
    """The same play forward, choosing each slot with ``fair_pick`` itself (quadratic)."""
    slots, durations, caps = kw["slots"], kw["durations"], kw["caps"]
    last: dict[str, datetime] = dict(kw["last_started"])
    rows = [
        SimpleNamespace(
            submission_id=q.submission_id,
            team_id=q.team_id,
            competition_id=q.competition_id,
            queued_at=q.queued_at,
            not_before=q.not_before,
            max_concurrent=caps.get(q.competition_id),
        )
        for q in queued
    ]
    ends = [(max(NOW, r.started_at + timedelta(seconds=durations[r.competition_id])), r) for r in running]
    t, order = NOW, {}
    while rows:
        while len(ends) < slots:
            eligible = [r for r in rows if r.not_before is None or r.not_before <= t]
            by_team: dict[str, int] = {}
            by_comp: dict[str, int] = {}
            for _, r in ends:
                by_team[r.team_id] = by_team.get(r.team_id, 0) + 1
                by_comp[r.competition_id] = by_comp.get(r.competition_id, 0) + 1
            chosen = fair_pick(eligible, 1, by_team, by_comp, last)  # type: ignore[arg-type]
            if not chosen:
                break
            row = chosen[0]
            rows.remove(row)
            order[row.submission_id] = (len(order) + 1, t)
            last[row.team_id] = t + timedelta(microseconds=len(order))  # starts keep their order
            ends.append((t + timedelta(seconds=durations[row.competition_id]), row))
        if not rows:
            break
        t = max(
            t, min([e for e, _ in ends] + [r.not_before for r in rows if r.not_before and r.not_before > t])
        )
        ends = [(e, r) for e, r in ends if e > t]
    return order


def test_the_simulated_order_is_fair_picks_order_slot_by_slot() -> None:
    rng = random.Random(13)
    for _ in range(60):
        teams = [f"t{i}" for i in range(rng.randint(1, 6))]
        comps = [f"c{i}" for i in range(rng.randint(1, 3))]
        queued = [
            Queued(
                f"s{i}",
                rng.choice(teams),
                rng.choice(comps),
                ago(rng.randint(0, 50)),
                later(rng.choice([10, 45, 200])) if rng.random() < 0.15 else None,
            )
            for i in range(rng.randint(1, 40))
        ]
        running = [
            Running(rng.choice(teams), rng.choice(comps), ago(rng.randint(0, 40)))
            for _ in range(rng.randint(0, 3))
        ]
        kw: dict[str, Any] = {
            "slots": rng.randint(max(1, len(running)), 4),
            "durations": {c: rng.choice([5, 30, 60]) for c in comps},
            "caps": {c: rng.choice([None, 1, 2]) for c in comps},
            "last_started": {t: ago(rng.randint(1, 100)) for t in teams if rng.random() < 0.5},
        }
        expected = reference(queued, running, **kw)
        places = simulate(queued, running, now=NOW, **kw)
        got = {sid: (p.position, p.estimated_start_at) for sid, p in places.items()}
        assert got == expected


def many_queued(n: int = 10_000) -> tuple[list[Queued], list[Running]]:
    rng = random.Random(1)
    teams = [rng.randrange(1000) for _ in range(n)]
    # a team belongs to one competition (as gateway teams do)
    queued = [Queued(f"s{i}", f"t{team}", f"c{team % 20}", ago(n - i)) for i, team in enumerate(teams)]
    return queued, [Running(f"t{i}", f"c{i % 20}", ago(i)) for i in range(8)]


def test_ten_thousand_queued_runs_all_get_a_place() -> None:
    queued, running = many_queued()
    durations = {f"c{i}": 30.0 + i for i in range(20)}
    places = simulate(queued, running, slots=8, now=NOW, durations=durations, caps={"c0": 1})
    assert sorted(p.position for p in places.values()) == list(range(1, 10_001))
    by_position = sorted(places.values(), key=lambda p: p.position)
    starts = [p.estimated_start_at for p in by_position]
    assert starts == sorted(starts)  # a later place never starts earlier


def test_usual_durations_are_medians_and_the_time_limit_is_the_fallback() -> None:
    runs = [
        ("c", ago(100), ago(90)),
        ("c", ago(100), ago(70)),
        ("c", ago(100), ago(40)),
        ("d", ago(5), ago(0)),
    ]
    assert median_durations(runs) == {"c": 30.0, "d": 5.0}
    assert time_limit('{"execution": {"time_limit_s": 120}}', 600) == 120
    assert time_limit("not json", 600) == time_limit(None, 600) == 600


if __name__ == "__main__":
    queued, running = many_queued()
    began = time.perf_counter()
    simulate(queued, running, slots=8, now=NOW, durations={}, caps={"c0": 1})
    print(f"simulate: {len(queued)} queued runs in {time.perf_counter() - began:.3f} s")
