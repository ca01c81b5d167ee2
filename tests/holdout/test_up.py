"""``holdout up`` as an operator starts it: ports moved with ``--port``/``--ports`` alone,
only the gateway on the address ``--host`` names, the internal services on loopback
unless ``--internal-host`` says otherwise, one service credential per data directory."""

from __future__ import annotations

import os
import secrets
import socket
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from holdout.client import HoldoutClient
from holdout.processes import HOLDOUT, Platform
from shared.internal_auth import TOKEN_FILE
from tests.conftest import make_traversable_dir
from tests.support import eventually

# another loopback address: a server bound to 127.0.0.1 alone does not answer on it, one
# bound to 0.0.0.0 does (as it would on the machine's public address)
OTHER_ADDRESS = "127.0.0.2"


def free_block(count: int = 4) -> int:
    """The first of ``count`` consecutive free ports."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            first = int(s.getsockname()[1])
        if first + count > 65535:
            continue
        try:
            for port in range(first, first + count):
                with socket.socket() as s:
                    s.bind(("0.0.0.0", port))
        except OSError:
            continue
        return first
    raise RuntimeError("no block of free ports")


def answers(host: str, port: int) -> bool:
    try:
        return httpx.get(f"http://{host}:{port}/healthz", timeout=5).status_code == 200
    except httpx.ConnectError:
        return False


@pytest.fixture
def up_dir() -> Iterator[Path]:
    path = make_traversable_dir("holdout-up-")
    yield path
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def up_env(data_dir: Path, admin_token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOUT_")}
    env.update(
        HOLDOUT_DATA_DIR=str(data_dir),
        HOLDOUT_ADMIN_TOKEN=admin_token,
        HOLDOUT_BUILD_MISSING_RUNTIMES="false",
    )
    return env


async def started(p: Platform, ports: list[int]) -> HoldoutClient:
    """The gateway's client once all four services answer (the gateway is ready first)."""
    client = HoldoutClient(f"http://127.0.0.1:{ports[0]}", p.admin_token)
    try:
        await client.wait_ready(60)
        await eventually(
            lambda: all(answers("127.0.0.1", port) for port in ports[1:]),
            60,
            interval=0.1,
            what="the internal services answering",
        )
    except (TimeoutError, AssertionError):
        await client.aclose()
        raise AssertionError(p.dump_logs()) from None
    return client


async def board_reached(client: HoldoutClient, slug: str) -> int:
    """The gateway relays a board from the leaderboard: it found it where it listens
    and presented the credential it accepts."""
    return (await client.http.get(f"/api/v1/competitions/{slug}/leaderboard")).status_code


async def test_port_moves_all_four_and_host_exposes_the_gateway_only(up_dir: Path) -> None:
    admin_token = "hdt_admin_" + secrets.token_urlsafe(16)
    p = Platform(up_env(up_dir, admin_token), admin_token, up_dir)
    base = free_block()
    p.start("up", "up", "--host", "0.0.0.0", "--port", str(base))
    try:
        async with await started(p, [base, base + 1, base + 2, base + 3]) as admin:
            comp = await admin.create_competition(
                {
                    "slug": "moved",
                    "title": "Moved",
                    "metric": "accuracy",
                    "id_column": "id",
                    "target_columns": ["y"],
                }
            )
            assert await board_reached(admin, comp["slug"]) == 200, p.dump_logs()
        assert answers(OTHER_ADDRESS, base)  # the gateway: every interface
        for port in (base + 1, base + 2, base + 3):  # orchestrator, scorer, leaderboard
            assert answers("127.0.0.1", port)
            assert not answers(OTHER_ADDRESS, port), port
            # and on loopback they still answer nobody without the credential
            assert httpx.get(f"http://127.0.0.1:{port}/openapi.json").status_code == 401
    finally:
        p.stop_all()

    token_file = up_dir / TOKEN_FILE
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text()

    # a restart on other ports, the internal services on every interface as asked
    ports = [free_block(1) for _ in range(4)]
    while len(set(ports)) < 4:
        ports = [free_block(1) for _ in range(4)]
    p.start("up", "up", "--ports", ",".join(map(str, ports)), "--internal-host", "0.0.0.0")
    try:
        async with await started(p, ports) as admin:
            assert await board_reached(admin, "moved") == 200
        assert not answers(OTHER_ADDRESS, ports[0])  # --host defaults to loopback
        assert all(answers(OTHER_ADDRESS, port) for port in ports[1:])
    finally:
        p.stop_all()
    assert token_file.read_text() == token  # the data directory kept its credential


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "8000", "--ports", "1,2,3,4"], "give --port or --ports, not both"),
        (["--ports", "9000,9001"], "expected four port numbers"),
        (["--ports", "9000,9001,x,9003"], "expected four port numbers"),
        (["--ports", "9000,9000,9001,9002"], "four different numbers"),
        (["--port", "65534"], "from 1 to 65535"),
    ],
)
def test_bad_ports_are_refused_before_anything_starts(args: list[str], message: str, tmp_path: Path) -> None:
    env = {**up_env(tmp_path, "hdt_unused"), "COLUMNS": "300"}
    done = subprocess.run([HOLDOUT, "up", *args], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert message in " ".join(done.stderr.split()), done.stderr
    assert not (tmp_path / "gateway.db").exists()
