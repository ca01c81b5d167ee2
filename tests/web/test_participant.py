"""A participant in the browser: log in, team up, submit, watch the run end, finals."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from holdout.digits import DigitsData
from holdout.processes import HOLDOUT
from tests.web.conftest import OpenAs, Site

pytestmark = pytest.mark.e2e


def test_participant_flow(
    site: Site, data: DigitsData, zips: dict[str, Path], open_as: OpenAs, tmp_path: Path, runtimes_dir: Path
) -> None:
    _, admin = site
    host = admin.as_user(admin.create_user("webhost", is_host=True))
    comp = host.create_competition(data, final_count=1)
    slug = comp["slug"]
    bob = admin.create_user("bob")

    # a new user signs up (a session cookie from now on, and its CSRF header on every change)
    page = open_as(None)
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username", exact=True).fill("ada")
    page.get_by_label("E-mail", exact=True).fill("ada@example.org")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_role("button", name="Create account").click()
    password_field = page.locator(".field.invalid").filter(has=page.get_by_label("Password", exact=True))
    expect(password_field.get_by_role("alert")).to_be_visible()
    page.get_by_label("Password", exact=True).fill("correct horse battery staple")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_test_id("whoami")).to_have_text("ada")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["holdout_session"]["httpOnly"] and not cookies["holdout_csrf"]["httpOnly"]
    assert page.evaluate("localStorage.getItem('holdout.token')") is None

    # the rules first: before accepting them, nothing can be downloaded
    page.goto(f"/c/{slug}")
    expect(page.get_by_text("Log in and accept the rules to download.")).to_be_visible()
    page.get_by_role("button", name="Accept the rules").click()
    expect(page.get_by_test_id("rules-accepted")).to_be_visible()

    # the training data and the smoke sample, and a local test run on the downloaded sample
    with page.expect_download() as training:
        page.get_by_role("link", name="train.csv").click()
    assert training.value.path().read_bytes() == data.train.read_bytes()
    with page.expect_download() as smoke:
        page.get_by_role("link", name=f"{slug}-smoke.zip").click()
    sample = tmp_path / f"{slug}-smoke.zip"
    smoke.value.save_as(sample)
    local = subprocess.run(
        [HOLDOUT, "test-submission", str(zips["strong"]), "--competition", str(sample)],
        env={**os.environ, "HOLDOUT_RUNTIMES_DIR": str(runtimes_dir)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert local.returncode == 0, local.stdout + local.stderr
    assert "accuracy" in local.stdout

    page.goto(f"/c/{slug}/team")
    page.get_by_label("Team name", exact=True).fill("Ada's team")
    page.get_by_role("button", name="Create team").click()
    code = page.get_by_test_id("invite-code").inner_text()
    assert code

    # a second user, logging in with a token, joins with the invite code
    other = open_as(None)
    other.goto("/login")
    other.get_by_text("Use an access token instead").click()
    other.get_by_label("Access token", exact=True).fill(bob)
    other.get_by_role("button", name="Log in with token").click()
    expect(other.get_by_test_id("whoami")).to_have_text("bob")
    other.goto(f"/c/{slug}")
    other.get_by_role("button", name="Accept the rules").click()
    expect(other.get_by_test_id("rules-accepted")).to_be_visible()
    other.goto(f"/c/{slug}/team")
    other.get_by_label("Invite code", exact=True).fill(code)
    other.get_by_role("button", name="Join team").click()
    expect(other.get_by_role("listitem").filter(has_text="ada")).to_be_visible()
    expect(other.get_by_role("listitem").filter(has_text="bob (you)")).to_be_visible()

    # upload on the submit page: progress, then the status moves to scored without a reload
    page.goto(f"/c/{slug}/submit")
    expect(page.get_by_test_id("quota")).to_contain_text("20 of 20")
    page.get_by_label("Solution zip", exact=True).set_input_files(str(zips["strong"]))
    page.get_by_role("button", name="Submit").click()
    live = page.get_by_test_id("live-submission")
    expect(live.get_by_test_id("status")).to_have_text("scored", timeout=120_000)
    expect(live.get_by_test_id("score")).to_have_text(re.compile(r"^0\.9\d*"))
    expect(page.get_by_test_id("quota")).to_contain_text("19 of 20")

    # a failing submission: its reason and its log
    page.get_by_label("Solution zip", exact=True).set_input_files(str(zips["broken"]))
    page.get_by_role("button", name="Submit").click()
    expect(live.get_by_test_id("status")).to_have_text("failed", timeout=120_000)
    live.get_by_role("link", name="Details and log").click()
    expect(page.get_by_test_id("reason")).to_be_visible()
    expect(page.get_by_test_id("log")).not_to_be_empty()

    # my submissions: both listed; pick the scored one as the final
    page.get_by_role("link", name="My submissions").click()
    expect(page.get_by_test_id("submission-row")).to_have_count(2)
    page.get_by_role("checkbox").first.check()
    page.get_by_role("button", name=re.compile("Save final selection")).click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    finals = admin.as_user(bob)("GET", f"/competitions/{slug}/teams/mine/final-submissions")
    assert len(finals["submission_ids"]) == 1 and finals["default"] is False

    # the board highlights the team
    page.get_by_role("link", name="Leaderboard").click()
    expect(page.locator("tr.mine")).to_contain_text("Ada's team")


def test_account_pages_log_in_make_and_revoke_a_token(site: Site, open_as: OpenAs) -> None:
    _, admin = site
    page = open_as(None)
    page.goto("/signup")
    page.get_by_label("Username", exact=True).fill("tokenuser")
    page.get_by_label("E-mail", exact=True).fill("tokens@example.org")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_test_id("whoami")).to_have_text("tokenuser")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    page.goto("/login")
    page.get_by_label("Username or e-mail", exact=True).fill("tokens@example.org")
    page.get_by_label("Password", exact=True).fill("wrong password")
    page.get_by_role("button", name="Log in", exact=True).click()
    alert = page.get_by_role("form", name="Log in").get_by_role("alert")
    expect(alert).to_be_visible()
    assert "{" not in alert.inner_text()  # a sentence, not the raw problem
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_test_id("whoami")).to_have_text("tokenuser")

    page.get_by_role("link", name="Tokens").click()
    page.get_by_label("Token name", exact=True).fill("laptop")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_test_id("new-token").inner_text()
    assert token.startswith("hdt_")
    expect(page.get_by_test_id("token-row")).to_have_count(1)
    assert admin.as_user(token)("GET", "/users/me")["username"] == "tokenuser"

    page.get_by_role("button", name="Revoke laptop").click()
    expect(page.get_by_test_id("token-row")).to_have_count(0)
    assert admin.as_user(token).http.get("/users/me").status_code == 401
