"""The participant's commands: login, competitions, download, pack, submit, follow, boards."""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from holdout_client import config
from holdout_client.archive import ArchiveLimits, check_archive, pack
from holdout_client.cli.common import (
    CompetitionOpt,
    JsonOpt,
    console,
    err,
    handle_errors,
    print_json,
    session,
    table,
    transfer,
)
from holdout_client.errors import ApiProblem, HoldoutError, NotFound, raise_for
from holdout_client.session import TERMINAL, Holdout

competitions_app = typer.Typer(help="Browse competitions.", no_args_is_help=True)

SUBMISSION_COLUMNS = [
    ("id", "id"),
    ("status", "status"),
    ("public_score", "public score"),
    ("failure_reason", "reason"),
    ("is_smoke", "smoke"),
    ("team_name", "team"),
    ("created_at", "submitted"),
]


@handle_errors
def login(
    url: Annotated[
        str | None, typer.Option(help="The Holdout server (default: HOLDOUT_URL or the saved one).")
    ] = None,
    token: Annotated[str | None, typer.Option(help="A personal access token (hdt_...) to store.")] = None,
    username: Annotated[str | None, typer.Option("--username", "-u", help="Log in with a password.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (scripts).")
    ] = False,
) -> None:
    """Store a personal access token for this server (in the user's config folder, mode 0600).

    With --username, logs in with the password and creates a personal access token named after
    this machine; otherwise stores the token you paste (from the web app, or your administrator).
    """
    server = (url or config.load().url).rstrip("/")
    if username is not None:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt("Password", hide_input=True)
        token = _token_from_password(server, username, password)
    elif token is None:
        token = typer.prompt("Token (hdt_...)", hide_input=True).strip()
    with Holdout(server, token) as h:
        me = h.whoami()
    path = config.save(server, token)
    err.print(f"Logged in to {server} as [bold]{me['username']}[/]; token saved in {path}")


def _token_from_password(server: str, username: str, password: str) -> str:
    """Log in (a session cookie and its CSRF value), create a token with it, log out again."""
    name = f"holdout CLI on {platform.node() or 'this machine'}"[:100]
    with Holdout(server) as h:
        body = {"username_or_email": username, "password": password}
        r = h.http.post(f"{server}/api/v1/auth/login", json=body)
        if r.status_code in (404, 405):
            raise HoldoutError("this server has no password login; pass a personal access token with --token")
        raise_for(r.status_code, r.content)
        csrf = {"X-CSRF-Token": h.http.cookies.get("holdout_csrf") or ""}
        created = h.http.post(f"{server}/api/v1/users/me/tokens", json={"name": name}, headers=csrf)
        raise_for(created.status_code, created.content)
        h.http.post(f"{server}/api/v1/auth/logout", headers=csrf)  # the token is what stays
        return str(created.json()["token"])


@handle_errors
def logout() -> None:
    """Forget the stored token."""
    err.print("Token forgotten." if config.forget() else "No stored token.")


@handle_errors
def whoami(as_json: JsonOpt = False) -> None:
    """Who the token belongs to, on which server."""
    cfg = config.load()
    with session() as h:
        me = h.whoami()
    if as_json:
        print_json({**me, "url": cfg.url})
        return
    roles = [r for r, on in (("host", me.get("is_host")), ("admin", me.get("is_admin"))) if on]
    console.print(f"{me['username']} on {cfg.url}" + (f" ({', '.join(roles)})" if roles else ""))


@competitions_app.command("list")
@handle_errors
def competitions_list(as_json: JsonOpt = False) -> None:
    """Every competition."""
    with session(anonymous_ok=True) as h:
        rows = list(h.competitions())
    if as_json:
        print_json(rows)
        return
    table(
        rows,
        [
            ("slug", "slug"),
            ("title", "title"),
            ("metric", "metric"),
            ("is_open", "open"),
            ("closes_at", "closes"),
        ],
    )


@competitions_app.command("show")
@handle_errors
def competitions_show(competition: str, as_json: JsonOpt = False) -> None:
    """One competition: its metric, format, limits, quotas and files."""
    with session(anonymous_ok=True) as h:
        comp = h.competition(competition)
    if as_json:
        print_json(comp)
        return
    console.print(f"[bold]{comp['title']}[/] ({comp['slug']})")
    if comp.get("overview") or comp.get("description"):
        console.print(comp.get("overview") or comp.get("description"))
    limits = comp.get("limits", {})
    console.print(
        f"metric: {comp['metric']} ({'higher' if comp['higher_is_better'] else 'lower'} is better)\n"
        f"predictions: {comp['predictions_filename']} with {comp['id_column']}, "
        f"{', '.join(comp['target_columns'])}\n"
        f"limits: {limits.get('time_limit_s')} s, {limits.get('memory_mb')} MB, {limits.get('cpus')} CPUs\n"
        f"quota: {comp['daily_quota']} a day (smoke runs: {comp['smoke_daily_quota']})\n"
        f"open: {comp['is_open']}, closes: {comp.get('closes_at') or 'never'}"
    )
    files = comp.get("participant_files") or []
    if files:
        table(files, [("filename", "file"), ("kind", "kind"), ("size_bytes", "bytes")], title="Files")


@handle_errors
def rules(
    competition: str,
    accept: Annotated[bool, typer.Option("--accept", help="Accept them (needed to take part).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show a competition's rules; with --accept, accept the current version."""
    from rich.markdown import Markdown

    with session(anonymous_ok=not accept) as h:
        comp = h.competition(competition)
        accepted = h.call("accept_competition_rules", competition) if accept else None
    if as_json:
        print_json(accepted or {k: comp.get(k) for k in ("rules", "rules_version", "rules_accepted")})
        return
    if comp.get("rules"):
        console.print(Markdown(comp["rules"]))
    if accepted is not None:
        console.print(f"rules version {accepted['rules_version']} accepted")
    elif comp.get("rules_accepted") is False:
        console.print(f"not accepted yet: `holdout rules {comp['slug']} --accept`")


@handle_errors
def download(
    competition: str,
    files: Annotated[list[str] | None, typer.Argument(help="Files to fetch (default: all of them).")] = None,
    smoke: Annotated[bool, typer.Option("--smoke", help="Fetch the smoke sample (a zip) only.")] = False,
    dest: Annotated[Path, typer.Option("--dest", "-d", help="Folder to save into.")] = Path("."),
) -> None:
    """Download the participant files and the smoke sample, with a progress bar; an interrupted
    download resumes where it stopped when run again."""
    with session() as h:
        comp = h.competition(competition)
        slug = comp["slug"]
        wanted: list[tuple[str, str]] = []
        if not smoke:
            listed = [f["filename"] for f in comp.get("participant_files") or []]
            names = files or listed
            unknown = sorted(set(names) - set(listed))
            if unknown and files:
                err.print(
                    f"[red]No such file:[/] {', '.join(unknown)} (files: {', '.join(listed) or 'none'})"
                )
                raise typer.Exit(1)
            wanted = [(n, f"/competitions/{slug}/files/{n}") for n in names]
        if smoke or (not files and comp.get("smoke_sample_available")):
            wanted.append((f"{slug}-smoke.zip", f"/competitions/{slug}/smoke-sample"))
        if not wanted:
            err.print("This competition has no files to download.")
            return
        for name, path in wanted:
            with transfer(name) as progress:
                try:
                    saved = h.download(path, dest / name, progress=progress)
                except NotFound as exc:
                    err.print(f"[red]{name}:[/] {exc.detail}")
                    raise typer.Exit(1) from None
            console.print(str(saved))


@handle_errors
def pack_command(
    folder: Path,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="The zip to write.")] = None,
) -> None:
    """Zip a folder the way Holdout checks it: main.py at the root, no symlinks, .git, __pycache__
    and the like left out, the size and file-count limits checked."""
    out = output or folder.resolve().with_suffix(".zip")
    summary = pack(folder, out)
    console.print(f"{out} ({summary.files} files, {summary.unpacked_bytes} bytes unpacked)")


@handle_errors
def submit(
    archive: Path,
    competition: CompetitionOpt,
    smoke: Annotated[bool, typer.Option("--smoke", help="A smoke run on the public sample.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Follow the run until it ends.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Upload a zip (checked first); with --wait, follow it and exit non-zero when it fails."""
    if archive.is_dir():
        err.print(f"{archive} is a folder: run `holdout pack {archive}` first.")
        raise typer.Exit(2)
    check_archive(archive, ArchiveLimits())
    with session() as h:
        with transfer(f"uploading {archive.name}") as progress:
            sub = h.submit(competition, archive, smoke=smoke, progress=progress)
        err.print(f"submitted {sub['id']} ({'smoke run' if smoke else 'real run'}): {sub['status']}")
        if not wait:
            print_json(sub) if as_json else console.print(sub["id"])
            return
        done = h.wait(sub["id"], raise_on_failure=False, on_change=lambda s: err.print(f"  {s['status']}"))
        report(h, done, as_json)


def report(h: Holdout, sub: dict[str, Any], as_json: bool) -> None:
    """The end of a run: its score, or why it failed and the log's tail; exit 1 unless scored."""
    failed = sub["status"] != "scored"
    if as_json:
        print_json(sub)
    elif not failed:
        console.print(f"scored: {sub.get('public_score')}")
    else:
        console.print(f"[red]{sub['status']}[/]: {sub.get('failure_reason') or ''}")
        if sub.get("detail"):
            console.print(sub["detail"])
        if sub["status"] == "failed":
            try:
                tail = h.log(sub["id"]).rstrip("\n").splitlines()[-20:]
            except ApiProblem:
                tail = []
            if tail:
                console.print("--- log (tail) ---", markup=False)
                console.print("\n".join(tail), markup=False, highlight=False)
    if failed:
        raise typer.Exit(1)


@handle_errors
def submissions(competition: CompetitionOpt, as_json: JsonOpt = False) -> None:
    """Your team's submissions, newest first."""
    with session() as h:
        rows = list(h.submissions(competition))
    if as_json:
        print_json(rows)
        return
    table(rows, SUBMISSION_COLUMNS)


@handle_errors
def status(submission_id: str, as_json: JsonOpt = False) -> None:
    """One submission; exit status 1 when it failed or was cancelled."""
    with session() as h:
        sub = h.submission(submission_id)
        if sub["status"] in TERMINAL:
            report(h, sub, as_json)
        elif as_json:
            print_json(sub)
        else:
            console.print(f"{sub['status']}")


@handle_errors
def logs(
    submission_id: str,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing until the run ends.")] = False,
) -> None:
    """The run's captured stdout and stderr (its tail)."""
    with session() as h:
        shown = ""
        while True:
            sub = h.submission(submission_id) if follow else None
            try:
                text = h.log(submission_id)
            except NotFound:
                text = ""
                if not follow:
                    raise
            new = text[len(shown) :] if text.startswith(shown) else text
            sys.stdout.write(new)
            sys.stdout.flush()
            shown = text
            if not follow or (sub is not None and sub["status"] in TERMINAL):
                return
            time.sleep(1.0)


@handle_errors
def cancel(submission_id: str) -> None:
    """Cancel a queued or running submission."""
    with session() as h:
        sub = h.call("cancel_submission", submission_id)
    console.print(f"{sub['id']}: {sub['status']}")
