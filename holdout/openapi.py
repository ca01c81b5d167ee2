"""``python -m holdout.openapi`` (``make openapi``): write the public API's document to
``docs/openapi.json`` and regenerate the Python client from it.

The document is the gateway's, built from its routes without starting it. The client is what
openapi-python-client makes of the committed document with no configuration beyond the package
name, placed at ``clients/python/holdout_client/generated``. Tests regenerate both and fail when
the committed copies differ.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DOCUMENT = REPO / "docs" / "openapi.json"
GENERATED = REPO / "clients" / "python" / "holdout_client" / "generated"


def document() -> dict[str, Any]:
    from services.gateway.app import create_app
    from services.gateway.config import GatewaySettings

    app = create_app(GatewaySettings(data_dir=Path(tempfile.gettempdir()) / "holdout-openapi"))
    return app.openapi()


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def generate_client(doc_path: Path, out: Path) -> None:
    """Run openapi-python-client on ``doc_path``; the package lands in ``out`` (replaced)."""
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    with tempfile.TemporaryDirectory(prefix="holdout-client-") as tmp:
        target = Path(tmp) / "generated"
        result = subprocess.run(
            [
                str(bindir / "openapi-python-client"),
                "generate",
                "--path",
                str(doc_path),
                "--meta",
                "none",
                "--output-path",
                str(target),
                "--overwrite",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not target.is_dir():
            raise RuntimeError(f"openapi-python-client failed:\n{result.stdout}\n{result.stderr}")
        if "Warning" in result.stdout or "Unable to" in result.stdout:
            raise RuntimeError(f"openapi-python-client skipped part of the document:\n{result.stdout}")
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(target, out, ignore=shutil.ignore_patterns(".ruff_cache", "__pycache__"))


def main() -> None:
    DOCUMENT.write_text(render(document()), encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(REPO)}")
    generate_client(DOCUMENT, GENERATED)
    print(f"generated {GENERATED.relative_to(REPO)}")


if __name__ == "__main__":
    main()
