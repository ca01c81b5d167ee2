"""A host's scoring program: uploaded as a form, tried on the smoke sample, kept only
when the trial succeeds; the scoring log of a submission, for the host alone.

The orchestrator here is a real HTTP server on a loopback port speaking
``POST /internal/v1/scoring-runs`` (``fake_scoring.py``); the gateway reaches it over
the network, with the service credential.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from holdout.processes import free_port
from services.gateway.app import create_app
from services.gateway.config import GatewaySettings
from services.gateway.models import Stage, Submission
from shared.bus.memory import InProcessBus
from shared.scoring_runs import log_key
from shared.storage import LocalStorage, Storage
from tests.conftest import INTERNAL_TOKEN
from tests.gateway.conftest import ADMIN_TOKEN, CHEAP_PASSWORD_HASHING, Gateway, Upstreams, make_zip
from tests.gateway.fake_scoring import fake_orchestrator
from tests.servers import serving

SMOKE_LABELS = "id,target\n1,0\n2,1\n3,1\n4,0\n"
REFERENCE = "id,target\n1,0\n2,1\n3,0\n4,0\n"
# reads the two files the sandbox mounts (the fake orchestrator says where with DATA)
SCORE_PY = b"""
import csv, json, os
data = os.environ.get("DATA", "/code_execution/data")
out = os.environ.get("OUT", "/code_execution/submission")
labels = {r["id"]: r["target"] for r in csv.DictReader(open(os.path.join(data, "labels.csv")))}
preds = {r["id"]: r["target"] for r in csv.DictReader(open(os.path.join(data, "predictions.csv")))}
wrong = sum(preds.get(i) != t for i, t in labels.items())
print(f"scored {len(labels)} rows")
scores = {"public": {"error_rate": wrong / len(labels), "rows": len(labels)}}
json.dump(scores, open(os.path.join(out, "scores.json"), "w"))
"""
FAILING_PY = b"import sys\nprint('loading the weights table')\nsys.exit('KeyError: weights')\n"


@pytest.fixture
async def storage(data_dir: Path) -> Storage:
    return LocalStorage(data_dir / "storage")


@pytest.fixture
async def orchestrator(storage: Storage, data_dir: Path) -> AsyncIterator[str]:
    async with serving(fake_orchestrator(storage), GatewaySettings(data_dir=data_dir)) as served:
        yield served.url


async def _gateway(
    data_dir: Path, storage: Storage, orchestrator_url: str, **overrides: Any
) -> AsyncIterator[Gateway]:
    """The gateway calling the orchestrator over the network (no stand-in transport)."""
    settings = GatewaySettings(
        data_dir=data_dir,
        admin_token=ADMIN_TOKEN,
        orchestrator_url=orchestrator_url,
        internal_token=INTERNAL_TOKEN,
        **{**CHEAP_PASSWORD_HASHING, **overrides},
    )
    bus = InProcessBus()
    app = create_app(settings, bus=bus, storage=storage)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield Gateway(client, bus, storage, app.state.runtime, settings, Upstreams(), [], app)
    await bus.close()


@pytest.fixture
async def gwp(data_dir: Path, storage: Storage, orchestrator: str) -> AsyncIterator[Gateway]:
    async for gateway in _gateway(data_dir, storage, orchestrator):
        yield gateway


async def _stage_ready(gw: Gateway, host: dict[str, str], smoke: bool = True) -> None:
    await gw.ready_competition(host)
    if smoke:
        r = await gw.client.put(
            "/api/v1/competitions/titanic/smoke/labels", content=SMOKE_LABELS.encode(), headers=host
        )
        assert r.status_code == 200, r.text


def _upload(
    gw: Gateway, who: dict[str, str], program: bytes, reference: str = REFERENCE, **fields: str
) -> Any:
    return gw.client.put(
        "/api/v1/competitions/titanic/stages/1/scoring-program",
        files={
            "program": ("score.zip", program, "application/zip"),
            "reference": ("reference.csv", reference.encode(), "text/csv"),
        },
        data=fields,
        headers=who,
    )


async def test_a_program_that_passes_its_trial_is_kept_with_its_keys_and_scores(gwp: Gateway) -> None:
    host = await gwp.user("hana", is_host=True)
    await _stage_ready(gwp, host)
    program = make_zip({"score.py": SCORE_PY, "lib/util.py": b"X = 1\n"})

    r = await _upload(gwp, host, program, runtime="gpu-2026")

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["keys"] == ["error_rate", "rows"]
    assert body["trial"]["public"] == {"error_rate": 0.25, "rows": 4.0}
    assert body["trial"]["private"] == {}
    assert "scored 4 rows" in body["trial"]["log_tail"]
    assert body["runtime"] == "gpu-2026" and body["version"] == 1 and body["stage_position"] == 1
    competition = (await gwp.client.get("/api/v1/competitions/titanic", headers=host)).json()
    stored = await gwp.storage.get_bytes("programs", f"{competition['id']}/1.zip")
    assert stored == program
    reference = await gwp.storage.get_bytes("programs", f"{competition['id']}/1-reference.csv")
    assert reference == REFERENCE.encode()
    assert (
        await gwp.client.get("/api/v1/competitions/titanic/stages/1/scoring-program", headers=host)
    ).json() == body

    # the runtime defaults to the stage's; a second program is version 2
    again = await _upload(gwp, host, program)
    assert again.status_code == 200, again.text
    assert again.json()["runtime"] == "default" and again.json()["version"] == 2


async def test_a_later_stage_keeps_its_own_program_tried_on_its_own_sample(gwp: Gateway) -> None:
    host = await gwp.user("hana", is_host=True)
    await _stage_ready(gwp, host)
    competition = (await gwp.client.get("/api/v1/competitions/titanic", headers=host)).json()
    # the stages API makes such rows; here one is written as it would be
    async with gwp.runtime.sessionmaker() as session:
        stage = Stage(
            competition_id=uuid.UUID(competition["id"]),
            position=2,
            stage_name="Finals",
            metric="accuracy",
            runtime="finals-runtime",
            limits={"time_limit_s": 30, "memory_mb": 512, "cpus": 1.0},
            daily_quota=1,
            smoke_daily_quota=1,
            smoke_labels_version=1,
        )
        session.add(stage)
        await session.commit()
        stage_id = stage.id
    # every label of this stage's sample differs from the first stage's
    await gwp.storage.put_bytes("labels", f"{stage_id}/smoke-1.csv", b"id,target\n1,1\n2,0\n")

    r = await gwp.client.put(
        "/api/v1/competitions/titanic/stages/2/scoring-program",
        files={
            "program": ("s.zip", make_zip({"score.py": SCORE_PY})),
            "reference": ("r.csv", REFERENCE.encode()),
        },
        headers=host,
    )

    assert r.status_code == 200, r.text
    body = r.json()
    assert body["stage_position"] == 2 and body["trial"]["public"] == {"error_rate": 1.0, "rows": 2.0}
    assert body["runtime"] == "finals-runtime" and body["time_limit_s"] == 30 and body["memory_mb"] == 512
    assert await gwp.storage.exists("programs", f"{stage_id}/1.zip")
    first = await gwp.client.get("/api/v1/competitions/titanic/stages/1/scoring-program", headers=host)
    assert first.status_code == 404


async def test_a_failing_trial_is_refused_with_its_log_and_the_old_program_stays(gwp: Gateway) -> None:
    host = await gwp.user("hana", is_host=True)
    await _stage_ready(gwp, host)
    good = await _upload(gwp, host, make_zip({"score.py": SCORE_PY}))
    assert good.status_code == 200, good.text

    r = await _upload(gwp, host, make_zip({"score.py": FAILING_PY}))

    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "scoring-program-failed"
    assert problem["run_status"] == "program_failed" and problem["exit_code"] == 1
    assert "loading the weights table" in problem["log_tail"] and "KeyError: weights" in problem["log_tail"]
    kept = await gwp.client.get("/api/v1/competitions/titanic/stages/1/scoring-program", headers=host)
    assert kept.json() == good.json()
    competition = (await gwp.client.get("/api/v1/competitions/titanic", headers=host)).json()
    assert await gwp.storage.list("programs", f"{competition['id']}/") == [
        f"{competition['id']}/1-reference.csv",
        f"{competition['id']}/1.zip",
    ]


async def test_a_program_whose_scores_are_not_numbers_is_refused(gwp: Gateway) -> None:
    host = await gwp.user("hana", is_host=True)
    await _stage_ready(gwp, host)
    writes_text = (
        b"import json, os\n"
        b"json.dump({'public': {'note': 'fine'}}, open(os.environ['OUT'] + '/scores.json', 'w'))\n"
    )
    r = await _upload(gwp, host, make_zip({"score.py": writes_text}))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "scoring-program-failed" and "no column scores" in r.json()["detail"]


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        (b"not a zip at all", "not a zip archive"),
        (make_zip({"main.py": b"print(1)\n"}), "score.py must be at the root"),
        (make_zip({"scorer/score.py": SCORE_PY}), "zip the folder's contents"),
    ],
)
async def test_an_archive_without_score_py_at_its_root_is_refused(
    gwp: Gateway, program: bytes, expected: str
) -> None:
    host = await gwp.user("hana", is_host=True)
    await _stage_ready(gwp, host)
    r = await _upload(gwp, host, program)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid-scoring-program" and expected in r.json()["detail"]
    missing = await gwp.client.get("/api/v1/competitions/titanic/stages/1/scoring-program", headers=host)
    assert missing.status_code == 404 and missing.json()["code"] == "no-scoring-program"


async def test_the_form_must_hold_both_files(gwp: Gateway) -> None:
    host = await gwp.user("hana", is_host=True)
    await _stage_ready(gwp, host)
    url = "/api/v1/competitions/titanic/stages/1/scoring-program"
    only = await gwp.client.put(
        url, files={"program": ("s.zip", make_zip({"score.py": SCORE_PY}))}, headers=host
    )
    assert only.status_code == 422 and "no reference part" in only.json()["detail"]
    raw = await gwp.client.put(url, content=make_zip({"score.py": SCORE_PY}), headers=host)
    assert raw.status_code == 415 and raw.json()["accepted"] == ["multipart/form-data"]
    extra = await gwp.client.put(
        url, files={"program": ("s.zip", b"x"), "labels": ("l.csv", b"id\n")}, headers=host
    )
    assert extra.status_code == 422 and "unexpected form part 'labels'" in extra.json()["detail"]


async def test_a_part_over_its_cap_is_refused_as_it_arrives(
    data_dir: Path, storage: Storage, orchestrator: str
) -> None:
    async for gw in _gateway(data_dir, storage, orchestrator, max_labels_bytes=1000):
        host = await gw.user("hana", is_host=True)
        await _stage_ready(gw, host)
        r = await _upload(gw, host, make_zip({"score.py": SCORE_PY}), reference="id,target\n" + "1,0\n" * 400)
        assert r.status_code == 413, r.text
        assert r.json()["code"] == "payload-too-large" and "reference predictions" in r.json()["detail"]
        assert list((data_dir / "uploads").iterdir()) == []  # no spooled part is left behind


async def test_no_smoke_sample_labels_is_a_conflict(gwp: Gateway) -> None:
    host = await gwp.user("hana", is_host=True)
    await _stage_ready(gwp, host, smoke=False)
    r = await _upload(gwp, host, make_zip({"score.py": SCORE_PY}))
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "no-smoke-sample" and "upload the smoke sample" in r.json()["detail"]


async def test_only_the_host_manages_the_program(gwp: Gateway) -> None:
    host = await gwp.user("hana", is_host=True)
    other = await gwp.user("pat")
    await _stage_ready(gwp, host)
    r = await _upload(gwp, other, make_zip({"score.py": SCORE_PY}))
    assert r.status_code == 403 and r.json()["code"] == "host-only"
    url = "/api/v1/competitions/titanic/stages/1/scoring-program"
    assert (await gwp.client.get(url, headers=other)).status_code == 403
    assert (await gwp.client.delete(url, headers=other)).status_code == 403
    assert (
        await gwp.client.get("/api/v1/competitions/titanic/stages/2/scoring-program", headers=host)
    ).json()["code"] == "stage-not-found"


async def test_deleting_the_program_goes_back_to_registry_metrics(gwp: Gateway) -> None:
    host = await gwp.user("hana", is_host=True)
    await _stage_ready(gwp, host)
    assert (await _upload(gwp, host, make_zip({"score.py": SCORE_PY}))).status_code == 200
    url = "/api/v1/competitions/titanic/stages/1/scoring-program"

    # a column that reads the program's key holds the program in place
    competition = (await gwp.client.get("/api/v1/competitions/titanic", headers=host)).json()
    async with gwp.runtime.sessionmaker() as session:
        from services.gateway.models import Competition

        row = await session.get(Competition, uuid.UUID(competition["id"]))
        assert row is not None
        row.columns = [{"key": "error_rate", "metric": None, "higher_is_better": False}]
        await session.commit()
    refused = await gwp.client.delete(url, headers=host)
    assert refused.status_code == 409 and refused.json()["code"] == "program-columns"
    assert "error_rate" in refused.json()["detail"]

    async with gwp.runtime.sessionmaker() as session:
        row = await session.get(Competition, uuid.UUID(competition["id"]))
        assert row is not None
        row.columns = []
        await session.commit()
    assert (await gwp.client.delete(url, headers=host)).status_code == 204
    assert (await gwp.client.get(url, headers=host)).json()["code"] == "no-scoring-program"


async def test_a_trial_needs_the_keys_the_stage_columns_read(gwp: Gateway) -> None:
    from services.gateway.models import Competition

    host = await gwp.user("hana", is_host=True)
    await _stage_ready(gwp, host)
    competition = (await gwp.client.get("/api/v1/competitions/titanic", headers=host)).json()
    async with gwp.runtime.sessionmaker() as session:
        row = await session.get(Competition, uuid.UUID(competition["id"]))
        assert row is not None
        row.columns = [{"key": "weighted_error", "metric": None}]
        await session.commit()
    r = await _upload(gwp, host, make_zip({"score.py": SCORE_PY}))
    assert r.status_code == 422, r.text
    assert "weighted_error" in r.json()["detail"]


async def test_an_unreachable_orchestrator_is_a_503_and_nothing_is_kept(
    data_dir: Path, storage: Storage
) -> None:
    async for gw in _gateway(data_dir, storage, f"http://127.0.0.1:{free_port()}"):
        host = await gw.user("hana", is_host=True)
        await _stage_ready(gw, host)
        r = await _upload(gw, host, make_zip({"score.py": SCORE_PY}))
        assert r.status_code == 503, r.text
        assert r.json()["code"] == "service-unavailable" and "orchestrator" in r.json()["detail"]
        competition = (await gw.client.get("/api/v1/competitions/titanic", headers=host)).json()
        assert await storage.list("programs", f"{competition['id']}/") == []
        missing = await gw.client.get("/api/v1/competitions/titanic/stages/1/scoring-program", headers=host)
        assert missing.status_code == 404


async def test_the_scoring_log_is_the_hosts_alone(gwp: Gateway) -> None:
    host = await gwp.user("hana", is_host=True)
    ada = await gwp.user("ada")
    await _stage_ready(gwp, host)
    assert (
        await gwp.client.post("/api/v1/competitions/titanic/teams", json={"name": "ada"}, headers=ada)
    ).status_code == 201
    r = await gwp.submit(ada)
    assert r.status_code == 202, r.text
    submission = r.json()["id"]
    url = f"/api/v1/competitions/titanic/submissions/{submission}/scoring-log"

    none_yet = await gwp.client.get(url, headers=host)
    assert none_yet.status_code == 404 and none_yet.json()["code"] == "no-scoring-log"

    # as the consumer of submission.scoring_failed records it
    key = log_key(f"{submission}-1-2")
    await gwp.storage.put_bytes("outputs", key, b"Traceback: KeyError 'weights'\n")
    async with gwp.runtime.sessionmaker() as session:
        await session.execute(
            update(Submission).where(Submission.id == uuid.UUID(submission)).values(scoring_log_key=key)
        )
        await session.commit()

    shown = await gwp.client.get(url, headers=host)
    assert shown.status_code == 200 and shown.text == "Traceback: KeyError 'weights'\n"
    assert shown.headers["content-type"].startswith("text/plain")
    assert (await gwp.client.get(url, headers=gwp.admin)).status_code == 200
    hidden = await gwp.client.get(url, headers=ada)
    assert hidden.status_code == 404 and hidden.json()["code"] == "submission-not-found"
    other = await gwp.client.get(
        f"/api/v1/competitions/titanic/submissions/{uuid.uuid4()}/scoring-log", headers=host
    )
    assert other.status_code == 404 and other.json()["code"] == "submission-not-found"
