"""An open leaderboard updates when another team scores; HTML or script in a
competition's overview, a stage's name, a team's name, a run's log or a host's reason for a
runtime change is shown as text, never run; the pinned runtime and its changes are shown."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from holdout.digits import DigitsData
from tests.web.conftest import OpenAs, Site

pytestmark = pytest.mark.e2e

SCRIPT = "<script>window.__pwned = 1; alert('xss')</script>"
IMG = "<img src=x onerror=\"window.__pwned = 1; alert('xss')\">"


def test_open_board_updates_when_another_team_scores(
    site: Site, data: DigitsData, zips: dict[str, Path], open_as: OpenAs
) -> None:
    _, admin = site
    host = admin.as_user(admin.create_user("live-host", is_host=True))
    slug = host.create_competition(data)["slug"]
    page = open_as(None)
    page.goto(f"/c/{slug}/leaderboard")
    expect(page.get_by_test_id("live")).to_have_text("live")
    expect(page.get_by_text("No team has a score yet.")).to_be_visible()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/api/" in r.url else None)

    for name, example in (("grace", "baseline"), ("linus", "strong")):
        p = admin.as_user(admin.create_user(f"live-{name}"))
        p.join(slug, f"team {name}")
        assert p.wait_for(p.submit(slug, zips[example])["id"])["status"] == "scored"
    rows = page.get_by_test_id("board-row")
    expect(rows).to_have_count(2, timeout=30_000)
    expect(rows.first).to_contain_text("team linus")  # the strong example ranks first
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # never reloaded
    assert any("/leaderboard?" in u for u in requests)  # re-read on the server's event


def test_html_and_script_are_shown_as_text(
    site: Site, data: DigitsData, tmp_path: Path, open_as: OpenAs
) -> None:
    _, admin = site
    host = admin.as_user(admin.create_user("xss-host", is_host=True))
    markdown = f"# Heading\n\n{SCRIPT}\n\n{IMG}\n\n[x](javascript:alert(1))"
    slug = host.create_competition(data, description=markdown, rules=markdown)["slug"]
    token = admin.create_user("xss-player")
    player = admin.as_user(token)
    player.join(slug, IMG)
    noisy = tmp_path / "noisy.zip"
    with zipfile.ZipFile(noisy, "w") as z:
        z.writestr("main.py", f"print({SCRIPT!r})\nprint({IMG!r})\nraise SystemExit(3)\n")
    sub = player.wait_for(player.submit(slug, noisy, smoke=False)["id"])
    assert sub["status"] == "failed"
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    host("POST", f"/competitions/{slug}/stages", json={"name": f"Final {IMG}", "opens_at": later})

    page = open_as(token)
    page.goto(f"/c/{slug}")
    stage = page.get_by_test_id("stage").nth(1)
    expect(stage).to_contain_text(f"Final {IMG}")
    assert page.get_by_test_id("stages").locator("script, img").count() == 0
    overview, rules = page.locator(".markdown").first, page.get_by_role("region", name="Rules (version 1)")
    for shown in (overview, rules):
        expect(shown).to_contain_text(SCRIPT)
        expect(shown).to_contain_text(IMG)
        assert shown.locator("script, img").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0

    page.goto(f"/c/{slug}/team")
    expect(page.locator(".team-name").first).to_have_text(IMG)

    page.goto(f"/c/{slug}/submissions/{sub['id']}")
    log = page.get_by_test_id("log")
    expect(log).to_contain_text(SCRIPT)
    expect(log).to_contain_text(IMG)
    assert log.locator("script, img").count() == 0
    assert page.evaluate("window.__pwned") is None  # no injected script ran (an alert also fails the test)


def test_runtime_pin_and_its_changes_are_shown_and_the_reason_as_text(
    site: Site, data: DigitsData, open_as: OpenAs
) -> None:
    _, admin = site
    host_token = admin.create_user("pin-host", is_host=True)
    slug = admin.as_user(host_token).create_competition(data)["slug"]
    pinned = admin("GET", f"/competitions/{slug}")["runtime_digest"]
    assert pinned and pinned.startswith("sha256:")

    page = open_as(host_token)
    page.goto(f"/c/{slug}/host")
    form = page.get_by_role("form", name="Pin the runtime")
    expect(page.get_by_test_id("host-pinned-runtime")).to_contain_text(f"default pinned to {pinned[:19]}")
    # the API's message when the runtime does not exist
    form.get_by_label("Runtime", exact=True).fill("no-such-runtime")
    form.get_by_role("button", name="Pin the runtime").click()
    expect(form.get_by_role("alert")).to_contain_text(
        "Unknown runtime 'no-such-runtime'; choose one of: default, default-gpu"
    )
    form.get_by_label("Runtime", exact=True).fill("default-gpu")
    form.get_by_label("Reason (shown to participants)", exact=True).fill(f"GPU now {IMG}")
    form.get_by_role("button", name="Pin the runtime").click()
    expect(form.get_by_role("status")).to_contain_text("Pinned to sha256:")
    [change] = admin("GET", f"/competitions/{slug}/runtime/changes")["items"]
    assert (change["from_runtime"], change["to_runtime"]) == ("default", "default-gpu")

    # participants (here a visitor) see the pin and the change, the host's reason as text
    visitor = open_as(None)
    visitor.goto(f"/c/{slug}")
    new = change["to_digest"]
    expect(visitor.get_by_test_id("pinned-runtime")).to_contain_text(f"default-gpu pinned to {new[:19]}")
    shown = visitor.get_by_role("region", name="Runtime changes").get_by_test_id("runtime-change")
    expect(shown).to_have_count(1)
    expect(shown).to_contain_text(f"default {pinned[:19]} → default-gpu {new[:19]}")
    expect(shown).to_contain_text(f"GPU now {IMG}")
    assert shown.locator("script, img").count() == 0
    assert visitor.evaluate("window.__pwned") is None
