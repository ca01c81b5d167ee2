"""``holdout test-submission``: the participant's own check, on the digits example."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from holdout.cli import app
from holdout.digits import build_dataset, build_example
from tests.orchestrator.conftest import needs_sandbox, sandbox_available  # noqa: F401 - the fixture

pytestmark = needs_sandbox

SMOKE_ROWS = 60


@pytest.fixture
def competition(data_dir: Path, runtimes_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A competition folder as a host would hand it out: the digits smoke sample."""
    monkeypatch.setenv("HOLDOUT_RUNTIMES_DIR", str(runtimes_dir))
    monkeypatch.setenv("HOLDOUT_DATA_DIR", str(data_dir / "holdout"))
    digits = build_dataset(data_dir / "digits")
    comp = data_dir / "competition"
    (comp / "data").mkdir(parents=True)
    pd.read_csv(digits.features).head(SMOKE_ROWS).to_csv(comp / "data" / "features.csv", index=False)
    labels = pd.read_csv(digits.labels).head(SMOKE_ROWS).drop(columns=["Usage"])
    labels.to_csv(comp / "labels.csv", index=False)
    (comp / "competition.json").write_text(
        json.dumps(
            {
                "metric": "accuracy",
                "id_column": "id",
                "target_columns": ["label"],
                "limits": {"time_limit_s": 60, "memory_mb": 1024, "cpus": 1.0},
            }
        )
    )
    return comp


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["test-submission", *args])
    return result.exit_code, result.output


def test_a_good_submission_prints_its_smoke_score(competition: Path, data_dir: Path) -> None:
    digits_dir = data_dir / "digits"
    data = build_dataset(digits_dir)
    archive = build_example("baseline", data, data_dir / "zips")
    code, out = _invoke(str(archive), "--competition", str(competition), "--show-log")
    assert code == 0, out
    assert "score: accuracy = 0." in out and "on the smoke sample" in out
    assert f"predicted {SMOKE_ROWS} digits" in out  # the log, from inside the sandbox
    assert "resources:" in out


def test_a_broken_submission_prints_why(competition: Path, data_dir: Path) -> None:
    data = build_dataset(data_dir / "digits")
    archive = build_example("broken", data, data_dir / "zips")
    code, out = _invoke(str(archive), "--competition", str(competition))
    assert code == 1
    assert "failed: invalid_predictions" in out
    assert "id" in out.split("failed: invalid_predictions", 1)[1]


def test_a_crash_prints_the_exit_code_and_log_tail(competition: Path, data_dir: Path) -> None:
    import zipfile

    archive = data_dir / "crash.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("main.py", "import joblib\njoblib.load('model.joblib')\n")
    code, out = _invoke(str(archive), "--competition", str(competition))
    assert code == 1
    assert "failed: runtime_error" in out and "exited with code 1; last lines of the log:" in out
    assert "model.joblib" in out


def test_a_bad_zip_and_a_bad_folder_are_reported(competition: Path, data_dir: Path) -> None:
    import zipfile

    archive = data_dir / "nested.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("mysub/main.py", "print(1)\n")
    code, out = _invoke(str(archive), "--competition", str(competition))
    assert code == 1 and "failed: invalid_submission" in out and "main.py must be at the root" in out
    (competition / "labels.csv").unlink()
    code, out = _invoke(str(archive), "--competition", str(competition))
    assert code == 2 and "labels.csv" in out
