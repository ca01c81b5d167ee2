"""The hand-written layer over the generated client: what generation cannot do well.

Every call goes through the function openapi-python-client generated for its operation
(``holdout_client.generated.api``); this layer adds pagination as an iterator, waiting for a
submission to end, uploads and downloads streamed from and to disk with progress callbacks
(downloads resume with ``Range``), and problems raised as the exceptions of ``errors``.
Results are the API's JSON (dicts), as documented in ``docs/openapi.json``.

httpx and the generated package (its models alone take about 0.2 s) are imported when a session
is opened or a body built, not with this module: every CLI command imports it, ``--help`` too.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType, TracebackType
from typing import IO, TYPE_CHECKING, Any

from holdout_client.errors import ApiProblem, HoldoutError, SubmissionFailed, raise_for

if TYPE_CHECKING:
    import httpx

    from holdout_client.generated.client import AuthenticatedClient, Client

GENERATED = "holdout_client.generated"

TERMINAL = frozenset({"scored", "failed", "cancelled"})
CHUNK = 1 << 20

Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


def operation(operation_id: str) -> ModuleType:
    """The generated module of one operation (``api/<tag>/<operation_id>.py``)."""
    api = importlib.import_module(f"{GENERATED}.api")
    for tag in pkgutil.iter_modules(api.__path__):
        try:
            return importlib.import_module(f"{api.__name__}.{tag.name}.{operation_id}")
        except ModuleNotFoundError:
            continue
    raise LookupError(f"the generated client has no operation {operation_id!r}")


class ProgressReader:
    """A file read in chunks by httpx (so the body is streamed), reporting each chunk."""

    def __init__(self, path: Path, progress: Progress | None) -> None:
        self.total = path.stat().st_size
        self.done = 0
        self.progress = progress
        self._file: IO[bytes] = path.open("rb")

    def read(self, size: int = CHUNK) -> bytes:
        chunk = self._file.read(size)
        self.done += len(chunk)
        if self.progress is not None and chunk:
            self.progress(self.done, self.total)
        return chunk

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.read(CHUNK):
            yield chunk

    def close(self) -> None:
        self._file.close()


class Holdout:
    """A session with one Holdout server, as one user (or anonymously, without a token)."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """``transport`` replaces the network (tests)."""
        import httpx

        from holdout_client.generated.client import AuthenticatedClient, Client

        self.url = url.rstrip("/")
        self.token = token
        limits = httpx.Timeout(timeout, connect=10.0)
        extra: dict[str, Any] = {"transport": transport} if transport is not None else {}
        self.client: Client | AuthenticatedClient = (
            AuthenticatedClient(base_url=self.url, token=token, timeout=limits, httpx_args=extra)
            if token
            else Client(base_url=self.url, timeout=limits, httpx_args=extra)
        )

    def __enter__(self) -> Holdout:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.client.get_httpx_client().close()

    @property
    def http(self) -> httpx.Client:
        return self.client.get_httpx_client()

    # --- calls -------------------------------------------------------------------------------
    def call(self, operation_id: str, *args: Any, **kwargs: Any) -> Any:
        """Call one generated operation; the JSON answer (None for 204), or raise its problem.

        The request is the one the generated module builds (path, query, headers, body); the
        answer is read here, so an error that is not a problem document is reported too.
        """
        request = operation(operation_id)._get_kwargs(*args, **kwargs)
        response = self.http.request(**request)
        raise_for(response.status_code, response.content)
        if not response.content:
            return None
        if "json" in response.headers.get("content-type", ""):
            return json.loads(response.content)
        return response.text

    def pages(self, operation_id: str, *args: Any, page_size: int = 100, **kwargs: Any) -> Iterator[Any]:
        """Every item of a paginated listing, fetching pages as the iteration needs them."""
        offset = 0
        while True:
            page = self.call(operation_id, *args, offset=offset, limit=page_size, **kwargs)
            items = page.get("items", page.get("entries", []))
            yield from items
            offset += len(items)
            if not items or offset >= int(page.get("total", 0)):
                return

    @staticmethod
    def body(model: str, data: dict[str, Any]) -> Any:
        """A JSON body as the generated model ``model`` (e.g. ``CompetitionCreate``)."""
        from holdout_client.generated import models

        return getattr(models, model).from_dict(data)

    @staticmethod
    def enum(name: str, value: str) -> Any:
        """A query or path value as the generated enum ``name`` (e.g. ``FileKind``)."""
        from holdout_client.generated import models

        return getattr(models, name)(value)

    # --- the usual operations ---------------------------------------------------------------------
    def whoami(self) -> dict[str, Any]:
        return dict(self.call("get_current_user"))

    def competitions(self) -> Iterator[dict[str, Any]]:
        return self.pages("list_competitions")

    def competition(self, competition: str) -> dict[str, Any]:
        return dict(self.call("get_competition", competition))

    def submissions(self, competition: str) -> Iterator[dict[str, Any]]:
        return self.pages("list_submissions", competition)

    def submission(self, submission_id: str) -> dict[str, Any]:
        return dict(self.call("get_submission", submission_id))

    def log(self, submission_id: str) -> str:
        return str(self.call("get_submission_log", submission_id) or "")

    def leaderboard(self, competition: str, *, private: bool = False) -> Iterator[dict[str, Any]]:
        return self.pages("get_private_leaderboard" if private else "get_public_leaderboard", competition)

    def board(
        self, competition: str, *, private: bool = False, stage: int | None = None, page_size: int = 100
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """A whole board of a stage (None: the API's default, the open one): its columns, in
        ranking order, and every entry."""
        operation_id = "get_private_leaderboard" if private else "get_public_leaderboard"
        extra: dict[str, Any] = {"stage": stage} if stage is not None else {}
        columns: list[dict[str, Any]] = []
        entries: list[dict[str, Any]] = []
        while True:
            page = self.call(operation_id, competition, offset=len(entries), limit=page_size, **extra)
            columns = columns or list(page.get("columns") or [])
            entries.extend(page["entries"])
            if not page["entries"] or len(entries) >= int(page["total"]):
                if not columns and page.get("metric"):  # a board from before columns
                    columns = [{"key": page["metric"], "higher_is_better": page.get("higher_is_better")}]
                return columns, entries

    def upload_program(
        self,
        competition: str,
        stage: int,
        program: Path,
        reference: Path,
        *,
        runtime: str | None = None,
        timeout: float = 600.0,
    ) -> Any:
        """A stage's scoring program and the reference predictions it is tried on, as one
        multipart form (streamed from disk); the trial runs before the answer comes."""
        url = f"{self.url}/api/v1/competitions/{competition}/stages/{stage}/scoring-program"
        with program.open("rb") as zipped, reference.open("rb") as csv:
            files = {
                "program": (program.name, zipped, "application/zip"),
                "reference": (reference.name, csv, "text/csv"),
            }
            data = {"runtime": runtime} if runtime else None
            response = self.http.put(url, files=files, data=data, timeout=timeout)
        raise_for(response.status_code, response.content)
        return response.json()

    def submit(
        self, competition: str, archive: Path | str, *, smoke: bool = False, progress: Progress | None = None
    ) -> dict[str, Any]:
        """Upload a zip, streamed from disk; the queued submission."""
        return dict(
            self.upload("create_submission", Path(archive), competition, progress=progress, smoke=smoke)
        )

    def upload(
        self, operation_id: str, path: Path, *args: Any, progress: Progress | None = None, **kw: Any
    ) -> Any:
        """Send a file as an operation's raw body, streamed (never read whole into memory)."""
        from holdout_client.generated.types import File

        reader = ProgressReader(path, progress)
        try:
            body = File(payload=reader, file_name=path.name, mime_type="application/octet-stream")  # type: ignore[arg-type]
            return self.call(operation_id, *args, body=body, **kw)
        finally:
            reader.close()

    def wait(
        self,
        submission_id: str,
        *,
        timeout: float = 3600.0,
        interval: float = 1.0,
        on_change: Callable[[dict[str, Any]], None] | None = None,
        raise_on_failure: bool = True,
    ) -> dict[str, Any]:
        """Poll until the submission is scored, failed or cancelled; ``SubmissionFailed`` unless
        scored (with ``raise_on_failure``). ``on_change`` sees each new status."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            sub = self.submission(submission_id)
            if sub["status"] != last and on_change is not None:
                on_change(sub)
            last = sub["status"]
            if sub["status"] in TERMINAL:
                if sub["status"] != "scored" and raise_on_failure:
                    raise SubmissionFailed(sub)
                return sub
            if time.monotonic() > deadline:
                raise HoldoutError(f"submission {submission_id} still {sub['status']} after {timeout:.0f} s")
            time.sleep(interval)

    def download(
        self, path: str, dest: Path, *, progress: Progress | None = None, resume: bool = True
    ) -> Path:
        """GET ``path`` (under the API root) into ``dest``, streamed; an interrupted download leaves
        ``dest.part`` and the next call asks for the rest only (``Range``)."""
        part = dest.with_name(dest.name + ".part")
        have = part.stat().st_size if resume and part.exists() else 0
        headers = {"Range": f"bytes={have}-"} if have else {}
        url = path if path.startswith(("http://", "https://")) else f"{self.url}/api/v1{path}"
        with self.http.stream("GET", url, headers=headers, follow_redirects=True) as response:
            if response.status_code == 416:  # the part file is already whole
                part.replace(dest)
                return dest
            if response.status_code >= 400:
                response.read()
                raise_for(response.status_code, response.content)
            mode = "ab" if response.status_code == 206 else "wb"
            done = have if mode == "ab" else 0
            length = response.headers.get("content-length")
            total = done + int(length) if length is not None and length.isdigit() else None
            dest.parent.mkdir(parents=True, exist_ok=True)
            with part.open(mode) as out:
                for chunk in response.iter_bytes(CHUNK):
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
        part.replace(dest)
        return dest


__all__ = ["TERMINAL", "ApiProblem", "Holdout", "ProgressReader", "operation"]
