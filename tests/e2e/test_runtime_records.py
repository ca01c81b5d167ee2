"""Every run's execution record carries its runtime and the digest of what ran, through the
public API of a whole platform (``holdout up``, the local sandbox): a scored run and one
that crashed both name the lock they ran with, for the team and for the host."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from holdout.digits import DigitsData
from shared.runtime_locks import REPO_RUNTIMES_DIR, read_lock
from tests.e2e.conftest import Platform, create_digits_competition
from tests.orchestrator.test_executor import zip_bytes

pytestmark = pytest.mark.e2e


async def test_every_execution_record_names_the_runtime_and_its_lock_digest(
    embedded: Platform, digits: DigitsData, digits_zips: dict[str, Path], tmp_path: Path
) -> None:
    comp, host_token = await create_digits_competition(embedded, digits)
    crash = tmp_path / "crash.zip"
    crash.write_bytes(zip_bytes({"main.py": b"raise SystemExit(3)\n"}))
    async with embedded.client() as admin:
        ada = await admin.create_participant("ada", comp["id"])
    ids = {}
    async with embedded.client(ada["token"]) as c:
        for name, archive in (("scored", digits_zips["strong"]), ("crashed", crash)):
            ids[name] = (await c.submit(comp["id"], archive))["id"]
        ended = {name: await c.wait_terminal(sid, timeout=180) for name, sid in ids.items()}
    assert ended["scored"]["status"] == "scored", embedded.dump_logs()
    assert ended["crashed"]["failure_reason"] == "runtime_error"

    digest = read_lock(REPO_RUNTIMES_DIR, "default").digest
    async with httpx.AsyncClient(base_url=embedded.gateway_url) as anonymous:
        runtime = (await anonymous.get("/api/v1/runtimes/default")).json()
    assert runtime["digest"] == digest  # what participants see is what ran
    for token in (ada["token"], host_token):
        async with httpx.AsyncClient(
            base_url=embedded.gateway_url, headers={"Authorization": f"Bearer {token}"}
        ) as http:
            for name, sid in ids.items():
                record = (await http.get(f"/api/v1/submissions/{sid}/execution")).json()
                assert (record["runtime"], record["runtime_digest"]) == ("default", digest), (name, record)
