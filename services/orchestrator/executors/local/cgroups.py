"""Per-run control groups (cgroups v1) for the local sandbox.

The executor puts each run into its own child group of the memory, pids, cpu, cpuacct
and freezer hierarchies: memory and process limits are enforced by the kernel (an
over-allocating run is OOM-killed, a fork bomb hits ``pids.max``), CPU seconds and peak
memory are read back afterwards, and the freezer lets the host kill *every* process of
a run without racing a process that forks while it is being killed.

The memory group is created under the service's own memory group (read from
``/proc/self/cgroup``; in a container that is the only place we may write), the others
likewise under ours. When cgroups are not available (not root, cgroups v2 only, a
read-only ``/sys/fs/cgroup``) ``RunCgroup.create`` returns None and the caller falls back
to rlimits, logging that it did.

A group's name says whose it is: ``holdout-<scope>-<owner>-<run>-<random>``, where the
scope names the deployment (the executor derives it from its runs folder) and the owner
is the creating process (pid and start time, so a reused pid is not mistaken for it). A
process killed mid-run cannot remove its groups; ``remove_stale`` at the next start-up
removes those of its scope whose owner is gone, and leaves every other group alone:
another deployment's, or a live process's of the same deployment.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

CONTROLLERS = ("memory", "pids", "cpu", "cpuacct", "freezer")
CFS_PERIOD_US = 100_000
PREFIX = "holdout-"
# runs started outside an executor (``holdout test-submission``, tests)
DEFAULT_SCOPE = "adhoc"
_SCOPE = re.compile(r"[a-z0-9]{1,16}")


class CgroupUnavailable(Exception):
    pass


def _v1_mounts(mountinfo: str) -> dict[str, tuple[str, str]]:
    """controller -> (mount root, mount point) for every cgroup v1 hierarchy."""
    out: dict[str, tuple[str, str]] = {}
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fields, rfields = left.split(), right.split()
        if len(fields) < 5 or len(rfields) < 3 or rfields[0] != "cgroup":
            continue
        root, mount_point = fields[3], fields[4]
        for opt in rfields[2].split(","):
            if opt in CONTROLLERS and opt not in out:
                out[opt] = (root, mount_point)
    return out


def _own_groups(proc_cgroup: str) -> dict[str, str]:
    """controller -> this process's group path, from ``/proc/self/cgroup``."""
    out: dict[str, str] = {}
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for controller in parts[1].split(","):
            if controller in CONTROLLERS:
                out[controller] = parts[2]
    return out


def parent_dirs(mountinfo: str | None = None, proc_cgroup: str | None = None) -> dict[str, Path]:
    """controller -> the directory under which this process may create child groups."""
    if mountinfo is None:
        mountinfo = Path("/proc/self/mountinfo").read_text()
    if proc_cgroup is None:
        proc_cgroup = Path("/proc/self/cgroup").read_text()
    mounts, own = _v1_mounts(mountinfo), _own_groups(proc_cgroup)
    dirs: dict[str, Path] = {}
    for controller in CONTROLLERS:
        if controller not in mounts or controller not in own:
            raise CgroupUnavailable(f"no cgroup v1 hierarchy for {controller}")
        root, mount_point = mounts[controller]
        group = own[controller]
        rel = os.path.relpath(group, root) if group.startswith(root) else "."
        dirs[controller] = Path(mount_point) / ("" if rel == "." else rel)
    return dirs


@dataclass
class RunCgroup:
    """One run's groups; ``dirs`` maps controller -> group directory."""

    name: str
    dirs: dict[str, Path]
    created: list[Path] = field(default_factory=list)

    @classmethod
    def create(
        cls,
        name: str,
        *,
        memory_bytes: int,
        max_processes: int,
        cpus: float,
        scope: str = DEFAULT_SCOPE,
    ) -> RunCgroup | None:
        """Create and configure the groups, or return None (logged) if cgroups are unusable."""
        if os.geteuid() != 0:
            log.warning("sandbox.cgroups_unavailable", reason="not running as root; only rlimits apply")
            return None
        try:
            parents = parent_dirs()
        except (OSError, CgroupUnavailable) as exc:
            log.warning("sandbox.cgroups_unavailable", reason=str(exc))
            return None
        group = cls(name=name, dirs={})
        # unique even when a crashed process left a group of the same run behind
        dirname = f"{PREFIX}{_check_scope(scope)}-{own_owner()}-{name}-{uuid.uuid4().hex[:6]}"
        try:
            for controller, parent in parents.items():
                path = parent / dirname
                if path not in group.created:
                    path.mkdir()
                    group.created.append(path)
                group.dirs[controller] = path
            group._configure(memory_bytes, max_processes, cpus)
        except OSError as exc:
            group.remove()
            log.warning("sandbox.cgroups_unavailable", reason=f"could not set up cgroups: {exc}")
            return None
        return group

    def _write(self, controller: str, filename: str, value: str) -> None:
        (self.dirs[controller] / filename).write_text(value)

    def _read(self, controller: str, filename: str) -> str:
        return (self.dirs[controller] / filename).read_text()

    def _configure(self, memory_bytes: int, max_processes: int, cpus: float) -> None:
        self._write("memory", "memory.limit_in_bytes", str(memory_bytes))
        memsw = self.dirs["memory"] / "memory.memsw.limit_in_bytes"
        if memsw.exists():
            # equal limits: the run may not escape its memory limit into swap
            memsw.write_text(str(memory_bytes))
        with contextlib.suppress(OSError):
            self._write("memory", "memory.swappiness", "0")
        self._write("pids", "pids.max", str(max_processes))
        self._write("cpu", "cpu.cfs_period_us", str(CFS_PERIOD_US))
        self._write("cpu", "cpu.cfs_quota_us", str(max(1000, int(cpus * CFS_PERIOD_US))))

    def procs_files(self) -> list[str]:
        """The ``cgroup.procs`` files a new process writes its pid into (see ``enter``)."""
        return [str(p / "cgroup.procs") for p in dict.fromkeys(self.dirs.values())]

    def pids(self) -> set[int]:
        found: set[int] = set()
        for path in dict.fromkeys(self.dirs.values()):
            with contextlib.suppress(OSError):
                found.update(int(x) for x in (path / "cgroup.procs").read_text().split())
        return found

    def cpu_seconds(self) -> float:
        try:
            return int(self._read("cpuacct", "cpuacct.usage")) / 1e9
        except (OSError, ValueError):
            return 0.0

    def peak_memory_bytes(self) -> int:
        try:
            return int(self._read("memory", "memory.max_usage_in_bytes"))
        except (OSError, ValueError):
            return 0

    def oom_killed(self) -> bool:
        """True if the kernel OOM-killed a process of this run."""
        try:
            for line in self._read("memory", "memory.oom_control").splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
        except (OSError, ValueError):
            pass
        return False

    def hit_memory_limit(self) -> bool:
        try:
            return int(self._read("memory", "memory.failcnt")) > 0
        except (OSError, ValueError):
            return False

    def kill_all(self, timeout: float = 5.0) -> bool:
        """SIGKILL every process of the run; True once the groups are empty.

        Freezing first means a process cannot fork a child we have not seen yet between
        reading ``cgroup.procs`` and sending the signals.
        """
        deadline = time.monotonic() + timeout
        freezer = self.dirs.get("freezer")
        while True:
            pids = self.pids()
            if not pids:
                return True
            if freezer is not None:
                self._set_frozen(True, deadline)
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            if freezer is not None:
                self._set_frozen(False, deadline)
            if time.monotonic() > deadline:
                log.error("sandbox.kill_incomplete", run=self.name, pids=sorted(self.pids()))
                return False
            time.sleep(0.01)

    def _set_frozen(self, frozen: bool, deadline: float) -> None:
        state = "FROZEN" if frozen else "THAWED"
        try:
            self._write("freezer", "freezer.state", state)
            while frozen and self._read("freezer", "freezer.state").strip() != state:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.005)
        except OSError as exc:
            log.warning("sandbox.freezer_failed", run=self.name, error=str(exc))

    def remove(self) -> None:
        """Remove the groups (they must be empty: call ``kill_all`` first)."""
        for path in reversed(self.created):
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
            else:
                log.error("sandbox.cgroup_not_removed", path=str(path))
        self.created.clear()


def scope_for(runs_dir: Path) -> str:
    """The scope of a deployment's groups: a short digest of its runs folder."""
    return hashlib.sha256(str(Path(runs_dir).resolve()).encode()).hexdigest()[:10]


def _check_scope(scope: str) -> str:
    if not _SCOPE.fullmatch(scope):
        raise ValueError(f"invalid cgroup scope {scope!r}: 1 to 16 lower-case letters or digits")
    return scope


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (``/proc/PID/stat`` field 22)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold blanks and parentheses: split after the last ")"
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def own_owner() -> str:
    return f"{os.getpid()}.{_start_time(os.getpid())}"


def owner_alive(owner: str) -> bool:
    pid, _, started = owner.partition(".")
    if not pid.isdigit():
        return True  # not a name this module made: never touch it
    return _start_time(int(pid)) == started


def remove_stale(scope: str, parents: dict[str, Path] | None = None) -> list[str]:
    """Kill what is left in, and remove, the groups of ``scope`` whose owner process is gone.

    Called at start-up: the groups of a run cut off by killing the orchestrator. Returns
    the names of the groups removed. Without usable cgroups there is nothing to do.
    """
    if parents is None:
        if os.geteuid() != 0:
            return []
        try:
            parents = parent_dirs()
        except (OSError, CgroupUnavailable):
            return []
    prefix = f"{PREFIX}{_check_scope(scope)}-"
    found: dict[str, dict[str, Path]] = {}
    for controller, parent in parents.items():
        try:
            names = [e.name for e in os.scandir(parent) if e.name.startswith(prefix) and e.is_dir()]
        except OSError:
            continue
        for dirname in names:
            found.setdefault(dirname, {})[controller] = parent / dirname
    removed: list[str] = []
    for dirname, dirs in sorted(found.items()):
        owner = dirname[len(prefix) :].partition("-")[0]
        if owner_alive(owner):
            continue
        group = RunCgroup(name=dirname, dirs=dirs, created=list(dict.fromkeys(dirs.values())))
        killed = sorted(group.pids())
        if not group.kill_all():
            continue  # logged; the next start-up tries again
        group.remove()
        removed.append(dirname)
        log.warning("sandbox.stale_cgroup_removed", group=dirname, killed=killed)
    return removed
