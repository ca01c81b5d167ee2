"""Where this process may create its runs' control groups (cgroups v1), and removing
those a killed process left behind."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from services.orchestrator.executors.local import cgroups
from services.orchestrator.executors.local.cgroups import CgroupUnavailable, parent_dirs
from tests.orchestrator.conftest import needs_sandbox
from tests.support import eventually_sync

MOUNTINFO = """\
30 25 0:26 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
31 25 0:27 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
33 25 0:29 /process_api /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 25 0:32 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 25 0:34 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 25 0:36 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
PROC_CGROUP = """\
8:pids:/
6:freezer:/
4:memory:/process_api/abc
2:cpuacct:/
1:cpu:/
0::/
"""


def test_parent_dirs_follow_the_own_group_under_each_mount() -> None:
    dirs = parent_dirs(MOUNTINFO, PROC_CGROUP)
    assert dirs["memory"] == Path("/sys/fs/cgroup/memory/abc")
    assert dirs["pids"] == Path("/sys/fs/cgroup/pids")
    assert dirs["cpu"] == Path("/sys/fs/cgroup/cpu")
    assert dirs["cpuacct"] == Path("/sys/fs/cgroup/cpuacct")
    assert dirs["freezer"] == Path("/sys/fs/cgroup/freezer")


def test_combined_cpu_cpuacct_hierarchy() -> None:
    info = MOUNTINFO.replace(
        "/sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n",
        "/sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n",
    )
    dirs = parent_dirs(info, PROC_CGROUP.replace("2:cpuacct:/\n1:cpu:/", "2:cpu,cpuacct:/user"))
    assert dirs["cpu"] == Path("/sys/fs/cgroup/cpu,cpuacct/user")
    assert dirs["cpuacct"] == dirs["cpu"]


def test_cgroups_v2_only_is_reported_unavailable() -> None:
    with pytest.raises(CgroupUnavailable):
        parent_dirs("40 25 0:36 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::/user.slice\n")


# --- groups left behind by a killed process (real cgroups) ----------------------------------

# a process that makes a run's groups, leaves a sleeper inside them, and dies by SIGKILL,
# as an orchestrator killed mid-run does
KILLED_OWNER = """
import json, os, signal, subprocess, sys
from services.orchestrator.executors.local import cgroups
scope, run = sys.argv[1], sys.argv[2]
group = cgroups.RunCgroup.create(run, memory_bytes=64 << 20, max_processes=8, cpus=1, scope=scope)
sleeper = subprocess.Popen(
    ["/bin/sh", "-c", 'for f in "$@"; do echo $$ > "$f"; done; exec sleep 600', "sh", *group.procs_files()],
    stdin=subprocess.DEVNULL,
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
    start_new_session=True,
)
while len(group.pids()) < 1:
    pass
print(json.dumps({"dirs": [str(p) for p in group.dirs.values()], "sleeper": sleeper.pid}), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _left_by_killed_owner(scope: str, run: str) -> tuple[list[Path], int]:
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_OWNER, scope, run],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
        timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    left = json.loads(proc.stdout)
    return [Path(p) for p in left["dirs"]], left["sleeper"]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@needs_sandbox
def test_groups_of_a_killed_owner_are_emptied_and_removed_and_no_others() -> None:
    mine, other = uuid.uuid4().hex[:10], uuid.uuid4().hex[:10]
    stale_dirs, sleeper = _left_by_killed_owner(mine, "sub-1")
    other_dirs, other_sleeper = _left_by_killed_owner(other, "sub-1")  # another deployment's
    live = cgroups.RunCgroup.create("sub-2", memory_bytes=64 << 20, max_processes=8, cpus=1, scope=mine)
    assert live is not None
    try:
        assert len(stale_dirs) == len(set(cgroups.parent_dirs().values())) and all(
            d.is_dir() for d in stale_dirs
        )
        assert _alive(sleeper)  # the killed owner's run is still inside its groups

        removed = cgroups.remove_stale(mine)

        assert removed == [stale_dirs[0].name]
        assert not any(d.exists() for d in stale_dirs)
        eventually_sync(
            lambda: not _alive(sleeper), 10, interval=0.01, what=f"the end of the run in them (pid {sleeper})"
        )
        # a live process's group of the same deployment, and another deployment's, stay
        assert all(d.is_dir() for d in live.dirs.values())
        assert all(d.is_dir() for d in other_dirs) and _alive(other_sleeper)
        assert cgroups.remove_stale(mine) == []
    finally:
        live.kill_all()
        live.remove()
        other_group = cgroups.RunCgroup(
            "other", {str(i): d for i, d in enumerate(other_dirs)}, list(other_dirs)
        )
        other_group.kill_all()
        other_group.remove()
        assert cgroups.remove_stale(other) == []


def test_a_group_name_says_whose_it_is() -> None:
    scope = cgroups.scope_for(Path("/var/lib/holdout/runs"))
    assert scope == cgroups.scope_for(Path("/var/lib/holdout/runs/"))
    assert scope != cgroups.scope_for(Path("/srv/other/runs"))
    with pytest.raises(ValueError, match="invalid cgroup scope"):
        cgroups.remove_stale("../x", parents={})
