"""``python -m tests.web.screenshots DIR`` (``make screenshots``): PNGs of the main pages
from a real browser run: ``holdout up``, the digits competition with three teams, and
headless Chromium. The README shows them."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

from holdout.digits import build_dataset, build_example
from shared.settings import default_data_dir
from tests.browser import launch_chromium
from tests.web.platform import running_platform

OVERVIEW = """Recognise 8x8 handwritten digits: predict `label` (0-9) for every `id`.

## Data
`features.csv` holds 64 pixel columns `p0`..`p63` (0-16). Your code reads
`/code_execution/data/features.csv` and writes `/code_execution/submission/submission.csv`.

## Scoring
Accuracy on the hidden labels; half of them rank the public board, the other half the private one.
"""


def shoot(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    runtimes = Path(os.environ.get("HOLDOUT_RUNTIMES_DIR", default_data_dir() / "runtimes"))
    shots: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp, running_platform(runtimes) as (_, admin):
        data = build_dataset(Path(tmp) / "data")
        zips = {n: build_example(n, data, Path(tmp)) for n in ("strong", "baseline", "broken")}
        host_token = admin.create_user("host", is_host=True)
        host = admin.as_user(host_token)
        host.create_competition(data, slug="digits", description=OVERVIEW, closes_at="2027-03-31T23:59:59Z")
        tokens = {}
        for user, team, example in (
            ("ada", "Lovelace Labs", "strong"),
            ("grace", "Hopper", "baseline"),
            ("linus", "Penguins", "broken"),
        ):
            tokens[user] = admin.create_user(user)
            c = admin.as_user(tokens[user])
            c.join("digits", team)
            c.wait_for(c.submit("digits", zips[example])["id"])
        ada = admin.as_user(tokens["ada"])
        ada.wait_for(ada.submit("digits", zips["broken"])["id"])
        ada.wait_for(ada.submit("digits", zips["baseline"])["id"])

        with sync_playwright() as pw:
            browser: Browser = launch_chromium(pw)

            def page_for(token: str | None, width: int = 1200) -> Page:
                ctx = browser.new_context(base_url=admin.base, viewport={"width": width, "height": 800})
                if token:
                    ctx.add_init_script(f"localStorage.setItem('holdout.token', {token!r})")
                return ctx.new_page()

            def snap(page: Page, name: str) -> None:
                page.wait_for_load_state("networkidle")
                path = out / f"{name}.png"
                page.screenshot(path=str(path), full_page=True)
                shots.append(path)

            p = page_for(tokens["ada"])
            p.goto("/")
            expect(p.get_by_role("link", name="Handwritten digits")).to_be_visible()
            snap(p, "competitions")
            p.goto("/c/digits")
            expect(p.get_by_role("heading", name="Overview")).to_be_visible()
            snap(p, "competition")
            p.goto("/c/digits/leaderboard")
            expect(p.get_by_test_id("board-row")).to_have_count(2)
            snap(p, "leaderboard")
            p.goto("/c/digits/team")
            expect(p.get_by_test_id("invite-code")).to_be_visible()
            snap(p, "team")
            p.goto("/c/digits/submit")
            p.get_by_label("Solution zip", exact=True).set_input_files(str(zips["strong"]))
            p.get_by_role("button", name="Submit").click()
            expect(p.get_by_test_id("live-submission").get_by_test_id("status")).to_have_text(
                "scored", timeout=120_000
            )
            snap(p, "submit")
            p.goto("/c/digits/submissions")
            expect(p.get_by_test_id("submission-row")).to_have_count(4)
            snap(p, "submissions")
            p.get_by_test_id("submission-row").filter(has_text="failed").get_by_role(
                "link", name="Log"
            ).click()
            expect(p.get_by_test_id("reason")).to_be_visible()
            snap(p, "submission-failed")

            h = page_for(host_token)
            h.goto("/c/digits/host")
            expect(h.get_by_test_id("host-submission-row").first).to_be_visible()
            snap(h, "host-console")
            h.goto("/host/new")
            h.get_by_label("Slug", exact=True).fill("Bad Slug")
            h.get_by_label("Title", exact=True).fill("A new competition")
            h.get_by_role("button", name="Create competition").click()
            expect(h.locator(".field-error").first).to_be_visible()
            snap(h, "host-new-competition")

            v = page_for(None)
            v.goto("/login")
            snap(v, "login")
            v.goto("/signup")
            v.get_by_label("Username", exact=True).fill("newcomer")
            v.get_by_label("E-mail", exact=True).fill("newcomer@example.org")
            v.get_by_label("Password", exact=True).fill("short")
            v.get_by_role("button", name="Create account").click()
            expect(v.locator(".field-error").first).to_be_visible()
            snap(v, "signup")

            p.goto("/account/tokens")
            p.get_by_label("Token name", exact=True).fill("laptop")
            p.get_by_role("button", name="Create token").click()
            expect(p.get_by_test_id("new-token")).to_be_visible()
            snap(p, "tokens")

            for name, path in (
                ("leaderboard-375", "/c/digits/leaderboard"),
                ("competition-375", "/c/digits"),
            ):
                m = page_for(tokens["ada"], width=375)
                m.goto(path)
                expect(m.get_by_role("heading", name="Handwritten digits")).to_be_visible()
                snap(m, name)
            browser.close()
    return shots


if __name__ == "__main__":
    for shot in shoot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")):
        print(shot)
