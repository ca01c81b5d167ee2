"""P8: the web app as a browser sees it.

- ``value``: the JavaScript and CSS the first page (``/``, the competitions list) loads,
  gzipped, in kB (goal <= 200): every script and stylesheet response Chromium received
  while the page loaded, each body gzipped (level 6, as a server would) and summed.
- ``api_requests``: the API requests the public leaderboard page makes before its first
  50 rows are on screen (goal <= 3), opened cold by a visitor on a board of 60 teams.

Headless Chromium from Debian driven by Playwright, against ``holdout up`` on loopback
with the built ``web/dist``; the board is filled by 60 real (tiny) runs.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from bench.common import machine
from holdout.digits import COMPETITION, build_dataset
from holdout.processes import Platform, base_env
from services.gateway.webapp import DEFAULT_WEB_DIR
from shared.settings import default_data_dir
from tests.browser import launch_chromium

TEAMS = 60
ROWS = 50
KB_GOAL = 200.0
REQUESTS_GOAL = 3

CONSTANT = """\
import csv
with open("/code_execution/data/features.csv") as f:
    ids = [row["id"] for row in csv.DictReader(f)]
with open("/code_execution/submission/submission.csv", "w") as out:
    out.write("id,label\\n")
    for n, i in enumerate(ids):
        out.write(f"{i},{(n * {k}) % 10}\\n")
"""


async def _seed(p: Platform, work: Path) -> str:
    data = build_dataset(work / "data")
    async with p.client() as admin:
        await admin.wait_ready(60)
        host = await admin.create_user("host", is_host=True)
        async with admin.as_user(host["token"]) as h:
            comp = await h.create_competition({**COMPETITION, "slug": "p8", "daily_quota": 5})
            await h.upload_data(comp["id"], data.features, "features.csv")
            await h.upload_labels(comp["id"], data.labels)

        async def one_team(n: int) -> str:
            user = await admin.create_user(f"p{n:03d}")
            archive = work / f"team{n}.zip"
            with zipfile.ZipFile(archive, "w") as z:
                z.writestr("main.py", CONSTANT.replace("{k}", str(n % 7 + 1)))
            async with admin.as_user(user["token"]) as c:
                await c.accept_rules("p8")
                await c._json("POST", "/api/v1/competitions/p8/teams", json={"name": f"team {n:03d}"})
                sub = await c.submit("p8", archive)
                await c.wait_terminal(sub["id"], timeout=600)
                return str(sub["id"])

        ids = []
        for start in range(0, TEAMS, 8):
            ids += await asyncio.gather(*(one_team(n) for n in range(start, min(start + 8, TEAMS))))
        await admin.wait_on_leaderboard("p8", ids[-1], timeout=120)
    return "p8"


async def _measure(base: str, slug: str) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await launch_chromium(pw)
        try:
            # first page: every script and stylesheet it loads
            ctx = await browser.new_context(base_url=base)
            page = await ctx.new_page()
            assets: dict[str, int] = {}

            async def on_response(response: Any) -> None:
                if response.request.resource_type in ("script", "stylesheet"):
                    assets[response.url] = len(gzip.compress(await response.body(), 6))

            page.on("response", on_response)
            await page.goto("/", wait_until="networkidle")
            await page.get_by_role("heading", name="Competitions").wait_for()
            await ctx.close()

            # the board, cold: API requests until its first 50 rows show
            ctx = await browser.new_context(base_url=base)
            page = await ctx.new_page()
            api: list[str] = []
            page.on("request", lambda r: api.append(r.url) if "/api/" in r.url else None)
            await page.goto(f"/c/{slug}/leaderboard")
            await page.get_by_test_id("board-row").nth(ROWS - 1).wait_for()
            needed = list(api)
            await ctx.close()
        finally:
            await browser.close()
    return {"assets": assets, "api": needed}


async def run() -> dict[str, Any]:
    if not (DEFAULT_WEB_DIR / "index.html").is_file():
        raise RuntimeError("the web app is not built: run `make web`")
    with tempfile.TemporaryDirectory(prefix="holdout-p8-") as tmp:
        work = Path(tmp)
        (work / "platform").mkdir()
        work.chmod(0o755)
        (work / "platform").chmod(0o755)
        runtimes = Path(os.environ.get("HOLDOUT_RUNTIMES_DIR", default_data_dir() / "runtimes"))
        env = base_env(work / "platform", runtimes)
        env["HOLDOUT_LOG_LEVEL"] = "WARNING"
        p = Platform(env, env["HOLDOUT_ADMIN_TOKEN"], work / "platform")
        p.start("up", "up")
        try:
            slug = await _seed(p, work)
            m = await _measure(p.gateway_url, slug)
        finally:
            p.stop_all()
    kb = sum(m["assets"].values()) / 1000
    requests = len(m["api"])
    paths = [u.split("/api/v1", 1)[-1].split("?")[0] for u in m["api"]]
    return {
        "measure": "web app: first page's JS+CSS gzipped (kB); API requests for the board's first 50 rows",
        "value": kb,
        "p99": kb,
        "api_requests": requests,
        "goal": f"<= {KB_GOAL:.0f} kB and api_requests <= {REQUESTS_GOAL}",
        "met": kb <= KB_GOAL and requests <= REQUESTS_GOAL,
        "holdout": {
            "js_css_gzip_kb": kb,
            "files": len(m["assets"]),
            "api_requests": requests,
            "api_paths": paths,
        },
        "baseline": {"kb_goal": KB_GOAL, "requests_goal": REQUESTS_GOAL},
        "holdout_text": f"{kb:.1f} kB gzipped in {len(m['assets'])} files; board: {requests} API requests "
        f"({', '.join(paths)})",
        "baseline_text": f"goals {KB_GOAL:.0f} kB, {REQUESTS_GOAL} requests",
        "method": (
            "headless Chromium (Debian) via Playwright against `holdout up` serving web/dist. JS+CSS: every "
            "script/stylesheet response of a cold load of `/`, each body gzipped at level 6, summed. "
            f"api_requests: requests to /api/ a visitor's cold load of the public board makes until row "
            f"{ROWS} is on screen, on a board of {TEAMS} teams seeded by real runs."
        ),
        "machine": machine(),
    }
