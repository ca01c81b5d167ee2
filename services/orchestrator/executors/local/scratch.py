"""Size-capped writable space for one sandbox run: tmpfs mounts made by the host.

Sits below ``sandbox.py``. The two places a submission may write, its predictions
folder and ``/tmp``, are each a tmpfs the host mounts (as root) with a size and an inode
cap, then bind-mounts into the sandbox. A submission that writes without end gets
``ENOSPC`` at the cap instead of filling the host's disk, and the host can still look at
what was written after the sandbox is gone, to tell "filled its space" from other
failures. Pages written there are charged to the run's memory cgroup, like the rest of
its memory.

Without root (or where mounting is not allowed) plain folders are used and the limits
fall back to ``RLIMIT_FSIZE`` plus the output watcher; bwrap's own ``--size --tmpfs``
then caps ``/tmp``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from dataclasses import dataclass
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

MS_NOSUID = 0x2
MS_NODEV = 0x4
MNT_DETACH = 0x2
# a tmpfs rounds its size to pages; this much free space left means "full"
FULL_MARGIN_BYTES = 64 * 1024

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def _mount_tmpfs(target: Path, size_bytes: int, inodes: int, uid: int, gid: int) -> None:
    options = f"size={size_bytes},nr_inodes={inodes},mode=0755,uid={uid},gid={gid}".encode()
    if _libc.mount(b"tmpfs", str(target).encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount tmpfs on {target}: {os.strerror(err)}")


def _unmount(target: Path) -> None:
    if _libc.umount2(str(target).encode(), MNT_DETACH) != 0:
        err = ctypes.get_errno()
        log.error("sandbox.unmount_failed", path=str(target), error=os.strerror(err))


def unmount_under(root: Path) -> list[str]:
    """Unmount every mount at or below ``root`` (left by a process killed mid-run).

    Without this, removing a crashed run's folder would fail on its busy mount points.
    """
    prefix = str(root.resolve())
    found: list[str] = []
    try:
        mountinfo = Path("/proc/self/mountinfo").read_text()
    except OSError:
        return found
    for line in mountinfo.splitlines():
        fields = line.split()
        if len(fields) < 5:
            continue
        # mountinfo escapes blanks as octal (\040)
        point = fields[4].encode().decode("unicode_escape")
        if point == prefix or point.startswith(prefix + "/"):
            found.append(point)
    for point in sorted(found, key=len, reverse=True):
        _unmount(Path(point))
    if found:
        log.warning("sandbox.stale_mounts_removed", mounts=found)
    return found


def _bytes_used(path: Path) -> int:
    st = os.statvfs(path)
    return (st.f_blocks - st.f_bfree) * st.f_frsize


@dataclass
class Scratch:
    """The run's writable mounts; ``tmp_dir`` is None when bwrap makes ``/tmp`` itself."""

    submission_dir: Path
    tmp_dir: Path | None
    tmp_bytes: int
    mounted: list[Path]

    @classmethod
    def create(
        cls,
        submission_dir: Path,
        *,
        output_bytes: int,
        output_entries: int,
        tmp_bytes: int,
        uid: int,
        gid: int,
    ) -> Scratch:
        scratch = cls(submission_dir, None, tmp_bytes, [])
        if os.geteuid() != 0:
            return scratch
        tmp_dir = submission_dir.with_name(submission_dir.name + "-tmp")
        try:
            # slack over the limit, so a full mount reads as "over the limit" afterwards
            _mount_tmpfs(submission_dir, output_bytes + 1024 * 1024, output_entries + 16, uid, gid)
            scratch.mounted.append(submission_dir)
            tmp_dir.mkdir(mode=0o755, exist_ok=True)
            scratch.tmp_dir = tmp_dir
            _mount_tmpfs(tmp_dir, tmp_bytes, 65536, uid, gid)
            scratch.mounted.append(tmp_dir)
        except OSError as exc:
            log.warning("sandbox.scratch_unmounted", reason=str(exc), hint="rlimit and watcher only")
            scratch.release()
        return scratch

    def tmp_full(self) -> bool:
        if self.tmp_dir is None:
            return False
        try:
            return _bytes_used(self.tmp_dir) >= self.tmp_bytes - FULL_MARGIN_BYTES
        except OSError:
            return False

    def release(self) -> None:
        """Unmount (the files go with the mounts) and remove the tmp mount point."""
        for target in reversed(self.mounted):
            _unmount(target)
        self.mounted.clear()
        if self.tmp_dir is not None:
            try:
                self.tmp_dir.rmdir()
            except OSError as exc:
                log.warning("sandbox.scratch_not_removed", path=str(self.tmp_dir), error=str(exc))
            self.tmp_dir = None
