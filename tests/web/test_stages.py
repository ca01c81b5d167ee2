"""Stages in the browser: the overview says which stage is open and lists every stage;
the leaderboard picks a stage and shows each of its columns; the submit page says why
uploads are refused in an evaluation-only stage and between stages; a fed stage's
re-runs are marked; the host adds a stage and uploads its data. A host's stage name with
markup in it is shown as text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from holdout.digits import DigitsData
from tests.support import eventually_sync
from tests.web.conftest import OpenAs, Site
from tests.web.test_live_and_xss import SCRIPT

pytestmark = pytest.mark.e2e


def _at(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def test_overview_and_board_by_stage(
    site: Site, data: DigitsData, zips: dict[str, Path], open_as: OpenAs
) -> None:
    _, admin = site
    host_token = admin.create_user("stage-host", is_host=True)
    host = admin.as_user(host_token)
    comp = host.create_competition(data, opens_at=_at(-timedelta(hours=1)), closes_at=_at(timedelta(hours=1)))
    slug = comp["slug"]
    columns = [
        {"key": "accuracy", "metric": "accuracy", "precision": 2},
        {"key": "f1", "metric": "f1_macro", "precision": 3},
        {"key": "secret", "metric": "balanced_accuracy", "hidden": True},  # the host's alone until the reveal
    ]
    host("PATCH", f"/competitions/{slug}/stages/1", json={"columns": columns})
    finals = f"Finals {SCRIPT}"
    host(
        "POST",
        f"/competitions/{slug}/stages",
        json={
            "name": finals,
            "opens_at": _at(timedelta(hours=1)),
            "closes_at": _at(timedelta(hours=2)),
            "accepts_submissions": False,
            "feed": "finals",
        },
    )
    token = admin.create_user("stage-player")
    player = admin.as_user(token)
    player.join(slug, "stagers")
    assert player.wait_for(player.submit(slug, zips["strong"])["id"])["status"] == "scored"

    page = open_as(token)
    page.goto(f"/c/{slug}")
    now = page.get_by_test_id("current-stage")
    expect(now).to_contain_text("Stage 1")
    expect(now).to_contain_text("closes")
    stages = page.get_by_test_id("stage")
    expect(stages).to_have_count(2)
    expect(stages.nth(0).get_by_test_id("stage-state")).to_have_text("open")
    expect(stages.nth(1).get_by_test_id("stage-state")).to_have_text("upcoming")
    expect(stages.nth(1)).to_contain_text(finals)  # the host's markup, as text
    expect(stages.nth(1)).to_contain_text("evaluation only")
    expect(stages.nth(1).get_by_test_id("stage-feed")).to_have_text("re-runs the finals of stage 1")
    assert page.locator("[data-testid=stages] script").count() == 0

    # the board opens on the open stage, with every column (the ranking one first, marked)
    page.goto(f"/c/{slug}/leaderboard")
    select = page.get_by_test_id("stage-select")
    expect(select).to_have_value("1")
    columns = page.get_by_test_id("board-column")
    expect(columns).to_have_count(2, timeout=30_000)
    expect(columns.nth(0)).to_contain_text("accuracy")
    expect(columns.nth(0)).to_contain_text("ranks")
    expect(columns.nth(1)).to_have_text("f1")
    row = page.get_by_test_id("board-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("board-score")).to_have_text(re.compile(r"^\d\.\d{2}$"))  # its precision
    expect(row.get_by_test_id("board-cell")).to_have_text(re.compile(r"^\d\.\d{3}$"))
    hosting = open_as(host_token)
    hosting.goto(f"/c/{slug}/leaderboard")
    expect(hosting.get_by_test_id("board-column")).to_have_count(2)  # the public board: as everyone's
    hosting.get_by_role("tab", name="Private").click()
    expect(hosting.get_by_test_id("board-column")).to_have_count(3)  # the host's private board: all
    expect(hosting.get_by_test_id("board-column").nth(2)).to_have_text("secret")
    with page.expect_request(lambda r: "/leaderboard?" in r.url and "stage=2" in r.url):
        select.select_option("2")
    expect(page.get_by_text("No team has a score yet.")).to_be_visible()

    # my submissions say which stage each belongs to
    page.goto(f"/c/{slug}/submissions")
    expect(page.get_by_test_id("submission-row").get_by_test_id("stage")).to_have_text("1")
    assert page.evaluate("window.__pwned") is None


def test_submit_page_explains_refused_uploads(
    site: Site, data: DigitsData, zips: dict[str, Path], open_as: OpenAs
) -> None:
    _, admin = site
    host = admin.as_user(admin.create_user("refusing-host", is_host=True))
    past = {"opens_at": _at(-timedelta(hours=3)), "closes_at": _at(-timedelta(hours=2))}
    evaluating = host.create_competition(data, **past)["slug"]
    host(
        "POST",
        f"/competitions/{evaluating}/stages",
        json={"name": "Re-run", "opens_at": _at(-timedelta(hours=1)), "accepts_submissions": False}
        | {"feed": "finals"},
    )
    between = host.create_competition(data, **past)["slug"]
    host(
        "POST",
        f"/competitions/{between}/stages",
        json={"name": "Round two", "opens_at": _at(timedelta(hours=5)), "closes_at": _at(timedelta(hours=6))},
    )
    token = admin.create_user("refused-player")
    player = admin.as_user(token)
    page = open_as(token)
    for slug, notice, refusal in (
        (evaluating, "Stage 2 (Re-run) is evaluation-only", "evaluation-only and takes no uploads"),
        (between, "No stage is open for uploads now. Stage 2 (Round two) opens", "stage 1 ('Main') closed"),
    ):
        player.join(slug, f"team {slug}")
        page.goto(f"/c/{slug}/submit")
        expect(page.get_by_test_id("upload-notice")).to_contain_text(notice)
        page.get_by_test_id("drop-zip").locator("input[type=file]").set_input_files(zips["strong"])
        page.get_by_role("button", name="Submit").click()
        refused = page.get_by_test_id("upload-refused")
        expect(refused).to_contain_text(refusal)  # the API's words
    expect(refused).to_contain_text("Uploads open again in 4 h")  # the problem's opens_at


def test_host_adds_a_stage_and_uploads_its_data(site: Site, data: DigitsData, open_as: OpenAs) -> None:
    _, admin = site
    token = admin.create_user("stages-console-host", is_host=True)
    host = admin.as_user(token)
    slug = host.create_competition(data, closes_at=_at(timedelta(days=1)))["slug"]
    page = open_as(token)
    page.goto(f"/c/{slug}/host")
    rows = page.get_by_test_id("host-stage-row")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("stage-data")).to_contain_text("features.csv")

    form = page.get_by_role("form", name="Add a stage")
    form.get_by_label("Name", exact=True).fill("Private test")
    form.get_by_label("Opens", exact=True).fill("2030-01-01T00:00")
    form.get_by_label("Takes uploads").uncheck()
    form.get_by_role("button", name="Add the stage").click()
    expect(form.get_by_role("alert")).to_contain_text("give it a feed")  # the API's words
    form.get_by_label("Feed", exact=True).select_option("finals")
    form.get_by_role("button", name="Add the stage").click()
    expect(form.get_by_role("status")).to_have_text("Stage 2 added.")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("evaluation only; re-runs the finals of stage 1")
    expect(rows.nth(1).get_by_test_id("stage-data")).to_contain_text("Features: none yet")

    box = page.get_by_role("form", name="Stage 2 test features")
    box.get_by_label("Stage 2 test features: file", exact=True).set_input_files(str(data.features))
    box.get_by_role("button", name="Upload").click()
    expect(box.get_by_role("status")).to_contain_text("uploaded")
    expect(rows.nth(1).get_by_test_id("stage-data")).to_contain_text("Features: features.csv")
    (_, second) = host("GET", f"/competitions/{slug}/stages")["items"]
    assert [f["filename"] for f in second["data_files"]] == ["features.csv"]


def test_a_fed_stage_shows_its_reruns(
    site: Site, data: DigitsData, zips: dict[str, Path], open_as: OpenAs
) -> None:
    _, admin = site
    host = admin.as_user(admin.create_user("feeding-host", is_host=True))
    slug = host.create_competition(
        data, opens_at=_at(-timedelta(hours=1)), closes_at=_at(timedelta(hours=1))
    )["slug"]
    final = {
        "name": "Final",
        "opens_at": _at(timedelta(hours=1)),
        "accepts_submissions": False,
        "feed": "finals",
    }
    host("POST", f"/competitions/{slug}/stages", json=final)
    octets, csv = {"Content-Type": "application/octet-stream"}, {"Content-Type": "text/csv"}
    host(
        "PUT",
        f"/competitions/{slug}/stages/2/data/features.csv",
        content=data.features.read_bytes(),
        headers=octets,
    )
    host("PUT", f"/competitions/{slug}/stages/2/labels", content=data.labels.read_bytes(), headers=csv)
    token = admin.create_user("fed-player")
    player = admin.as_user(token)
    player.join(slug, "fed team")
    original = player.wait_for(player.submit(slug, zips["strong"])["id"])
    assert original["status"] == "scored"

    # the first stage ends now and the final one opens: the stage clock re-runs the finals
    now = _at(timedelta(seconds=1))
    host("PATCH", f"/competitions/{slug}/stages/1", json={"closes_at": now})
    host("PATCH", f"/competitions/{slug}/stages/2", json={"opens_at": now})
    eventually_sync(  # the clock ticks every few seconds
        lambda: [s for s in player("GET", f"/competitions/{slug}/submissions")["items"] if s["rerun_of"]],
        60,
        interval=0.5,
        what="the final stage re-running the finals",
    )
    page = open_as(token)
    page.goto(f"/c/{slug}/submissions")
    rerun = page.get_by_test_id("submission-row").filter(has=page.get_by_test_id("rerun"))
    expect(rerun).to_have_count(1)
    expect(rerun.get_by_test_id("stage")).to_have_text("2")
    expect(rerun.get_by_test_id("rerun")).to_have_text(f"re-run of {original['id'][:8]}")

    page.goto(f"/c/{slug}")
    expect(page.get_by_test_id("current-stage")).to_contain_text("Stage 2: Final")
    expect(page.get_by_test_id("evaluation-only")).to_be_visible()
    expect(page.get_by_test_id("current-stage")).to_contain_text("it re-runs the finals of stage 1")


def test_host_adds_a_training_stage_once_the_model_source_allows_it(
    site: Site, data: DigitsData, open_as: OpenAs
) -> None:
    _, admin = site
    token = admin.create_user("training-console-host", is_host=True)
    host = admin.as_user(token)
    slug = host.create_competition(data, closes_at=_at(timedelta(days=1)))["slug"]
    page = open_as(token)
    page.goto(f"/c/{slug}/host")
    rows = page.get_by_test_id("host-stage-row")
    expect(rows).to_have_count(1)

    form = page.get_by_role("form", name="Add a stage")
    form.get_by_label("Name", exact=True).fill("Training")
    form.get_by_label("Opens", exact=True).fill("2030-01-01T00:00")
    form.get_by_label("Kind", exact=True).select_option("training")
    form.get_by_role("button", name="Add the stage").click()
    # the competition still takes models only from the zip: the API's words say what to change
    expect(form.get_by_role("alert")).to_contain_text("model_source")
    host("PATCH", f"/competitions/{slug}", json={"model_source": "platform"})
    form.get_by_role("button", name="Add the stage").click()
    expect(form.get_by_role("status")).to_have_text("Stage 2 added.")
    expect(rows.nth(1)).to_contain_text("training: takes uploads")
    (_, second) = host("GET", f"/competitions/{slug}/stages")["items"]
    assert second["kind"] == "training"
