"""A host in the browser: create a competition in the console (the API's messages next
to the field), upload its data with progress bars, see every submission, reveal."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from holdout.digits import DigitsData
from tests.web.conftest import OpenAs, Site

pytestmark = pytest.mark.e2e


def test_host_creates_uploads_and_reveals(
    site: Site, data: DigitsData, zips: dict[str, Path], open_as: OpenAs
) -> None:
    _, admin = site
    host_token = admin.create_user("console-host", is_host=True)
    page = open_as(host_token)
    page.goto("/")
    page.get_by_role("link", name="New competition").click()
    page.get_by_label("Slug", exact=True).fill("console-digits")
    page.get_by_label("Title", exact=True).fill("Console digits")
    page.get_by_label("Overview (Markdown)", exact=True).fill("# Digits\n\nPredict **label**.")
    page.get_by_label("Metric", exact=True).fill("no-such-metric")
    page.get_by_role("button", name="Create competition").click()
    # the API's message sits next to the field it is about
    metric_error = page.locator(".field.invalid").filter(has=page.get_by_label("Metric", exact=True))
    expect(metric_error.get_by_role("alert")).to_contain_text("unknown metric 'no-such-metric'")
    page.get_by_label("Metric", exact=True).fill("accuracy")
    page.get_by_label("Memory (MB)", exact=True).fill("0")
    page.get_by_role("button", name="Create competition").click()
    memory_error = page.locator(".field.invalid").filter(has=page.get_by_label("Memory (MB)", exact=True))
    expect(memory_error.get_by_role("alert")).to_contain_text("greater than 0")
    page.get_by_label("Memory (MB)", exact=True).fill("1024")
    page.get_by_role("button", name="Create competition").click()
    expect(page).to_have_url("/c/console-digits/host")

    # data and labels, each with its progress bar
    for form, path in (("Test features", data.features), ("Hidden labels", data.labels)):
        box = page.get_by_role("form", name=form)
        box.get_by_label(f"{form}: file", exact=True).set_input_files(str(path))
        box.get_by_role("button", name="Upload").click()
        expect(box.get_by_role("status")).to_contain_text("uploaded")
        expect(box.get_by_role("progressbar")).to_have_attribute("value", "100")
    expect(page.get_by_text("Hidden labels: version 1")).to_be_visible()

    # editing: the settings form at the bottom of the console
    settings = page.get_by_role("form", name="Edit the competition")
    settings.get_by_label("Title", exact=True).fill("Console digits, edited")
    settings.get_by_label("Real runs per team per day", exact=True).fill("7")
    settings.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Console digits, edited", level=1)).to_be_visible()
    assert admin("GET", "/competitions/console-digits")["daily_quota"] == 7

    # a participant's run shows up in the console's list
    player = admin.create_user("console-player")
    p = admin.as_user(player)
    p.join("console-digits", "players")
    p.wait_for(p.submit("console-digits", zips["baseline"])["id"])
    expect(page.get_by_test_id("host-submission-row")).to_have_count(1, timeout=20_000)
    page.get_by_label("Status").select_option("failed")
    expect(page.get_by_test_id("host-submission-row")).to_have_count(0)

    page.get_by_label("Status").select_option("")

    # rescoring, followed to its end; the board as CSV
    page.get_by_role("button", name="Rescore every scored submission").click()
    expect(page.get_by_text("1 of 1 submissions rescored.")).to_be_visible(timeout=60_000)
    with page.expect_download() as csv:
        page.get_by_role("button", name="public board").click()
    assert "players" in csv.value.path().read_text()

    page.get_by_role("button", name="Reveal the private board…").click()
    page.get_by_role("button", name="Yes, reveal it now").click()
    expect(page.get_by_text("The private board was revealed")).to_be_visible()
    assert admin("GET", "/competitions/console-digits")["revealed_at"] is not None

    # a visitor now sees the private board
    visitor = open_as(None)
    visitor.goto("/c/console-digits/leaderboard")
    visitor.get_by_role("tab", name="Private").click()
    expect(visitor.get_by_test_id("board-row")).to_have_count(1)
