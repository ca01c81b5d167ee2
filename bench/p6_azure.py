"""P6-azure: staging 1 GiB of test features from Azure Blob Storage into the run
machine's cache against a direct SDK download of the same blob, side by side.

Holdout: the local executor's staging of a run's data (``LocalSandboxExecutor._stage_data``,
what a run on a single VM with Azure storage does before it starts): the blob is
downloaded into the cache under its sha256 (checked against the one recorded at upload),
then linked into the run's data folder. The cache is emptied before each round, so
every round is a miss.

Baseline, in the same run, alternating with Holdout: ``azure-storage-blob``'s own
``download_blob(max_concurrency=BASELINE_CONCURRENCY).readinto(file)`` of the same blob
to a file on the same disk (the SDK's default client settings).

Both read from one Azurite persisting to the same disk (``tests/azurite.py``; ``make
node-deps`` installs it). The 1 GiB file is made in /tmp for the run and deleted afterwards.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import machine, summary
from services.orchestrator.executors.local.executor import LocalSandboxExecutor
from services.orchestrator.executors.local.runner import LocalRunner
from shared.events import ExecutionSpec
from shared.storage.azure import AzureBlobStorage

SIZE = 1 << 30
CHUNK = 1 << 20
MB = 1e6
PREFIX = "competitions/p6/v1/test/"
FILENAME = "features.bin"
# the SDK's parallel ranged download: its fastest way to a file
BASELINE_CONCURRENCY = 4


def make_file(path: Path) -> str:
    block = os.urandom(CHUNK)  # incompressible, and cheap to repeat
    digest = hashlib.sha256()
    with path.open("wb") as f:
        for _ in range(SIZE // CHUNK):
            f.write(block)
            digest.update(block)
    return digest.hexdigest()


async def run(samples: int = 5, warmup: int = 1) -> dict[str, Any]:
    from azure.storage.blob.aio import BlobServiceClient

    from tests.azurite import Azurite

    work = Path(tempfile.mkdtemp(prefix="holdout-bench-p6a-", dir="/tmp"))
    azurite = Azurite(persist_to=work / "azurite")
    storage: AzureBlobStorage | None = None
    try:
        source = work / "features.bin"
        sha256 = make_file(source)
        azurite.start()
        storage = AzureBlobStorage(azurite.connection_string, container_prefix="p6-")
        await storage.put_file("data", PREFIX + FILENAME, source)
        source.unlink()
        runner = LocalRunner(
            storage, runs_dir=work / "runs", cache_dir=work / "cache", runtimes_dir=work / "runtimes"
        )
        executor = LocalSandboxExecutor(runner)
        spec = ExecutionSpec(
            time_limit_s=60,
            memory_mb=512,
            cpus=1,
            data_prefix=PREFIX,
            data_files=[FILENAME],
            data_sha256={FILENAME: sha256},
        )
        direct_file = work / "direct" / FILENAME
        direct_file.parent.mkdir()

        async def holdout() -> float:
            shutil.rmtree(work / "cache" / "sha256", ignore_errors=True)
            dest = work / "runs" / "data"
            shutil.rmtree(dest, ignore_errors=True)
            dest.mkdir(parents=True)
            t0 = time.perf_counter()
            await executor._stage_data(spec, dest)
            elapsed = time.perf_counter() - t0
            if (dest / FILENAME).stat().st_size != SIZE:
                raise RuntimeError("the staged file is not the whole blob")
            return elapsed

        async with BlobServiceClient.from_connection_string(azurite.connection_string) as service:
            blob = service.get_blob_client("p6-data", PREFIX + FILENAME)

            async def sdk() -> float:
                direct_file.unlink(missing_ok=True)
                t0 = time.perf_counter()
                with direct_file.open("wb") as f:
                    downloader = await blob.download_blob(max_concurrency=BASELINE_CONCURRENCY)
                    size = await downloader.readinto(f)
                elapsed = time.perf_counter() - t0
                if size != SIZE:
                    raise RuntimeError("the SDK did not download the whole blob")
                return elapsed

            t_holdout: list[float] = []
            t_sdk: list[float] = []
            for i in range(warmup + samples):
                # alternate which goes first, so neither always finds the other's page cache
                if i % 2:
                    a, b = await holdout(), await sdk()
                else:
                    b, a = await sdk(), await holdout()
                if i >= warmup:
                    t_holdout.append(a)
                    t_sdk.append(b)
    finally:
        if storage is not None:
            await storage.close()
        azurite.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    s_h, s_b = summary(t_holdout), summary(t_sdk)
    return {
        "measure": "staging 1 GiB of test features from Azure (Azurite) into the run cache / SDK download",
        "value": s_b["p50"] / s_h["p50"],
        "p99": s_b["p99"] / s_h["p99"],
        "goal": ">= 0.9",
        "met": s_b["p50"] / s_h["p50"] >= 0.9,
        "holdout": s_h,
        "baseline": s_b,
        "holdout_text": f"p50 {SIZE / MB / s_h['p50']:.0f} MB/s ({s_h['p50']:.2f} s)",
        "baseline_text": f"p50 {SIZE / MB / s_b['p50']:.0f} MB/s ({s_b['p50']:.2f} s)",
        "method": (
            f"{samples} samples after {warmup} warm-up, alternating (and alternating which goes first): "
            "a 1 GiB random blob in Azurite (persisting to the same disk), staged by the local "
            "executor's `_stage_data` into an emptied cache (download, sha256 check, link into the run's "
            "data folder) vs the SDK's `download_blob(max_concurrency="
            f"{BASELINE_CONCURRENCY}).readinto(file)` to the same disk. value = p50 time SDK / Holdout "
            "(throughput ratio), p99 likewise."
        ),
        "machine": machine(),
    }
