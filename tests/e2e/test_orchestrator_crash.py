"""The orchestrator killed with SIGKILL mid-run, on the production wiring (separate
processes, PostgreSQL, RabbitMQ): the killed run's sandbox dies with it, the restart
removes the control groups it left (nothing is left over), and the interrupted run is
queued again as attempt 2 and scored. The platform's fault costs the team nothing: one
submission, one score."""

from __future__ import annotations

import os
import secrets
import zipfile
from pathlib import Path
from typing import Any

import pytest

from holdout.client import HoldoutClient
from holdout.digits import DigitsData
from services.orchestrator.executors.local import cgroups
from tests.e2e.conftest import _delete_rabbit_namespace, create_digits_competition, poll, start_distributed

pytestmark = pytest.mark.e2e

SLOW_MAIN = """\
import csv
import subprocess
import sys

# a child that sleeps with MARKER in its command line, so the test can find the run's processes
subprocess.run([sys.executable, "-c", "import time; time.sleep(4)", "{marker}"], check=True)
with open("/code_execution/data/features.csv") as f, \\
        open("/code_execution/submission/submission.csv", "w", newline="") as out:
    w = csv.writer(out)
    w.writerow(["id", "label"])
    for row in csv.DictReader(f):
        w.writerow([row["id"], 0])
"""


def run_cgroups(submission_id: str, attempt: int) -> list[Path]:
    """The control groups of one run, in every controller (the orchestrator's parents are
    this process's: it was started from here)."""
    return sorted(
        entry
        for parent in set(cgroups.parent_dirs().values())
        for entry in parent.iterdir()
        if entry.name.startswith("holdout-") and f"-{submission_id}-{attempt}-" in entry.name
    )


def processes_with(needle: str) -> list[int]:
    """Host processes whose command line contains ``needle``."""
    found = []
    encoded = needle.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if encoded in f.read():
                    found.append(int(entry))
        except OSError:
            continue  # it ended while we looked
    return found


async def test_a_run_interrupted_by_sigkill_leaves_nothing_behind_and_is_scored_on_attempt_2(
    platform_dir: Path,
    runtimes_dir: Path,
    pg_database: Any,
    amqp_url: str,
    bus_namespace: str,
    digits: DigitsData,
    tmp_path: Path,
) -> None:
    marker = f"holdout-crash-{secrets.token_hex(6)}"
    archive = tmp_path / "slow.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("main.py", SLOW_MAIN.format(marker=marker))

    p = await start_distributed(platform_dir, runtimes_dir, pg_database, amqp_url, bus_namespace)
    try:
        comp, _ = await create_digits_competition(p, digits)
        async with p.client() as admin:
            ada = await admin.create_participant("ada", comp["id"])
        async with p.client(ada["token"]) as c:
            sid = (await c.submit(comp["id"], archive))["id"]

            async def sandbox_running() -> bool:
                return bool(processes_with(marker))

            await poll(sandbox_running, timeout=120)
            assert (await c.submission(sid))["status"] in ("queued", "running")

            p.kill("orchestrator")  # SIGKILL to its process group, mid-run

            async def all_gone() -> bool:
                return not processes_with(marker) and not processes_with(sid)

            await poll(all_gone, timeout=20)  # the sandbox died with its parent
            left = run_cgroups(sid, 1)
            assert len(left) == len(set(cgroups.parent_dirs().values())), left  # its cgroups stay

            orchestrator_url = p.env["HOLDOUT_ORCHESTRATOR_URL"]
            p.start("orchestrator", "serve", "orchestrator", "--port", orchestrator_url.rsplit(":", 1)[1])
            async with HoldoutClient(orchestrator_url) as o:
                await o.wait_ready(60)
            assert run_cgroups(sid, 1) == [], "the restart removes the killed run's cgroups"
            assert not any(path.exists() for path in left)

            done = await c.wait_terminal(sid, timeout=180)
            assert done["status"] == "scored", p.dump_logs()
            assert done["failure_reason"] is None and done["public_score"] is not None
            # attempt 2 ran whole: its resources include the 4 s sleep
            assert done["resources"]["wall_seconds"] >= 4
            assert done["resources"]["peak_memory_mb"] > 0

        async with p.internal_client("orchestrator") as http:
            execution = (await http.get(f"/internal/v1/executions/{sid}")).json()
        ended = (execution["status"], execution["attempt"], execution["failure_reason"])
        assert ended == ("finished", 2, None)
        assert "execution.requeued_after_interruption" in p.logs["orchestrator"].read_text()
        assert processes_with(marker) == []
        assert run_cgroups(sid, 1) == [] and run_cgroups(sid, 2) == []

        async with p.client(ada["token"]) as c:
            mine = (await c._json("GET", f"/api/v1/competitions/{comp['id']}/submissions"))["items"]
        assert [(s["id"], s["status"]) for s in mine] == [(sid, "scored")]
    finally:
        p.stop_all()
        await _delete_rabbit_namespace(amqp_url, bus_namespace)
