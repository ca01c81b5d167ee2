"""The failure wording, written once: the sentences a participant (or a host) reads in a
run's ``detail``, and the formatters of the numbers in them.

Part of the executor seam (``executors/``, beside ``base.py``): the local sandbox
(``local/classify.py``, ``local/output.py``) and the Kubernetes executor
(``kubernetes/classify.py``) word their outcomes with these, so that a failure reads the
same whichever executor ran the submission. Pure functions of numbers, paths and file
modes: no I/O, and nothing of either executor (import-linter keeps both apart).
"""

from __future__ import annotations

import stat

_KIB = 1024
_MIB = 1024 * _KIB
_GIB = 1024 * _MIB

# a detail quotes at most this much of the log (the whole log is stored apart)
LOG_TAIL_CHARS = 2000

PLATFORM_FAULT = (
    "Holdout could not run the submission because of a platform fault ({what}); "
    "it does not count against your quota"
)
# the ``what`` of a platform fault that clears with time (``RunOutcome.out_of_space``)
OUT_OF_SPACE = "the machine running it is out of disk space"


def platform_fault(what: str) -> str:
    """The detail of an ``internal_error``: ``what`` went wrong on Holdout's side."""
    return PLATFORM_FAULT.format(what=what)


def missing_from_storage(what: str) -> str:
    """A platform fault's ``what``: an input of the run (``the submission archive``) is gone."""
    return f"{what} is missing from storage"


# -- formatters ---------------------------------------------------------------------------


def fmt_seconds(value: float) -> str:
    """``60``, ``0.5``: seconds as a host writes a time limit."""
    return f"{value:g}"


def fmt_bytes(value: int) -> str:
    """``2 GiB``, ``512 MiB``: as a host writes limits."""
    if value >= _GIB and value % _GIB == 0:
        return f"{value // _GIB} GiB"
    if value >= _MIB:
        return f"{value / _MIB:g} MiB"
    if value >= _KIB and value % _KIB == 0:
        return f"{value // _KIB} KiB"
    return f"{value} bytes"


def fmt_mib(value_mb: int) -> str:
    """``2048 MiB``: a limit given in MiB (``ExecutionSpec.memory_mb``), as given."""
    return f"{value_mb} MiB"


def log_tail(text: str, lines: int) -> str:
    """The last ``lines`` lines of a log, at most ``LOG_TAIL_CHARS`` of them."""
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])[-LOG_TAIL_CHARS:]


# -- the submission's own failures --------------------------------------------------------


def time_limit_exceeded(limit_s: float) -> str:
    return f"ran longer than the {fmt_seconds(limit_s)} s time limit and was stopped"


def memory_limit_exceeded(limit: str, *, tmp_counts: bool = False) -> str:
    """``limit``: formatted (``fmt_bytes``, ``fmt_mib``); ``tmp_counts``: files in the
    sandbox's ``/tmp`` are memory and count against the limit (the local tmpfs)."""
    detail = f"exceeded the {limit} memory limit and was killed"
    return f"{detail} (memory written to /tmp counts too)" if tmp_counts else detail


def output_limit_exceeded(limit: str, where: str) -> str:
    """The run wrote more than its output limit into its writable folder ``where``."""
    return f"wrote more than the {limit} output limit to {where}; write only the predictions there"


def disk_allowance_exceeded(limit: str, where: str) -> str:
    """A pod evicted for its ephemeral storage: ``limit`` in ``where`` plus a small /tmp."""
    return f"wrote more than its disk allowance ({limit} to {where}, plus a small /tmp) and was stopped"


def scratch_full(limit: str, where: str, exit_code: int | None) -> str:
    """The run filled its scratch space (``where``, ``limit``) and then failed."""
    return (
        f"filled the {limit} scratch space in {where} (no space left on device) "
        f"and exited with code {exit_code}"
    )


def exited(exit_code: int | None, *, killed_by: str | None = None) -> str:
    """``exited with code 137 (killed by SIGKILL)``; ``killed_by`` names the signal."""
    how = f"exited with code {exit_code}"
    return f"{how} (killed by {killed_by})" if killed_by else how


def with_log_tail(how: str, log_text: str, *, lines: int) -> str:
    """``how`` the run failed, followed by the last lines of its log (if it has any)."""
    tail = log_tail(log_text, lines)
    return f"{how}; last lines of the log:\n{tail}" if tail else how


# -- the output file a run must leave -----------------------------------------------------

NOT_REGULAR = "not a regular file"


def file_kind(mode: int) -> str:
    """What a non-regular file is (from its ``st_mode``), in the words of the details."""
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
    return NOT_REGULAR


# every kind ``file_kind`` names: a report from inside a pod repeats only one of these
FILE_KINDS = ("a directory", "a symbolic link", "a named pipe (FIFO)", "a socket", "a device file")


def output_missing(what: str, expected: str) -> str:
    """``what``: ``predictions``, ``scores``; ``expected``: its path inside the sandbox."""
    return f"{what} file is missing: expected {expected}"


def output_not_regular(expected: str, kind: str, what: str, expected_kind: str | None) -> str:
    """The output at ``expected`` is ``kind`` (``file_kind``), not ``expected_kind`` (``a CSV
    file``; None: not said)."""
    found = f"is {kind}, expected {expected_kind}" if expected_kind else f"is {kind}"
    return f"{expected} {found}; write the {what} to a regular file"


def output_unreadable(expected: str, action: str, why: str) -> str:
    """``action``: ``read``, ``opened``; ``why``: the system's reason (``strerror``)."""
    return f"{expected} could not be {action} ({why})"


def output_too_large(expected: str, limit: str, limit_name: str = "output limit") -> str:
    """``limit_name``: ``output limit`` or the file's own (``limit of a scores file``)."""
    return f"{expected} is larger than the {limit} {limit_name}"


def model_too_large(limit: str, where: str, written: str) -> str:
    """A training run's model folder ``where`` held more than the stage's model size cap."""
    return (
        f"the model in {where} is larger than the model size limit of {limit} (it wrote at least "
        f"{written}); save a smaller model, or ask the host to raise limits.model_limit_mb"
    )


def model_missing(where: str) -> str:
    """A training run ended without error but left nothing in ``where``."""
    return f"the training run finished but left no model in {where}; save the model's files there"


def model_not_regular(path: str, kind: str) -> str:
    """A training run left ``kind`` (a symlink, a FIFO, ...) in its model folder."""
    return f"{path} in the model folder is {kind}; a model may hold only regular files and folders"
