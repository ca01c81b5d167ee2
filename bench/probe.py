"""A bench-only probe: database round trips and commits per submission, per service.

``python -m bench.probe [--wiring embedded|production] [-n N]`` starts the platform
(``bench.noop``) with every service process run under this module's wrapper
(``python -m bench.probe --child COUNTS -- <holdout args>``), which hangs SQLAlchemy
event listeners on every engine before the service starts: each commit, each
statement (a round trip) and each BEGIN is counted per database and written to
``COUNTS`` every 0.2 s. Then N no-op submissions go one after another from the 202 to
the board; the counters' growth over them, divided by N, is what one submission costs
each service. Not a benchmark with a goal: a measuring tool for where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from shared.settings import SERVICES


def _service_of(url: str) -> str:
    for name in SERVICES:
        if name in url.rsplit("/", 1)[-1]:
            return name
    return url.rsplit("/", 1)[-1]


def _install(counts_path: Path) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    counts: Counter[str] = Counter()
    lock = threading.Lock()

    def bump(conn: Any, what: str) -> None:
        with lock:
            counts[f"{_service_of(str(conn.engine.url))}.{what}"] += 1

    by_statement = bool(os.environ.get("BENCH_PROBE_STATEMENTS"))

    def on_execute(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        bump(conn, "statements")
        if by_statement:  # which statements: their first words
            bump(conn, "sql " + " ".join(statement.split())[:90])
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            conn.info["probe_wrote"] = True

    def on_commit(conn: Any) -> None:
        # a commit that wrote is a durable one (an fsync on SQLite, a WAL flush on
        # PostgreSQL); a read-only transaction's commit costs a round trip only
        bump(conn, "write_commits" if conn.info.pop("probe_wrote", False) else "read_commits")

    event.listen(Engine, "commit", on_commit)
    event.listen(Engine, "rollback", lambda conn: conn.info.pop("probe_wrote", None))
    event.listen(Engine, "before_cursor_execute", on_execute)

    def dump() -> None:
        while True:
            with lock:
                text = json.dumps(counts)
            tmp = counts_path.with_suffix(".tmp")
            tmp.write_text(text)
            tmp.replace(counts_path)
            time.sleep(0.2)

    threading.Thread(target=dump, name="probe-dump", daemon=True).start()


def child(counts_path: str, argv: list[str]) -> None:
    _install(Path(counts_path))
    from holdout_client.cli import main

    sys.argv = ["holdout", *argv]
    main()


def _read(paths: list[Path]) -> Counter[str]:
    total: Counter[str] = Counter()
    for path in paths:
        if path.exists():
            total.update(json.loads(path.read_text()))
    return total


async def measure(wiring: str, n: int) -> dict[str, float]:
    from bench.noop import noop_platform
    from bench.p1_latency import new_team, timed_submission

    counts_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"holdout-probe-{os.getpid()}"
    counts_dir.mkdir(exist_ok=True)
    paths: list[Path] = []

    def wrap(name: str) -> list[str]:
        path = counts_dir / f"{name}.json"
        paths.append(path)
        return [sys.executable, "-m", "bench.probe", "--child", str(path), "--"]

    async with noop_platform(
        f"probe-{wiring}",
        os.cpu_count() or 1,
        wiring=wiring,
        scheduler_poll_s=None,
        wrap=wrap,  # type: ignore[arg-type]
    ) as s:
        for i in range(2):  # warm-up: the first submission fills caches
            await timed_submission(s, await new_team(s, 1000 + i))
        teams = [await new_team(s, i) for i in range(n)]
        await asyncio.sleep(1.0)
        before = _read(paths)
        for token in teams:
            await timed_submission(s, token)
        await asyncio.sleep(1.5)  # the last events' relays and consumers finish
        after = _read(paths)
    # the board is read on each of its live events meanwhile: those reads are counted too
    return {k: (after[k] - before[k]) / n for k in sorted(after) if after[k] > before[k]}


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[4:])
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("--wiring", default="embedded", choices=["embedded", "production"])
    parser.add_argument("-n", type=int, default=10)
    args = parser.parse_args()
    per = asyncio.run(measure(args.wiring, args.n))
    for key, value in per.items():
        print(f"{key:40s} {value:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
