"""The sandbox's command line, built by pure functions: bubblewrap's arguments (namespaces,
mounts, environment, seccomp), how bwrap receives them without showing host paths, the
launcher that enters the run's cgroups, and the rlimits it sets.

Below ``sandbox.py``, which spawns what is built here; the isolation can be asserted on
these lists without running anything (``tests/orchestrator/test_sandbox_view.py``):

- as root, privileges are dropped with ``setpriv`` *before* bwrap (bwrap started as root
  maps the sandbox user to host root, see FACTS.md);
- bwrap unshares every namespace (only loopback remains), forbids nested user
  namespaces, drops all capabilities, clears the environment and loads the seccomp
  blocklist (``seccomp.py``) before it execs the submission;
- ``/tmp`` is the capped tmpfs of ``scratch.py`` (or a tmpfs bwrap makes);
- a competition that asks for a GPU gets the host's NVIDIA devices (``gpu.py``);
- a training run's writable folder is ``/code_execution/model``; an inference run given a
  platform-trained model reads it there, read-only.
"""

from __future__ import annotations

import math
import os
import resource
import shutil
from pathlib import Path

from services.orchestrator.executors.local.gpu import bwrap_args
from services.orchestrator.executors.local.spec import (
    DATA_MOUNT,
    MIB,
    MODEL_MOUNT,
    RUNTIME_MOUNT,
    SANDBOX_TMP,
    SRC_MOUNT,
    SandboxLimits,
    SandboxSpec,
)

# /etc files a Python runtime needs; nothing secret (no shadow, no passwd of the host)
ETC_FILES = ("/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime")


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
        # a training run's model folder, else the predictions folder
        "--bind",
        str(spec.submission_dir),
        spec.writable_mount,
        *(["--ro-bind", str(spec.model_dir), MODEL_MOUNT] if spec.model_dir is not None else []),
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


def run_rlimits(limits: SandboxLimits, *, memory_cgroup: bool) -> list[tuple[int, int]]:
    """The rlimits (resource, soft = hard) the launcher sets before bwrap starts."""
    rlimits = [
        (resource.RLIMIT_CORE, 0),
        # one byte over the limit, so a file stopped by it is seen as over the limit
        # (Python ignores SIGXFSZ: the write fails with EFBIG and the exit code is 1)
        (resource.RLIMIT_FSIZE, limits.output_limit_bytes + 1),
    ]
    if not memory_cgroup:
        # second line only: without a memory cgroup, cap the address space instead
        rlimits.append((resource.RLIMIT_AS, limits.memory_bytes + 256 * MIB))
    return rlimits


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
