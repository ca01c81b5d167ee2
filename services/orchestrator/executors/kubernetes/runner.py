"""Runs *inside the run pod*, as the main container's PID 1, with the runtime image's
own Python (``python -I runner.py ...``). Standard library only: the runtime image is the
competition's, not Holdout's; the init container copies this file into a read-only
volume, so any image with a ``python`` works and the runner always matches the
orchestrator that built the pod.

It runs the participant's ``main.py`` (or ``main.sh``) in its own process group, kills
the whole group at the time limit, uploads the predictions file (a regular file, never
through a symlink, at most the output limit) with a write-only SAS URL for exactly one
blob (a training run: its model folder, zipped, at most the model size limit), and
writes a JSON report to the termination message, which the orchestrator reads from the
pod's status. The container exits with the participant's exit code
(124 after the time limit), so the status tells the same story without the report.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from typing import BinaryIO

TIMEOUT_EXIT = 124
REPORT_LIMIT = 4000  # the kubelet keeps at most 4096 bytes of a termination message
UPLOAD_ATTEMPTS = 3


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def run_participant(src: str, time_limit: float) -> dict[str, object]:
    if os.path.isfile(os.path.join(src, "main.py")):
        cmd = [sys.executable, "main.py"]
    elif os.path.isfile(os.path.join(src, "main.sh")):
        cmd = ["/bin/sh", "main.sh"]
    else:
        return {"exit_code": 2, "timed_out": False, "detail": "no main.py or main.sh in the submission"}
    started = time.monotonic()
    # without -I: the participant's program sees the execution contract's environment as is
    proc = subprocess.Popen(cmd, cwd=src, start_new_session=True)
    timed_out = False
    try:
        code = proc.wait(timeout=time_limit)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc.pid)
        code = proc.wait()
    _kill_group(proc.pid)  # nothing the program started outlives it
    wall = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    exit_code = TIMEOUT_EXIT if timed_out else (code if code >= 0 else 128 - code)
    return {
        "exit_code": exit_code,
        "signal": -code if code < 0 and not timed_out else None,
        "timed_out": timed_out,
        "wall_seconds": round(wall, 3),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_memory_mb": round(usage.ru_maxrss / 1024, 1),  # KiB on Linux
    }


def file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    return "not a regular file"


def _put(f: BinaryIO, size: int, url: str, content_type: str) -> tuple[str, str]:
    """PUT ``size`` bytes of ``f`` to the SAS ``url``: (uploaded | upload_failed, detail)."""
    last = ""
    for attempt in range(1, UPLOAD_ATTEMPTS + 1):
        f.seek(0)
        request = urllib.request.Request(  # noqa: S310 - an https SAS URL from the orchestrator
            url,
            data=f,
            method="PUT",
            headers={
                "x-ms-blob-type": "BlockBlob",
                "Content-Length": str(size),
                "Content-Type": content_type,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                if 200 <= response.status < 300:
                    return "uploaded", ""
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            if exc.code in (401, 403, 404):
                break
        except OSError as exc:
            last = str(exc)
        time.sleep(attempt)
    return "upload_failed", f"the upload failed: {last}"


def upload_predictions(path: str, url: str, limit: int) -> tuple[str, str]:
    """Returns (status, detail); status: uploaded | missing | not_regular | too_large | upload_failed."""
    try:
        # O_NONBLOCK: a FIFO there must not make the runner wait for a writer
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return "missing", f"{path} was not written"
    except OSError as exc:  # ELOOP: a symlink
        return "not_regular", f"{path} could not be opened ({exc.strerror}); write a regular file"
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        # before fdopen, which raises IsADirectoryError for a directory
        os.close(fd)
        return "not_regular", f"{path} is {file_kind(st.st_mode)}, expected a CSV file"
    with os.fdopen(fd, "rb") as f:
        if st.st_size > limit:
            return "too_large", f"{path} has {st.st_size} bytes; the limit is {limit}"
        return _put(f, st.st_size, url, "text/csv")


def zip_model(model_dir: str, dest: str, limit: int) -> tuple[str, str, int]:
    """Zip a training run's model folder: (status, detail, bytes); status: zipped | missing |
    not_regular | too_large. Regular files and folders only, never through a symlink."""
    total = files = 0
    with zipfile.ZipFile(dest, "x", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for root, dirs, names in os.walk(model_dir):
            dirs.sort()
            rel_root = os.path.relpath(root, model_dir)
            for name in sorted(dirs + names):
                path = os.path.join(root, name)
                rel = name if rel_root == "." else f"{rel_root}/{name}"
                st = os.lstat(path)
                if stat.S_ISDIR(st.st_mode):
                    zf.writestr(zipfile.ZipInfo(rel + "/"), b"")
                    continue
                if not stat.S_ISREG(st.st_mode):
                    kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else file_kind(st.st_mode)
                    return "not_regular", f"{path} is {kind}", total
                total += st.st_size
                if total > limit:
                    return "too_large", f"the model folder holds more than {limit} bytes", total
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                with os.fdopen(fd, "rb") as src, zf.open(zipfile.ZipInfo(rel), "w") as out:
                    while block := src.read(1 << 20):
                        out.write(block)
                files += 1
    return ("zipped", "", total) if files else ("missing", f"{model_dir} is empty", 0)


def upload_model(
    model_dir: str, archive: str, url: str, limit: int, report: dict[str, object]
) -> tuple[str, str]:
    """Zip the model folder to ``archive`` (a new file: nothing planted there is followed)
    and upload it: (status, detail); ``report`` gets the bytes in the folder and the zip's
    sha256 and size (what a reproduction compares)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(archive)
    try:
        status, detail, report["model_bytes"] = zip_model(model_dir, archive, limit)
        if status != "zipped":
            return status, detail
        with open(archive, "rb") as f:
            digest = hashlib.sha256()
            while block := f.read(1 << 20):
                digest.update(block)
            report["model_sha256"], report["model_zip_bytes"] = digest.hexdigest(), f.tell()
            return _put(f, os.fstat(f.fileno()).st_size, url, "application/zip")
    finally:
        with contextlib.suppress(OSError):
            os.unlink(archive)


def write_report(path: str, report: dict[str, object]) -> None:
    text = json.dumps(report, separators=(",", ":"))
    if len(text) > REPORT_LIMIT:
        report = dict(report, detail=str(report.get("detail", ""))[:200])
        text = json.dumps(report, separators=(",", ":"))
    try:
        with open(path, "w") as f:
            f.write(text)
    except OSError as exc:
        print(f"holdout runner: could not write the report: {exc}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a Holdout submission and upload its predictions.")
    parser.add_argument("--src", required=True)
    parser.add_argument("--predictions")
    # a training run: its model folder, zipped and uploaded instead of predictions
    parser.add_argument("--model-dir")
    parser.add_argument("--model-zip", help="where to zip the model folder before the upload")
    parser.add_argument("--time-limit", type=float, required=True)
    parser.add_argument("--output-limit-bytes", type=int, required=True)
    parser.add_argument("--upload-url", required=True)
    parser.add_argument("--report", default="/dev/termination-log")
    args = parser.parse_args(argv)
    if (args.predictions is None) == (args.model_dir is None):
        parser.error("give one of --predictions and --model-dir")

    report = run_participant(args.src, args.time_limit)
    what = "model" if args.model_dir else "predictions"
    if report["exit_code"] == 0 and not report["timed_out"]:
        if args.model_dir:
            archive = args.model_zip or os.path.join(os.path.dirname(args.model_dir), "model.zip")
            status, detail = upload_model(
                args.model_dir, archive, args.upload_url, args.output_limit_bytes, report
            )
        else:
            status, detail = upload_predictions(args.predictions, args.upload_url, args.output_limit_bytes)
        report[what] = status
        if detail:
            report["detail"] = detail
    else:
        report[what] = "skipped"
    write_report(args.report, report)
    code = report["exit_code"]
    return code if isinstance(code, int) else 1


if __name__ == "__main__":
    sys.exit(main())
