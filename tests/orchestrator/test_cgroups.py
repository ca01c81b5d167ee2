"""Finding where this process may create its runs' control groups (cgroups v1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.orchestrator.cgroups import CgroupUnavailable, parent_dirs

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
