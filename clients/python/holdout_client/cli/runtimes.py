"""``holdout runtime show|export``: what a runtime installs, and its lock to install at home.

The server package adds its operator commands (``build``, ``lock``, ``check``) to this
same group where it is installed (``holdout.cli.register``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from holdout_client.cli.common import JsonOpt, handle_errors, print_json, session, table

runtime_app = typer.Typer(
    help="Runtimes: what a submission can import, to reproduce it at home.", no_args_is_help=True
)


@runtime_app.command("show")
@handle_errors
def show(
    name: Annotated[str, typer.Argument(help="The runtime's name (a stage's `runtime`).")],
    as_json: JsonOpt = False,
) -> None:
    """Every package a runtime installs (name and version) and its version (the lock's digest)."""
    with session(anonymous_ok=True) as h:
        runtime = h.call("get_runtime", name)
    if as_json:
        print_json(runtime)
        return
    packages = [{**p, "marker": p.get("marker") or "everywhere"} for p in runtime["packages"]]
    table(
        packages,
        [("name", "package"), ("version", "version"), ("marker", "installed")],
        title=f"Runtime {runtime['name']} (Python {runtime['python']}, {runtime['digest']})",
    )


@runtime_app.command("export")
@handle_errors
def export(
    name: Annotated[str, typer.Argument(help="The runtime's name (a stage's `runtime`).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the lock (pip's requirements format).")
    ] = Path("requirements.txt"),
) -> None:
    """Write a runtime's lock (every package pinned, with hashes) to install it at home:
    `pip install --require-hashes --no-deps -r requirements.txt`."""
    with session(anonymous_ok=True) as h:
        runtime = h.call("get_runtime", name)
    output.write_text(runtime["lock"])
    typer.echo(
        f"wrote {output}: {len(runtime['packages'])} packages of runtime {runtime['name']!r} "
        f"({runtime['digest']}); install with `pip install --require-hashes --no-deps -r {output}`"
    )
