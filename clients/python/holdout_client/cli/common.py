"""What every command shares: the session from the config, output (``--json`` or rich tables),
progress bars, and turning API problems into a message and a non-zero exit status.

httpx and rich's progress bars are imported where a command uses them, not here: every command
(``--help`` too) imports this module.
"""

from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from holdout_client import config
from holdout_client.archive import ArchiveError
from holdout_client.errors import ApiProblem, HoldoutError, Invalid
from holdout_client.session import Holdout

console = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts) instead of a table.")]
CompetitionOpt = Annotated[str, typer.Option("--competition", "-c", help="Competition slug or id.")]

P = ParamSpec("P")
R = TypeVar("R")


def session(*, anonymous_ok: bool = False) -> Holdout:
    cfg = config.load()
    if cfg.token is None and not anonymous_ok:
        err.print("[red]Not logged in:[/] run `holdout login` or set HOLDOUT_TOKEN.")
        raise typer.Exit(2)
    return Holdout(cfg.url, cfg.token)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """A command's expected failures become one readable message and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except Invalid as exc:
            err.print(f"[red]Error ({exc.status} {exc.code}):[/] {exc.detail}")
            for problem in exc.problems:
                err.print(f"  - {problem}")
            raise typer.Exit(1) from None
        except ApiProblem as exc:
            err.print(f"[red]Error ({exc.status} {exc.code}):[/] {exc.detail}")
            raise typer.Exit(1) from None
        except ArchiveError as exc:
            err.print("[red]The submission breaks the rules:[/]")
            for problem in exc.problems:
                err.print(f"  - {problem}")
            raise typer.Exit(1) from None
        except HoldoutError as exc:
            err.print(f"[red]Error:[/] {exc}")
            raise typer.Exit(1) from None
        except Exception as exc:
            import httpx  # already loaded by the session that could have raised it

            if not isinstance(exc, httpx.TransportError):
                raise
            err.print(f"[red]Cannot reach {config.load().url}:[/] {exc}")
            raise typer.Exit(1) from None

    return wrapper


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def table(
    rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], title: str | None = None
) -> None:
    """A rich table of ``rows``; ``columns`` are (key, header)."""
    t = Table(title=title)
    for _, header in columns:
        t.add_column(header)
    for row in rows:
        t.add_row(*(_cell(row.get(key)) for key, _ in columns))
    console.print(t)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@contextlib.contextmanager
def transfer(description: str, total: int | None = None) -> Iterator[Callable[[int, int | None], None]]:
    """A progress bar (on stderr, so stdout stays parseable) fed by a (done, total) callback."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=not err.is_terminal,
    )
    with bar:
        task = bar.add_task(description, total=total)

        def update(done: int, size: int | None) -> None:
            bar.update(task, completed=done, total=size)

        yield update
