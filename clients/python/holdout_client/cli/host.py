"""``holdout host``: create a competition from a file, upload its data, rescore, reveal, export."""

from __future__ import annotations

import json
import sys
import time
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from holdout_client.cli.common import (
    CompetitionOpt,
    JsonOpt,
    console,
    err,
    handle_errors,
    print_json,
    session,
    transfer,
)
from holdout_client.errors import HoldoutError
from holdout_client.session import Holdout

host_app = typer.Typer(help="Host a competition.", no_args_is_help=True)

# KIND -> (operation, takes a file name in the path)
UPLOADS: dict[str, tuple[str, bool]] = {
    "features": ("upload_competition_data", True),
    "labels": ("upload_competition_labels", False),
    "smoke-features": ("upload_competition_smoke_data", True),
    "smoke-labels": ("upload_competition_smoke_labels", False),
    "file": ("upload_participant_file", True),
}


def read_spec(path: Path) -> dict[str, Any]:
    """A competition described in TOML, YAML or JSON: the fields of the create API."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        spec: Any = tomllib.loads(text)
    elif path.suffix in (".yaml", ".yml"):
        import yaml  # here, not at the top: only this command reads YAML

        spec = yaml.safe_load(text)
    else:
        spec = json.loads(text)
    if not isinstance(spec, dict):
        raise HoldoutError(f"{path} must describe one competition (a table / mapping)")
    return spec


@host_app.command("create")
@handle_errors
def create(spec_file: Path, as_json: JsonOpt = False) -> None:
    """Create a competition described in a TOML or YAML file (the API's fields)."""
    spec = read_spec(spec_file)
    with session() as h:
        comp = h.call("create_competition", body=Holdout.body("CompetitionCreate", spec))
    if as_json:
        print_json(comp)
    else:
        console.print(f"created {comp['slug']} ({comp['id']})")


@host_app.command("upload")
@handle_errors
def upload(
    kind: Annotated[str, typer.Argument(help="features | labels | smoke-features | smoke-labels | file")],
    file: Path,
    competition: CompetitionOpt,
    name: Annotated[
        str | None, typer.Option(help="The name to store it under (default: the file's).")
    ] = None,
    file_kind: Annotated[
        str, typer.Option("--kind", help="For `file`: training | format | docs | other.")
    ] = "other",
    as_json: JsonOpt = False,
) -> None:
    """Upload test features, labels, the smoke sample or a participant file, with progress."""
    if kind not in UPLOADS:
        raise typer.BadParameter(f"choose one of {', '.join(UPLOADS)}", param_hint="KIND")
    operation, named = UPLOADS[kind]
    args: list[Any] = [competition, name or file.name] if named else [competition]
    extra = {"kind": Holdout.enum("FileKind", file_kind)} if kind == "file" else {}
    with session() as h, transfer(f"uploading {file.name}") as progress:
        result = h.upload(operation, file, *args, progress=progress, **extra)
    if as_json:
        print_json(result)
    else:
        console.print(f"{kind} {file.name}: {result.get('size_bytes')} bytes")


@host_app.command("rescore")
@handle_errors
def rescore(
    competition: CompetitionOpt,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait until every submission is scored again.")
    ] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait at most.")] = 3600,
) -> None:
    """Score every scored submission again with the current labels and metric."""
    with session() as h:
        started = h.call("rescore_competition", competition)
        again = "" if started["created"] else " (already requested: nothing changed since)"
        console.print(f"rescoring {started['id']} requested{again}")
        if wait:
            _wait_rescored(h, competition, started, timeout)


def _wait_rescored(h: Holdout, competition: str, started: dict[str, Any], timeout: float) -> None:
    """Done when every real run scored before the request has been scored again (or failed so):
    the gateway stamps a submission when a rescoring's result reaches it."""
    since = datetime.fromisoformat(started["requested_at"])
    waiting = {s["id"] for s in h.submissions(competition) if s["status"] == "scored" and not s["is_smoke"]}
    deadline = time.monotonic() + timeout
    with err.status(f"rescoring {len(waiting)} submissions") as shown:
        while True:
            for sub in h.submissions(competition):
                if sub["id"] in waiting and datetime.fromisoformat(sub["updated_at"]) >= since:
                    waiting.discard(sub["id"])
            if not waiting:
                break
            if time.monotonic() > deadline:
                raise HoldoutError(f"{len(waiting)} submissions not rescored after {timeout:.0f} s")
            shown.update(f"rescoring: {len(waiting)} submissions to go")
            time.sleep(1.0)
    console.print("rescoring done")


@host_app.command("reveal")
@handle_errors
def reveal(competition: CompetitionOpt) -> None:
    """Reveal the private leaderboard to everyone."""
    with session() as h:
        comp = h.call("reveal_private_leaderboard", competition)
    console.print(f"private leaderboard of {comp['slug']} revealed at {comp['revealed_at']}")


@host_app.command("export")
@handle_errors
def export(
    competition: CompetitionOpt,
    board: Annotated[str, typer.Option(help="public | private")] = "private",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """The whole board as CSV (the private one before the reveal too)."""
    with session() as h:
        text = h.call("export_leaderboard_csv", competition, board)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


__all__ = ["host_app", "read_spec", "transfer"]
