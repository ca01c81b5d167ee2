"""The servers Holdout starts, under faults: an unexpected error is logged once, briefly,
without stalling anyone else; connections that say nothing, or send their headers a
byte at a time, are closed within the header timeout."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from fastapi import FastAPI, Response
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from holdout import server
from holdout.guard import guarded_h11
from shared.logging import TRACEBACK_CHARS, configure_logging
from shared.runtime import install_service_plumbing
from shared.settings import CommonSettings
from tests.servers import read_until_closed, serving, status_of

SECRET = "hdt_participant-secret-4711"


def failing_app() -> FastAPI:
    """A service app with one endpoint that fails deep down, its frames full of locals."""
    app = FastAPI()
    install_service_plumbing(app, "probe", faces_users=True)  # no service credential in the way

    def descend(depth: int, token: str, rows: list[dict[str, object]]) -> None:
        if depth == 0:
            raise ValueError(f"the probe broke after {len(rows)} rows")
        descend(depth - 1, token, rows)

    @app.get("/boom")
    async def boom() -> None:
        # built once, held by every frame: cheap here, costly to print frame by frame
        rows: list[dict[str, object]] = [
            {"team": f"team-{i}", "token": SECRET, "features": list(range(50))} for i in range(200)
        ]
        descend(150, SECRET, rows)

    return app


def early_answer_app() -> FastAPI:
    """A service app that refuses an upload by its declared size, before reading its body."""
    app = FastAPI()
    install_service_plumbing(app, "probe", faces_users=True)

    @app.put("/upload")
    async def upload() -> Response:
        return Response("too large", status_code=413, headers={"Connection": "close"})

    return app


def fast_settings(**overrides: float) -> CommonSettings:
    return CommonSettings(**overrides)  # type: ignore[arg-type]


@pytest.mark.parametrize("log_json", [False, True], ids=["console", "json"])
async def test_an_unexpected_error_is_logged_once_briefly_and_never_stalls_healthz(
    log_json: bool, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", json=log_json)
    async with (
        serving(failing_app(), fast_settings()) as served,
        httpx.AsyncClient(base_url=served.url, timeout=60) as client,
    ):
        failing = asyncio.create_task(client.get("/boom"))
        slowest = 0.0
        while not failing.done():  # /healthz, asked over and over while the error is handled
            started = time.monotonic()
            assert (await client.get("/healthz")).status_code == 200
            slowest = max(slowest, time.monotonic() - started)
        response = failing.result()
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/internal-error")
    assert slowest < 5.0, f"/healthz took {slowest:.2f} s while another request failed"

    logged = capfd.readouterr()
    text = logged.out + logged.err
    assert text.count("http.unhandled_error") == 1, text[-3000:]
    assert "Exception in ASGI application" not in text  # uvicorn does not log it a second time
    assert SECRET not in text  # no local variables
    assert "the probe broke after 200 rows" in text  # but the error itself, and where
    assert "in descend" in text
    if log_json:
        record = next(json.loads(line) for line in text.splitlines() if "http.unhandled_error" in line)
        traceback = record["exception"]
    else:
        traceback = text[text.index("http.unhandled_error") :]
    assert "Traceback" in traceback
    assert len(traceback) < TRACEBACK_CHARS + 1000


@pytest.fixture(params=["httptools", "h11"])
def protocol(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each server's HTTP protocol: httptools (what Holdout uses), and the h11 fallback."""
    if request.param == "h11":
        monkeypatch.setattr(server, "http_protocol", lambda s: guarded_h11(s.http_header_timeout_s))
    return str(request.param)


async def test_the_servers_speak_httptools() -> None:
    assert issubclass(server.http_protocol(CommonSettings()), HttpToolsProtocol)


@pytest.mark.usefixtures("protocol")
async def test_a_silent_connection_is_closed_within_the_header_timeout() -> None:
    async with serving(failing_app(), fast_settings(http_header_timeout_s=0.5)) as served:
        reader, writer = await served.connect()
        assert await read_until_closed(reader, timeout=5) == b""
        writer.close()


@pytest.mark.usefixtures("protocol")
async def test_headers_sent_a_byte_at_a_time_are_cut_off_at_the_header_timeout() -> None:
    async with serving(failing_app(), fast_settings(http_header_timeout_s=0.5)) as served:
        reader, writer = await served.connect()
        request = b"GET /healthz HTTP/1.1\r\nHost: probe\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"
        started = time.monotonic()
        closed = False
        for byte in request:  # one byte every 20 ms: the whole head would take 4 s
            writer.write(bytes([byte]))
            try:
                await writer.drain()
            except ConnectionError:
                closed = True
                break
            if reader.at_eof() or await _closed_within(reader, 0.02):
                closed = True
                break
        assert closed, "the server waited for the whole head"
        assert time.monotonic() - started < 3
        writer.close()


@pytest.mark.usefixtures("protocol")
async def test_an_idle_keep_alive_connection_is_closed_after_the_keep_alive_timeout() -> None:
    settings = fast_settings(http_keep_alive_timeout_s=0.3, http_header_timeout_s=30)
    async with serving(failing_app(), settings) as served:
        reader, writer = await served.connect()
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: probe\r\n\r\n")
        await writer.drain()
        answer = await read_until_closed(reader, timeout=5)
        assert status_of(answer) == 200
        writer.close()


@pytest.mark.usefixtures("protocol")
async def test_an_answer_sent_before_the_body_ended_reaches_a_client_still_sending() -> None:
    """The client reads only once it has sent its whole body, as most do: the server has
    answered and closed by then, and without a lingering close its next bytes are
    answered with a reset that wipes the unread answer (the client sees b"")."""
    async with serving(early_answer_app(), fast_settings()) as served:
        reader, writer = await served.connect()
        writer.write(b"PUT /upload HTTP/1.1\r\nHost: probe\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1000)
        await writer.drain()
        await asyncio.sleep(0.3)  # answered and closed meanwhile
        for _ in range(20):
            writer.write(b"x" * 1000)
            await asyncio.sleep(0.01)
        answer = await read_until_closed(reader, timeout=10)
        writer.close()
        assert status_of(answer) == 413, answer[:300]
        assert answer.endswith(b"too large")


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    """True when the server closed (EOF) within ``seconds``; what it sent is dropped."""
    try:
        data = await asyncio.wait_for(reader.read(1024), seconds)
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return data == b"" or reader.at_eof()
