"""The service credential: every route of the orchestrator, scorer and leaderboard but
the open operations paths refuses a caller without it; the gateway's client sends it to
those services only; ``holdout up`` keeps one per data directory; ``/metrics`` carries
no participant data."""

from __future__ import annotations

import re
import stat
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr, ValidationError

from holdout.wiring import service_spec
from shared.internal_auth import TOKEN_FILE, InternalAuth, load_or_create_token
from shared.settings import CommonSettings
from tests.conftest import INTERNAL_HEADERS, INTERNAL_TOKEN

INTERNAL_SERVICES = ("orchestrator", "scorer", "leaderboard")


def build(service: str, data_dir: Path, token: str | None) -> FastAPI:
    spec = service_spec(service)
    return spec.create_app(spec.settings(data_dir=data_dir, internal_token=token))


def every_route(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every operation the service documents, path parameters filled in."""
    found = []
    for template, operations in app.openapi()["paths"].items():
        path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), template)
        found += [(method.upper(), path) for method in operations]
    return found


@pytest.mark.parametrize("service", INTERNAL_SERVICES)
async def test_every_route_refuses_a_caller_without_the_right_credential(
    service: str, data_dir: Path
) -> None:
    app = build(service, data_dir, INTERNAL_TOKEN)
    routes = every_route(app)
    assert routes, "the service has API routes"
    # the API documents too: an outsider learns nothing, not even which routes exist
    routes += [("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/no-such-route")]
    wrong = {"Authorization": f"Bearer {INTERNAL_TOKEN}x"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client:
        for method, path in routes:
            for headers in ({}, wrong, {"Authorization": INTERNAL_TOKEN}, {"Authorization": "Basic eDp5"}):
                r = await client.request(method, path, headers=headers)
                assert r.status_code == 401, (method, path, headers, r.status_code)
                assert r.headers["content-type"] == "application/problem+json"
                assert r.headers["www-authenticate"] == "Bearer"
                body = r.json()
                assert body["type"].endswith("/internal-credential-required") and body["instance"] == path
                assert INTERNAL_TOKEN not in r.text
        # with the credential the request reaches the route (no lifespan here: not a 401)
        r = await client.get("/openapi.json", headers=INTERNAL_HEADERS)
        assert r.status_code == 200 and r.json()["info"]["title"].lower().endswith(service)


@pytest.mark.parametrize("service", INTERNAL_SERVICES)
async def test_health_readiness_and_metrics_stay_open(service: str, data_dir: Path) -> None:
    app = build(service, data_dir, INTERNAL_TOKEN)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client,
    ):
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200
        metrics = await client.get("/metrics")
        assert metrics.status_code == 200 and "holdout_http_requests_total" in metrics.text


async def test_a_service_without_a_configured_credential_answers_no_one(data_dir: Path) -> None:
    app = build("scorer", data_dir, None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client:
        for headers in ({}, INTERNAL_HEADERS):
            r = await client.get(f"/internal/v1/scores/{uuid.uuid4()}", headers=headers)
            assert r.status_code == 401 and "no HOLDOUT_INTERNAL_TOKEN configured" in r.json()["detail"]
        assert (await client.get("/healthz")).status_code == 200


def test_a_short_credential_is_refused_by_the_settings() -> None:
    with pytest.raises(ValidationError, match="internal_token"):
        CommonSettings(internal_token="short")


async def test_the_gateway_client_sends_the_credential_to_the_internal_services_only() -> None:
    seen: dict[str, str | None] = {}

    def record(request: httpx.Request) -> httpx.Response:
        seen[str(request.url)] = request.headers.get("authorization")
        return httpx.Response(200)

    auth = InternalAuth(
        SecretStr(INTERNAL_TOKEN), ["http://orchestrator:8001", "http://127.0.0.1:8003/", "http://scorer"]
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(record), auth=auth) as client:
        for url in (
            "http://orchestrator:8001/internal/v1/executions/x",
            "http://127.0.0.1:8003/api/v1/competitions/x/leaderboard",
            "http://scorer:80/internal/v1/scores/x",
            "http://orchestrator:9999/elsewhere",
            "https://orchestrator:8001/tls",
            "https://hooks.example.com/webhook",
            "http://127.0.0.1:8000/api/v1/competitions",
        ):
            await client.get(url)
    bearer = INTERNAL_HEADERS["Authorization"]
    assert seen == {
        "http://orchestrator:8001/internal/v1/executions/x": bearer,
        "http://127.0.0.1:8003/api/v1/competitions/x/leaderboard": bearer,
        "http://scorer/internal/v1/scores/x": bearer,
        "http://orchestrator:9999/elsewhere": None,
        "https://orchestrator:8001/tls": None,
        "https://hooks.example.com/webhook": None,
        "http://127.0.0.1:8000/api/v1/competitions": None,
    }


def test_a_data_directory_keeps_its_own_private_credential(tmp_path: Path) -> None:
    first = load_or_create_token(tmp_path)
    path = tmp_path / TOKEN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.get_secret_value()) >= 32
    assert load_or_create_token(tmp_path).get_secret_value() == first.get_secret_value()  # a restart
    other = tmp_path / "other"
    other.mkdir()
    assert load_or_create_token(other).get_secret_value() != first.get_secret_value()


# label names a metric may carry: services, HTTP methods and statuses, queues, event
# types and outcomes; never an id, a name, a path or anything a participant chose
ALLOWED_LABELS = {"service", "method", "status", "queue", "type", "outcome", "result"}


def test_no_metric_is_labelled_with_participant_data() -> None:
    # import every module that defines a metric, so the registry holds them all
    for service in ("gateway", *INTERNAL_SERVICES):
        service_spec(service)
    import services.orchestrator.executors.local.executor
    import services.scorer.consumers  # noqa: F401
    import shared.bus.rabbitmq  # noqa: F401

    labelled = {}
    for collector in list(REGISTRY._collector_to_names):  # the registry has no public listing
        names = getattr(collector, "_labelnames", None)
        if names is not None and getattr(collector, "_name", "").startswith("holdout_"):
            labelled[collector._name] = set(names)
    assert {"holdout_http_requests", "holdout_bus_deliveries"} <= set(labelled)
    for name, labels in labelled.items():
        assert labels <= ALLOWED_LABELS, (name, labels - ALLOWED_LABELS)


async def test_an_unusual_http_method_is_counted_without_its_name(data_dir: Path) -> None:
    app = build("leaderboard", data_dir, INTERNAL_TOKEN)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as client:
        await client.request("ADA-LOVELACE", "/healthz")
        text = (await client.get("/metrics")).text
    assert "ADA-LOVELACE" not in text
    counted = {
        sample.labels["method"]
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "holdout_http_requests_total" and sample.labels["service"] == "leaderboard"
    }
    assert "OTHER" in counted and counted <= {"GET", "OTHER"}
