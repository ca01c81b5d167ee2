"""Training stages through the gateway's API: the rules a competition's model source and
its stages' kinds keep together (each with its own 422), a training stage's run as it is
queued (its data, its model limit, no labels needed) and as it ends (``trained``, never
scored), and the next stage's inference run given the team's trained model, or refused
where only platform-trained models count."""

from __future__ import annotations

from typing import Any

from shared.events import FailureReason
from tests.gateway.conftest import LABELS, Gateway, make_zip
from tests.gateway.test_budgets import queued_event
from tests.gateway.test_consumers import finished
from tests.gateway.test_stages import STAGES, at

COMPETITION = "/api/v1/competitions/titanic"


async def patch(gw: Gateway, who: dict[str, str], path: str, body: dict[str, Any]) -> Any:
    return await gw.client.patch(path, json=body, headers=who)


async def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def test_a_training_stage_needs_a_model_source_that_takes_trained_models(gw: Gateway) -> None:
    host = await gw.user("host", is_host=True)
    comp = await gw.competition(host)
    assert comp["model_source"] == "upload" and comp["stages"][0]["kind"] == "inference"

    body = await problem(
        await patch(gw, host, f"{STAGES}/1", {"kind": "training"}), 422, "invalid-training-stage"
    )
    assert "model_source" in body["detail"] and "'platform'" in body["detail"] and body["stage"] == 1
    bad = await patch(gw, host, COMPETITION, {"model_source": "somewhere"})
    assert bad.status_code == 422, bad.text
    assert "model_source" in bad.text

    r = await patch(gw, host, COMPETITION, {"model_source": "platform"})
    assert r.status_code == 200 and r.json()["model_source"] == "platform", r.text
    r = await patch(gw, host, f"{STAGES}/1", {"kind": "training", "limits": {"model_limit_mb": 64}})
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "training" and r.json()["limits"]["model_limit_mb"] == 64
    # the limits it did not name keep their values (and the default model limit is 512 MiB)
    assert r.json()["limits"]["time_limit_s"] == comp["limits"]["time_limit_s"]
    assert comp["limits"]["model_limit_mb"] == 512

    # with a training stage, inference cannot go back to zip-only models
    body = await problem(
        await patch(gw, host, COMPETITION, {"model_source": "upload"}), 422, "invalid-training-stage"
    )
    assert (await gw.client.get(COMPETITION)).json()["model_source"] == "platform"
    # the model limit is bounded by the platform like every limit
    body = await problem(
        await patch(gw, host, f"{STAGES}/1", {"limits": {"model_limit_mb": 10**7}}), 422, "value-too-large"
    )
    assert body["setting"] == "HOLDOUT_MAX_RUN_MODEL_MB"


async def test_a_training_stage_takes_uploads_and_is_followed_by_no_feed(gw: Gateway) -> None:
    host = await gw.user("host", is_host=True)
    await gw.competition(host, opens_at=at(-1), closes_at=at(1), model_source="upload_or_platform")
    r = await gw.client.post(
        STAGES,
        json={
            "name": "Train",
            "opens_at": at(1),
            "kind": "training",
            "accepts_submissions": False,
            "feed": "all",
        },
        headers=host,
    )
    body = await problem(r, 422, "invalid-training-stage")
    assert "must accept submissions" in body["detail"] and body["stage"] == 2

    r = await patch(gw, host, f"{STAGES}/1", {"kind": "training"})
    assert r.status_code == 200, r.text
    r = await gw.client.post(
        STAGES, json={"name": "Final", "opens_at": at(1), "feed": "finals"}, headers=host
    )
    body = await problem(r, 422, "invalid-training-stage")
    assert "follows a training stage" in body["detail"]
    r = await gw.client.post(STAGES, json={"name": "Final", "opens_at": at(1)}, headers=host)
    assert r.status_code == 201 and r.json()["kind"] == "inference", r.text


async def training_then_inference(gw: Gateway, host: dict[str, str], source: str) -> None:
    """Stage 1 trains (open now, its data only: no labels), stage 2 infers (later, ready)."""
    await gw.competition(host, opens_at=at(-1), closes_at=at(1), model_source=source)
    r = await patch(gw, host, f"{STAGES}/1", {"kind": "training", "limits": {"model_limit_mb": 8}})
    assert r.status_code == 200, r.text
    r = await gw.client.put(f"{COMPETITION}/data/train.csv", content=b"id,x,target\n1,2,0\n", headers=host)
    assert r.status_code == 200, r.text
    r = await gw.client.post(STAGES, json={"name": "Inference", "opens_at": at(1)}, headers=host)
    assert r.status_code == 201, r.text
    r = await gw.client.put(f"{STAGES}/2/data/test.csv", content=b"id,x\n1,2\n", headers=host)
    assert r.status_code == 200, r.text
    r = await gw.client.put(f"{STAGES}/2/labels", content=LABELS.encode(), headers=host)
    assert r.status_code == 200, r.text


async def open_second_stage(gw: Gateway, host: dict[str, str]) -> None:
    r = await patch(gw, host, f"{STAGES}/1", {"opens_at": at(-2), "closes_at": at(-1)})
    assert r.status_code == 200, r.text
    r = await patch(gw, host, f"{STAGES}/2", {"opens_at": at(-0.5), "closes_at": at(1)})
    assert r.status_code == 200, r.text


async def test_training_run_is_queued_with_its_data_ends_trained_and_feeds_the_next_stage(
    gw: Gateway,
) -> None:
    host = await gw.user("host", is_host=True)
    ada, bob = await gw.user("ada"), await gw.user("bob")
    await training_then_inference(gw, host, "platform")

    # the training stage needs no labels; its run sees the stage's data, capped models
    r = await gw.submit(ada, body=make_zip({"main.py": b"train()", "pretrained.pt": b"w"}))
    assert r.status_code == 202, r.text
    q = await queued_event(gw, r.json()["id"])
    assert q.execution.kind == "training" and q.execution.model_limit_mb == 8
    assert q.execution.data_files == ["train.csv"] and q.execution.model_key is None
    trained = finished(q, exit_code=0, kind="training", model_key=f"{q.submission_id}/1/model.zip")
    await gw.bus.publish(trained)
    await gw.consumed(trained)
    done = await gw.status_of(r.json()["id"], ada)
    assert done["status"] == "trained" and done["public_score"] is None and done["failure_reason"] is None
    # a training run that failed with its own reason shows it
    r = await gw.submit(bob)
    assert r.status_code == 202, r.text
    q_bob = await queued_event(gw, r.json()["id"])
    failed = finished(
        q_bob,
        exit_code=1,
        kind="training",
        failure_reason=FailureReason.MODEL_TOO_LARGE,
        detail="the model in /code_execution/model is larger than the model size limit of 8 MiB",
    )
    await gw.bus.publish(failed)
    await gw.consumed(failed)
    assert (await gw.status_of(r.json()["id"], bob))["failure_reason"] == "model_too_large"

    await open_second_stage(gw, host)
    # ada's inference run reads the model her training run left
    r = await gw.submit(ada)
    assert r.status_code == 202, r.text
    q2 = await queued_event(gw, r.json()["id"])
    assert q2.execution.kind == "inference" and q2.execution.model_key == trained.model_key
    assert (await gw.status_of(r.json()["id"], ada))["model_from"] == str(q.submission_id)
    # only platform-trained models count: a zip with model files is refused, whoever sends it
    r = await gw.submit(ada, body=make_zip({"main.py": b"infer()", "weights/model.PKL": b"w"}))
    body = await problem(r, 422, "model-files-not-allowed")
    assert body["files"] == ["weights/model.PKL"] and "/code_execution/model" in body["detail"]
    # bob has no trained model: no inference run for him
    body = await problem(await gw.submit(bob), 409, "no-trained-model")
    assert "stage 1" in body["detail"]


async def test_with_both_sources_a_run_without_a_trained_model_uses_its_zip(gw: Gateway) -> None:
    host = await gw.user("host", is_host=True)
    bob = await gw.user("bob")
    await training_then_inference(gw, host, "upload_or_platform")
    await open_second_stage(gw, host)
    r = await gw.submit(bob, body=make_zip({"main.py": b"infer()", "model.joblib": b"w"}))
    assert r.status_code == 202, r.text
    q = await queued_event(gw, r.json()["id"])
    assert q.execution.model_key is None
    assert (await gw.status_of(r.json()["id"], bob))["model_from"] is None
