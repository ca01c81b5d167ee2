"""What a submission can see of the host from inside the sandbox, and what it leaves
behind for the host to read: real bubblewrap, real cgroups."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from services.orchestrator.executors.local.argv import args_through_fd, build_argv
from services.orchestrator.executors.local.output import copy_output
from services.orchestrator.executors.local.spec import MIB, OutputFile, SandboxLimits
from shared.events import FailureReason
from tests.orchestrator.conftest import needs_sandbox
from tests.orchestrator.test_sandbox import _spec, make_run, run

# every process the submission can see, and what it can read of each
READ_PROC = """
import json, os
seen = {}
for pid in sorted(p for p in os.listdir("/proc") if p.isdigit()):
    for what in ("cmdline", "environ"):
        try:
            with open(f"/proc/{pid}/{what}", "rb") as f:
                seen[f"{pid}/{what}"] = f.read().decode(errors="replace").split("\\0")
        except OSError as exc:
            seen[f"{pid}/{what}"] = f"unreadable: {exc.strerror}"
seen["own fds"] = {}
for fd in os.listdir("/proc/self/fd"):
    try:
        seen["own fds"][fd] = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:  # the descriptor listdir used, closed by now
        pass
json.dump(seen, open("/code_execution/submission/submission.csv", "w"))
"""


def test_bwrap_options_travel_through_a_descriptor_not_the_command_line() -> None:
    argv = build_argv(_spec(), SandboxLimits(time_limit_s=1, memory_bytes=MIB, cpus=1), as_root=True)
    visible, data = args_through_fd(argv, "bwrap", 9)
    assert visible[: visible.index("bwrap") + 1] == argv[: argv.index("bwrap") + 1]  # setpriv first
    assert visible[visible.index("bwrap") :] == [
        "bwrap",
        "--args",
        "9",
        "--",
        "/opt/holdout/runtime/bin/python",
        "main.py",
    ]
    options = data.split(b"\0")
    assert options[-1] == b""  # NUL-terminated, as bwrap reads them
    assert [o.decode() for o in options[:-1]] == argv[argv.index("bwrap") + 1 : argv.index("--")]
    for host_path in ("/rt", "/run/src", "/run/data", "/run/sub"):
        assert host_path not in visible
        assert host_path.encode() + b"\0" in data


@needs_sandbox
async def test_no_host_path_is_visible_in_any_process_inside(data_dir: Path, default_runtime: Path) -> None:
    r = make_run(data_dir, default_runtime, READ_PROC)
    result = await run(r)
    assert result.failure_reason is None, result.detail
    assert result.output_path is not None
    seen = json.loads(result.output_path.read_text())
    # pid 1 is bwrap itself: its command line is what used to list every mount source
    assert seen["1/cmdline"][0].endswith("bwrap") and "--args" in seen["1/cmdline"], seen["1/cmdline"]
    readable = [k for k, v in seen.items() if isinstance(v, list)]
    assert "1/cmdline" in readable and len(readable) >= 3, seen  # the check read something
    text = json.dumps(seen)
    for host_path in {str(data_dir), str(r.root), str(default_runtime), str(default_runtime.parent)}:
        assert host_path not in text, f"{host_path} is visible inside the sandbox: {seen}"
    # the descriptor of the options was read and closed by bwrap, never handed to the code
    assert not any("holdout-bwrap-args" in target for target in seen["own fds"].values()), seen["own fds"]


@needs_sandbox
@pytest.mark.parametrize(
    ("make", "found"),
    [
        ("os.mkdir(PREDICTIONS)", "is a directory, expected a CSV file"),
        ("os.makedirs(PREDICTIONS + '/inner')", "is a directory, expected a CSV file"),
        ("os.mkfifo(PREDICTIONS)", "is a named pipe (FIFO), expected a CSV file"),
        (
            "import socket; socket.socket(socket.AF_UNIX).bind(PREDICTIONS)",
            "is a socket, expected a CSV file",
        ),
    ],
)
async def test_predictions_that_are_not_a_file_are_the_participants_doing(
    data_dir: Path, default_runtime: Path, make: str, found: str
) -> None:
    r = make_run(
        data_dir,
        default_runtime,
        f"import os\nPREDICTIONS = '/code_execution/submission/submission.csv'\n{make}\n",
    )
    result = await run(r)
    assert result.failure_reason == FailureReason.INVALID_PREDICTIONS, result.detail
    assert result.detail.startswith(f"/code_execution/submission/submission.csv {found}")
    assert result.output_path is None


def test_a_device_file_as_predictions_is_refused_unread(tmp_path: Path) -> None:
    # a submission cannot make one (no CAP_MKNOD), but the host must not read one either
    if os.geteuid() != 0:
        pytest.fail("creating a device node needs root")
    os.mknod(tmp_path / "submission.csv", 0o644 | 0o020000, os.makedev(1, 5))  # /dev/zero
    failure = copy_output(tmp_path, OutputFile(), tmp_path / "copy.csv", 1024)
    assert failure == (
        FailureReason.INVALID_PREDICTIONS,
        "/code_execution/submission/submission.csv is a device file, expected a CSV file; "
        "write the predictions to a regular file",
    )
    assert not (tmp_path / "copy.csv").exists()
