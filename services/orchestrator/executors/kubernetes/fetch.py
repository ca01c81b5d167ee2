"""Runs *inside the run pod* as the init container (the Holdout image):
``python -m services.orchestrator.executors.kubernetes.fetch --url SAS --stage DIR --tools DIR``.

Downloads the submission zip with a read-only SAS URL for exactly that blob, unpacks it
with ``shared.archive.safe_extract`` (the same zip rules as the local executor: no
absolute paths, no ``..``, no symlinks, bounded size, count and ratio) into
``<stage>/src``, deletes the zip (a run given a trained model, ``--model-url``: the
same for the model's zip, into ``<stage>/model``), and copies the stdlib-only ``runner.py`` into the
tools volume the main container mounts read-only.

Exit codes, with a JSON report in the termination message:
0 unpacked; 3 the archive breaks the rules (``problems``); 4 the archive is not in
storage; 1 anything else (a download that kept failing).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from shared.archive import ArchiveError, safe_extract

EXIT_INVALID = 3
EXIT_MISSING = 4
DOWNLOAD_ATTEMPTS = 3
CHUNK = 1 << 20
RUNNER = Path(__file__).with_name("runner.py")


class DownloadError(Exception):
    def __init__(self, detail: str, *, missing: bool = False) -> None:
        super().__init__(detail)
        self.missing = missing


def download(url: str, dest: Path, max_bytes: int, what: str = "the submission archive") -> int:
    last = ""
    for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(url, timeout=60) as response, dest.open("wb") as out:  # noqa: S310
                size = 0
                while block := response.read(CHUNK):
                    size += len(block)
                    if size > max_bytes:
                        raise ArchiveError([f"the archive is larger than {max_bytes} bytes"])
                    out.write(block)
                return size
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise DownloadError(f"{what} is not in storage", missing=True) from None
            last = f"HTTP {exc.code}"
            if exc.code == 403:
                break
        except OSError as exc:
            last = str(exc)
        time.sleep(attempt)
    raise DownloadError(f"could not download {what}: {last}")


def _report(path: str, report: dict[str, object]) -> None:
    try:
        Path(path).write_text(json.dumps(report)[:4000])
    except OSError as exc:
        print(f"holdout fetch: could not write the report: {exc}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch and unpack a Holdout submission.")
    parser.add_argument("--url", required=True)
    parser.add_argument("--stage", required=True, type=Path)
    parser.add_argument("--tools", required=True, type=Path)
    parser.add_argument("--max-archive-bytes", type=int, default=1024**3)
    parser.add_argument("--report", default="/dev/termination-log")
    # an inference run given a platform-trained model: its zip, unpacked to ``<stage>/model``
    parser.add_argument("--model-url")
    args = parser.parse_args(argv)

    archive = args.stage / "archive.zip"
    src = args.stage / "src"
    src.mkdir(mode=0o755, exist_ok=True)
    try:
        size = download(args.url, archive, args.max_archive_bytes)
        summary = safe_extract(archive, src)
        if args.model_url:
            archive.unlink()
            model = args.stage / "model"
            model.mkdir(mode=0o755, exist_ok=True)
            download(args.model_url, archive, args.max_archive_bytes, "the trained model")
            try:
                safe_extract(archive, model, entrypoints=())
            except ArchiveError as exc:  # the platform zipped it: not the submission's fault
                raise DownloadError(f"the trained model could not be unpacked ({exc})") from None
    except DownloadError as exc:
        _report(args.report, {"error": str(exc)})
        print(f"holdout fetch: {exc}", file=sys.stderr)
        return EXIT_MISSING if exc.missing else 1
    except ArchiveError as exc:
        _report(args.report, {"problems": exc.problems})
        print(f"holdout fetch: the archive was rejected: {exc}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        archive.unlink(missing_ok=True)
    shutil.copyfile(RUNNER, args.tools / "runner.py")
    (args.tools / "runner.py").chmod(0o444)
    _report(args.report, {"entrypoint": summary.entrypoint, "files": summary.files, "archive_bytes": size})
    print(f"holdout fetch: unpacked {summary.files} files ({summary.unpacked_bytes} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
