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


BURNER = """\
import time
import pandas as pd

# about 150 MiB really touched, and at least 1 s of CPU time (not wall time: a busy
# machine slows the loop down, it cannot make it use less CPU)
ballast = bytearray(150 * 1024 * 1024)
for i in range(0, len(ballast), 4096):
    ballast[i] = 1
start = time.process_time()
while time.process_time() - start < 1.0:
    pass
features = pd.read_csv("/code_execution/data/features.csv")
predictions = pd.DataFrame({"id": features["id"], "label": 0})
predictions.to_csv("/code_execution/submission/submission.csv", index=False)
"""


def test_the_resources_reported_are_the_runs_own(competition: Path, data_dir: Path) -> None:
    import re
    import zipfile

    archive = data_dir / "burner.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("main.py", BURNER)
    code, out = _invoke(str(archive), "--competition", str(competition))
    assert code == 0, out
    found = re.search(r"resources: ([\d.]+) s wall, ([\d.]+) s CPU, ([\d.]+) MiB peak memory", out)
    assert found, out
    wall, cpu, peak = (float(x) for x in found.groups())
    assert cpu >= 1.0, out  # the run's own CPU time, from its control group
    assert wall >= cpu * 0.95, out  # capped at one CPU: barely less wall time than CPU time
    assert peak >= 150, out  # the 150 MiB it touched, at least


async def test_a_runtime_that_is_not_built_or_not_a_runtime_name_is_reported(
    competition: Path, data_dir: Path
) -> None:
    """Without building, the runner's own lookup says the runtime is missing; a name that
    cannot be a runtime is the competition folder's fault. Nothing runs in either case."""
    from holdout.local_test import CompetitionDirError, run_local_test
    from services.orchestrator.config import OrchestratorSettings

    archive = data_dir / "any.zip"
    archive.write_bytes(b"never opened")
    settings = OrchestratorSettings(runtimes_dir=data_dir / "no-runtimes")
    config = json.loads((competition / "competition.json").read_text())
    (competition / "competition.json").write_text(json.dumps({**config, "runtime": "gpu-2030"}))
    result = await run_local_test(archive, competition, settings=settings, build_runtime=False)
    assert result.failure_reason is not None and result.failure_reason.value == "internal_error"
    assert result.detail == "the runtime 'gpu-2030' is not built: run `holdout runtime build gpu-2030`"

    (competition / "competition.json").write_text(json.dumps({**config, "runtime": "../etc"}))
    with pytest.raises(CompetitionDirError, match=r"names the runtime '\.\./etc'"):
        await run_local_test(archive, competition, settings=settings, build_runtime=False)
