"""How a run in the local sandbox ended -> its failure (reason, detail): a pure function of
what the supervisor saw, no I/O.

The local counterpart of ``kubernetes/classify.py``; ``sandbox.py`` calls ``classify``
once the run is over, before it looks at the output file (``output.copy_output``). The
sentences are ``executors/failures.py``'s, so both executors word a failure alike.
"""

from __future__ import annotations

import contextlib
import signal

from services.orchestrator.executors import failures
from services.orchestrator.executors.local.spec import (
    MODEL_MOUNT,
    SANDBOX_TMP,
    SUBMISSION_MOUNT,
    SandboxLimits,
)
from shared.events import FailureReason

# how much of the log a runtime error's detail quotes
LOG_LINES_IN_DETAIL = 15


def classify(
    *,
    timed_out: bool,
    oom_killed: bool,
    output_exceeded: bool,
    exit_code: int | None,
    limits: SandboxLimits,
    log_text: str,
    tmp_full: bool = False,
    model_written: int | None = None,
) -> tuple[FailureReason, str] | None:
    """The failure (reason, detail) of a finished run, before looking at its predictions.

    ``model_written``: a training run's bytes in its model folder (its writable folder,
    capped at ``limits.output_limit_bytes``, the stage's model size limit); None: an
    inference run."""
    if timed_out:
        return FailureReason.TIME_LIMIT_EXCEEDED, failures.time_limit_exceeded(limits.time_limit_s)
    if oom_killed and exit_code != 0:
        return (
            FailureReason.MEMORY_LIMIT_EXCEEDED,
            failures.memory_limit_exceeded(failures.fmt_bytes(limits.memory_bytes), tmp_counts=True),
        )
    over = output_exceeded or exit_code == 128 + signal.SIGXFSZ
    if model_written is not None and (over or model_written > limits.output_limit_bytes):
        limit = failures.fmt_bytes(limits.output_limit_bytes)
        written = failures.fmt_bytes(max(model_written, limits.output_limit_bytes + 1))
        return FailureReason.MODEL_TOO_LARGE, failures.model_too_large(limit, MODEL_MOUNT, written)
    if over:
        return (
            FailureReason.OUTPUT_LIMIT_EXCEEDED,
            failures.output_limit_exceeded(failures.fmt_bytes(limits.output_limit_bytes), SUBMISSION_MOUNT),
        )
    if tmp_full and exit_code != 0:
        return (
            FailureReason.OUTPUT_LIMIT_EXCEEDED,
            failures.scratch_full(failures.fmt_bytes(limits.tmp_bytes), SANDBOX_TMP, exit_code),
        )
    if exit_code != 0:
        killed_by = None
        if exit_code is not None and exit_code > 128:
            with contextlib.suppress(ValueError):
                killed_by = signal.Signals(exit_code - 128).name
        how = failures.exited(exit_code, killed_by=killed_by)
        return FailureReason.RUNTIME_ERROR, failures.with_log_tail(how, log_text, lines=LOG_LINES_IN_DETAIL)
    return None
