"""The web app's layers, held as import-linter holds the Python ones: a feature folder
never imports another feature (shared pieces live in src/api and src/components), and
only src/api talks to the network."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "web" / "src"
IMPORT = re.compile(r"""from\s+["']([^"']+)["']""")


def _sources(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.ts*") if not p.name.endswith(".d.ts")]


def test_no_feature_imports_another() -> None:
    for feature in (SRC / "features").iterdir():
        for source in _sources(feature):
            for target in IMPORT.findall(source.read_text()):
                if target.startswith("@/features/"):
                    assert target.split("/")[2] == feature.name, f"{source.relative_to(SRC)} imports {target}"
                if target.startswith(".."):
                    resolved = (source.parent / target).resolve()
                    assert resolved.is_relative_to(feature), f"{source.relative_to(SRC)} imports {target}"


def test_only_the_api_layer_calls_the_network() -> None:
    for source in _sources(SRC):
        if source.parent == SRC / "api":
            continue
        text = source.read_text()
        assert not re.search(r"\bfetch\(|XMLHttpRequest", text), (
            f"{source.relative_to(SRC)} calls the network itself"
        )
