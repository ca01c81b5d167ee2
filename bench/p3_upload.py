"""P3: a 1 GiB upload through the gateway to storage against the same upload to a bare
ASGI endpoint, side by side.

Holdout: the host's ``PUT /api/v1/competitions/{id}/data/{filename}`` to the gateway
of ``holdout up`` (the other three services idle in the same process), the body
streamed from a file in 1 MiB chunks; the gateway streams it into storage (size cap and
sha256 on the way) and answers once it is stored. Timed from the first byte sent to the
answer.

Baselines, in the same run and on the same machine, alternating with Holdout:
- local backend (storage directory on the same disk) against a bare ASGI endpoint on
  the same server stack (uvicorn with the protocol class of ``holdout/server.py``, in a
  process of its own) that writes the request body to a file on the same disk and
  answers: the honest ceiling of an HTTP upload here. ``cp`` of the file runs beside
  them and is reported as ``vs_cp``;
- Azure backend (Azurite persisting to the same disk) against a direct
  ``azure-storage-blob`` upload of the file (``upload_blob``, the SDK's default 4 MiB
  blocks, 2 in flight, as the gateway stages them).

Also the gateway's process's peak memory growth while the uploads run: VmRSS from
``/proc/<pid>/status`` sampled every 20 ms, against its RSS after a small warm-up upload.
The 1 GiB file is made in /tmp for the run and deleted afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from bench.common import ROOT, machine
from holdout.processes import Platform, base_env

SIZE = 1 << 30
CHUNK = 1 << 20
MB = 1e6


def make_file(path: Path, size: int = SIZE) -> None:
    block = os.urandom(CHUNK)  # incompressible, and cheap to repeat
    with path.open("wb") as f:
        for _ in range(size // CHUNK):
            f.write(block)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class RssPeak:
    """Samples a process's RSS in the background; ``peak`` in KiB."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = rss_kib(pid)
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, rss_kib(self.pid))
            await asyncio.sleep(0.02)

    def __enter__(self) -> RssPeak:
        self._task = asyncio.get_running_loop().create_task(self._sample())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        self.peak = max(self.peak, rss_kib(self.pid))


async def file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while chunk := await asyncio.to_thread(f.read, CHUNK):
            yield chunk


async def start_gateway(work: Path, env_extra: dict[str, str]) -> tuple[Platform, str, str]:
    """`holdout up` (the gateway and three idle services in one process), a host and a
    competition; returns (platform, host token, competition id)."""
    (work / "platform").mkdir(parents=True, exist_ok=True)
    env = base_env(work / "platform", work / "runtimes")
    env.update(env_extra, HOLDOUT_LOG_LEVEL="WARNING")
    p = Platform(env, env["HOLDOUT_ADMIN_TOKEN"], work / "platform")
    p.start("up", "up")
    async with p.client() as admin:
        await admin.wait_ready(60)
        host = await admin.create_user("host", is_host=True)
        async with admin.as_user(host["token"]) as h:
            comp = await h.create_competition(
                {
                    "slug": "p3",
                    "title": "P3",
                    "metric": "accuracy",
                    "id_column": "id",
                    "target_columns": ["label"],
                    "limits": {"time_limit_s": 60, "memory_mb": 512, "cpus": 1.0},
                }
            )
    return p, host["token"], comp["id"]


async def gateway_upload(c: httpx.AsyncClient, comp: str, name: str, path: Path) -> float:
    t0 = time.perf_counter()
    response = await c.put(
        f"/api/v1/competitions/{comp}/data/{name}",
        content=file_chunks(path),
        headers={"Content-Type": "application/octet-stream", "Content-Length": str(path.stat().st_size)},
    )
    elapsed = time.perf_counter() - t0
    if response.status_code not in (200, 201):  # the bare endpoint answers 201 to any path
        raise RuntimeError(f"upload failed: {response.status_code} {response.text[:300]}")
    return elapsed


Baseline = Callable[[int], Awaitable[float]]


async def measure(
    label: str,
    env_extra: dict[str, str],
    source: Path,
    small: Path,
    work: Path,
    baselines: dict[str, Baseline],
    rounds: int,
) -> dict[str, Any]:
    """Holdout's upload and each baseline in turn, ``rounds`` times; ratios are baseline
    time / Holdout time (the first baseline's as ``ratio``, each one's as ``vs_<name>``)."""
    p, token, comp = await start_gateway(work / label, env_extra)
    try:
        pid = p.procs["up"].pid
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=p.gateway_url, headers=headers, timeout=600) as c:
            await gateway_upload(c, comp, "warmup.bin", small)  # lazy imports, first connections
            base_rss = rss_kib(pid)
            holdout: list[float] = []
            direct: dict[str, list[float]] = {name: [] for name in baselines}
            peak = base_rss
            for i in range(rounds):
                with RssPeak(pid) as sampler:
                    holdout.append(await gateway_upload(c, comp, f"big{i}.bin", source))
                peak = max(peak, sampler.peak)
                for name, baseline in baselines.items():
                    direct[name].append(await baseline(i))
    finally:
        p.stop_all()
    first = next(iter(baselines))
    out: dict[str, Any] = {
        "holdout_s": holdout,
        "holdout_mb_s": SIZE / MB / statistics.median(holdout),
        "rss_growth_mb": (peak - base_rss) * 1024 / MB,
    }
    for name, times in direct.items():
        out[f"{name}_s"] = times
        out[f"{name}_mb_s"] = SIZE / MB / statistics.median(times)
        out[f"vs_{name}"] = statistics.median(times) / statistics.median(holdout)
    out["baseline_s"] = direct[first]
    out["baseline_mb_s"] = out[f"{first}_mb_s"]
    out["ratio"] = out[f"vs_{first}"]
    out["worst_ratio"] = min(direct[first]) / max(holdout)
    return out


def bare_app(directory: Path) -> Callable[..., Awaitable[None]]:
    """The baseline endpoint: each request's body to a new file in ``directory``, then 201."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await _bare_upload(directory / uuid.uuid4().hex, receive, send)

    return app


async def _bare_upload(path: Path, receive: Any, send: Any) -> None:
    """What any careful endpoint does, and nothing more: no auth, no database, no hash, no
    size cap; the body's pieces gathered to 1 MiB and written in a thread while the next
    ones arrive (a write on the event loop would stall the socket)."""
    pieces: list[bytes] = []
    gathered = 0
    writing: asyncio.Future[None] | None = None
    with path.open("wb") as f:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                if writing is not None:
                    await writing
                path.unlink(missing_ok=True)
                return
            pieces.append(message.get("body", b""))
            gathered += len(pieces[-1])
            more = message.get("more_body", False)
            if gathered >= CHUNK or not more:
                if writing is not None:
                    await writing
                writing = asyncio.ensure_future(asyncio.to_thread(f.writelines, pieces))
                pieces, gathered = [], 0
            if not more:
                assert writing is not None
                await writing
                break
    await send({"type": "http.response.start", "status": 201, "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


def serve_bare(port: int, directory: Path) -> None:
    import uvicorn

    from holdout.server import http_protocol
    from shared.settings import CommonSettings

    protocol = http_protocol(CommonSettings())
    config = uvicorn.Config(
        bare_app(directory), host="127.0.0.1", port=port, http=protocol, lifespan="off", log_level="warning"
    )
    uvicorn.Server(config).run()


@contextlib.asynccontextmanager
async def bare_endpoint(directory: Path) -> AsyncIterator[str]:
    """The bare endpoint in a process of its own (as the gateway is); yields its URL."""
    directory.mkdir(parents=True, exist_ok=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.p3_upload", str(port), str(directory), cwd=ROOT.parent
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as c:
            for _ in range(300):
                with contextlib.suppress(httpx.TransportError):
                    await c.get(url)
                    break
                await asyncio.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        await proc.wait()


async def run(rounds: int = 3) -> dict[str, Any]:
    from azure.storage.blob.aio import BlobServiceClient

    from tests.azurite import Azurite

    work = Path(tempfile.mkdtemp(prefix="holdout-bench-p3-", dir="/tmp"))
    azurite = Azurite(persist_to=work / "azurite")
    try:
        source, small = work / "upload.bin", work / "small.bin"
        await asyncio.to_thread(make_file, source)
        await asyncio.to_thread(make_file, small, 4 * CHUNK)

        async def cp(i: int) -> float:
            t0 = time.perf_counter()
            proc = await asyncio.create_subprocess_exec("cp", str(source), str(work / f"cp{i}.bin"))
            if await proc.wait() != 0:
                raise RuntimeError("cp failed")
            elapsed = time.perf_counter() - t0
            (work / f"cp{i}.bin").unlink()
            return elapsed

        async with (
            bare_endpoint(work / "bare") as bare_url,
            httpx.AsyncClient(base_url=bare_url, timeout=600) as bare_client,
        ):

            async def bare(i: int) -> float:
                elapsed = await gateway_upload(bare_client, "-", f"bare{i}", source)
                for f in (work / "bare").iterdir():
                    f.unlink()
                return elapsed

            local = await measure(
                "local",
                {"HOLDOUT_STORAGE_BACKEND": "local", "HOLDOUT_STORAGE_DIR": str(work / "storage")},
                source,
                small,
                work,
                {"bare": bare, "cp": cp},
                rounds,
            )

        azurite.start()
        async with BlobServiceClient.from_connection_string(azurite.connection_string) as service:
            container = service.get_container_client("direct")
            await container.create_container()

            async def sdk(i: int) -> float:
                blob = container.get_blob_client(f"big{i}.bin")
                t0 = time.perf_counter()
                with source.open("rb") as f:
                    await blob.upload_blob(f, length=SIZE, overwrite=True, max_concurrency=2)
                return time.perf_counter() - t0

            azure = await measure(
                "azure",
                {
                    "HOLDOUT_STORAGE_BACKEND": "azure",
                    "HOLDOUT_AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string,
                    "HOLDOUT_AZURE_CONTAINER_PREFIX": "p3-",
                },
                source,
                small,
                work,
                {"sdk": sdk},
                rounds,
            )
    finally:
        azurite.cleanup()
        shutil.rmtree(work, ignore_errors=True)

    ratio = min(local["ratio"], azure["ratio"])
    rss = max(local["rss_growth_mb"], azure["rss_growth_mb"])
    return {
        "measure": (
            "1 GiB upload through the gateway / the same upload to a bare ASGI endpoint (local backend) "
            "and / a direct SDK upload (Azure backend): the worse of the two"
        ),
        "value": ratio,
        "p99": min(local["worst_ratio"], azure["worst_ratio"]),
        "goal": ">= 0.8 (and gateway RSS growth <= 100 MB)",
        "met": ratio >= 0.8 and rss <= 100,
        "vs_cp": local["vs_cp"],
        "rss_growth_mb": rss,
        "holdout": {"local": local, "azure": azure},
        "baseline": {
            "local": "bare ASGI endpoint on uvicorn writing the body to a file (and cp beside it)",
            "azure": "azure-storage-blob upload_blob",
        },
        "holdout_text": (
            f"local {local['holdout_mb_s']:.0f} MB/s, Azurite {azure['holdout_mb_s']:.0f} MB/s; "
            f"gateway RSS +{local['rss_growth_mb']:.0f} / +{azure['rss_growth_mb']:.0f} MB"
        ),
        "baseline_text": (
            f"bare endpoint {local['bare_mb_s']:.0f} MB/s (local {local['vs_bare']:.2f}), SDK to Azurite "
            f"{azure['sdk_mb_s']:.0f} MB/s (Azure {azure['vs_sdk']:.2f}); cp {local['cp_mb_s']:.0f} MB/s "
            f"(vs_cp {local['vs_cp']:.2f})"
        ),
        "method": (
            f"{rounds} rounds per backend, alternating Holdout and baselines: a 1 GiB random file in /tmp "
            "PUT as a competition data file to the gateway of `holdout up` (httpx, 1 MiB chunks, timed to "
            "the answer) vs the same PUT to a bare ASGI endpoint (uvicorn with the gateway's protocol "
            "class, its own process, writing the body to a file on the same disk) and `cp` to the same "
            "disk (local backend; vs_cp = cp time / Holdout time), and vs a direct SDK `upload_blob` "
            "(4 MiB blocks, 2 in flight) to the same Azurite persisting to the same disk (Azure backend). "
            "value = the worse backend's median-time ratio (bare endpoint or SDK time / Holdout time); "
            "p99 = the worst round's ratio (fastest baseline / slowest Holdout). RSS: the gateway's VmRSS "
            "peak during the uploads minus its RSS after a 4 MiB warm-up upload."
        ),
        "machine": machine(),
    }


if __name__ == "__main__":  # the bare endpoint's process: PORT DIRECTORY
    serve_bare(int(sys.argv[1]), Path(sys.argv[2]))
