"""Layering: a service never imports another, and shared/ imports no service.

Runs import-linter's contracts from pyproject.toml; a violating import fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 6 kept, 0 broken." in result.stdout


def test_the_contracts_catch_a_cross_service_import(tmp_path: Path) -> None:
    """The checker itself works: a planted import from scorer into gateway breaks it."""
    import shutil

    copy = tmp_path / "repo"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "*.db", "node_modules"))
    planted = copy / "services" / "scorer" / "planted.py"
    planted.write_text("import services.gateway\n")
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode != 0
    assert "services.scorer" in result.stdout and "services.gateway" in result.stdout


MAX_MODULE_LINES = 400


def test_no_module_in_services_is_over_400_lines() -> None:
    """Modules small enough to hold in one's head: a service module past 400 lines is
    split along its seams (as executors/local/sandbox.py and gateway/models were)."""
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in sorted((ROOT / "services").rglob("*.py"))
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}, f"modules over {MAX_MODULE_LINES} lines: {too_long}"


# libraries that take seconds to import, and what Holdout does without them until it uses
# them: importing them up front delays every process start (`holdout up`, a restarted pod)
ON_DEMAND = [
    # pandas: the detailed labels parse only; scikit-learn: the scorer's first metric
    ("import services.gateway.app", ["pandas", "sklearn"]),
    ("import services.scorer.app", ["sklearn"]),
    # `holdout migrate` reads a service's settings and migrations, not its app
    ("from holdout.wiring import service_spec; service_spec('gateway').settings()", ["services.gateway.app"]),
]


@pytest.mark.parametrize(("statement", "libraries"), ON_DEMAND, ids=["gateway", "scorer", "migrate"])
def test_slow_libraries_are_imported_only_when_used(statement: str, libraries: list[str]) -> None:
    probe = f"import sys\n{statement}\nprint(' '.join(m for m in {libraries!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [], f"{statement!r} imported {result.stdout.strip()}"
