"""The web app's API types are generated from the gateway's OpenAPI document: the
committed document and the committed types must both match what the code makes now
(``make web-types`` rewrites them)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from services.gateway.openapi_export import render

WEB = Path(__file__).resolve().parents[2] / "web"


def test_committed_openapi_document_matches_the_gateway() -> None:
    committed = json.loads((WEB / "openapi.json").read_text())
    assert committed == json.loads(render()), "web/openapi.json is stale: run `make web-types`"


def test_committed_types_match_the_document(tmp_path: Path) -> None:
    tool = WEB / "node_modules" / ".bin" / "openapi-typescript"
    assert tool.exists(), "web/node_modules is missing: run `make web`"
    doc = tmp_path / "openapi.json"
    doc.write_text(render())
    out = tmp_path / "schema.d.ts"
    node = shutil.which("node")
    assert node is not None
    subprocess.run([str(tool), str(doc), "-o", str(out)], check=True, capture_output=True, cwd=WEB)
    assert out.read_text() == (WEB / "src" / "api" / "schema.d.ts").read_text(), (
        "web/src/api/schema.d.ts is stale: run `make web-types`"
    )
