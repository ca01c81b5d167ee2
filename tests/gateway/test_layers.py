"""The gateway's layer contracts (pyproject.toml, kept in tests/test_architecture.py) catch
what they are for: a repository or a service that imports a feature's endpoints.

Runs the two gateway contracts, as written in pyproject.toml, over a copy of
``services/`` with one import planted; the copy without it keeps them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GATEWAY_CONTRACTS = ("Gateway features are layered", "Gateway repositories and services never import")


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contracts = [c for c in config["contracts"] if c["name"].startswith(GATEWAY_CONTRACTS)]
    assert len(contracts) == len(GATEWAY_CONTRACTS)
    lines = ["[importlinter]", "root_packages =", "    services", "    shared"]
    for i, c in enumerate(contracts):
        lines += [f"[importlinter:contract:{i}]", f"name = {c['name']}", f"type = {c['type']}"]
        for key in ("containers", "layers", "source_modules", "forbidden_modules"):
            if key in c:
                lines += [f"{key} =", *(f"    {m}" for m in c[key])]
    (tree / ".importlinter").write_text("\n".join(lines) + "\n")
    lint_imports = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for package in ("services", "shared"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


@pytest.mark.timeout(180)
@pytest.mark.parametrize(
    ("module", "planted", "broken"),
    [
        (None, None, 0),
        ("teams/repository.py", "from services.gateway.teams import service", 1),
        ("webhooks/service.py", "from services.gateway.webhooks import endpoints", 2),
        ("files/repository.py", "from services.gateway import deps", 1),
    ],
)
def test_the_gateway_layer_contracts_catch_an_upward_import(
    tree: Path, module: str | None, planted: str | None, broken: int
) -> None:
    if module is not None:
        path = tree / "services" / "gateway" / module
        path.write_text(path.read_text() + f"\n{planted}  # noqa\n")
    result = lint(tree)
    assert f"Contracts: {2 - broken} kept, {broken} broken." in result.stdout, result.stdout + result.stderr
