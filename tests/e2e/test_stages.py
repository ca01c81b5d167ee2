"""A two-stage competition end to end: a development stage where teams submit, then an
evaluation-only final stage that re-runs every team's finals on its own data when it
opens, charged to no quota, whose private board comes from those re-runs. On the
embedded defaults and on the production wiring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from holdout.client import ApiError, HoldoutClient
from holdout.digits import DigitsData, build_dataset
from tests.e2e.conftest import Platform, create_digits_competition, poll
from tests.e2e.test_whole_path import local_accuracy

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def final_digits(tmp_path_factory: pytest.TempPathFactory) -> DigitsData:
    """The final stage's own test data: another split of the digits."""
    return build_dataset(tmp_path_factory.mktemp("final-digits"), seed=11)


async def refused(call: Any) -> dict[str, Any]:
    with pytest.raises(ApiError) as caught:
        await call
    problem: dict[str, Any] = caught.value.body
    return problem


async def put_file(c: HoldoutClient, path: str, file: Path, content_type: str) -> Any:
    return await c._json("PUT", path, content=file.read_bytes(), headers={"Content-Type": content_type})


async def stages_path(
    p: Platform, digits: DigitsData, final_digits: DigitsData, zips: dict[str, Path]
) -> None:
    comp, host_token = await create_digits_competition(p, digits)
    base = f"/api/v1/competitions/{comp['id']}"
    async with p.client(host_token) as h:
        later = datetime.now(UTC) + timedelta(hours=1)
        final = await h._json(
            "POST",
            f"{base}/stages",
            json={
                "name": "Final",
                "opens_at": later.isoformat(),
                "accepts_submissions": False,
                "feed": "finals",
            },
        )
        assert final["position"] == 2 and final["feed"] == "finals"
        await put_file(
            h, f"{base}/stages/2/data/features.csv", final_digits.features, "application/octet-stream"
        )
        await put_file(h, f"{base}/stages/2/labels", final_digits.labels, "text/csv")

    async with p.client() as admin:
        ada = await admin.create_participant("ada", comp["id"])
        linus = await admin.create_participant("linus", comp["id"])
    async with p.client(ada["token"]) as a, p.client(linus["token"]) as li:
        strong = await a.submit(comp["id"], zips["strong"])
        weak = await a.submit(comp["id"], zips["baseline"])
        other = await li.submit(comp["id"], zips["baseline"])
        for client, sub in ((a, strong), (a, weak), (li, other)):
            done = await client.wait_terminal(sub["id"], timeout=180)
            assert done["status"] == "scored", (done, p.dump_logs())
            assert done["stage_position"] == 1
        # ada picks her weaker run as her only final: the final stage must re-run that one
        await a._json("PUT", f"{base}/teams/mine/final-submissions", json={"submission_ids": [weak["id"]]})
        used_before = {
            name: (await c._json("GET", f"{base}/quota"))["submissions"]["used"]
            for name, c in (("ada", a), ("linus", li))
        }

        # the host ends the development stage now and opens the final a few seconds later
        async with p.client(host_token) as h:
            now = datetime.now(UTC)
            await h._json("PATCH", f"{base}/stages/1", json={"closes_at": now.isoformat()})
            await h._json(
                "PATCH", f"{base}/stages/2", json={"opens_at": (now + timedelta(seconds=4)).isoformat()}
            )
        between = await refused(li.submit(comp["id"], zips["strong"]))
        assert between["code"] == "between-stages", between
        assert between["closed_stage"] == 1 and between["next_stage"] == 2
        assert "Final" in between["detail"]

        async def final_open() -> bool:
            return bool((await li._json("GET", base))["current_stage"] == 2)

        await poll(final_open, timeout=60)
        no_uploads = await refused(li.submit(comp["id"], zips["strong"]))
        assert no_uploads["code"] == "stage-takes-no-uploads", no_uploads

    # one re-run per team's finals: ada's chosen one, linus's best (his only) run
    async with p.client(host_token) as h:

        async def reruns_scored() -> list[dict[str, Any]] | None:
            items = (await h._json("GET", f"{base}/submissions", params={"limit": 100}))["items"]
            reruns = [s for s in items if s["stage_position"] == 2]
            if len(reruns) == 2 and all(s["status"] == "scored" for s in reruns):
                return reruns
            return None

        reruns = await poll(reruns_scored, timeout=240)
        assert {s["rerun_of"] for s in reruns} == {weak["id"], other["id"]}
        await h._json("POST", f"{base}/reveal")
        private = await h._json("GET", f"{base}/leaderboard/private", params={"stage": 2})
    by_team = {e["team_name"]: e for e in private["entries"]}
    assert set(by_team) == {"ada", "linus"}
    assert {e["submission_id"] for e in private["entries"]} == {s["id"] for s in reruns}
    # both re-ran the baseline model: each private score is its accuracy on the final data's private rows
    expected = local_accuracy(zips["baseline"], final_digits, "Private")
    for entry in private["entries"]:
        assert entry["score"] == pytest.approx(expected)
    # the development board is untouched by the final stage
    async with p.client(ada["token"]) as a:
        development = await a._json("GET", f"{base}/leaderboard", params={"stage": 1})
        assert strong["id"] in {e["submission_id"] for e in development["entries"]}
        # re-runs cost nobody quota: the final stage's counter is untouched, so is the first's
        assert (await a._json("GET", f"{base}/quota"))["submissions"]["used"] == 0
    assert used_before == {"ada": 2, "linus": 1}


async def test_two_stages_on_embedded_defaults(
    embedded: Platform, digits: DigitsData, final_digits: DigitsData, digits_zips: dict[str, Path]
) -> None:
    await stages_path(embedded, digits, final_digits, digits_zips)


async def test_two_stages_on_the_production_wiring(
    distributed: Platform, digits: DigitsData, final_digits: DigitsData, digits_zips: dict[str, Path]
) -> None:
    await stages_path(distributed, digits, final_digits, digits_zips)
