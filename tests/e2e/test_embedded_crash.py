"""`holdout up` killed with SIGKILL while submissions are in flight, then started again on
the same data directory: every submission reaches its end within a minute of the
restarted platform being ready, none is lost, none runs twice, and the board is what it
would have been.

At the kill some runs wait queued (one runs at a time), one is in the sandbox, and some
are being scored or wait to be (a host's scoring program that takes a while, two at once),
so events sit in the in-process bus that no consumer has acked yet. They survive as
their publishers' outbox rows, marked sent only on the ack (``shared/db.OutboxRelay`` on
a bus that is not durable), and are delivered again at the restart; the inboxes absorb
what had been handled. Before that, such events were gone with the process and only the
gateway's reconciler ended their submissions, many minutes later.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import zipfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from holdout.client import TERMINAL, HoldoutClient
from holdout.digits import DigitsData, build_smoke_sample
from holdout.processes import Platform, base_env
from shared.settings import SERVICES
from tests.e2e.conftest import create_digits_competition, poll
from tests.e2e.test_scoring_programs import WEIGHTED_ERROR, program_zip, upload_program

pytestmark = pytest.mark.e2e

SUBMISSIONS = 5
RESTART_BUDGET_S = 60.0  # every submission ends within this of the restarted platform being ready

# each submission predicts one label for every row (its own), after a pause that keeps
# it in the sandbox long enough to be caught there
CONSTANT_MAIN = """\
import csv
import time

time.sleep(2)
with open("/code_execution/data/features.csv") as f, \\
        open("/code_execution/submission/submission.csv", "w", newline="") as out:
    w = csv.writer(out)
    w.writerow(["id", "label"])
    for row in csv.DictReader(f):
        w.writerow([row["id"], {label}])
"""

# the class-weighted error of the scoring-program tests, slowly: a judgement lasts long
# enough to be caught mid-way
SLOW_WERR = "import time\ntime.sleep(2)\n" + WEIGHTED_ERROR


def constant_zip(out: Path, label: int) -> Path:
    archive = out / f"constant-{label}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("main.py", CONSTANT_MAIN.format(label=label))
    return archive


def public_werr(data: DigitsData, label: int) -> float:
    """What ``WEIGHTED_ERROR`` makes of predicting ``label`` for every public row."""
    labels = pd.read_csv(data.labels)
    public = labels[labels["Usage"] == "Public"]
    weight = public["label"].eq(8).map({True: 3.0, False: 1.0})
    return float((weight * public["label"].ne(label)).sum() / weight.sum())


def run_starts(log: Path, start: int = 0) -> Counter[tuple[str, int]]:
    """(submission, attempt) -> how many times the orchestrator started that run, from
    ``start`` on in the JSON log of ``holdout up``."""
    starts: Counter[tuple[str, int]] = Counter()
    with log.open("rb") as f:
        f.seek(start)
        for line in f:
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # not one of the structured lines
            if isinstance(entry, dict) and entry.get("event") == "execution.started":
                starts[(entry["submission_id"], int(entry["attempt"]))] += 1
    return starts


async def all_ready(p: Platform) -> None:
    """Until each of the four services answers ``/readyz`` (the gateway alone may be up first)."""
    for name in SERVICES:
        async with HoldoutClient(p.env[f"HOLDOUT_{name.upper()}_URL"]) as c:
            await c.wait_ready(120)


async def statuses(c: HoldoutClient, ids: list[str]) -> dict[str, str]:
    return {sid: (await c.submission(sid))["status"] for sid in ids}


async def test_sigkill_of_holdout_up_mid_flight_loses_nothing_and_runs_nothing_twice(
    platform_dir: Path, runtimes_dir: Path, digits: DigitsData, tmp_path: Path
) -> None:
    env = base_env(platform_dir, runtimes_dir)
    env.update(
        HOLDOUT_MAX_CONCURRENT_RUNS="1",
        HOLDOUT_SCORING_CONCURRENCY="2",
        # the killed judgement's claim holds its submission until it expires (30 s by
        # default): shorter, so the redelivered judgement is not held up past the minute
        HOLDOUT_SCORING_CLAIM_TTL_S="6",
        HOLDOUT_LOG_JSON="true",
        PYTHONUNBUFFERED="1",  # every log line is in the file when the process is killed
    )
    p = Platform(env, env["HOLDOUT_ADMIN_TOKEN"], platform_dir)
    p.start("up", "up")
    try:
        await all_ready(p)
        comp, host_token = await create_digits_competition(p, digits)
        base = f"/api/v1/competitions/{comp['id']}"
        smoke = build_smoke_sample(digits, tmp_path)
        async with p.client(host_token) as h:
            await h.upload_smoke_sample(comp["id"], smoke.features, smoke.labels)
            await upload_program(h, base, program_zip(tmp_path, "werr", SLOW_WERR), smoke.labels)
            columns = [{"key": "werr", "higher_is_better": False, "precision": 4}]
            await h._json("PATCH", f"{base}/stages/1", json={"columns": columns})

        async with p.client() as admin:
            users = [
                await admin.create_participant(f"team{label}-{secrets.token_hex(2)}", comp["id"])
                for label in range(SUBMISSIONS)
            ]

            async def submit(label: int) -> str:
                async with admin.as_user(users[label]["token"]) as a:
                    return str((await a.submit(comp["id"], constant_zip(tmp_path, label)))["id"])

            # a burst, as on deadline day: the one run slot leaves the rest queued
            ids = list(await asyncio.gather(*(submit(label) for label in range(SUBMISSIONS))))
            teams = dict(zip(ids, range(SUBMISSIONS), strict=True))  # submission -> its label

            seen: list[dict[str, str]] = []

            async def mixed() -> dict[str, str] | None:
                seen.append(await statuses(admin, ids))
                return seen[-1] if {"queued", "running", "scoring"} <= set(seen[-1].values()) else None

            at_kill = await poll(
                mixed,
                timeout=120,
                what=lambda: f"runs queued, running and scoring at once (last: {seen[-1:]})\n{p.dump_logs()}",
            )
            p.kill("up")  # SIGKILL to its process group, with all of that in flight

        log = p.logs["up"]
        first_life = run_starts(log)
        offset = log.stat().st_size
        p.start("up", "up")
        await all_ready(p)
        # the minute runs from here: the restart's own start-up (migrations checked, four
        # servers up) is no delivery's doing, and took over 40 s on a loaded 2-core machine
        async with p.client() as admin:
            now: list[dict[str, str]] = []

            async def all_ended() -> dict[str, str] | None:
                now.append(await statuses(admin, ids))
                return now[-1] if set(now[-1].values()) <= TERMINAL else None

            ended = await poll(
                all_ended,
                timeout=RESTART_BUDGET_S,
                what=lambda: f"every submission ended (at the kill: {at_kill}; now: {now[-1:]})",
            )
            assert ended == dict.fromkeys(ids, "scored"), (at_kill, p.dump_logs())
            board = await admin.leaderboard(comp["id"])
            subs = {sid: await admin.submission(sid) for sid in ids}

        # none run twice: one start per attempt; a second attempt only for a run the
        # kill interrupted (it was in the sandbox), never for one that had finished
        second_life = run_starts(log, offset)
        starts = first_life + second_life
        assert max(starts.values()) == 1, starts
        async with p.internal_client("orchestrator") as http:
            executions = {sid: (await http.get(f"/internal/v1/executions/{sid}")).json() for sid in ids}
        for sid in ids:
            attempt = executions[sid]["attempt"]
            assert (executions[sid]["status"], executions[sid]["failure_reason"]) == ("finished", None)
            assert {a for s, a in starts if s == sid} == set(range(1, attempt + 1)), (sid, starts)
            if at_kill[sid] in ("scoring", "scored"):  # its run had ended: it must not run again
                assert attempt == 1 and (sid, 1) not in second_life, (sid, at_kill[sid], starts)
            if attempt == 2:
                assert (sid, 1) in first_life and (sid, 2) in second_life, (sid, starts)

        # the board: every team once, with the error of its constant prediction, ranked
        expected = {sid: public_werr(digits, label) for sid, label in teams.items()}
        got = {e["submission_id"]: e["score"] for e in board["entries"]}
        assert board["total"] == SUBMISSIONS
        assert got == pytest.approx(expected)
        assert all(subs[sid]["public_score"] == pytest.approx(expected[sid]) for sid in ids)
        scores = [e["score"] for e in board["entries"]]
        assert scores == sorted(scores)  # lower is better
        assert board["entries"][0]["rank"] == 1
    finally:
        p.stop_all()
