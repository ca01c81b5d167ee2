"""Queue positions through the orchestrator's internal API, with runs the test holds and
releases (``GatedExecutor``): fair-share positions, estimates from the runs going and
the competition's recent durations, and both updated as runs finish. On SQLite and
PostgreSQL (the durations are read with a window function)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.orchestrator.test_scheduler import Orchestrator, orchestrator, poll


async def places(o: Orchestrator, ids: list[str]) -> dict[str, dict[str, Any]]:
    r = await o.client.get("/internal/v1/queue", params={"submission_ids": ",".join(ids)})
    assert r.status_code == 200, r.text
    return {item["submission_id"]: item for item in r.json()["items"]}


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_positions_follow_fair_share_and_update_as_runs_finish(
    data_dir: Path, database_url: str | None
) -> None:
    team_a, team_b = uuid.uuid4(), uuid.uuid4()
    async with orchestrator(data_dir, database_url, queue_snapshot_seconds=0) as o:
        a = [await o.queue(team_a, time_limit_s=600) for _ in range(50)]
        await o.started_count(2)  # two slots: A's first two runs go
        b = await o.queue(team_b, time_limit_s=600)

        # A has 2 going and 48 queued; B none going: B's first run is next
        r = await o.client.get(f"/internal/v1/queue/{b}")
        assert r.status_code == 200, r.text
        mine = r.json()
        assert (mine["status"], mine["position"], mine["ahead"], mine["running"]) == ("queued", 1, 0, 2)
        # no run of the competition has finished yet: the time limit is the estimate
        a0_started = at((await o.execution(a[0]))["started_at"])
        assert at(mine["estimated_start_at"]) == a0_started + timedelta(seconds=600)

        before = await places(o, a)
        assert [before[s]["position"] for s in a[2:]] == list(range(2, 50))
        assert before[a[0]]["status"] == "running" and before[a[0]]["position"] is None

        o.executor.release(a[0])  # its slot goes to B; A's next run moves up
        await o.status_is(b, "running")
        o.executor.release(b)
        await o.status_is(b, "finished")
        await o.started_count(4)  # and the freed slot to A's third run

        async def moved() -> dict[str, dict[str, Any]] | None:
            now = await places(o, a)
            return now if now[a[3]]["position"] == 1 else None

        after = await poll(moved)
        assert [after[s]["position"] for s in a[3:]] == list(range(1, 48))
        assert after[a[2]]["status"] == "running" and after[a[2]]["position"] is None
        # two runs finished in moments: the next start is expected about now, not in 600 s
        start = at(after[a[3]]["estimated_start_at"])
        assert start < at(after[a[3]]["updated_at"]) + timedelta(seconds=30)
        assert start < at(before[a[3]]["estimated_start_at"]) - timedelta(seconds=500)


async def test_the_queue_endpoints_refuse_bad_requests(data_dir: Path) -> None:
    async with orchestrator(data_dir) as o:
        sid = await o.queue(uuid.uuid4())
        assert (await o.client.get(f"/internal/v1/queue/{uuid.uuid4()}")).status_code == 404
        r = await o.client.get("/internal/v1/queue", params={"submission_ids": f"{sid},nope"})
        assert r.status_code == 422 and "'nope' is not a submission id" in r.json()["detail"]
        many = ",".join(str(uuid.uuid4()) for _ in range(201))
        r = await o.client.get("/internal/v1/queue", params={"submission_ids": many})
        assert r.status_code == 422 and "at most 200" in r.json()["detail"]
        # repeated parameters work too; an unknown id is left out
        repeated = [("submission_ids", sid), ("submission_ids", str(uuid.uuid4()))]
        r = await o.client.get("/internal/v1/queue", params=repeated)
        assert [i["submission_id"] for i in r.json()["items"]] == [sid]
        # the service credential is required
        r = await o.client.get(f"/internal/v1/queue/{sid}", headers={"Authorization": ""})
        assert r.status_code == 401
