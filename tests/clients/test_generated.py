"""The committed generated client is what openapi-python-client makes of the committed document."""

from __future__ import annotations

import filecmp
from pathlib import Path

from holdout.openapi import DOCUMENT, GENERATED, generate_client


def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*.py")}


def test_the_committed_client_is_generated_from_the_committed_document(tmp_path: Path) -> None:
    fresh = tmp_path / "generated"
    generate_client(DOCUMENT, fresh)
    assert _tree(fresh) == _tree(GENERATED), "run `make openapi` and commit the client"
    differing = [
        name
        for name in sorted(_tree(fresh))
        if not filecmp.cmp(fresh / name, GENERATED / name, shallow=False)
    ]
    assert not differing, f"stale generated files (run `make openapi`): {differing}"
