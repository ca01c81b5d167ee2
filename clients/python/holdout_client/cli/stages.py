"""``holdout stages``: a competition's stages (list them, add one at the end) and
``holdout scoring-program``: a stage's scoring program. Built on the generated operations
``list_stages``, ``create_stage`` and ``upload_stage_scoring_program``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from holdout_client.cli.common import JsonOpt, console, handle_errors, print_json, session, table
from holdout_client.errors import HoldoutError
from holdout_client.session import Holdout

stages_app = typer.Typer(help="A competition's stages.", no_args_is_help=True)

FEEDS = ("finals", "all")


def stage_state(stage: dict[str, Any], now: datetime | None = None) -> str:
    """upcoming, open or closed, by the stage's schedule."""
    now = now or datetime.now(UTC)
    opens, closes = stage.get("opens_at"), stage.get("closes_at")
    if opens and now < datetime.fromisoformat(opens):
        return "upcoming"
    if closes and now >= datetime.fromisoformat(closes):
        return "closed"
    return "open"


def _when(value: str | None, option: str) -> str | None:
    """An ISO 8601 time as the API takes it; one without a zone is UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO 8601 time (e.g. 2026-12-01T12:00 or 2026-12-01T12:00+01:00)",
            param_hint=option,
        ) from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).isoformat()


def _row(stage: dict[str, Any]) -> dict[str, Any]:
    feed = stage.get("feed")
    return {
        **stage,
        "state": stage_state(stage),
        "uploads": "yes" if stage.get("accepts_submissions") else "evaluation only",
        "feed": f"re-runs {feed} of stage {stage['position'] - 1}" if feed else None,
        "data": ", ".join(f["filename"] for f in stage.get("data_files") or []) or None,
        "labels": stage.get("labels_version"),
    }


@stages_app.command("list")
@handle_errors
def stages_list(competition: str, as_json: JsonOpt = False) -> None:
    """Every stage in order: its schedule, state, feed, data and labels."""
    with session(anonymous_ok=True) as h:
        rows = list(h.pages("list_stages", competition))
    if as_json:
        print_json(rows)
        return
    table(
        [_row(s) for s in rows],
        [
            ("position", "#"),
            ("name", "name"),
            ("opens_at", "opens"),
            ("closes_at", "closes"),
            ("state", "state"),
            ("uploads", "uploads"),
            ("feed", "feed"),
            ("data", "test data"),
            ("labels", "labels"),
        ],
        title="Stages",
    )


@stages_app.command("add")
@handle_errors
def stages_add(
    competition: str,
    name: Annotated[str, typer.Option(help="The stage's name, as participants see it.")],
    opens: Annotated[str | None, typer.Option(help="When it opens (ISO 8601; no zone: UTC).")] = None,
    closes: Annotated[str | None, typer.Option(help="When it closes (ISO 8601; no zone: UTC).")] = None,
    no_uploads: Annotated[
        bool, typer.Option("--no-uploads", help="Evaluation only: it runs only what it is fed.")
    ] = False,
    feed: Annotated[
        str | None,
        typer.Option(help="finals | all: re-run the previous stage's finals or every successful run."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a stage after the last one (host); the settings left out are the previous stage's."""
    if feed is not None and feed not in FEEDS:
        raise typer.BadParameter(f"choose one of {', '.join(FEEDS)}", param_hint="--feed")
    body: dict[str, Any] = {"name": name, "accepts_submissions": not no_uploads}
    for key, value in (("opens_at", _when(opens, "--opens")), ("closes_at", _when(closes, "--closes"))):
        if value is not None:
            body[key] = value
    if feed is not None:
        body["feed"] = feed
    with session() as h:
        stage = h.call("create_stage", competition, body=Holdout.body("StageCreate", body))
    if as_json:
        print_json(stage)
    else:
        console.print(f"stage {stage['position']} ({stage['name']}) added to {competition}")


program_app = typer.Typer(help="A stage's scoring program.", no_args_is_help=True)


@program_app.command("upload")
@handle_errors
def program_upload(
    competition: str,
    program: Annotated[Path, typer.Argument(help="A zip with score.py (or score.sh) at its root.")],
    stage: Annotated[int, typer.Option(help="The stage's position (1 is the first).")] = 1,
    reference: Annotated[
        Path | None, typer.Option(help="Predictions CSV the program is tried on (the smoke sample's).")
    ] = None,
    runtime: Annotated[str | None, typer.Option(help="The runtime to run it in.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Upload a stage's scoring program; it is tried on the smoke sample first."""
    if reference is None:
        raise typer.BadParameter(
            "a reference predictions CSV is needed to try the program", param_hint="--reference"
        )
    for path in (program, reference):
        if not path.is_file():
            raise HoldoutError(f"{path} is not a file")
    with session() as h:
        result = h.upload_program(competition, stage, program, reference, runtime=runtime)
    if as_json:
        print_json(result)
    else:
        console.print(f"scoring program of stage {stage} of {competition} uploaded")


__all__ = ["program_app", "stage_state", "stages_app"]
