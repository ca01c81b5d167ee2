"""The submission archive rules: every hostile or broken zip is refused with a reason."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from shared.archive import ArchiveError, ArchiveLimits, inspect_archive, safe_extract


def make_zip(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


def symlink_entry(name: str, target: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def problems(path: Path, limits: ArchiveLimits = ArchiveLimits()) -> str:
    with pytest.raises(ArchiveError) as err:
        inspect_archive(path, limits)
    return "; ".join(err.value.problems)


def test_a_good_archive_is_summarised_and_unpacked(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "s.zip", [("main.py", b"print(1)"), ("model/w.bin", b"\x00" * 10)])
    s = inspect_archive(z)
    assert (s.entrypoint, s.files, s.unpacked_bytes) == ("main.py", 2, 18)
    dest = tmp_path / "out"
    dest.mkdir()
    safe_extract(z, dest)
    assert (dest / "main.py").read_bytes() == b"print(1)"
    assert (dest / "model" / "w.bin").stat().st_size == 10


def test_main_sh_is_accepted(tmp_path: Path) -> None:
    assert inspect_archive(make_zip(tmp_path / "s.zip", [("main.sh", b"echo")])).entrypoint == "main.sh"


def test_missing_main_points_at_the_nested_folder(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "s.zip", [("mysub/main.py", b"")])
    assert "main.py must be at the root" in problems(z)
    assert "found 'mysub/main.py'" in problems(z)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../evil.py", "'..' in a path is not allowed"),
        ("a/../../evil.py", "'..' in a path is not allowed"),
        ("/etc/cron.d/evil", "absolute paths are not allowed"),
        ("C:/evil", "absolute paths are not allowed"),
        ("a\\..\\evil", "use '/' as the path separator"),
    ],
)
def test_paths_that_climb_out_are_refused(tmp_path: Path, name: str, expected: str) -> None:
    z = make_zip(tmp_path / "s.zip", [("main.py", b""), (name, b"x")])
    assert expected in problems(z)


def test_symlinks_are_refused(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "s.zip", [("main.py", b""), (symlink_entry("labels", "/data/labels.csv"), b"/x")])
    assert "'labels': symbolic links are not allowed" in problems(z)


def test_zip_bomb_is_refused_by_ratio(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "s.zip", [("main.py", b""), ("zeros", b"\x00" * (50 * 1024**2))])
    assert "exceeds the 200:1 limit" in problems(z)


def test_too_many_files_and_too_big(tmp_path: Path) -> None:
    z = make_zip(tmp_path / "s.zip", [("main.py", b"")] + [(f"f{i}", b"a" * 100) for i in range(20)])
    text = problems(z, ArchiveLimits(max_files=10, max_unpacked_bytes=1000))
    assert "21 entries; at most 10" in text
    assert "unpacks to 2000 bytes; at most 1000" in text


def test_duplicate_entries_are_refused(tmp_path: Path) -> None:
    z = tmp_path / "s.zip"
    with zipfile.ZipFile(z, "w") as zf, pytest.warns(UserWarning):
        zf.writestr("main.py", b"a")
        zf.writestr("main.py", b"b")
    assert "appears twice" in problems(z)


def test_not_a_zip(tmp_path: Path) -> None:
    p = tmp_path / "s.zip"
    p.write_bytes(b"PK\x03\x04 but truncated garbage")
    assert "not a zip archive" in problems(p)


def test_extract_counts_real_bytes_not_header_claims(tmp_path: Path) -> None:
    """A crafted header may under-state sizes; extraction stops at the real limit."""
    z = make_zip(tmp_path / "s.zip", [("main.py", b""), ("big", b"a" * 5000)])
    dest = tmp_path / "out"
    dest.mkdir()
    with pytest.raises(ArchiveError):
        safe_extract(z, dest, ArchiveLimits(max_unpacked_bytes=4000))
