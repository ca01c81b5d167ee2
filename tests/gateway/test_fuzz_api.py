"""Property-based fuzzing of the gateway's public API (schemathesis over its OpenAPI document).

The gateway runs under uvicorn on a free loopback port (in a thread with its own event loop), over an
in-process bus and local storage, with fake leaderboard and orchestrator services behind its
``http_transport``, so every operation - the proxies included - answers for real. Every operation is
called with a bounded, derandomized set of generated requests (valid and invalid ones), as the admin,
the host, a participant or nobody, against the real competition/submission or a made-up one; no
answer may be a 5xx, and every answer's status, headers and body must be ones the document declares.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode

from services.gateway.app import create_app
from services.gateway.config import GatewaySettings
from shared.bus.memory import InProcessBus
from shared.storage import LocalStorage
from tests.gateway.conftest import ADMIN_TOKEN, CHEAP_PASSWORD_HASHING, LABELS, make_zip
from tests.support import eventually_sync

EXAMPLES_PER_OPERATION = 25
# every status an answer carries must be one the document declares for that operation
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SLUG = "fuzzed"
# A live server-sent-events stream relayed from the leaderboard: not a request/response operation.
EXCLUDED = re.compile(r".*/leaderboard/events$")


def fake_upstreams(request: httpx.Request) -> httpx.Response:
    """The leaderboard and orchestrator as the gateway expects them: the CSV export and run logs
    exist; boards and executions are unknown (404, so the gateway serves an empty board)."""
    path = request.url.path
    export = re.fullmatch(r".*/leaderboard/(public|private)/export\.csv", path)
    if request.url.host == "leaderboard.test" and export:
        return httpx.Response(200, text="rank,team_name,score\n", headers={"content-type": "text/csv"})
    if request.url.host == "orchestrator.test" and path.endswith("/log"):
        return httpx.Response(200, text="hello from the run\n")
    return httpx.Response(
        404,
        json={"type": "about:blank", "title": "Not Found", "status": 404, "detail": "unknown"},
        headers={"content-type": "application/problem+json"},
    )


@dataclass
class Served:
    base_url: str
    as_admin: dict[str, str]
    as_host: dict[str, str]
    as_participant: dict[str, str]
    submission_id: str


def _serve(data_dir: Path, sock: socket.socket, ready: threading.Event, stop: threading.Event) -> None:
    async def main() -> None:
        settings_ = GatewaySettings(
            data_dir=data_dir,
            admin_token=ADMIN_TOKEN,
            leaderboard_url="http://leaderboard.test",
            orchestrator_url="http://orchestrator.test",
            **CHEAP_PASSWORD_HASHING,
        )
        bus = InProcessBus()
        app = create_app(
            settings_,
            bus=bus,
            storage=LocalStorage(data_dir / "storage"),
            http_transport=httpx.MockTransport(fake_upstreams),
        )
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))

        async def watch() -> None:
            while not server.started:
                await asyncio.sleep(0.01)
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)
            server.should_exit = True

        watcher = asyncio.create_task(watch())
        await server.serve(sockets=[sock])
        await watcher
        await bus.close()

    asyncio.run(main())


@pytest.fixture
def served(data_dir: Path) -> Iterator[Served]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    ready, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=_serve, args=(data_dir, sock, ready, stop), daemon=True)
    thread.start()

    def started() -> bool:
        if ready.is_set():
            return True
        assert thread.is_alive(), "the gateway did not start: its thread ended"
        return False

    eventually_sync(started, 30, interval=0.05, what="the gateway's start")
    base_url = f"http://127.0.0.1:{port}"
    try:
        yield _populate(base_url)
    finally:
        stop.set()
        thread.join(timeout=30)
        sock.close()


def _populate(base_url: str) -> Served:
    """A host with a ready competition, a participant in a team, and one submission."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with httpx.Client(base_url=base_url, timeout=30) as client:

        def user(name: str, is_host: bool) -> dict[str, str]:
            r = client.post("/api/v1/users", json={"username": name, "is_host": is_host}, headers=admin)
            assert r.status_code == 201, r.text
            return {"Authorization": f"Bearer {r.json()['token']}"}

        host, participant = user("host", True), user("alice", False)
        body = {
            "slug": SLUG,
            "title": "Fuzzed",
            "metric": "accuracy",
            "id_column": "id",
            "target_columns": ["target"],
        }
        r = client.post("/api/v1/competitions", json=body, headers=host)
        assert r.status_code == 201, r.text
        r = client.put(f"/api/v1/competitions/{SLUG}/data/test.csv", content=b"id,x\n1,2\n", headers=host)
        assert r.status_code == 200, r.text
        r = client.put(f"/api/v1/competitions/{SLUG}/labels", content=LABELS.encode(), headers=host)
        assert r.status_code == 200, r.text
        r = client.post(f"/api/v1/competitions/{SLUG}/rules/acceptance", headers=participant)
        assert r.status_code == 201, r.text
        r = client.post(f"/api/v1/competitions/{SLUG}/teams", json={"name": "alices"}, headers=participant)
        assert r.status_code == 201, r.text
        r = client.post(
            f"/api/v1/competitions/{SLUG}/submissions",
            content=make_zip(),
            headers={**participant, "Content-Type": "application/zip"},
        )
        assert r.status_code in (201, 202), r.text
        return Served(base_url, admin, host, participant, r.json()["id"])


def _fuzz_operation(operation: Any, served: Served, mode: GenerationMode) -> None:
    who = st.sampled_from([served.as_admin, served.as_host, served.as_participant, {}])
    known = {"competition": SLUG, "submission_id": served.submission_id}

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        # no shrinking: the server keeps state between calls, so a shrunk replay is not the same request
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), headers=who, data=st.data())
    def run(case: Any, headers: dict[str, str], data: st.DataObject) -> None:
        # Aim half of the requests at the real competition / submission so the handlers get past
        # the 404, the other half at whatever the generator made up.
        for name, value in known.items():
            if case.path_parameters and name in case.path_parameters and data.draw(st.booleans()):
                case.path_parameters[name] = value
        case.call_and_validate(base_url=served.base_url, headers=headers, checks=CHECKS)

    run()


def test_no_operation_answers_a_server_error_or_off_schema(served: Served) -> None:
    schema = schemathesis.openapi.from_url(f"{served.base_url}/openapi.json")
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if EXCLUDED.match(operation.path):
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz_operation(operation, served, mode)
            except Unsatisfiable:  # nothing to make invalid (e.g. a lone free-text path parameter)
                continue
            except (Exception, BaseExceptionGroup) as exc:  # every operation's failure, not the first
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert not failures, "\n\n".join(failures)


async def test_timestamps_carry_a_utc_offset_on_sqlite(gw: Any) -> None:
    """Found by the fuzzer: SQLite hands back naive datetimes, which are not RFC 3339 date-times."""
    host = await gw.user("host", is_host=True)
    comp = await gw.ready_competition(host)
    me = (await gw.client.get("/api/v1/users/me", headers=host)).json()
    for stamp in (me["created_at"], comp["created_at"], comp["updated_at"]):
        assert stamp.endswith(("+00:00", "Z")), stamp
