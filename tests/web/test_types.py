"""The web app's API types are generated from the committed OpenAPI document
(``docs/openapi.json``, itself held to the gateway by tests/gateway/test_openapi.py):
the committed types must match what openapi-typescript makes of it (``make web-types``
rewrites them)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"


def test_committed_types_match_the_document(tmp_path: Path) -> None:
    tool = WEB / "node_modules" / ".bin" / "openapi-typescript"
    assert tool.exists(), "web/node_modules is missing: run `make web`"
    assert shutil.which("node") is not None
    out = tmp_path / "schema.d.ts"
    document = REPO / "docs" / "openapi.json"
    subprocess.run([str(tool), str(document), "-o", str(out)], check=True, capture_output=True, cwd=WEB)
    assert out.read_text() == (WEB / "src" / "api" / "schema.d.ts").read_text(), (
        "web/src/api/schema.d.ts is stale: run `make web-types`"
    )
