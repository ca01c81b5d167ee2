"""One OpenAPI document that generated clients read well; health and readiness."""

from __future__ import annotations

from tests.gateway.conftest import Gateway


async def test_every_operation_has_a_stable_id_a_tag_and_problem_errors(gw: Gateway) -> None:
    doc = (await gw.client.get("/openapi.json")).json()
    assert doc["info"]["title"] == "Holdout"
    assert {t["name"] for t in doc["tags"]} == {
        "users",
        "teams",
        "competitions",
        "files",
        "submissions",
        "leaderboard",
    }
    assert all(t["description"] for t in doc["tags"])
    ops = {
        op["operationId"]: op
        for path, item in doc["paths"].items()
        if path.startswith("/api/v1/")
        for op in item.values()
    }
    assert {
        "create_user",
        "get_current_user",
        "create_competition",
        "list_competitions",
        "get_competition",
        "upload_competition_data",
        "upload_competition_labels",
        "create_team",
        "get_my_team",
        "create_submission",
        "list_submissions",
        "get_submission",
        "cancel_submission",
        "get_submission_log",
        "get_public_leaderboard",
        "get_private_leaderboard",
        "reveal_private_leaderboard",
        "accept_competition_rules",
        "upload_participant_file",
        "delete_participant_file",
        "list_participant_files",
        "download_participant_file",
        "download_smoke_sample",
    } <= set(ops)
    for op_id, op in ops.items():
        assert op["tags"], op_id
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                assert "application/problem+json" in response["content"], (op_id, status)
    upload = ops["create_submission"]["requestBody"]["content"]
    assert upload["application/zip"]["schema"] == {"type": "string", "format": "binary"}
    assert "application/octet-stream" in ops["upload_competition_data"]["requestBody"]["content"]
    smoke = ops["download_smoke_sample"]["responses"]
    assert "application/zip" in smoke["200"]["content"] and {"206", "304", "307", "416"} <= set(smoke)
    assert "Problem" in doc["components"]["schemas"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]


async def test_health_and_readiness(gw: Gateway) -> None:
    assert (await gw.client.get("/healthz")).json() == {"status": "ok"}
    ready = await gw.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": True, "bus": True, "storage": True}
    assert "holdout_http_requests_total" in (await gw.client.get("/metrics")).text
