"""Clients generated from the live OpenAPI document with no configuration work as they are:
openapi-python-client and openapi-typescript skip no operation, the generated Python client
alone runs a host's and a participant's whole path on `holdout up`, and openapi-fetch over the
generated TypeScript types type-checks (tsc --strict) and makes real calls, an upload included."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from holdout.digits import COMPETITION, DigitsData
from holdout.openapi import generate_client
from tests.e2e.conftest import Platform
from tests.support import eventually

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def _operation_ids(doc: dict[str, Any]) -> set[str]:
    return {op["operationId"] for item in doc["paths"].values() for op in item.values()}


def _call(module: Any, *args: Any, **kwargs: Any) -> Any:
    response = module.sync_detailed(*args, **kwargs)
    assert 200 <= response.status_code < 300, (module.__name__, response.status_code, response.content[:500])
    return response.parsed


async def test_generated_clients_need_no_configuration_and_run_the_whole_path(
    embedded: Platform, digits: DigitsData, digits_zips: dict[str, Path], tmp_path: Path
) -> None:
    doc = httpx.get(f"{embedded.gateway_url}/openapi.json", timeout=30).json()
    (tmp_path / "openapi.json").write_text(json.dumps(doc))
    operations = _operation_ids(doc)

    # TypeScript: every operation is typed
    generator = REPO / "node_modules" / ".bin" / "openapi-typescript"
    assert generator.exists(), "openapi-typescript comes from npm: make node-deps"
    ts = subprocess.run(
        [str(generator), f"{embedded.gateway_url}/openapi.json", "-o", "api.d.ts"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ts.returncode == 0, ts.stderr
    typed = (tmp_path / "api.d.ts").read_text()
    assert all(f"    {op}: {{" in typed for op in operations), sorted(
        o for o in operations if f"    {o}: {{" not in typed
    )
    assert '"application/octet-stream": string' in typed

    # Python: generated with no configuration (a skipped operation is a warning, which fails it)
    generate_client(tmp_path / "openapi.json", tmp_path / "fresh_client")
    generated = {p.stem for p in (tmp_path / "fresh_client" / "api").rglob("*.py") if p.stem != "__init__"}
    assert generated == operations
    sys.path.insert(0, str(tmp_path))
    try:
        slug, token = await _whole_path_with(
            importlib.import_module("fresh_client"), embedded, digits, digits_zips
        )
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "fresh_client" or m.startswith("fresh_client.")]:
            del sys.modules[name]

    # TypeScript: openapi-fetch over the generated types, compiled strictly, then run for real
    (tmp_path / "node_modules").symlink_to(REPO / "node_modules")
    shutil.copy(Path(__file__).with_name("openapi_fetch_check.mts"), tmp_path / "check.mts")
    bin_ = REPO / "node_modules" / ".bin"
    tsc = [
        str(bin_ / "tsc"),
        "--strict",
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
        "--skipLibCheck",
        "--outDir",
        "out",
        "check.mts",
    ]
    compiled = subprocess.run(tsc, cwd=tmp_path, capture_output=True, text=True, timeout=180, check=False)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    ran = subprocess.run(
        ["node", "out/check.mjs", embedded.gateway_url, token, slug, str(digits_zips["strong"])],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert result["status"] == 202 and result["id"] and result["error"] is None, result
    assert [e["team_name"] for e in result["board"]] == ["ada"]


async def _whole_path_with(pkg: Any, p: Platform, digits: DigitsData, zips: dict[str, Path]) -> None:
    api = importlib.import_module("fresh_client.api")
    models = importlib.import_module("fresh_client.models")
    types = importlib.import_module("fresh_client.types")

    def op(tag: str, name: str) -> Any:
        return importlib.import_module(f"{api.__name__}.{tag}.{name}")

    def client(token: str) -> Any:
        return pkg.AuthenticatedClient(base_url=p.gateway_url, token=token, timeout=httpx.Timeout(60))

    admin = client(p.admin_token)
    host = _call(
        op("users", "create_user"), client=admin, body=models.UserCreate(username="host", is_host=True)
    )
    ada = _call(op("users", "create_user"), client=admin, body=models.UserCreate(username="ada"))
    as_host, as_ada = client(host.token), client(ada.token)

    spec = models.CompetitionCreate.from_dict({**COMPETITION, "slug": "digits-generated"})
    comp = _call(op("competitions", "create_competition"), client=as_host, body=spec)
    with digits.features.open("rb") as f:
        _call(
            op("competitions", "upload_competition_data"),
            comp.slug,
            "features.csv",
            client=as_host,
            body=types.File(payload=f, file_name="features.csv"),
        )
    with digits.labels.open("rb") as f:
        labels = _call(
            op("competitions", "upload_competition_labels"),
            comp.slug,
            client=as_host,
            body=types.File(payload=f, file_name="labels.csv"),
        )
    assert labels.rows > 0

    accepted = _call(op("competitions", "accept_competition_rules"), comp.slug, client=as_ada)
    assert accepted.rules_version == comp.rules_version
    with zips["strong"].open("rb") as f:
        sub = _call(
            op("submissions", "create_submission"),
            comp.slug,
            client=as_ada,
            body=types.File(payload=f, file_name="strong.zip"),
        )
    assert sub.status.value == "queued"
    seen: list[Any] = []

    def ended() -> bool:
        seen.append(_call(op("submissions", "get_submission"), sub.id, client=as_ada))
        return bool(seen[-1].status.value in ("scored", "failed", "cancelled"))

    def stuck() -> str:
        return f"the submission's end (last: {seen[-1].status}) {p.dump_logs()}"

    await eventually(ended, 180, interval=0.2, what=stuck)
    now = seen[-1]
    assert now.status.value == "scored", (now.to_dict(), p.dump_logs())
    assert 0.9 < now.public_score <= 1.0

    anonymous = pkg.Client(base_url=p.gateway_url)  # the public board needs no token

    def board_with_entries() -> Any:
        board = _call(op("leaderboard", "get_public_leaderboard"), comp.slug, client=anonymous)
        return board if board.entries else None

    board = await eventually(board_with_entries, 60, interval=0.1, what="the score on the public board")
    assert board.entries[0].team_name == "ada"
    assert board.entries[0].score == pytest.approx(now.public_score)
    return str(comp.slug), str(ada.token)
