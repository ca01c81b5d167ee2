"""`holdout pack` and the client's archive check agree with the server's rules (shared/archive.py)
on good and bad archives, and a packed folder is what the server accepts."""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from holdout_client import archive as client

from shared import archive as server

LIMITS = {"max_files": 5, "max_unpacked_bytes": 4 * 1024**2, "max_ratio": 50.0, "ratio_floor_bytes": 1024}


def _zip(path: Path, entries: list[tuple[str, bytes, int | None]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is not None:
                info.create_system = 3
                info.external_attr = mode << 16
            zf.writestr(info, data)
    return path


CASES: dict[str, Callable[[Path], Path]] = {
    "good": lambda p: _zip(p, [("main.py", b"print(1)\n", None), ("model/w.bin", b"\x01" * 100, None)]),
    "good main.sh": lambda p: _zip(p, [("main.sh", b"echo hi\n", 0o100755)]),
    "folder zipped": lambda p: _zip(p, [("solution/main.py", b"print(1)\n", None)]),
    "no entrypoint": lambda p: _zip(p, [("run.py", b"print(1)\n", None)]),
    "dot-dot": lambda p: _zip(p, [("main.py", b"", None), ("../evil.py", b"", None)]),
    "absolute": lambda p: _zip(p, [("main.py", b"", None), ("/etc/passwd", b"", None)]),
    "backslash": lambda p: _zip(p, [("main.py", b"", None), ("a\\b.py", b"", None)]),
    "symlink": lambda p: _zip(p, [("main.py", b"", None), ("link", b"/etc/shadow", stat.S_IFLNK | 0o777)]),
    "fifo": lambda p: _zip(p, [("main.py", b"", None), ("pipe", b"", stat.S_IFIFO | 0o644)]),
    "duplicate": lambda p: _zip(p, [("main.py", b"a", None), ("main.py", b"b", None)]),
    "too many files": lambda p: _zip(p, [("main.py", b"", None)] + [(f"f{i}", b"", None) for i in range(6)]),
    "too big": lambda p: _zip(p, [("main.py", b"", None), ("big.bin", os.urandom(5 * 1024**2), None)]),
    "zip bomb": lambda p: _zip(p, [("main.py", b"", None), ("zeros", b"\0" * (2 * 1024**2), None)]),
    "not a zip": lambda p: (p.write_bytes(b"PK\x03\x04 not really"), p)[1],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_client_and_server_checks_agree(case: str, tmp_path: Path) -> None:
    path = CASES[case](tmp_path / "submission.zip")
    try:
        expected = server.inspect_archive(path, server.ArchiveLimits(**LIMITS))
    except server.ArchiveError as exc:
        with pytest.raises(client.ArchiveError) as got:
            client.check_archive(path, client.ArchiveLimits(**LIMITS))
        assert got.value.problems == exc.problems
        assert not case.startswith("good")
    else:
        summary = client.check_archive(path, client.ArchiveLimits(**LIMITS))
        assert (summary.entrypoint, summary.files, summary.unpacked_bytes) == (
            expected.entrypoint,
            expected.files,
            expected.unpacked_bytes,
        )
        assert case.startswith("good")


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def test_pack_leaves_out_debris_and_makes_what_the_server_accepts(tmp_path: Path) -> None:
    src = _tree(
        tmp_path / "solution",
        {
            "main.py": b"print('hi')\n",
            "model/weights.bin": b"\x00\x01" * 100,
            ".git/HEAD": b"ref: refs/heads/main\n",
            "__pycache__/main.cpython-311.pyc": b"\x00",
            "lib/__pycache__/x.pyc": b"\x00",
            ".DS_Store": b"\x00",
            "notebook/.ipynb_checkpoints/a.ipynb": b"{}",
        },
    )
    out = tmp_path / "solution.zip"
    summary = client.pack(src, out)
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["main.py", "model/weights.bin"]
    assert summary.entrypoint == "main.py"
    assert server.inspect_archive(out).entrypoint == "main.py"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda root: _tree(root, {"src/main.py": b""}),
            "main.py must be at the root of the folder (found 'src/main.py': pack that folder instead)",
        ),
        (
            lambda root: (_tree(root, {"main.py": b""}), os.symlink("/etc/passwd", root / "pw"))[0],
            "'pw': symbolic links are not allowed",
        ),
        (
            lambda root: (_tree(root, {"main.py": b""}), os.symlink("/etc", root / "etc"))[0],
            "'etc': symbolic links are not allowed",
        ),
        (
            lambda root: _tree(root, {"main.py": b"", **{f"f{i}": b"" for i in range(6)}}),
            "the folder has 7 files; at most 5 are allowed",
        ),
    ],
)
def test_pack_refuses_a_folder_the_server_would_refuse(
    make: Callable[[Path], Path], message: str, tmp_path: Path
) -> None:
    root = tmp_path / "solution"
    root.mkdir()
    make(root)
    with pytest.raises(client.ArchiveError) as got:
        client.pack(root, tmp_path / "out.zip", client.ArchiveLimits(**LIMITS))
    assert message in got.value.problems
    assert not (tmp_path / "out.zip").exists()
