"""A participant in the browser: log in, team up, submit, watch the run end, finals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from holdout.digits import DigitsData
from tests.web.conftest import OpenAs, Site

pytestmark = pytest.mark.e2e


def test_participant_flow(site: Site, data: DigitsData, zips: dict[str, Path], open_as: OpenAs) -> None:
    _, admin = site
    host = admin.as_user(admin.create_user("webhost", is_host=True))
    comp = host.create_competition(data, final_count=1)
    slug = comp["slug"]
    ada, bob = admin.create_user("ada"), admin.create_user("bob")

    # logging in with a token through the login form
    page = open_as(None)
    page.goto("/login")
    page.get_by_label("Access token", exact=True).fill(ada)
    page.get_by_role("button", name="Log in with token").click()
    expect(page.get_by_test_id("whoami")).to_have_text("ada")

    page.goto(f"/c/{slug}/team")
    page.get_by_label("Team name", exact=True).fill("Ada's team")
    page.get_by_role("button", name="Create team").click()
    code = page.get_by_test_id("invite-code").inner_text()
    assert code

    # a second user joins with the invite code
    other = open_as(bob)
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
    finals = admin.as_user(ada)("GET", f"/competitions/{slug}/teams/mine/final-submissions")
    assert len(finals["submission_ids"]) == 1 and finals["default"] is False

    # the board highlights the team
    page.get_by_role("link", name="Leaderboard").click()
    expect(page.locator("tr.mine")).to_contain_text("Ada's team")
