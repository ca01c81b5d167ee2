"""Queue positions and start estimates: the order the scheduler's fair share
(``scheduler.fair_pick``) would serve the whole queue, played forward in time.

``simulate`` is pure. It starts from the runs going now (each expected to end at its
start plus its competition's usual run duration), fills free slots one at a time by
the same rule as ``fair_pick`` (fewest running for the team, then the team whose last
run started longest ago, then the oldest queued run; a competition at its cap waits;
a deferred run joins when its ``not_before`` comes), and moves time on to the next
expected end or release whenever no slot can be filled. Each queued run gets the
1-based place in which it would start, and when.

It is O(q log q) for q queued runs (a team in several competitions multiplies the work
of each of its starts by that number): one heap of (team, competition) groups per
competition, keyed like ``fair_pick``'s choice, and one heap of competitions keyed by
their best group; keys that changed are pushed again and stale entries dropped when
they surface. 10,000 queued runs of 1,000 teams over 20 competitions simulate in
0.3 to 0.5 s on the shared, busy 2-CPU development machine (the note in
``tests/orchestrator/test_queue.py``); it runs off the event loop, and the API serves
one snapshot for ``HOLDOUT_QUEUE_SNAPSHOT_SECONDS``.

``load`` reads what ``simulate`` needs from the executions table (``repository``).
"""

from __future__ import annotations

import asyncio
import heapq
import json
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.orchestrator import repository
from shared.db import as_aware
from shared.events import utcnow

RECENT_RUNS = 20
"""How many of a competition's latest finished runs its usual duration is the median of."""
DEFAULT_DURATION = 600.0
"""A run's expected duration when its competition has neither finished runs nor a time limit."""

Group = tuple[str, str]  # (team_id, competition_id)
# fair_pick's order: (team's runs going, team's last start, head's queued_at, head's id);
# a last start is (seconds from now, order of the simulated starts) so that two starts
# at one instant keep their order, as utcnow() does in fair_pick
Key = tuple[int, tuple[float, int], float, str]
_NEVER = (float("-inf"), 0)


@dataclass(frozen=True, slots=True)
class Queued:
    submission_id: str
    team_id: str
    competition_id: str
    queued_at: datetime
    not_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class Running:
    team_id: str
    competition_id: str
    started_at: datetime


@dataclass(frozen=True, slots=True)
class Place:
    position: int  # 1: the next run to start
    estimated_start_at: datetime


@dataclass(frozen=True, slots=True)
class Snapshot:
    places: dict[str, Place]
    running: int
    queued: int
    taken_at: datetime


def simulate(
    queued: Iterable[Queued],
    running: Iterable[Running],
    *,
    slots: int,
    now: datetime,
    durations: dict[str, float],
    caps: dict[str, int | None] | None = None,
    last_started: dict[str, datetime] | None = None,
    default_duration: float = 60.0,
) -> dict[str, Place]:
    """Where each queued run would start, by submission id.

    ``slots``: runs at once on the platform; ``durations``: a competition's usual run, in
    seconds (``default_duration`` for one not named); ``caps``: a competition's most runs
    at once; ``last_started``: when each team last had a run started. A run that cannot
    start ever (no slot at all) is left out.
    """
    caps = caps or {}

    def at(value: datetime) -> float:
        return (as_aware(value) - now).total_seconds()

    def duration(competition: str) -> float:
        return max(0.0, durations.get(competition, default_duration))

    heads: dict[Group, list[tuple[float, str]]] = defaultdict(list)
    deferred: list[tuple[float, float, str, Group]] = []
    total = 0
    for q in queued:
        total += 1
        group = (q.team_id, q.competition_id)
        if q.not_before is not None and (release := at(q.not_before)) > 0:
            deferred.append((release, at(q.queued_at), q.submission_id, group))
        else:
            heads[group].append((at(q.queued_at), q.submission_id))
    for items in heads.values():
        heapq.heapify(items)
    heapq.heapify(deferred)
    groups_of: dict[str, set[Group]] = defaultdict(set)
    for group in [*heads, *(d[3] for d in deferred)]:
        groups_of[group[0]].add(group)

    team_running: dict[str, int] = defaultdict(int)
    comp_running: dict[str, int] = defaultdict(int)
    ends: list[tuple[float, str, str]] = []  # (expected end, competition, team)
    for r in running:
        team_running[r.team_id] += 1
        comp_running[r.competition_id] += 1
        # a run past its usual duration is expected to end any moment
        ends.append((max(0.0, at(r.started_at) + duration(r.competition_id)), r.competition_id, r.team_id))
    heapq.heapify(ends)
    last = {team: (at(when), 0) for team, when in (last_started or {}).items()}

    by_comp: dict[str, list[tuple[Key, Group]]] = defaultdict(list)
    top: list[tuple[Key, str]] = []

    def key_of(group: Group) -> Key | None:
        items = heads.get(group)
        if not items:
            return None
        team = group[0]
        return (team_running[team], last.get(team, _NEVER), items[0][0], items[0][1])

    def best(competition: str) -> tuple[Key, Group] | None:
        entries = by_comp[competition]
        while entries and key_of(entries[0][1]) != entries[0][0]:
            heapq.heappop(entries)  # stale: the group's key changed since
        return entries[0] if entries else None

    def at_cap(competition: str) -> bool:
        cap = caps.get(competition)
        return cap is not None and comp_running[competition] >= cap

    def refresh(competition: str) -> None:
        if not at_cap(competition) and (found := best(competition)) is not None:
            heapq.heappush(top, (found[0], competition))

    def changed(groups: Iterable[Group]) -> None:
        for group in groups:
            if (key := key_of(group)) is not None:
                heapq.heappush(by_comp[group[1]], (key, group))
        for competition in {g[1] for g in groups}:
            refresh(competition)

    def pick() -> Group | None:
        while top:
            key, competition = top[0]
            found = None if at_cap(competition) else best(competition)
            if found is not None and found[0] == key:
                return found[1]
            # a competition at its cap comes back when one of its runs ends
            heapq.heappop(top)
        return None

    changed(list(heads))
    places: dict[str, Place] = {}
    free = slots - len(ends)
    t, starts = 0.0, 0
    while len(places) < total:
        while free > 0 and (chosen := pick()) is not None:
            _, sid = heapq.heappop(heads[chosen])
            starts += 1
            places[sid] = Place(starts, now + timedelta(seconds=t))
            team, competition = chosen
            team_running[team] += 1
            comp_running[competition] += 1
            last[team] = (t, starts)
            heapq.heappush(ends, (t + duration(competition), competition, team))
            free -= 1
            changed(groups_of[team])
        if len(places) == total:
            break
        upcoming = [h[0][0] for h in (ends, deferred) if h]
        if not upcoming:
            break
        t = max(t, min(upcoming))
        touched: set[Group] = set()
        while ends and ends[0][0] <= t:
            _, competition, team = heapq.heappop(ends)
            team_running[team] -= 1
            comp_running[competition] -= 1
            free += 1
            touched |= groups_of[team]
            refresh(competition)
        while deferred and deferred[0][0] <= t:
            _, queued_at, sid, group = heapq.heappop(deferred)
            heapq.heappush(heads[group], (queued_at, sid))
            touched.add(group)
        changed(touched)
    return places


def median_durations(finished: Iterable[tuple[str, datetime, datetime]]) -> dict[str, float]:
    """The median run of each competition from (competition, started_at, finished_at)."""
    runs: dict[str, list[float]] = defaultdict(list)
    for competition, started, ended in finished:
        runs[competition].append(max(0.0, (as_aware(ended) - as_aware(started)).total_seconds()))
    return {competition: statistics.median(values) for competition, values in runs.items()}


def time_limit(snapshot: str | None, default: float) -> float:
    """The time limit in a ``SubmissionQueued`` snapshot (the fallback duration)."""
    if snapshot is None:
        return default
    try:
        return float(json.loads(snapshot)["execution"]["time_limit_s"])
    except (ValueError, KeyError, TypeError):
        return default


async def load(session: AsyncSession, *, slots: int, now: datetime, default_duration: float) -> Snapshot:
    """Read the queue, the runs going and the recent durations, and simulate."""
    queued_rows = await repository.queue(session)
    running_rows = await repository.running_brief(session)
    durations = median_durations(await repository.recent_runs(session, RECENT_RUNS))
    competitions = {r.competition_id for r in queued_rows} | {r.competition_id for r in running_rows}
    for competition in competitions - durations.keys():
        snapshot = await repository.latest_snapshot(session, competition)
        durations[competition] = time_limit(snapshot, default_duration)
    caps: dict[str, int | None] = {}
    for row in queued_rows:  # ordered by queued_at: the newest cap of each competition stays
        caps[row.competition_id] = row.max_concurrent
    # tenths of a second for 10,000 queued runs: off the event loop
    places = await asyncio.to_thread(
        simulate,
        [_queued(r) for r in queued_rows],
        [Running(r.team_id, r.competition_id, as_aware(r.started_at)) for r in running_rows],
        slots=max(slots, len(running_rows)),
        now=now,
        durations=durations,
        caps=caps,
        last_started=await repository.last_started_of_queued(session),
        default_duration=default_duration,
    )
    return Snapshot(places, running=len(running_rows), queued=len(queued_rows), taken_at=now)


def _queued(row: Any) -> Queued:
    not_before = as_aware(row.not_before) if row.not_before is not None else None
    return Queued(row.submission_id, row.team_id, row.competition_id, as_aware(row.queued_at), not_before)


class Snapshots:
    """The latest ``Snapshot``, taken again once it is ``ttl_s`` old: every reader
    polling a submission's status shares one simulation per ``ttl_s``."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, slots: int, ttl_s: float) -> None:
        self.sessionmaker = sessionmaker
        self.slots = slots
        self.ttl_s = ttl_s
        self._latest: Snapshot | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> Snapshot:
        async with self._lock:
            latest = self._latest
            if latest is None or (utcnow() - latest.taken_at).total_seconds() >= self.ttl_s:
                async with self.sessionmaker() as session:
                    latest = await load(
                        session, slots=self.slots, now=utcnow(), default_duration=DEFAULT_DURATION
                    )
                self._latest = latest
            return latest


def positions(places: dict[str, Place], ids: Sequence[str]) -> list[int | None]:
    """The positions of ``ids`` (None for one not queued): for tests and logs."""
    return [p.position if (p := places.get(i)) is not None else None for i in ids]
