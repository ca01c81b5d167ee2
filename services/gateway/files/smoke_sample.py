"""The smoke sample as participants download it: one zip that ``holdout test-submission
ZIP --competition <the zip, or its contents>`` takes as it is::

    competition.json   metric, id_column, target_columns, limits, runtime,
                       predictions_filename, gpu (what holdout/local_test.py reads)
    data/...           the smoke sample's features
    labels.csv         the smoke sample's labels (public: smoke scores are shown)

Built from the host's uploads (the smoke subset of the data and the smoke labels:
never the test data, which a smoke run falls back to when there is no sample) and
kept in the ``files`` container under a fingerprint of everything that goes in, so
it is built once per change and then served like any participant file (ranges,
ETag, a SAS redirect on Azure). The zip is deterministic: the same inputs give the
same bytes, so the fingerprint is a strong ETag.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.gateway.competitions import repository as competitions_repo
from services.gateway.files.serving import CONTAINER, Download
from services.gateway.models import Competition, DataFile
from services.gateway.stages.scope import data_prefix, smoke_labels_key
from shared.storage import Storage
from shared.storage.base import StorageError
from shared.web import NotFound

log = structlog.get_logger(__name__)

# a fixed timestamp on every entry: part of what makes the zip deterministic
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def is_available(competition: Competition, smoke_files: list[DataFile]) -> bool:
    return bool(smoke_files) and competition.smoke_labels_version is not None


def competition_json(competition: Competition) -> dict[str, Any]:
    limits = dict(competition.limits)
    return {
        "slug": competition.slug,
        "title": competition.title,
        "metric": competition.metric,
        "id_column": competition.id_column,
        "target_columns": list(competition.target_columns),
        "predictions_filename": competition.predictions_filename,
        "runtime": competition.runtime,
        "limits": limits,
        "gpu": bool(limits.get("gpu", False)),
    }


def filename(competition: Competition) -> str:
    return f"{competition.slug}-smoke.zip"


@dataclass(frozen=True)
class Plan:
    """What goes into the zip, read from the database (so none is held while bytes move)."""

    key: str
    fingerprint: str
    filename: str
    spec: dict[str, Any]
    data: list[tuple[str, str]]  # (name in data/, key in the data container)
    labels_key: str


async def plan(session: AsyncSession, competition: Competition) -> Plan:
    smoke_files = list(
        await competitions_repo.data_files(session, competition.id, competition.smoke_data_version, "smoke")
    )
    labels = smoke_labels_key(competition)
    if not is_available(competition, smoke_files) or labels is None:
        raise NotFound(
            f"{competition.slug!r} has no smoke sample to download yet (the host uploads its "
            "features and labels)",
            code="no-smoke-sample",
        )
    spec = competition_json(competition)
    fingerprint = hashlib.sha256(
        json.dumps(
            {
                "competition": spec,
                "data": [(f.filename, f.sha256) for f in smoke_files],
                "labels": labels,
                "format": 1,
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()
    prefix = data_prefix(competition, "smoke")
    return Plan(
        key=f"{competition.id}/smoke/{fingerprint}.zip",
        fingerprint=fingerprint,
        filename=filename(competition),
        spec=spec,
        data=[(f.filename, prefix + f.filename) for f in smoke_files],
        labels_key=labels,
    )


async def prepare(storage: Storage, plan: Plan, work_dir: Path) -> Download:
    """The zip of ``plan``, built and stored first if it is not stored yet."""
    if not await storage.exists(CONTAINER, plan.key):
        await _build(storage, plan, work_dir)
        await _forget_older(storage, plan.key)
    size = await storage.size(CONTAINER, plan.key)
    return Download(key=plan.key, size=size, etag=f'"{plan.fingerprint}"', filename=plan.filename)


async def _build(storage: Storage, plan: Plan, work_dir: Path) -> None:
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_dir, prefix="smoke-") as tmp:
        path = Path(tmp) / "smoke.zip"
        with zipfile.ZipFile(path, "w") as zf:
            spec = json.dumps(plan.spec, indent=2, sort_keys=True).encode() + b"\n"
            await _add(zf, "competition.json", _once(spec))
            for name, data_key in plan.data:
                await _add(zf, f"data/{name}", storage.iter_chunks("data", data_key))
            await _add(zf, "labels.csv", storage.iter_chunks("labels", plan.labels_key))
        await storage.put_file(CONTAINER, plan.key, path)
    log.info("files.smoke_sample_built", key=plan.key, files=len(plan.data))


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _add(zf: zipfile.ZipFile, name: str, chunks: AsyncIterator[bytes]) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    with zf.open(info, "w", force_zip64=True) as entry:
        async for chunk in chunks:
            await asyncio.to_thread(entry.write, chunk)


async def _forget_older(storage: Storage, keep: str) -> None:
    """Delete the zips of earlier versions of the sample (best effort: a later build retries)."""
    folder = keep.rsplit("/", 1)[0] + "/"
    try:
        for old in await storage.list(CONTAINER, folder):
            if old != keep:
                await storage.delete(CONTAINER, old)
    except StorageError as exc:
        log.warning("files.smoke_sample_cleanup_failed", folder=folder, error=str(exc))
