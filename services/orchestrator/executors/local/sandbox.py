"""The local sandbox's supervisor: run one submission under bubblewrap to its end or its
limit, measure it, kill every process of it, and say how it ended (``run_sandbox``).

Sits below the runner (``runner.py``), which prepares the directories the sandbox
mounts, and above the pieces it puts together:

- ``argv.py`` builds the command line (bwrap's namespaces, mounts and environment, the
  launcher that enters the run's cgroups and sets its rlimits);
- ``scratch.py`` makes ``/code_execution/submission`` and ``/tmp`` size-capped tmpfs
  mounts (filling them fills no disk), ``seccomp.py`` the syscall blocklist,
  ``cgroups.py`` the run's control groups (memory, processes, CPU; measurements);
- ``output.py`` keeps the tail of stdout+stderr, watches the output size and copies the
  output file out without following symlinks;
- ``classify.py`` words how the run ended (the sentences of ``executors/failures.py``).

The host enforces wall time and kills every process of the run when it ends, however
it ends. ``spec.py`` holds the types (``SandboxSpec``, ``SandboxLimits``, ``OutputFile``,
``SandboxResult``); they are importable from here too, beside ``run_sandbox``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import structlog

from services.orchestrator.executors.local import cgroups, seccomp
from services.orchestrator.executors.local.argv import (
    args_through_fd,
    build_argv,
    launcher_argv,
    run_rlimits,
    write_all,
)
from services.orchestrator.executors.local.classify import classify
from services.orchestrator.executors.local.output import (
    MAX_OUTPUT_ENTRIES,
    TailBuffer,
    copy_output,
    over_limit,
    pump_log,
    tree_usage,
    watch_output,
    zip_model,
)
from services.orchestrator.executors.local.scratch import Scratch
from services.orchestrator.executors.local.spec import (
    MIB,
    OutputFile,
    SandboxLimits,
    SandboxResult,
    SandboxSpec,
)

__all__ = ["MIB", "OutputFile", "SandboxLimits", "SandboxResult", "SandboxSpec", "run_sandbox"]

log = structlog.get_logger(__name__)


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
            run = _Run(
                spec,
                limits,
                log_path=log_path,
                output=output,
                output_copy=output_copy,
                name=run_name or uuid.uuid4().hex[:12],
                scratch=scratch,
                cgroup_scope=cgroup_scope,
            )
            return await run.start(seccomp_fd=filter_fd)
        finally:
            await asyncio.to_thread(scratch.release)
    finally:
        os.close(filter_fd)


@dataclass
class _Ended:
    """What the supervisor saw of a run that is over, before it is classified."""

    exit_code: int | None
    timed_out: bool
    output_exceeded: bool
    launched: bool
    wall_seconds: float
    log_text: str
    cpu_seconds: float
    peak_memory_mb: float
    oom_killed: bool
    leftover_pids: list[int]


@dataclass
class _Run:
    spec: SandboxSpec
    limits: SandboxLimits
    log_path: Path
    output: OutputFile
    output_copy: Path | None
    name: str
    scratch: Scratch
    cgroup_scope: str

    async def start(self, *, seccomp_fd: int) -> SandboxResult:
        bwrap = shutil.which("bwrap") or "bwrap"
        argv = build_argv(
            self.spec,
            self.limits,
            as_root=os.geteuid() == 0,
            bwrap=bwrap,
            setpriv=shutil.which("setpriv") or "setpriv",
            seccomp_fd=seccomp_fd,
            tmp_dir=self.scratch.tmp_dir,
        )
        # the number must be known to build the command line, the content comes from it
        args_fd = os.memfd_create("holdout-bwrap-args", os.MFD_CLOEXEC)
        try:
            argv, args_data = args_through_fd(argv, bwrap, args_fd)
            write_all(args_fd, args_data)
            group = await asyncio.to_thread(
                cgroups.RunCgroup.create,
                self.name,
                memory_bytes=self.limits.memory_bytes,
                max_processes=self.limits.max_processes,
                cpus=self.limits.cpus,
                scope=self.cgroup_scope,
            )
            ended = await self._supervise(argv, group, pass_fds=(seccomp_fd, args_fd))
        finally:
            os.close(args_fd)
        return await self._result(ended, cgroups_used=group is not None)

    async def _supervise(
        self, argv: list[str], group: cgroups.RunCgroup | None, *, pass_fds: tuple[int, ...]
    ) -> _Ended:
        """Spawn the run, wait for its end or a limit, kill what is left, measure it."""
        rlimits = run_rlimits(self.limits, memory_cgroup=group is not None)
        tail = TailBuffer(self.limits.log_limit_bytes)
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
            log.info("sandbox.started", run=self.name, pid=proc.pid, cgroups=group is not None)
            assert proc.stdout is not None
            reader = asyncio.create_task(pump_log(proc.stdout, tail))
            watcher = asyncio.create_task(
                watch_output(self.spec.submission_dir, self.limits.output_limit_bytes)
            )
            waiter = asyncio.create_task(proc.wait())
            try:
                done, _ = await asyncio.wait(
                    {waiter, watcher}, timeout=self.limits.time_limit_s, return_when=asyncio.FIRST_COMPLETED
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
            self.log_path.write_text(log_text)
        return _Ended(
            exit_code=exit_code,
            timed_out=timed_out,
            output_exceeded=output_exceeded,
            launched=launched,
            wall_seconds=wall,
            log_text=log_text,
            cpu_seconds=cpu,
            peak_memory_mb=peak,
            oom_killed=oom,
            leftover_pids=leftover,
        )

    async def _result(self, ended: _Ended, *, cgroups_used: bool) -> SandboxResult:
        """Classify the ended run and copy its output file out if it did not fail."""
        exit_code = ended.exit_code
        if not ended.launched:
            raise RuntimeError(
                f"the sandbox launcher could not enter the run's cgroups (exit code {exit_code})"
            )
        output_exceeded = ended.output_exceeded
        # a run stopped from outside is reported through the stop reason, not its exit code
        if not ended.timed_out and not output_exceeded and exit_code is not None and exit_code < 0:
            exit_code = 128 - exit_code
        model_written: int | None = None
        if self.spec.trains:
            model_written = (await asyncio.to_thread(tree_usage, self.spec.submission_dir))[0]
        if not output_exceeded:
            output_exceeded = await asyncio.to_thread(
                over_limit, self.spec.submission_dir, self.limits.output_limit_bytes
            )
        failure = classify(
            timed_out=ended.timed_out,
            oom_killed=ended.oom_killed,
            output_exceeded=output_exceeded,
            exit_code=exit_code,
            limits=self.limits,
            log_text=ended.log_text,
            tmp_full=await asyncio.to_thread(self.scratch.tmp_full),
            model_written=model_written,
        )
        copied: Path | None = None
        if failure is None and self.spec.trains:
            dest = self.output_copy or self.log_path.with_name("model.zip")
            failure = await asyncio.to_thread(zip_model, self.spec.submission_dir, dest)
            if failure is None:
                copied = dest
        elif failure is None:
            output = self.output
            dest = self.output_copy or self.log_path.with_name(output.name)
            max_bytes = output.max_bytes if output.max_bytes is not None else self.limits.output_limit_bytes
            failure = await asyncio.to_thread(copy_output, self.spec.submission_dir, output, dest, max_bytes)
            if failure is None:
                copied = dest
        result = SandboxResult(
            failure_reason=failure[0] if failure else None,
            detail=failure[1] if failure else "",
            exit_code=exit_code,
            wall_seconds=ended.wall_seconds,
            cpu_seconds=ended.cpu_seconds,
            peak_memory_mb=ended.peak_memory_mb,
            log_path=self.log_path,
            output_path=copied,
            cgroups_used=cgroups_used,
            leftover_pids=ended.leftover_pids,
        )
        log.info(
            "sandbox.finished",
            run=self.name,
            exit_code=exit_code,
            failure_reason=result.failure_reason,
            wall_seconds=round(ended.wall_seconds, 3),
            cpu_seconds=round(ended.cpu_seconds, 3),
            peak_memory_mb=round(ended.peak_memory_mb, 1),
        )
        return result


async def _kill_run(proc: asyncio.subprocess.Process, group: cgroups.RunCgroup | None) -> None:
    if group is not None:
        await asyncio.to_thread(group.kill_all)
    elif proc.returncode is None:
        # bwrap's --die-with-parent and its pid namespace take the rest down with it
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
