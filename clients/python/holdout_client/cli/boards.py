"""``holdout leaderboard``: a stage's board with every column it shows (the first ranks),
as a table (each column at its precision), CSV or JSON (full values)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from holdout_client.cli.common import JsonOpt, handle_errors, print_json, session, table


@handle_errors
def leaderboard(
    competition: str,
    private: Annotated[bool, typer.Option("--private", help="The private board (after the reveal).")] = False,
    stage: Annotated[
        int | None, typer.Option(help="The stage's position (default: the open stage, else the last opened).")
    ] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV (every column's full value).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """The public (or private) leaderboard of a stage, with every column it shows (the first ranks)."""
    with session(anonymous_ok=True) as h:
        columns, rows = h.board(competition, private=private, stage=stage)
    keys = [c["key"] for c in columns]
    if as_json:
        print_json(rows)
    elif csv:
        import csv as csvlib

        writer = csvlib.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["rank", "team_name", "score", *keys, "submission_id", "submitted_at"])
        for r in rows:
            values = [_value(r, k, i == 0) for i, k in enumerate(keys)]
            ends = [r["submission_id"], r["submitted_at"]]
            writer.writerow([r["rank"], r["team_name"], r["score"], *values, *ends])
    else:
        cells = [
            {
                **r,
                **{f"col:{c['key']}": _shown(_value(r, c["key"], i == 0), c) for i, c in enumerate(columns)},
            }
            for r in rows
        ]
        headers = [
            (f"col:{c['key']}", c["key"] + (" (ranks)" if i == 0 else "")) for i, c in enumerate(columns)
        ]
        where = f" of stage {stage}" if stage is not None else ""
        table(
            cells,
            [
                ("rank", "rank"),
                ("team_name", "team"),
                *headers,
                ("submissions", "runs"),
                ("submitted_at", "when"),
            ],
            title=f"{'Private' if private else 'Public'} leaderboard{where}",
        )


def _value(entry: dict[str, Any], key: str, first: bool) -> Any:
    scores = entry.get("scores") or {}
    if key in scores:
        return scores[key]
    return entry.get("score") if first else (entry.get("extra_scores") or {}).get(key)


def _shown(value: Any, column: dict[str, Any]) -> str | None:
    """A column's value at its precision (the table; CSV and JSON keep the full value)."""
    if value is None:
        return None
    precision = column.get("precision")
    return f"{value:.{precision}f}" if isinstance(precision, int) else f"{value:.6g}"
