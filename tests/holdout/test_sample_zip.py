"""``holdout test-submission --competition`` takes the smoke-sample zip as downloaded,
unpacked with the archive rules; a zip that is not a sample is refused in words."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from holdout.cli import app
from holdout.local_test import competition_folder


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["test-submission", *args])
    return result.exit_code, result.output


def test_the_zip_unpacks_into_the_folder_layout_and_is_removed_after(tmp_path: Path) -> None:
    spec = {"metric": "accuracy", "id_column": "id", "target_columns": ["y"]}
    sample = _zip(
        tmp_path / "c-smoke.zip",
        {
            "competition.json": json.dumps(spec).encode(),
            "data/f.csv": b"id\n1\n",
            "labels.csv": b"id,y\n1,0\n",
        },
    )
    with competition_folder(sample) as folder:
        assert json.loads((folder / "competition.json").read_text()) == spec
        assert (folder / "data" / "f.csv").read_bytes() == b"id\n1\n"
        seen = folder
    assert not seen.exists()
    with competition_folder(tmp_path) as same:
        assert same == tmp_path  # a folder is used as it is


def test_a_zip_that_is_not_a_smoke_sample_is_refused_in_words(tmp_path: Path) -> None:
    submission = _zip(tmp_path / "s.zip", {"main.py": b"print(1)\n"})
    nested = _zip(tmp_path / "nested.zip", {"sample/competition.json": b"{}"})
    climbing = _zip(tmp_path / "climb.zip", {"competition.json": b"{}", "../evil.txt": b"x"})
    not_a_zip = tmp_path / "notes.txt"
    not_a_zip.write_text("hello")

    code, out = _invoke(str(submission), "--competition", str(submission))
    assert code == 2 and "competition.json must be at the root" in out
    code, out = _invoke(str(submission), "--competition", str(nested))
    assert code == 2 and "zip the folder's contents" in out
    code, out = _invoke(str(submission), "--competition", str(climbing))
    assert code == 2 and "evil.txt" in out
    assert not (tmp_path.parent / "evil.txt").exists()
    code, out = _invoke(str(submission), "--competition", str(not_a_zip))
    assert code == 2 and "not a zip archive" in out
    code, out = _invoke(str(submission), "--competition", str(tmp_path / "missing.zip"))
    assert code == 2 and "does not exist" in out
