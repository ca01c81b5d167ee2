"""The ``holdout`` command: participant and host commands, plus whatever other installed packages
plug in through the ``holdout.commands`` entry-point group (the server's operator commands:
``up``, ``serve``, ``migrate``, ``admin``, ``runtime``, ``demo``, ``test-submission``).

An entry point names a callable that takes the root ``typer.Typer`` and adds its commands.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

from holdout_client.cli import participant as p
from holdout_client.cli.boards import leaderboard
from holdout_client.cli.host import host_app
from holdout_client.cli.runtimes import runtime_app
from holdout_client.cli.stages import program_app, stages_app
from holdout_client.cli.teams import finals_app, team_app

ENTRY_POINT_GROUP = "holdout.commands"

app = typer.Typer(
    help="Holdout: code-execution competitions. Configure with `holdout login` "
    "(or HOLDOUT_URL / HOLDOUT_TOKEN).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("login")(p.login)
app.command("logout")(p.logout)
app.command("whoami")(p.whoami)
app.add_typer(p.competitions_app, name="competitions")
app.command("rules")(p.rules)
app.command("download")(p.download)
app.command("pack")(p.pack_command)
app.command("submit")(p.submit)
app.command("submissions")(p.submissions)
app.command("status")(p.status)
app.command("logs")(p.logs)
app.command("cancel")(p.cancel)
app.command("leaderboard")(leaderboard)
app.add_typer(team_app, name="team")
app.add_typer(finals_app, name="finals")
app.add_typer(host_app, name="host")
app.add_typer(stages_app, name="stages")
app.add_typer(program_app, name="scoring-program")
app.add_typer(runtime_app, name="runtime")


def load_plugins(root: typer.Typer) -> None:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            register = ep.load()
        except ImportError as exc:  # a broken plugin must not take the participant commands down
            typer.echo(f"holdout: could not load the {ep.name!r} commands: {exc}", err=True)
            continue
        register(root)


def main() -> None:
    load_plugins(app)
    app()
