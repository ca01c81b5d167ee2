"""``holdout team`` and ``holdout finals``: the participant's team and final selection."""

from __future__ import annotations

from typing import Annotated

import typer

from holdout_client.cli.common import CompetitionOpt, JsonOpt, console, handle_errors, print_json, session
from holdout_client.session import Holdout

team_app = typer.Typer(help="Your team in a competition.", no_args_is_help=True)
finals_app = typer.Typer(help="Your final submissions for the private leaderboard.", no_args_is_help=True)


def _show_team(team: dict[str, object], as_json: bool) -> None:
    if as_json:
        print_json(team)
        return
    members = team.get("members") or []
    console.print(f"team {team['name']}: {', '.join(str(m) for m in members)}")  # type: ignore[attr-defined]
    if team.get("invite_code"):
        console.print(f"invite code: {team['invite_code']}")


@team_app.command("create")
@handle_errors
def create(competition: CompetitionOpt, name: str, as_json: JsonOpt = False) -> None:
    """Create a team and join it."""
    with session() as h:
        team = h.call("create_team", competition, body=Holdout.body("TeamCreate", {"name": name}))
    _show_team(team, as_json)


@team_app.command("join")
@handle_errors
def join(competition: CompetitionOpt, invite_code: str, as_json: JsonOpt = False) -> None:
    """Join the team whose invite code you were given."""
    with session() as h:
        team = h.call("join_team", competition, body=Holdout.body("TeamJoin", {"invite_code": invite_code}))
    _show_team(team, as_json)


@team_app.command("show")
@handle_errors
def show(competition: CompetitionOpt, as_json: JsonOpt = False) -> None:
    """Your team and its members."""
    with session() as h:
        team = h.call("get_my_team", competition)
    _show_team(team, as_json)


@team_app.command("invite")
@handle_errors
def invite(
    competition: CompetitionOpt,
    rotate: Annotated[
        bool, typer.Option("--rotate", help="Replace the code; the old one stops working.")
    ] = False,
) -> None:
    """Print your team's invite code (share it to invite someone)."""
    with session() as h:
        team = h.call("rotate_team_invite_code" if rotate else "get_my_team", competition)
    console.print(team["invite_code"])


@team_app.command("leave")
@handle_errors
def leave(competition: CompetitionOpt) -> None:
    """Leave your team (only before it has submitted)."""
    with session() as h:
        h.call("leave_team", competition)
    console.print("left the team")


def _show_finals(finals: dict[str, object], as_json: bool) -> None:
    if as_json:
        print_json(finals)
        return
    ids = finals.get("submission_ids") or []
    if finals.get("default"):
        console.print(f"default: your best {finals['final_count']} public scores count")
    for sid in ids:  # type: ignore[attr-defined]
        console.print(str(sid))


@finals_app.command("show")
@handle_errors
def finals_show(competition: CompetitionOpt, as_json: JsonOpt = False) -> None:
    """Your team's final submissions."""
    with session() as h:
        _show_finals(h.call("get_final_submissions", competition), as_json)


@finals_app.command("select")
@handle_errors
def finals_select(
    competition: CompetitionOpt,
    submission_ids: Annotated[list[str] | None, typer.Argument(help="None: back to the default.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Choose your final submissions (up to the competition's final count)."""
    body = Holdout.body("FinalSelectionUpdate", {"submission_ids": submission_ids or []})
    with session() as h:
        _show_finals(h.call("select_final_submissions", competition, body=body), as_json)
