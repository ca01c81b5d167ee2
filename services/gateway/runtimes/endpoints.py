"""``/api/v1/runtimes``: the runtimes a competition may name, and what each installs.

Public, like the repository folders they are read from (``GatewaySettings.
runtimes_requirements_dir``, through ``shared.runtime_locks``): a participant reads the
package list, or takes the lock to install the same runtime on their own machine.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import APIRouter

from services.gateway.deps import PageDep, SettingsDep
from services.gateway.openapi import Page, problems
from services.gateway.runtimes.schemas import RuntimePackage, RuntimeRead, RuntimeSummary
from shared import runtime_locks as locks
from shared.web import NotFound

router = APIRouter(prefix="/runtimes", tags=["runtimes"])


def _read(root: Path, name: str) -> RuntimeRead:
    try:
        lock = locks.read_lock(root, name)
    except (locks.RuntimeLockError, ValueError):
        raise NotFound(
            f"no runtime {name!r}; GET /api/v1/runtimes lists them", code="runtime-not-found"
        ) from None
    return RuntimeRead(
        name=lock.name,
        digest=lock.digest,
        python=lock.python,
        declared=lock.declared,
        packages=[RuntimePackage(name=p.name, version=p.version, marker=p.marker) for p in lock.packages],
        lock=lock.text,
    )


@router.get("", operation_id="list_runtimes", response_model=Page[RuntimeSummary])
async def list_runtimes(settings: SettingsDep, page: PageDep) -> Page[RuntimeSummary]:
    """Every runtime, by name: its version (the lock's digest) and declared packages."""
    root = settings.runtimes_requirements_dir
    names = await asyncio.to_thread(locks.runtime_names, root)
    chosen = names[page.offset : page.offset + page.limit]
    items = [RuntimeSummary(**(await asyncio.to_thread(_read, root, n)).model_dump()) for n in chosen]
    return Page(items=items, total=len(names), offset=page.offset, limit=page.limit)


@router.get(
    "/{name}",
    operation_id="get_runtime",
    response_model=RuntimeRead,
    responses=problems(404),
)
async def get_runtime(name: str, settings: SettingsDep) -> RuntimeRead:
    """One runtime: every package it installs (name and version) and its lock with hashes."""
    return await asyncio.to_thread(_read, settings.runtimes_requirements_dir, name)
