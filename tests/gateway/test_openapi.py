"""One OpenAPI document that generated clients read well; health and readiness."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from holdout.openapi import DOCUMENT, render
from tests.gateway.conftest import Gateway, make_zip

REPO = Path(__file__).resolve().parents[2]


def _operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        op["operationId"]: op
        for path, item in doc["paths"].items()
        if path.startswith("/api/v1/")
        for op in item.values()
    }


async def test_every_operation_has_a_stable_id_a_tag_and_problem_errors(gw: Gateway) -> None:
    doc = (await gw.client.get("/openapi.json")).json()
    assert doc["info"]["title"] == "Holdout"
    assert {t["name"] for t in doc["tags"]} == {
        "auth",
        "users",
        "teams",
        "competitions",
        "stages",
        "files",
        "submissions",
        "leaderboard",
        "scoring-programs",
        "runtimes",
        "webhooks",
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
        "list_stages",
        "create_stage",
        "get_stage",
        "update_stage",
        "upload_stage_data",
        "upload_stage_labels",
        "upload_stage_smoke_data",
        "upload_stage_smoke_labels",
        "list_runtimes",
        "get_runtime",
    } <= set(ops)
    for op_id, op in ops.items():
        assert op["tags"], op_id
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                assert "application/problem+json" in response["content"], (op_id, status)
    # raw bodies in the one binary form every generator supports without configuration
    for op_id in (
        "create_submission",
        "upload_competition_data",
        "upload_competition_labels",
        "upload_participant_file",
        "upload_stage_data",
        "upload_stage_labels",
    ):
        upload = ops[op_id]["requestBody"]["content"]
        assert list(upload) == ["application/octet-stream"], op_id
        assert upload["application/octet-stream"]["schema"] == {"type": "string", "format": "binary"}
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


async def test_the_committed_document_is_the_served_one(gw: Gateway) -> None:
    """docs/openapi.json is generated (`make openapi`); this fails when the routes moved on."""
    served = (await gw.client.get("/openapi.json")).json()
    committed = DOCUMENT.read_text(encoding="utf-8")
    assert render(served) == committed, "docs/openapi.json is stale: run `make openapi` and commit it"


async def test_statuses_headers_security_summaries_and_examples_are_declared(gw: Gateway) -> None:
    doc = (await gw.client.get("/openapi.json")).json()
    ops = _operations(doc)
    schemas = doc["components"]["schemas"]
    for op_id, op in ops.items():
        assert op.get("summary") and op["summary"] != op_id.replace("_", " ").title(), op_id
        assert "500" in op["responses"], op_id
        if op.get("security"):
            assert "401" in op["responses"], op_id  # a bad token is refused even where none is needed
            assert "WWW-Authenticate" in op["responses"]["401"]["headers"], op_id
        if "requestBody" in op:
            (media_type,) = op["requestBody"]["content"]
            if media_type == "application/json":
                assert "400" in op["responses"], op_id  # a body that is not JSON
            else:
                assert {"413", "415"} <= set(op["responses"]), op_id
        # every JSON body (request or response) shows an example
        bodies = [op["requestBody"]["content"]] if "requestBody" in op else []
        bodies += [r["content"] for r in op["responses"].values() if "content" in r]
        for content in bodies:
            for media_type, media in content.items():
                if media_type == "text/event-stream":
                    continue
                ref = media.get("schema", {}).get("$ref", "")
                has_example = "example" in media or "examples" in media
                if ref:
                    has_example = has_example or bool(schemas[ref.rsplit("/", 1)[1]].get("examples"))
                assert has_example or media.get("schema", {}).get("format") == "binary", (op_id, media_type)

    # anonymous reads declare bearer auth optional; the rest require it
    for op_id in (
        "get_public_leaderboard",
        "list_teams",
        "list_competitions",
        "get_competition",
        "get_private_leaderboard",
        "stream_leaderboard_events",
        "list_stages",
        "get_stage",
    ):
        security = ops[op_id]["security"]
        assert {"HTTPBearer": []} in security and security[-1] == {}, op_id
    assert {"HTTPBearer": []} in ops["create_submission"]["security"]
    assert {} not in ops["create_submission"]["security"]

    created = ops["create_submission"]["responses"]
    assert {"Location", "X-Quota-Limit", "X-Quota-Remaining", "X-Quota-Reset"} <= set(
        created["202"]["headers"]
    )
    assert {"Retry-After", "X-Quota-Reset"} <= set(created["429"]["headers"])
    assert "Retry-After" in created["503"]["headers"]

    problem = schemas["Problem"]
    assert {"type", "title", "status", "detail", "instance", "code"} <= set(problem["required"])
    assert {"errors", "problems", "limit", "remaining", "resets_at", "max_bytes", "accepted"} <= set(
        problem["properties"]
    )
    assert problem["additionalProperties"] is True


async def test_problems_carry_their_code(gw: Gateway) -> None:
    r = await gw.client.get("/api/v1/users/me")
    assert r.status_code == 401
    body = r.json()
    assert body["code"] == "missing-token" and body["type"].endswith("/missing-token")


async def test_uploads_refuse_other_content_types_with_415_and_keep_nothing(gw: Gateway) -> None:
    host = await gw.user("host", is_host=True)
    await gw.ready_competition(host)
    alice = await gw.user("alice")

    r = await gw.client.post(
        "/api/v1/competitions/titanic/submissions",
        content=b'{"main.py": "print(1)"}',
        headers={**alice, "Content-Type": "application/json"},
    )
    assert r.status_code == 415, r.text
    problem = r.json()
    assert problem["code"] == "unsupported-media-type"
    assert "application/zip" in problem["accepted"] and "application/octet-stream" in problem["accepted"]
    assert "application/json" in problem["detail"]

    form = {**host, "Content-Type": "multipart/form-data; boundary=x"}
    r = await gw.client.put("/api/v1/competitions/titanic/labels", content=b"--x--", headers=form)
    assert r.status_code == 415 and "text/csv" in r.json()["accepted"], r.text
    r = await gw.client.put(
        "/api/v1/competitions/titanic/data/more.csv",
        content=b"a=1",
        headers={**host, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 415, r.text

    listed = (await gw.client.get("/api/v1/competitions/titanic/submissions", headers=alice)).json()
    assert listed["total"] == 0
    comp = (await gw.client.get("/api/v1/competitions/titanic")).json()
    assert [f["filename"] for f in comp["data_files"]] == ["test.csv"] and comp["labels_version"] == 1

    # what generated clients send (application/octet-stream) and what curl users send both work
    for content_type in ("application/octet-stream", "application/zip", "application/x-zip-compressed"):
        r = await gw.client.post(
            "/api/v1/competitions/titanic/submissions",
            content=make_zip(),
            headers={**alice, "Content-Type": content_type},
        )
        assert r.status_code == 202, (content_type, r.text)
    r = await gw.client.put(
        "/api/v1/competitions/titanic/labels",
        content=b"id,target,Usage\n1,0,Public\n2,1,Private\n3,1,Public\n",
        headers={**host, "Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 200, r.text


async def test_every_example_is_valid_against_its_schema(gw: Gateway) -> None:
    """The examples are hand-written; this keeps them true as the schemas change."""
    from jsonschema import Draft202012Validator

    doc = (await gw.client.get("/openapi.json")).json()
    checked = 0
    for name, schema in doc["components"]["schemas"].items():
        for example in schema.get("examples", []):
            wrapper = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
            errors = [e.message for e in Draft202012Validator(wrapper).iter_errors(example)]
            assert not errors, (name, errors)
            checked += 1
    assert checked >= 20
