"""The sandbox as a participant's code experiences it: real bubblewrap, real cgroups."""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.orchestrator.executors.local import cgroups
from services.orchestrator.executors.local.argv import build_argv
from services.orchestrator.executors.local.gpu import GpuPassthrough
from services.orchestrator.executors.local.sandbox import run_sandbox
from services.orchestrator.executors.local.spec import (
    DATA_MOUNT,
    MIB,
    SandboxLimits,
    SandboxResult,
    SandboxSpec,
)
from shared.events import FailureReason
from tests.orchestrator.conftest import needs_sandbox

LIMITS = SandboxLimits(time_limit_s=30, memory_bytes=512 * MIB, cpus=1, max_processes=32)


@dataclass
class Run:
    root: Path
    spec: SandboxSpec

    @property
    def submission(self) -> Path:
        return self.spec.submission_dir


def make_run(base: Path, runtime: Path, main_py: str, *, name: str = "run") -> Run:
    root = base / name
    src, data, submission = root / "src", root / "data", root / "submission"
    for path in (root, src, data, submission):
        path.mkdir(mode=0o755, parents=True)
        path.chmod(0o755)
    os.chown(submission, 64000, 64000)
    (src / "main.py").write_text(textwrap.dedent(main_py))
    (data / "features.csv").write_text("id,x\n1,0.5\n2,0.7\n")
    spec = SandboxSpec(runtime_dir=runtime, src_dir=src, data_dir=data, submission_dir=submission)
    return Run(root, spec)


async def run(r: Run, limits: SandboxLimits = LIMITS) -> SandboxResult:
    return await run_sandbox(
        r.spec, limits, log_path=r.root / "log.txt", run_name=f"test-{os.getpid()}-{id(r)}"
    )


# --- the command line, without running it ------------------------------------------------


def _spec() -> SandboxSpec:
    return SandboxSpec(
        runtime_dir=Path("/rt"),
        src_dir=Path("/run/src"),
        data_dir=Path("/run/data"),
        submission_dir=Path("/run/sub"),
        is_smoke=True,
    )


def _pairs(argv: list[str], flag: str, arity: int) -> list[tuple[str, ...]]:
    return [tuple(argv[i + 1 : i + 1 + arity]) for i, a in enumerate(argv) if a == flag]


def test_argv_drops_privileges_before_bwrap_when_root() -> None:
    argv = build_argv(_spec(), LIMITS, as_root=True, bwrap="bwrap", setpriv="setpriv")
    assert argv[0] == "setpriv"
    assert {"--reuid=64000", "--regid=64000", "--clear-groups", "--inh-caps=-all"} <= set(
        argv[: argv.index("bwrap")]
    )
    assert argv.index("setpriv") < argv.index("bwrap")


def test_argv_without_root_runs_bwrap_as_the_current_user() -> None:
    argv = build_argv(_spec(), LIMITS, as_root=False, bwrap="bwrap")
    assert argv[0] == "bwrap" and "setpriv" not in argv


def test_argv_isolates_network_capabilities_and_environment() -> None:
    argv = build_argv(_spec(), LIMITS, as_root=True)
    for flag in (
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
    ):
        assert flag in argv
    assert "--share-net" not in argv
    assert _pairs(argv, "--cap-drop", 1) == [("ALL",)]
    env = dict(_pairs(argv, "--setenv", 2))
    assert env["IS_SMOKE"] == "true" and env["CPU_OR_GPU"] == "cpu" and env["HOME"] == "/tmp"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PATH"].startswith("/opt/holdout/runtime/bin:")
    assert not any("HOLDOUT" in k or "SECRET" in k or "TOKEN" in k for k in env)
    # clearenv comes before every setenv, or it would clear them
    assert argv.index("--clearenv") < argv.index("--setenv")


def test_argv_mounts_data_read_only_and_only_submission_writable() -> None:
    argv = build_argv(_spec(), LIMITS, as_root=True)
    assert ("/run/data", DATA_MOUNT) in _pairs(argv, "--ro-bind", 2)
    assert ("/run/src", "/code_execution/src") in _pairs(argv, "--ro-bind", 2)
    assert ("/rt", "/opt/holdout/runtime") in _pairs(argv, "--ro-bind", 2)
    assert _pairs(argv, "--bind", 2) == [("/run/sub", "/code_execution/submission")]
    assert not any(src.startswith("/etc/shadow") or src == "/etc" for src, _ in _pairs(argv, "--ro-bind", 2))
    assert ("/tmp",) in _pairs(argv, "--tmpfs", 1) and (str(LIMITS.tmp_bytes),) in _pairs(argv, "--size", 1)
    assert _pairs(argv, "--chdir", 1) == [("/code_execution/src",)]
    assert argv[-2:] == ["/opt/holdout/runtime/bin/python", "main.py"]


def test_argv_loads_the_seccomp_filter_and_binds_the_capped_tmp() -> None:
    argv = build_argv(_spec(), LIMITS, as_root=True, seccomp_fd=7, tmp_dir=Path("/run/sub-tmp"))
    assert _pairs(argv, "--seccomp", 1) == [("7",)]
    assert ("/run/sub-tmp", "/tmp") in _pairs(argv, "--bind", 2)
    assert "--tmpfs" not in argv
    assert argv.index("--seccomp") < argv.index("--")


def test_argv_passes_gpu_devices_and_says_so() -> None:
    gpu = GpuPassthrough(devices=("/dev/nvidia0", "/dev/nvidiactl"), lib_dirs=("/opt/nvidia/lib64",))
    spec = SandboxSpec(**{**_spec().__dict__, "gpu": gpu})
    argv = build_argv(spec, LIMITS, as_root=True)
    assert _pairs(argv, "--dev-bind", 2) == [
        ("/dev/nvidia0", "/dev/nvidia0"),
        ("/dev/nvidiactl", "/dev/nvidiactl"),
    ]
    assert ("/opt/nvidia/lib64", "/opt/nvidia/lib64") in _pairs(argv, "--ro-bind", 2)
    env = dict(_pairs(argv, "--setenv", 2))
    assert env["CPU_OR_GPU"] == "gpu" and env["LD_LIBRARY_PATH"] == "/opt/nvidia/lib64"
    # devices are bound after --dev, or the fresh /dev would hide them
    assert argv.index("--dev") < argv.index("--dev-bind")
    cpu_env = dict(_pairs(build_argv(_spec(), LIMITS, as_root=True), "--setenv", 2))
    assert cpu_env["CPU_OR_GPU"] == "cpu" and "--dev-bind" not in build_argv(_spec(), LIMITS)


def test_argv_runs_main_sh_with_bash() -> None:
    spec = SandboxSpec(**{**_spec().__dict__, "entrypoint": "main.sh"})
    assert build_argv(spec, LIMITS, as_root=False)[-2:] == ["/bin/bash", "main.sh"]


# --- real runs -----------------------------------------------------------------------------


@needs_sandbox
async def test_normal_run_writes_predictions_and_succeeds(data_dir: Path, default_runtime: Path) -> None:
    r = make_run(
        data_dir,
        default_runtime,
        """
        import os, sys
        import numpy, pandas, sklearn
        df = pandas.read_csv("/code_execution/data/features.csv")
        df.assign(y=df.x * 2)[["id", "y"]].to_csv("/code_execution/submission/submission.csv", index=False)
        print("prefix", sys.prefix, "smoke", os.environ["IS_SMOKE"], "uid", os.getuid())
    """,
    )
    result = await run(r)
    assert result.failure_reason is None, result.detail
    assert result.exit_code == 0
    assert result.output_path is not None
    assert result.output_path.read_text().splitlines() == ["id,y", "1,1.0", "2,1.4"]
    log = result.log_path.read_text()
    assert "prefix /opt/holdout/runtime smoke false uid 64000" in log
    assert result.cgroups_used and result.cpu_seconds > 0 and result.peak_memory_mb > 0
    assert result.wall_seconds > 0


@needs_sandbox
async def test_no_network_no_dns_and_read_only_data(data_dir: Path, default_runtime: Path) -> None:
    r = make_run(
        data_dir,
        default_runtime,
        """
        import errno, json, os, socket
        seen = {}
        try:
            socket.create_connection(("127.0.0.1", 5432), timeout=3)
            seen["connect"] = "connected"
        except OSError as exc:
            seen["connect"] = f"failed {exc.errno}"
        try:
            socket.getaddrinfo("pypi.org", 443)
            seen["dns"] = "resolved"
        except OSError as exc:
            seen["dns"] = "failed"
        try:
            open("/code_execution/data/new.csv", "w")
            seen["write_data"] = "written"
        except OSError as exc:
            seen["write_data"] = errno.errorcode[exc.errno]
        try:
            open("/etc/shadow").read()
            seen["shadow"] = "read"
        except OSError as exc:
            seen["shadow"] = "unreadable"
        for family in ("AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET"):
            try:
                kind = socket.SOCK_RAW if family == "AF_PACKET" else socket.SOCK_DGRAM
                socket.socket(getattr(socket, family), kind)
                seen[family] = "created"
            except OSError as exc:
                seen[family] = errno.errorcode[exc.errno]
        a, b = socket.socketpair()
        a.sendall(b"unix sockets work")
        seen["unix"] = b.recv(100).decode()
        json.dump(seen, open("/code_execution/submission/submission.csv", "w"))
    """,
    )
    result = await run(r)
    assert result.failure_reason is None, result.detail
    import json

    seen = json.loads(result.output_path.read_text())  # type: ignore[union-attr]
    assert seen["connect"].startswith("failed")
    assert seen["dns"] == "failed"
    assert seen["write_data"] == "EROFS"
    assert seen["shadow"] == "unreadable"
    # the seccomp filter refuses every socket family but AF_UNIX
    assert {seen[f] for f in ("AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET")} == {"EAFNOSUPPORT"}
    assert seen["unix"] == "unix sockets work"


@needs_sandbox
async def test_runtime_error_reports_exit_code_and_log_tail(data_dir: Path, default_runtime: Path) -> None:
    r = make_run(
        data_dir,
        default_runtime,
        """
        import sys
        print("loading the model")
        print("model file not found: model.pkl", file=sys.stderr)
        sys.exit(3)
    """,
    )
    result = await run(r)
    assert result.failure_reason == FailureReason.RUNTIME_ERROR
    assert result.exit_code == 3
    assert result.detail.startswith("exited with code 3; last lines of the log:")
    assert "model file not found: model.pkl" in result.detail
    assert result.output_path is None


@needs_sandbox
async def test_time_limit_kills_every_process_of_the_run(data_dir: Path, default_runtime: Path) -> None:
    r = make_run(
        data_dir,
        default_runtime,
        """
        import os, subprocess, time
        # a child in its own session, as an escape attempt
        subprocess.Popen(["sleep", "1000"], start_new_session=True)
        if os.fork() == 0:
            os.setsid()
            time.sleep(1000)
        print("started", flush=True)
        time.sleep(1000)
    """,
    )
    limits = SandboxLimits(time_limit_s=2, memory_bytes=512 * MIB, cpus=1)
    result = await run(r, limits)
    assert result.failure_reason == FailureReason.TIME_LIMIT_EXCEEDED
    assert result.detail.startswith("ran longer than the 2 s time limit")
    assert 2 <= result.wall_seconds < 10
    assert "started" in result.log_path.read_text()
    assert result.leftover_pids == []
    # no process of the sandbox user is left anywhere, and the run's cgroups are gone
    leftovers = [
        p for p in os.listdir("/proc") if p.isdigit() and _uid_of(p) == 64000 and _in_run(p, "test-")
    ]
    assert leftovers == []
    assert not any(
        d.name.startswith(f"holdout-test-{os.getpid()}") for d in cgroups.parent_dirs()["pids"].iterdir()
    )


@needs_sandbox
async def test_memory_limit_exceeded(data_dir: Path, default_runtime: Path) -> None:
    r = make_run(
        data_dir,
        default_runtime,
        """
        blocks = []
        for _ in range(64):
            blocks.append(bytearray(16 * 1024 * 1024))  # 1 GiB in the end, touched
        open("/code_execution/submission/submission.csv", "w").write("too late")
    """,
    )
    result = await run(r, SandboxLimits(time_limit_s=30, memory_bytes=256 * MIB, cpus=1))
    assert result.failure_reason == FailureReason.MEMORY_LIMIT_EXCEEDED
    assert result.detail.startswith("exceeded the 256 MiB memory limit")
    assert result.peak_memory_mb <= 257


@needs_sandbox
async def test_missing_predictions(data_dir: Path, default_runtime: Path) -> None:
    r = make_run(data_dir, default_runtime, "print('forgot to write the file')\n")
    result = await run(r)
    assert result.failure_reason == FailureReason.MISSING_PREDICTIONS
    assert result.detail == "predictions file is missing: expected /code_execution/submission/submission.csv"


@needs_sandbox
async def test_predictions_symlink_is_not_followed(data_dir: Path, default_runtime: Path) -> None:
    r = make_run(
        data_dir,
        default_runtime,
        """
        import os
        os.symlink("/etc/passwd", "/code_execution/submission/submission.csv")
    """,
    )
    result = await run(r)
    assert result.failure_reason == FailureReason.INVALID_PREDICTIONS
    assert "symbolic link" in result.detail
    assert result.output_path is None
    assert not (r.root / "predictions.csv").exists()


@needs_sandbox
async def test_output_limit(data_dir: Path, default_runtime: Path) -> None:
    r = make_run(
        data_dir,
        default_runtime,
        """
        with open("/code_execution/submission/big.bin", "wb") as f:
            for _ in range(8):
                f.write(b"x" * 1024 * 1024)
        open("/code_execution/submission/submission.csv", "w").write("id,y\\n")
    """,
    )
    result = await run(
        r, SandboxLimits(time_limit_s=30, memory_bytes=512 * MIB, cpus=1, output_limit_bytes=4 * MIB)
    )
    assert result.failure_reason == FailureReason.OUTPUT_LIMIT_EXCEEDED
    assert "4 MiB output limit" in result.detail


@needs_sandbox
async def test_log_keeps_the_tail(data_dir: Path, default_runtime: Path) -> None:
    r = make_run(
        data_dir,
        default_runtime,
        """
        for i in range(20000):
            print(f"line {i:05d}")
        open("/code_execution/submission/submission.csv", "w").write("id,y\\n")
    """,
    )
    result = await run(
        r, SandboxLimits(time_limit_s=30, memory_bytes=512 * MIB, cpus=1, log_limit_bytes=4096)
    )
    log = result.log_path.read_text()
    assert "line 19999" in log and "line 00000" not in log
    assert "earlier bytes of output were dropped" in log
    assert len(log.encode()) < 4096 + 200


def _uid_of(pid: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Uid:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _in_run(pid: str, marker: str) -> bool:
    try:
        return f"holdout-{marker}{os.getpid()}" in Path(f"/proc/{pid}/cgroup").read_text()
    except OSError:
        return False


@needs_sandbox
async def test_process_limit_contains_a_fork_bomb(data_dir: Path, default_runtime: Path) -> None:
    r = make_run(
        data_dir,
        default_runtime,
        """
        import os, time
        children = 0
        try:
            for _ in range(200):
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
                children += 1
        except OSError as exc:
            print("fork refused after", children, "children:", exc.strerror)
            raise SystemExit(4)
        """,
    )
    result = await run(r, SandboxLimits(time_limit_s=30, memory_bytes=512 * MIB, cpus=1, max_processes=16))
    assert result.failure_reason == FailureReason.RUNTIME_ERROR and result.exit_code == 4
    assert "fork refused after" in result.detail
    assert result.leftover_pids == []


@needs_sandbox
async def test_main_sh_entrypoint(data_dir: Path, default_runtime: Path) -> None:
    r = make_run(data_dir, default_runtime, "")
    (r.spec.src_dir / "main.sh").write_text(
        'set -e\necho "id,y" > /code_execution/submission/submission.csv\n'
    )
    spec = SandboxSpec(**{**r.spec.__dict__, "entrypoint": "main.sh"})
    result = await run_sandbox(spec, LIMITS, log_path=r.root / "log.txt")
    assert result.failure_reason is None, result.detail
    assert result.output_path is not None and result.output_path.read_text() == "id,y\n"


@needs_sandbox
async def test_without_cgroups_the_sandbox_degrades_to_rlimits(
    data_dir: Path, default_runtime: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cgroups.RunCgroup, "create", classmethod(lambda cls, *a, **k: None))
    ok = make_run(data_dir, default_runtime, PANDAS_PREDICT, name="ok")
    result = await run(ok)
    assert result.failure_reason is None, result.detail
    assert not result.cgroups_used
    greedy = make_run(data_dir, default_runtime, "x = bytearray(2 * 1024**3)\n", name="greedy")
    result = await run(greedy)
    assert result.failure_reason == FailureReason.RUNTIME_ERROR and "MemoryError" in result.detail


PANDAS_PREDICT = """
import pandas, sklearn
pandas.DataFrame({"id": [1], "y": [2]}).to_csv("/code_execution/submission/submission.csv", index=False)
"""


@needs_sandbox
async def test_code_never_runs_when_the_launcher_cannot_enter_the_cgroups(
    data_dir: Path, default_runtime: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cgroups.RunCgroup, "procs_files", lambda self: ["/nonexistent/cgroup.procs"])
    r = make_run(
        data_dir, default_runtime, 'open("/code_execution/submission/ran", "w").write("1")\n', name="nocg"
    )
    with pytest.raises(RuntimeError, match="launcher"):
        await run(r)
    assert not (r.submission / "ran").exists()


@needs_sandbox
async def test_the_run_gets_the_exact_file_size_limit_and_no_core_dumps(
    data_dir: Path, default_runtime: Path
) -> None:
    r = make_run(
        data_dir,
        default_runtime,
        """
        import resource
        print(resource.getrlimit(resource.RLIMIT_FSIZE), resource.getrlimit(resource.RLIMIT_CORE))
        open("/code_execution/submission/submission.csv", "w").write("id,y\\n")
        """,
        name="limits",
    )
    result = await run(
        r, SandboxLimits(time_limit_s=30, memory_bytes=512 * MIB, cpus=1, output_limit_bytes=12345)
    )
    assert result.failure_reason is None, result.detail
    assert "(12346, 12346) (0, 0)" in (r.root / "log.txt").read_text()
