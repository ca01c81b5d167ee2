"""The operator's ``holdout`` commands: run the platform, migrate databases, manage users and
runtimes, demo, test a submission locally.

The ``holdout`` command itself belongs to the client package (``holdout_client.cli``); these
commands plug into it through the ``holdout.commands`` entry point (``register``), so one
command has everything where both packages are installed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

# every participant command loads this module (the entry point), so the server's settings and
# logging (pydantic-settings, structlog: about 0.3 s) and asyncio are imported by the commands
# that use them
if TYPE_CHECKING:
    from shared.runtime_locks import RuntimeLock

app = typer.Typer(help="Holdout: code-execution competitions.", no_args_is_help=True)
admin_app = typer.Typer(help="Users and tokens.", no_args_is_help=True)
runtime_app = typer.Typer(help="Local sandbox runtimes (Python environments).", no_args_is_help=True)
app.add_typer(admin_app, name="admin")
app.add_typer(runtime_app, name="runtime")


def _logging() -> None:
    from shared.logging import configure_logging
    from shared.settings import CommonSettings

    settings = CommonSettings()
    configure_logging(settings.log_level, json=settings.log_json)


@app.command()
def up(
    host: Annotated[
        str, typer.Option(help="Address the gateway listens on (0.0.0.0: every interface).")
    ] = "127.0.0.1",
    internal_host: Annotated[
        str,
        typer.Option(
            help="Address the orchestrator, scorer and leaderboard listen on; only the gateway faces users."
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int | None,
        typer.Option(
            help="The gateway's port; the orchestrator, scorer and leaderboard take the next three."
        ),
    ] = None,
    ports: Annotated[
        str | None,
        typer.Option(
            help="All four ports, GATEWAY,ORCHESTRATOR,SCORER,LEADERBOARD (e.g. 9000,9101,9102,9103)."
        ),
    ] = None,
) -> None:
    """Run all four services in one process on the embedded defaults.

    Without --port or --ports the ports come from the HOLDOUT_*_URL settings (8000 to 8003)."""
    import asyncio

    from holdout.server import Listen, run_embedded

    _logging()
    chosen = _embedded_ports(port, ports)
    asyncio.run(run_embedded(Listen(host=host, internal_host=internal_host, ports=chosen)))


def _embedded_ports(port: int | None, ports: str | None) -> dict[str, int] | None:
    from shared.settings import SERVICES

    if port is not None and ports is not None:
        raise typer.BadParameter("give --port or --ports, not both", param_hint="--ports")
    if port is not None:
        numbers = [port + i for i in range(len(SERVICES))]
    elif ports is not None:
        try:
            numbers = [int(p) for p in ports.split(",")]
        except ValueError:
            numbers = []
        if len(numbers) != len(SERVICES):
            raise typer.BadParameter(
                f"expected four port numbers separated by commas ({','.join(SERVICES)}), got {ports!r}",
                param_hint="--ports",
            )
    else:
        return None
    if any(not 1 <= n <= 65535 for n in numbers) or len(set(numbers)) != len(numbers):
        raise typer.BadParameter(
            f"ports must be four different numbers from 1 to 65535, got {numbers}",
            param_hint="--ports" if ports is not None else "--port",
        )
    return dict(zip(SERVICES, numbers, strict=True))


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="gateway | orchestrator | scorer | leaderboard")],
    host: str = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Defaults to the service's usual port.")] = None,
) -> None:
    """Run one service alone with production parts (PostgreSQL, RabbitMQ) from the environment."""
    import asyncio

    from holdout.server import run_one
    from shared.settings import SERVICES

    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; choose one of {', '.join(SERVICES)}")
    _logging()
    asyncio.run(run_one(service, host, port))


@app.command()
def migrate(
    service: Annotated[str, typer.Argument(help="a service name, or 'all'")] = "all",
    revision: str = "head",
) -> None:
    """Apply database migrations (Alembic) for one service or all of them."""
    from holdout.wiring import service_spec
    from shared.migrations import upgrade_sync
    from shared.settings import SERVICES

    names = SERVICES if service == "all" else (service,)
    for name in names:
        if name not in SERVICES:
            raise typer.BadParameter(f"unknown service {name!r}")
        spec = service_spec(name)
        settings = spec.settings()
        url = settings.database_url  # type: ignore[attr-defined]
        if url.startswith("sqlite"):
            Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        upgrade_sync(spec.migrations_dir, url, revision)
        typer.echo(f"{name}: migrated to {revision}")


@admin_app.command("create-user")
def create_user(
    username: str,
    host: Annotated[bool, typer.Option("--host", help="May create competitions.")] = False,
    admin: Annotated[bool, typer.Option("--admin", help="May do everything.")] = False,
) -> None:
    """Create a user in the gateway's database and print its token (shown once)."""
    import asyncio

    from shared.web import ProblemError

    _logging()
    try:
        token = asyncio.run(_create_user(username, is_host=host or admin, is_admin=admin))
    except ProblemError as exc:
        typer.echo(f"holdout admin create-user: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    typer.echo(token)


async def _create_user(username: str, *, is_host: bool, is_admin: bool) -> str:
    from services.gateway.auth.service import create_user_with_token
    from services.gateway.config import GatewaySettings
    from shared.db import make_engine, make_sessionmaker

    settings = GatewaySettings()
    engine = make_engine(settings.database_url)
    try:
        _user, token = await create_user_with_token(
            make_sessionmaker(engine), username, is_host=is_host, is_admin=is_admin
        )
    finally:
        await engine.dispose()
    return token


@runtime_app.command("build")
def runtime_build(
    name: Annotated[
        str, typer.Argument(help="runtimes/NAME/ (installed from its requirements.lock)")
    ] = "default",
) -> None:
    """Build a local runtime from the lock of runtimes/NAME/ (hash-checked) and import-test it."""
    from services.orchestrator.config import OrchestratorSettings
    from services.orchestrator.executors.local.runtimes import RuntimeBuildError, build_runtime

    # into the configured runtimes folder, import-tested as the sandbox user
    settings = OrchestratorSettings()
    try:
        path = build_runtime(
            name,
            settings.runtimes_path,
            settings.runtimes_requirements_dir,
            check_uid=settings.sandbox_uid,
            check_gid=settings.sandbox_gid,
        )
    except (RuntimeBuildError, ValueError) as exc:
        typer.echo(f"holdout runtime build: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"runtime {name!r} ready at {path}")


@runtime_app.command("lock")
def runtime_lock(
    names: Annotated[list[str] | None, typer.Argument(help="runtimes to re-lock (default: all)")] = None,
) -> None:
    """Re-lock runtimes/NAME/requirements.lock (and its README) from requirements.in with uv."""
    from holdout.runtime_lock import lock_runtime

    _each_runtime("lock", names, lock_runtime, lambda lock: f"{len(lock.packages)} distributions locked")


@runtime_app.command("check")
def runtime_check(
    names: Annotated[list[str] | None, typer.Argument(help="runtimes to check (default: all)")] = None,
) -> None:
    """Check that each runtime's lock was made from its requirements.in as it is now (CI runs it)."""
    from holdout.runtime_lock import check_runtime

    _each_runtime("check", names, check_runtime, lambda _lock: "locked")


def _each_runtime(
    command: str,
    names: list[str] | None,
    action: Callable[[Path, str], RuntimeLock],
    done: Callable[[RuntimeLock], str],
) -> None:
    """``action`` on each named runtime folder (all of them by default); exit 1 at the first error."""
    from services.orchestrator.config import OrchestratorSettings
    from shared.runtime_locks import RuntimeLockError, runtime_names

    root = OrchestratorSettings().runtimes_requirements_dir
    for name in names or runtime_names(root):
        try:
            lock = action(root, name)
        except (RuntimeLockError, ValueError) as exc:
            typer.echo(f"holdout runtime {command}: {exc}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"{name}: {done(lock)}, {lock.digest}")


@app.command("test-submission")
def test_submission(
    archive: Annotated[Path, typer.Argument(help="The submission zip, as you would upload it.")],
    competition: Annotated[
        Path,
        typer.Option(
            help="The smoke sample as downloaded (a zip), or a folder with competition.json, "
            "data/ and labels.csv."
        ),
    ],
    show_log: Annotated[bool, typer.Option(help="Print the run's log (stdout and stderr).")] = False,
) -> None:
    """Run a submission locally in Holdout's own sandbox and runtime on the smoke sample;
    print its score or why it failed (exit status 1)."""
    import asyncio

    from holdout.local_test import CompetitionDirError, run_local_test
    from shared.logging import configure_logging

    configure_logging("WARNING", json=False)  # the result, not the sandbox's info lines
    try:
        result = asyncio.run(run_local_test(archive, competition))
    except CompetitionDirError as exc:
        raise typer.BadParameter(str(exc), param_hint="--competition") from None
    if show_log and result.log:
        typer.echo("--- log ---\n" + result.log.rstrip("\n") + "\n--- end of log ---")
    typer.echo(result.report())
    raise typer.Exit(0 if result.failure_reason is None else 1)


@app.command()
def demo(
    keep_running: Annotated[
        bool | None,
        typer.Option(help="Keep serving after the demo (default: only when run in a terminal)."),
    ] = None,
) -> None:
    """Start Holdout, run the digits demo competition end to end, print the leaderboard."""
    import asyncio

    from holdout.demo import run_demo

    raise typer.Exit(asyncio.run(run_demo(keep_running)))


def register(root: typer.Typer) -> None:
    """The ``holdout.commands`` entry point: add the operator commands to the ``holdout`` command."""
    root.registered_commands.extend(app.registered_commands)
    existing = {group.name: group for group in root.registered_groups}
    for group in app.registered_groups:
        if group.name in existing and existing[group.name].typer_instance is not None:
            # the client's group of that name (``runtime``: show, export) gets the operator's commands
            target = existing[group.name].typer_instance
            assert target is not None and group.typer_instance is not None
            have = {c.name for c in target.registered_commands}
            target.registered_commands.extend(
                c for c in group.typer_instance.registered_commands if c.name not in have
            )
        else:
            root.registered_groups.append(group)


def main() -> None:
    app()
