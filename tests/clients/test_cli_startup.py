"""What a participant's `holdout` command imports before it does anything: not the server's
settings and logging (pydantic-settings, structlog) that the operator commands plugged into the
same command need, and for ``--help`` not httpx or the generated client either. Every command
pays for its imports at start-up (they were about 0.9 s of it), so this guards them by name,
without timing anything."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

# the operator's commands need these; a participant's command must not load them
SERVER_SIDE = ("shared", "services", "pydantic", "pydantic_settings", "structlog", "sqlalchemy", "fastapi")
# a request needs these, listing the commands does not
REQUEST_ONLY = ("httpx", "holdout_client.generated")

PROBE = """
import json, sys
from holdout_client.cli import main
sys.argv = ["holdout", *sys.argv[1:]]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
print("\\nPROBE " + json.dumps({"code": code, "modules": list(sys.modules)}))
"""


def run_probe(*args: str, tmp_path: Path) -> tuple[int, set[str], str]:
    """Run ``holdout ARGS`` in a fresh interpreter: its exit status, the modules it imported, and
    what it printed."""
    with socket.socket() as s:  # a port nothing listens on: the request fails fast
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOUT_")}
    env |= {
        "HOLDOUT_URL": f"http://127.0.0.1:{port}",
        "HOLDOUT_TOKEN": "hdt_x",
        "XDG_CONFIG_HOME": str(tmp_path),
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output, _, probe = done.stdout.rpartition("\nPROBE ")
    assert probe, done.stdout + done.stderr
    found = json.loads(probe)
    return found["code"], set(found["modules"]), output + done.stderr


def loaded(modules: set[str], packages: tuple[str, ...]) -> set[str]:
    return {m for m in modules if m in packages or m.startswith(tuple(p + "." for p in packages))}


def test_help_imports_neither_the_server_side_nor_the_http_client(tmp_path: Path) -> None:
    code, modules, output = run_probe("--help", tmp_path=tmp_path)
    assert code == 0, output
    # the operator commands are still there (their entry point loaded), only their imports wait
    assert "holdout.cli" in modules and " up " in output and " submissions " in output, output
    assert not loaded(modules, SERVER_SIDE), sorted(loaded(modules, SERVER_SIDE))
    assert not loaded(modules, REQUEST_ONLY), sorted(loaded(modules, REQUEST_ONLY))


def test_a_participant_command_imports_no_server_side_module(tmp_path: Path) -> None:
    code, modules, output = run_probe("submissions", "-c", "demo", tmp_path=tmp_path)
    # the request was made (httpx loaded lazily) and its failure still reads as before
    assert code == 1 and "Cannot reach http://127.0.0.1:" in output, output
    assert "httpx" in modules
    assert not loaded(modules, SERVER_SIDE), sorted(loaded(modules, SERVER_SIDE))
