"""The hand-written layer: resumable streamed downloads, streamed uploads with progress, pages as an
iterator, problems as typed exceptions, the config file (mode 0600, environment first)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import httpx
import pytest
from holdout_client import NotFound, QuotaExceeded, config
from holdout_client.errors import Invalid, UnsupportedMediaType
from holdout_client.session import Holdout

CONTENT = bytes(range(256)) * 4096  # 1 MiB


def _file_server(seen: list[httpx.Request], *, honour_range: bool = True) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if not request.url.path.endswith("/files/train.csv"):
            return httpx.Response(
                404, json={"code": "file-not-found", "detail": "no such file", "status": 404}
            )
        wanted = request.headers.get("range")
        if wanted and honour_range:
            start = int(wanted.removeprefix("bytes=").rstrip("-"))
            if start >= len(CONTENT):
                return httpx.Response(416)
            return httpx.Response(
                206,
                content=CONTENT[start:],
                headers={"Content-Range": f"bytes {start}-{len(CONTENT) - 1}/{len(CONTENT)}"},
            )
        return httpx.Response(200, content=CONTENT)

    return httpx.MockTransport(handle)


def test_an_interrupted_download_resumes_with_range(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    dest = tmp_path / "train.csv"
    (tmp_path / "train.csv.part").write_bytes(CONTENT[:300_000])  # what an interrupted run left
    progress: list[tuple[int, int | None]] = []
    with Holdout("http://h.test", "hdt_x", transport=_file_server(seen)) as h:
        h.download("/competitions/c/files/train.csv", dest, progress=lambda d, t: progress.append((d, t)))
    assert dest.read_bytes() == CONTENT and not (tmp_path / "train.csv.part").exists()
    assert seen[0].headers["range"] == "bytes=300000-"
    assert progress[-1] == (len(CONTENT), len(CONTENT))


def test_a_server_that_ignores_range_gets_the_whole_file_again(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    (tmp_path / "train.csv.part").write_bytes(b"stale bytes")
    with Holdout("http://h.test", transport=_file_server(seen, honour_range=False)) as h:
        h.download("/competitions/c/files/train.csv", tmp_path / "train.csv")
    assert (tmp_path / "train.csv").read_bytes() == CONTENT


def test_a_missing_file_is_a_typed_problem(tmp_path: Path) -> None:
    with Holdout("http://h.test", transport=_file_server([])) as h, pytest.raises(NotFound) as got:
        h.download("/competitions/c/files/nope.csv", tmp_path / "nope.csv")
    assert got.value.code == "file-not-found" and not (tmp_path / "nope.csv").exists()


def test_uploads_stream_from_disk_with_progress_and_problems_are_typed(tmp_path: Path) -> None:
    archive = tmp_path / "s.zip"
    archive.write_bytes(CONTENT)
    received: list[bytes] = []

    def handle(request: httpx.Request) -> httpx.Response:
        received.append(request.read())
        assert request.headers["content-type"] == "application/octet-stream"
        assert "content-length" not in request.headers  # streamed (chunked), not read into memory
        if request.url.params.get("smoke") == "true":
            problem = {
                "status": 429,
                "code": "quota-exceeded",
                "detail": "used up",
                "resets_at": "2026-12-02",
            }
            return httpx.Response(429, json=problem, headers={"content-type": "application/problem+json"})
        return httpx.Response(202, json={"id": "s1", "status": "queued"})

    progress: list[int] = []
    with Holdout("http://h.test", "hdt_x", transport=httpx.MockTransport(handle)) as h:
        assert h.submit("c", archive, progress=lambda d, _t: progress.append(d))["status"] == "queued"
        with pytest.raises(QuotaExceeded) as got:
            h.submit("c", archive, smoke=True)
    assert received[0] == CONTENT and progress[-1] == len(CONTENT) and len(progress) > 1
    assert got.value.resets_at == "2026-12-02"


def test_pages_are_fetched_as_the_iteration_needs_them() -> None:
    asked: list[tuple[str, str]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        offset, limit = request.url.params["offset"], request.url.params["limit"]
        asked.append((offset, limit))
        start = int(offset)
        items = [{"slug": f"c{i}"} for i in range(start, min(start + int(limit), 5))]
        return httpx.Response(200, json={"items": items, "total": 5, "offset": start, "limit": int(limit)})

    with Holdout("http://h.test", transport=httpx.MockTransport(handle)) as h:
        slugs = [c["slug"] for c in h.pages("list_competitions", page_size=2)]
    assert slugs == ["c0", "c1", "c2", "c3", "c4"]
    assert asked == [("0", "2"), ("2", "2"), ("4", "2")]


def test_problems_map_to_exceptions() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            body = {"status": 415, "code": "unsupported-media-type", "detail": "x", "accepted": ["a"]}
            return httpx.Response(415, json=body)
        body = {"status": 422, "code": "invalid-submission", "detail": "bad", "problems": ["no main.py"]}
        return httpx.Response(422, json=body)

    with Holdout("http://h.test", "hdt_x", transport=httpx.MockTransport(handle)) as h:
        with pytest.raises(Invalid) as invalid:
            h.competition("c")
        with pytest.raises(UnsupportedMediaType):
            h.call("cancel_submission", "00000000-0000-0000-0000-000000000000")
    assert invalid.value.problems == ["no main.py"]


def test_the_config_file_is_private_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("HOLDOUT_URL", "HOLDOUT_TOKEN", "HOLDOUT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    path = config.save("http://h.test/", "hdt_saved")
    assert path == tmp_path / "holdout" / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"url": "http://h.test", "token": "hdt_saved"}
    assert (config.load().url, config.load().token) == ("http://h.test", "hdt_saved")
    monkeypatch.setenv("HOLDOUT_TOKEN", "hdt_env")
    monkeypatch.setenv("HOLDOUT_URL", "http://other.test")
    assert (config.load().url, config.load().token) == ("http://other.test", "hdt_env")


def test_logs_follow_prints_each_new_line_once_until_the_run_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    from holdout_client.cli import app, participant
    from typer.testing import CliRunner

    statuses = iter(["running", "running", "scored"])
    logs = iter(["loading\n", "loading\nfitting\n", "loading\nfitting\npredicted 10 rows\n"])

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/log"):
            return httpx.Response(200, text=next(logs), headers={"content-type": "text/plain"})
        return httpx.Response(200, json={"id": "s1", "status": next(statuses)})

    def fake_session(*, anonymous_ok: bool = False) -> Holdout:
        return Holdout("http://h.test", "hdt_x", transport=httpx.MockTransport(handle))

    monkeypatch.setattr(participant, "session", fake_session)
    monkeypatch.setattr(participant.time, "sleep", lambda _s: None)  # the poll interval, not the logic
    result = CliRunner().invoke(app, ["logs", "s1", "--follow"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "loading\nfitting\npredicted 10 rows\n"


def test_login_with_a_password_creates_and_stores_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The accounts API as CONTRACTS.md has it: log in (session and CSRF cookies), create a
    personal access token with the CSRF header, log out; only the token is kept."""
    from holdout_client.cli import app, participant
    from typer.testing import CliRunner

    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path == "/api/v1/auth/login":
            assert json.loads(request.content) == {"username_or_email": "ada", "password": "s3cret pass"}
            cookies = [
                ("set-cookie", "holdout_session=sess; HttpOnly; Path=/"),
                ("set-cookie", "holdout_csrf=csrf-1; Path=/"),
            ]
            return httpx.Response(200, json={"username": "ada"}, headers=cookies)
        if request.url.path == "/api/v1/users/me/tokens":
            assert (
                request.headers["x-csrf-token"] == "csrf-1"
                and "holdout_session=sess" in request.headers["cookie"]
            )
            return httpx.Response(
                201, json={"id": "t1", "name": json.loads(request.content)["name"], "token": "hdt_new"}
            )
        if request.url.path == "/api/v1/auth/logout":
            return httpx.Response(204)
        assert request.headers["authorization"] == "Bearer hdt_new"
        return httpx.Response(200, json={"username": "ada", "is_host": False, "is_admin": False})

    real = Holdout

    def fake(url: str, token: str | None = None, **kw: object) -> Holdout:
        return real(url, token, transport=httpx.MockTransport(handle))

    monkeypatch.setattr(participant, "Holdout", fake)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("HOLDOUT_URL", "HOLDOUT_TOKEN", "HOLDOUT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(
        app, ["login", "--url", "http://h.test", "-u", "ada", "--password-stdin"], input="s3cret pass\n"
    )
    assert result.exit_code == 0, result.output
    assert seen == [
        "POST /api/v1/auth/login",
        "POST /api/v1/users/me/tokens",
        "POST /api/v1/auth/logout",
        "GET /api/v1/users/me",
    ]
    saved = json.loads((tmp_path / "holdout" / "config.json").read_text())
    assert saved == {"url": "http://h.test", "token": "hdt_new"}
