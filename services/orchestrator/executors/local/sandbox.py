"""The local sandbox: run one submission under bubblewrap, limit it, classify the outcome.

Sits below the executor (``executor.py``), which prepares the directories this module
mounts. The command line is built by pure functions (``build_argv``, ``build_env``) so
the isolation can be asserted without running anything. ``run_sandbox`` spawns it:

- as root, privileges are dropped with ``setpriv`` *before* bwrap (bwrap started as root
  maps the sandbox user to host root, see FACTS.md);
- bwrap unshares every namespace (only loopback remains), forbids nested user
  namespaces, drops all capabilities, clears the environment and loads the seccomp
  blocklist (``seccomp.py``) before it execs the submission;
- ``/code_execution/submission`` and ``/tmp`` are size-capped tmpfs mounts
  (``scratch.py``): filling them fills no disk;
- a competition that asks for a GPU gets the host's NVIDIA devices (``gpu.py``);
- the child joins the run's cgroups (``cgroups.py``) and sets rlimits before exec;
- the host enforces wall time, watches the output size, keeps the tail of
  stdout+stderr, and kills every process of the run when it ends, however it ends;
- anything the submission wrote is read with ``O_NOFOLLOW``: a symlink planted in
  ``/code_execution/submission`` is never followed by the host.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import resource
import shutil
import signal
import stat
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from services.orchestrator.executors.local import cgroups, seccomp
from services.orchestrator.executors.local.gpu import GpuPassthrough, bwrap_args
from services.orchestrator.executors.local.scratch import Scratch
from shared.events import FailureReason, Resources

log = structlog.get_logger(__name__)

RUNTIME_MOUNT = "/opt/holdout/runtime"
CODE_ROOT = "/code_execution"
SRC_MOUNT = f"{CODE_ROOT}/src"
DATA_MOUNT = f"{CODE_ROOT}/data"
SUBMISSION_MOUNT = f"{CODE_ROOT}/submission"
SANDBOX_TMP = "/tmp"  # noqa: S108 - the sandbox's own private tmpfs, not the host's /tmp
MIB = 1024 * 1024
# /etc files a Python runtime needs; nothing secret (no shadow, no passwd of the host)
ETC_FILES = ("/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime")
OUTPUT_WATCH_SECONDS = 1.0
MAX_OUTPUT_ENTRIES = 10_000
LOG_LINES_IN_DETAIL = 15


@dataclass(frozen=True)
class SandboxLimits:
    time_limit_s: float
    memory_bytes: int
    cpus: float
    max_processes: int = 64
    output_limit_bytes: int = 100 * MIB
    log_limit_bytes: int = 64 * 1024
    tmp_bytes: int = 256 * MIB


@dataclass(frozen=True)
class OutputFile:
    """The file a run must leave in ``/code_execution/submission``, copied out by the host.

    ``what`` and ``expected`` name it in failure details ("the predictions file is
    missing", "... is a directory, expected a CSV file").
    """

    name: str = "submission.csv"
    what: str = "predictions"
    expected: str = "a CSV file"
    # the most bytes copied out (None: the run's output limit)
    max_bytes: int | None = None

    def __post_init__(self) -> None:
        if "/" in self.name or self.name in ("", ".", ".."):
            raise ValueError(f"invalid output file name {self.name!r}")


@dataclass(frozen=True)
class SandboxSpec:
    """Host paths to mount and how to start the submission."""

    runtime_dir: Path
    src_dir: Path
    data_dir: Path
    submission_dir: Path
    entrypoint: str = "main.py"
    is_smoke: bool = False
    uid: int = 64000
    gid: int = 64000
    # the host's GPU devices, found by ``gpu.discover`` (None: a CPU run)
    gpu: GpuPassthrough | None = None


@dataclass
class SandboxResult:
    failure_reason: FailureReason | None
    detail: str
    exit_code: int | None
    wall_seconds: float
    cpu_seconds: float
    peak_memory_mb: float
    log_path: Path
    # the host's copy of the run's ``OutputFile`` (None: it left none, or a bad one)
    output_path: Path | None = None
    cgroups_used: bool = False
    leftover_pids: list[int] = field(default_factory=list)

    @property
    def resources(self) -> Resources:
        return Resources(
            wall_seconds=round(self.wall_seconds, 3),
            cpu_seconds=round(self.cpu_seconds, 3),
            peak_memory_mb=round(self.peak_memory_mb, 1),
        )


def build_env(spec: SandboxSpec, limits: SandboxLimits) -> dict[str, str]:
    """The whole environment of the submission: the contract's variables and nothing else."""
    threads = str(max(1, math.ceil(limits.cpus)))
    env = {
        "IS_SMOKE": "true" if spec.is_smoke else "false",
        "CPU_OR_GPU": "gpu" if spec.gpu is not None else "cpu",
        "PYTHONUNBUFFERED": "1",
        "HOME": SANDBOX_TMP,
        "PATH": f"{RUNTIME_MOUNT}/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
    }
    if spec.gpu is not None and spec.gpu.lib_dirs:
        env["LD_LIBRARY_PATH"] = ":".join(spec.gpu.lib_dirs)
    return env


def entry_command(entrypoint: str) -> list[str]:
    """How to start a file at the root of the unpacked code: a submission's ``main.py`` or
    ``main.sh``, a scoring program's ``score.py`` or ``score.sh`` (the archive rules of
    each, ``shared.archive.safe_extract(entrypoints=...)``, decide which names are allowed)."""
    if "/" in entrypoint or entrypoint.startswith(("-", ".")):
        raise ValueError(f"unsupported entrypoint {entrypoint!r}")
    if entrypoint.endswith(".sh"):
        return ["/bin/bash", entrypoint]
    if entrypoint.endswith(".py"):
        return [f"{RUNTIME_MOUNT}/bin/python", entrypoint]
    raise ValueError(f"unsupported entrypoint {entrypoint!r}")


def build_argv(
    spec: SandboxSpec,
    limits: SandboxLimits,
    *,
    as_root: bool | None = None,
    bwrap: str = "bwrap",
    setpriv: str = "setpriv",
    etc_files: tuple[str, ...] | None = None,
    seccomp_fd: int | None = None,
    tmp_dir: Path | None = None,
) -> list[str]:
    """The full command line: ``[setpriv ...] bwrap ... -- <entrypoint>``.

    ``seccomp_fd``: a descriptor holding the compiled filter (``seccomp.filter_fd``),
    inherited by the child. ``tmp_dir``: a host folder (a capped tmpfs) to bind as
    ``/tmp``; without it bwrap makes a tmpfs of ``limits.tmp_bytes``.
    """
    if as_root is None:
        as_root = os.geteuid() == 0
    argv: list[str] = []
    if as_root:
        argv += [
            setpriv,
            f"--reuid={spec.uid}",
            f"--regid={spec.gid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--no-new-privs",
        ]
    argv += [
        bwrap,
        "--unshare-all",  # only loopback in the new network namespace
        "--unshare-user",  # needed by --disable-userns (bwrap 0.8)
        "--disable-userns",
        "--cap-drop",
        "ALL",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "sandbox",
        "--clearenv",
    ]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    for key, value in build_env(spec, limits).items():
        argv += ["--setenv", key, value]
    argv += ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib64", "sbin"):
        if os.path.lexists(f"/usr/{name}") or name in ("bin", "lib"):
            argv += ["--symlink", f"usr/{name}", f"/{name}"]
    for path in ETC_FILES if etc_files is None else etc_files:
        if os.path.exists(path):
            argv += ["--ro-bind", path, path]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    if tmp_dir is not None:
        argv += ["--bind", str(tmp_dir), SANDBOX_TMP]
    else:
        argv += ["--size", str(limits.tmp_bytes), "--tmpfs", SANDBOX_TMP]
    if spec.gpu is not None:
        argv += bwrap_args(spec.gpu)
    argv += [
        "--ro-bind",
        str(spec.runtime_dir),
        RUNTIME_MOUNT,
        "--ro-bind",
        str(spec.src_dir),
        SRC_MOUNT,
        "--ro-bind",
        str(spec.data_dir),
        DATA_MOUNT,
        "--bind",
        str(spec.submission_dir),
        SUBMISSION_MOUNT,
        "--remount-ro",
        "/",
        "--chdir",
        SRC_MOUNT,
        "--",
        *entry_command(spec.entrypoint),
    ]
    return argv


def args_through_fd(argv: list[str], bwrap: str, fd: int) -> tuple[list[str], bytes]:
    """Move bwrap's options out of its command line: ``(argv, data for --args fd)``.

    Inside the sandbox, pid 1 is bwrap itself, and its command line
    (``/proc/1/cmdline``) would show every host path it mounts: the data directory, the
    run folder, the runtime. Given ``--args FD``, bwrap reads its options from the
    descriptor (NUL-separated) and closes it, so the visible command line is
    ``bwrap --args FD -- <entrypoint>``.
    """
    start = argv.index(bwrap)
    end = argv.index("--", start)
    options = argv[start + 1 : end]
    data = b"".join(arg.encode() + b"\0" for arg in options)
    return [*argv[: start + 1], "--args", str(fd), *argv[end:]], data


def write_all(fd: int, data: bytes) -> None:
    """Write ``data`` to a fresh memfd and rewind it for the reader."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)


class TailBuffer:
    """Keeps the last ``limit`` bytes written to it and counts what it dropped."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.buf = bytearray()
        self.dropped = 0

    def write(self, data: bytes) -> None:
        self.buf += data
        excess = len(self.buf) - self.limit
        if excess > 0:
            del self.buf[:excess]
            self.dropped += excess

    def text(self) -> str:
        body = bytes(self.buf).decode("utf-8", errors="replace")
        if self.dropped:
            return (
                f"[holdout: {self.dropped} earlier bytes of output were dropped; "
                f"the last {self.limit // 1024} KiB are kept]\n" + body
            )
        return body


def tree_usage(root: Path, max_entries: int = MAX_OUTPUT_ENTRIES) -> tuple[int, int]:
    """(bytes, entries) under ``root`` without following any symlink."""
    total = entries = 0
    stack = [str(root)]
    while stack:
        current = stack.pop()
        try:
            it = os.scandir(current)
        except OSError:
            continue
        with it:
            for entry in it:
                entries += 1
                if entries > max_entries:
                    return total, entries
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISDIR(st.st_mode):
                    stack.append(entry.path)
                elif stat.S_ISREG(st.st_mode):
                    total += st.st_size
    return total, entries


def file_kind(mode: int) -> str:
    """What a non-regular file is, in the words of the failure detail."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    return "not a regular file"


def copy_output(
    submission_dir: Path, output: OutputFile, dest: Path, max_bytes: int
) -> tuple[FailureReason, str] | None:
    """Copy the run's output file to a host-owned file; a failure (reason, detail) otherwise.

    ``lstat`` names what the submission left there (a directory, a FIFO, a device, a
    symlink are the participant's doing, not the platform's); ``O_NOFOLLOW | O_NONBLOCK``
    then ``fstat`` on the opened file: a symlink swapped in meanwhile is refused instead
    of followed, and a FIFO cannot make the host block.
    """
    expected = f"{SUBMISSION_MOUNT}/{output.name}"
    path = submission_dir / output.name
    missing = f"{output.what} file is missing: expected {expected}"
    limit_name = "output limit" if output.max_bytes is None else f"limit of a {output.what} file"

    def not_regular(mode: int) -> tuple[FailureReason, str]:
        return (
            FailureReason.INVALID_PREDICTIONS,
            f"{expected} is {file_kind(mode)}, expected {output.expected}; "
            f"write the {output.what} to a regular file",
        )

    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return FailureReason.MISSING_PREDICTIONS, missing
    except OSError as exc:
        return FailureReason.INVALID_PREDICTIONS, f"{expected} could not be read ({exc.strerror})"
    if not stat.S_ISREG(st.st_mode):
        return not_regular(st.st_mode)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return FailureReason.MISSING_PREDICTIONS, missing
    except OSError as exc:
        if os.path.islink(path):
            return not_regular(stat.S_IFLNK)
        return FailureReason.INVALID_PREDICTIONS, f"{expected} could not be opened ({exc.strerror})"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return not_regular(st.st_mode)
        copied = 0
        with dest.open("wb") as out:
            while block := os.read(fd, 1 << 20):
                copied += len(block)
                if copied > max_bytes:
                    return (
                        FailureReason.OUTPUT_LIMIT_EXCEEDED,
                        f"{expected} is larger than the {fmt_bytes(max_bytes)} {limit_name}",
                    )
                out.write(block)
    finally:
        os.close(fd)
    return None


def _log_tail_lines(text: str, lines: int = LOG_LINES_IN_DETAIL) -> str:
    tail = text.rstrip("\n").splitlines()[-lines:]
    return "\n".join(tail)[-2000:]


def _fmt_seconds(value: float) -> str:
    return f"{value:g}"


def fmt_bytes(value: int) -> str:
    """``2 GiB``, ``512 MiB``: as a host writes limits."""
    if value >= 1024 * MIB and value % (1024 * MIB) == 0:
        return f"{value // (1024 * MIB)} GiB"
    if value >= MIB:
        return f"{value / MIB:g} MiB"
    if value >= 1024 and value % 1024 == 0:
        return f"{value // 1024} KiB"
    return f"{value} bytes"


def classify(
    *,
    timed_out: bool,
    oom_killed: bool,
    output_exceeded: bool,
    exit_code: int | None,
    limits: SandboxLimits,
    log_text: str,
    tmp_full: bool = False,
) -> tuple[FailureReason, str] | None:
    """The failure (reason, detail) of a finished run, before looking at its predictions."""
    if timed_out:
        return (
            FailureReason.TIME_LIMIT_EXCEEDED,
            f"ran longer than the {_fmt_seconds(limits.time_limit_s)} s time limit and was stopped",
        )
    if oom_killed and exit_code != 0:
        return (
            FailureReason.MEMORY_LIMIT_EXCEEDED,
            f"exceeded the {fmt_bytes(limits.memory_bytes)} memory limit and was killed "
            "(memory written to /tmp counts too)",
        )
    if output_exceeded or exit_code == 128 + signal.SIGXFSZ:
        return (
            FailureReason.OUTPUT_LIMIT_EXCEEDED,
            f"wrote more than the {fmt_bytes(limits.output_limit_bytes)} output limit to {SUBMISSION_MOUNT}; "
            "write only the predictions there",
        )
    if tmp_full and exit_code != 0:
        return (
            FailureReason.OUTPUT_LIMIT_EXCEEDED,
            f"filled the {fmt_bytes(limits.tmp_bytes)} scratch space in {SANDBOX_TMP} "
            f"(no space left on device) and exited with code {exit_code}",
        )
    if exit_code != 0:
        how = f"exited with code {exit_code}"
        if exit_code is not None and exit_code > 128:
            with contextlib.suppress(ValueError):
                how += f" (killed by {signal.Signals(exit_code - 128).name})"
        tail = _log_tail_lines(log_text)
        return FailureReason.RUNTIME_ERROR, f"{how}; last lines of the log:\n{tail}" if tail else how
    return None


# The launcher puts itself into the run's cgroups and reports it on its stdin (the write
# end of a pipe), gives the run /dev/null as stdin, then execs prlimit, which sets the
# run's rlimits and execs bwrap. A Python ``preexec_fn`` did the same, but it forces
# ``fork()`` of this whole (large, multi-threaded) process with the GIL held: ~30-60 ms
# per run during which no other request or run advanced. Without it, the child is
# spawned with vfork. Nothing of the submission runs unless every step succeeded.
_LAUNCHER_SCRIPT = (
    'while [ "$1" != -- ]; do printf %s $$ > "$1" || exit 125; shift; done; shift; '
    "printf ok >&0 || exit 125; exec 0</dev/null; "
    'exec "$@"'
)
_RLIMIT_FLAGS = {
    resource.RLIMIT_CORE: "--core",
    resource.RLIMIT_FSIZE: "--fsize",
    resource.RLIMIT_AS: "--as",
}


def launcher_argv(procs_files: list[str], rlimits: list[tuple[int, int]], argv: list[str]) -> list[str]:
    """``argv`` run inside the cgroups of ``procs_files`` with ``rlimits`` (soft = hard)."""
    prlimit = shutil.which("prlimit") or "prlimit"
    limits = [f"{_RLIMIT_FLAGS[res]}={value}:{value}" for res, value in rlimits]
    return [
        "/bin/sh",
        "-c",
        _LAUNCHER_SCRIPT,
        "holdout-launcher",
        *procs_files,
        "--",
        prlimit,
        *limits,
        "--",
        *argv,
    ]


async def run_sandbox(
    spec: SandboxSpec,
    limits: SandboxLimits,
    *,
    log_path: Path,
    output: OutputFile = OutputFile(),
    output_copy: Path | None = None,
    run_name: str | None = None,
    cgroup_scope: str = cgroups.DEFAULT_SCOPE,
) -> SandboxResult:
    """Run the submission to the end (or its limit) and classify what happened.

    ``cgroup_scope``: whose run this is (``cgroups.scope_for``), in the names of its
    control groups, so that a later start-up finds those a killed process left behind.

    Cancelling the calling task kills the run (every process of it) and re-raises.
    Whatever the submission wrote is gone afterwards, except the copies made here (the
    log at ``log_path``, the output file at ``output_copy``).
    """
    if shutil.which("bwrap") is None:
        raise RuntimeError("bubblewrap is not installed (apt-get install bubblewrap)")
    filter_fd = seccomp.filter_fd()
    try:
        scratch = await asyncio.to_thread(
            Scratch.create,
            spec.submission_dir,
            output_bytes=limits.output_limit_bytes,
            output_entries=MAX_OUTPUT_ENTRIES,
            tmp_bytes=limits.tmp_bytes,
            uid=spec.uid,
            gid=spec.gid,
        )
        try:
            return await _run(
                spec,
                limits,
                log_path=log_path,
                output=output,
                output_copy=output_copy,
                name=run_name or uuid.uuid4().hex[:12],
                scratch=scratch,
                seccomp_fd=filter_fd,
                cgroup_scope=cgroup_scope,
            )
        finally:
            await asyncio.to_thread(scratch.release)
    finally:
        os.close(filter_fd)


async def _run(
    spec: SandboxSpec,
    limits: SandboxLimits,
    *,
    log_path: Path,
    output: OutputFile,
    output_copy: Path | None,
    name: str,
    scratch: Scratch,
    seccomp_fd: int,
    cgroup_scope: str,
) -> SandboxResult:
    as_root = os.geteuid() == 0
    bwrap = shutil.which("bwrap") or "bwrap"
    setpriv = shutil.which("setpriv") or "setpriv"
    argv = build_argv(
        spec,
        limits,
        as_root=as_root,
        bwrap=bwrap,
        setpriv=setpriv,
        seccomp_fd=seccomp_fd,
        tmp_dir=scratch.tmp_dir,
    )
    # the number must be known to build the command line, the content comes from it
    args_fd = os.memfd_create("holdout-bwrap-args", os.MFD_CLOEXEC)
    try:
        argv, args_data = args_through_fd(argv, bwrap, args_fd)
        write_all(args_fd, args_data)
        return await _run_in_cgroups(
            spec,
            limits,
            argv,
            pass_fds=(seccomp_fd, args_fd),
            log_path=log_path,
            output=output,
            output_copy=output_copy,
            name=name,
            scratch=scratch,
            cgroup_scope=cgroup_scope,
        )
    finally:
        os.close(args_fd)


async def _run_in_cgroups(
    spec: SandboxSpec,
    limits: SandboxLimits,
    argv: list[str],
    *,
    pass_fds: tuple[int, ...],
    log_path: Path,
    output: OutputFile,
    output_copy: Path | None,
    name: str,
    scratch: Scratch,
    cgroup_scope: str,
) -> SandboxResult:
    group = await asyncio.to_thread(
        cgroups.RunCgroup.create,
        name,
        memory_bytes=limits.memory_bytes,
        max_processes=limits.max_processes,
        cpus=limits.cpus,
        scope=cgroup_scope,
    )
    rlimits = [
        (resource.RLIMIT_CORE, 0),
        # one byte over the limit, so a file stopped by it is seen as over the limit
        # (Python ignores SIGXFSZ: the write fails with EFBIG and the exit code is 1)
        (resource.RLIMIT_FSIZE, limits.output_limit_bytes + 1),
    ]
    if group is None:
        # second line only: without a memory cgroup, cap the address space instead
        rlimits.append((resource.RLIMIT_AS, limits.memory_bytes + 256 * MIB))

    tail = TailBuffer(limits.log_limit_bytes)
    timed_out = output_exceeded = False
    exit_code: int | None = None
    started = time.monotonic()
    proc: asyncio.subprocess.Process | None = None
    status_r, status_w = os.pipe()
    launched = False
    try:
        try:
            proc = await asyncio.create_subprocess_exec(
                *launcher_argv(group.procs_files() if group else [], rlimits, argv),
                stdin=status_w,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
                cwd="/",
                pass_fds=pass_fds,
            )
        finally:
            os.close(status_w)
        log.info("sandbox.started", run=name, pid=proc.pid, cgroups=group is not None)
        assert proc.stdout is not None
        reader = asyncio.create_task(_pump(proc.stdout, tail))
        watcher = asyncio.create_task(_watch_output(spec.submission_dir, limits.output_limit_bytes))
        waiter = asyncio.create_task(proc.wait())
        try:
            done, _ = await asyncio.wait(
                {waiter, watcher}, timeout=limits.time_limit_s, return_when=asyncio.FIRST_COMPLETED
            )
            if waiter in done:
                exit_code = waiter.result()
            elif watcher in done:
                output_exceeded = True
            else:
                timed_out = True
        finally:
            watcher.cancel()
            await _kill_run(proc, group)
            exit_code = exit_code if exit_code is not None else await proc.wait()
            try:
                await asyncio.wait_for(reader, timeout=5)
            except TimeoutError:
                reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
    finally:
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        # the launcher has exited or exec'd by now: "ok" is there, or nothing will come
        os.set_blocking(status_r, False)
        with contextlib.suppress(BlockingIOError):
            launched = os.read(status_r, 2) == b"ok"
        os.close(status_r)
        wall = time.monotonic() - started
        leftover: list[int] = []
        cpu = peak = 0.0
        oom = False
        if group is not None:
            await asyncio.to_thread(group.kill_all)
            leftover = sorted(group.pids())
            cpu, peak, oom = group.cpu_seconds(), group.peak_memory_bytes() / MIB, group.oom_killed()
            await asyncio.to_thread(group.remove)
        log_text = tail.text()
        log_path.write_text(log_text)

    if not launched:
        raise RuntimeError(f"the sandbox launcher could not enter the run's cgroups (exit code {exit_code})")
    # a run stopped from outside is reported through the stop reason, not its exit code
    if not timed_out and not output_exceeded and exit_code is not None and exit_code < 0:
        exit_code = 128 - exit_code
    if not output_exceeded:
        used, entries = await asyncio.to_thread(tree_usage, spec.submission_dir)
        output_exceeded = used > limits.output_limit_bytes or entries > MAX_OUTPUT_ENTRIES
    failure = classify(
        timed_out=timed_out,
        oom_killed=oom,
        output_exceeded=output_exceeded,
        exit_code=exit_code,
        limits=limits,
        log_text=log_text,
        tmp_full=await asyncio.to_thread(scratch.tmp_full),
    )
    copied: Path | None = None
    if failure is None:
        dest = output_copy or log_path.with_name(output.name)
        max_bytes = output.max_bytes if output.max_bytes is not None else limits.output_limit_bytes
        failure = await asyncio.to_thread(copy_output, spec.submission_dir, output, dest, max_bytes)
        if failure is None:
            copied = dest
    result = SandboxResult(
        failure_reason=failure[0] if failure else None,
        detail=failure[1] if failure else "",
        exit_code=exit_code,
        wall_seconds=wall,
        cpu_seconds=cpu,
        peak_memory_mb=peak,
        log_path=log_path,
        output_path=copied,
        cgroups_used=group is not None,
        leftover_pids=leftover,
    )
    log.info(
        "sandbox.finished",
        run=name,
        exit_code=exit_code,
        failure_reason=result.failure_reason,
        wall_seconds=round(wall, 3),
        cpu_seconds=round(cpu, 3),
        peak_memory_mb=round(peak, 1),
    )
    return result


async def _pump(stream: asyncio.StreamReader, tail: TailBuffer) -> None:
    while chunk := await stream.read(65536):
        tail.write(chunk)


async def _watch_output(submission_dir: Path, limit: int) -> None:
    """Returns once the submission directory holds more than ``limit`` bytes."""
    while True:
        await asyncio.sleep(OUTPUT_WATCH_SECONDS)
        used, entries = await asyncio.to_thread(tree_usage, submission_dir)
        if used > limit or entries > MAX_OUTPUT_ENTRIES:
            return


async def _kill_run(proc: asyncio.subprocess.Process, group: cgroups.RunCgroup | None) -> None:
    if group is not None:
        await asyncio.to_thread(group.kill_all)
    elif proc.returncode is None:
        # bwrap's --die-with-parent and its pid namespace take the rest down with it
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
