"""``holdout demo``: the whole path on the embedded defaults, in one command.

Starts the four services in this process, creates the digits competition as a host,
has three teams upload the examples, waits for every run to end, and prints the
leaderboard and the failed example's reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from holdout.client import HoldoutClient
from holdout.digits import COMPETITION, build_dataset, build_example, build_smoke_sample
from shared.logging import configure_logging
from shared.settings import default_data_dir

EXAMPLES = (("ada", "strong"), ("grace", "baseline"), ("linus", "broken"))


async def run_demo(keep_running: bool | None) -> int:
    console = Console()
    root = default_data_dir()
    demo_dir = Path(os.environ.get("HOLDOUT_DATA_DIR", root / "demo"))
    if demo_dir == root / "demo":
        shutil.rmtree(demo_dir, ignore_errors=True)
    demo_dir.mkdir(parents=True, exist_ok=True)
    for p in (root, demo_dir):
        if p.exists():  # the root is not made when HOLDOUT_DATA_DIR points elsewhere
            p.chmod(0o755)
    admin_token = "hdt_admin_" + secrets.token_urlsafe(24)
    os.environ["HOLDOUT_DATA_DIR"] = str(demo_dir)
    os.environ.setdefault("HOLDOUT_RUNTIMES_DIR", str(root / "runtimes"))
    os.environ["HOLDOUT_ADMIN_TOKEN"] = admin_token
    configure_logging(os.environ.get("HOLDOUT_LOG_LEVEL", "WARNING"))

    from holdout.server import run_embedded

    ready, stop = asyncio.Event(), asyncio.Event()
    platform = asyncio.create_task(run_embedded(None, ready, stop))
    ready_or_dead = asyncio.create_task(ready.wait())
    await asyncio.wait([platform, ready_or_dead], return_when=asyncio.FIRST_COMPLETED)
    if platform.done():
        platform.result()
        return 1
    base = "http://127.0.0.1:8000"
    console.print(f"[bold]Holdout is up[/bold] (data in {demo_dir})")
    try:
        code = await _scenario(console, base, admin_token, demo_dir / "work")
        if keep_running is None:
            keep_running = sys.stdin.isatty() and sys.stdout.isatty()
        console.print(f"\nAPI docs: {base}/docs   OpenAPI: {base}/openapi.json")
        if keep_running and code == 0:
            console.print("Holdout keeps running; press Ctrl+C to stop.")
            await platform
        return code
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await platform


async def _scenario(console: Console, base: str, admin_token: str, work: Path) -> int:
    data = await asyncio.to_thread(build_dataset, work / "data")
    async with HoldoutClient(base, admin_token) as admin:
        await admin.wait_ready()
        host_user = await admin.create_user("host", is_host=True)
        async with admin.as_user(host_user["token"]) as host:
            comp = await host.create_competition(COMPETITION)
            await host.upload_data(comp["id"], data.features, "features.csv")
            await host.upload_labels(comp["id"], data.labels)
            smoke = await asyncio.to_thread(build_smoke_sample, data, work / "smoke")
            await host.upload_smoke_sample(comp["id"], smoke.features, smoke.labels)
            await host.upload_participant_file(comp["id"], data.train, "training")
            console.print(
                f"Competition [bold]{comp['title']}[/bold] created; test data, labels, the smoke "
                "sample and the training data uploaded."
            )

            submissions = []
            for username, example in EXAMPLES:
                # training runs in a worker thread: the platform shares this event loop
                archive = await asyncio.to_thread(build_example, example, data, work / "zips")
                user = await admin.create_participant(username, comp["id"])
                async with admin.as_user(user["token"]) as participant:
                    sub = await participant.submit(comp["id"], archive)
                    submissions.append((username, example, sub["id"]))
                    console.print(f"  {username} uploaded examples/digits/{example} -> {sub['status']}")

            console.print("Waiting for the runs to finish...")
            results = []
            for username, example, sid in submissions:
                results.append((username, example, await host.wait_terminal(sid, timeout=600)))
            for _username, _example, sub in results:
                if sub["status"] == "scored":
                    await host.wait_on_leaderboard(comp["id"], sub["id"])
            board = await host.leaderboard(comp["id"])

    table = Table(title=f"{comp['title']}: public leaderboard ({board['metric']})")
    for col in ("rank", "team", "score", "submissions"):
        table.add_column(col, justify="right" if col != "team" else "left")
    for e in board["entries"]:
        table.add_row(str(e["rank"]), e["team_name"], f"{e['score']:.4f}", str(e["submissions"]))
    console.print(table)
    failed = [r for r in results if r[2]["status"] == "failed"]
    for username, example, sub in failed:
        console.print(
            f"[bold]{username}[/bold] (examples/digits/{example}) failed: "
            f"[red]{sub['failure_reason']}[/red]: {sub['detail']}"
        )
    ok = len(board["entries"]) == 2 and [f[1] for f in failed] == ["broken"]
    if not ok:
        console.print("[red]The demo did not end as expected.[/red]")
    return 0 if ok else 1
