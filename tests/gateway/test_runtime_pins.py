"""A competition pins its runtime's version (the lock's digest); changing the runtime or
pinning it again is a host action, recorded and listed to participants."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shared.runtime_locks import LOCK, REPO_RUNTIMES_DIR, read_lock
from tests.gateway.conftest import Gateway


def runtimes_copy(root: Path) -> Path:
    """The repository's runtimes, copied so a test can re-lock one."""
    for name in ("default", "default-gpu"):
        shutil.copytree(REPO_RUNTIMES_DIR / name, root / name)
    return root


async def test_creating_pins_the_runtime_and_participants_see_it(gw: Gateway) -> None:
    host = await gw.user("host", is_host=True)
    made = await gw.competition(host)
    digest = read_lock(REPO_RUNTIMES_DIR, "default").digest
    assert (made["runtime"], made["runtime_digest"]) == ("default", digest)
    seen = (await gw.client.get("/api/v1/competitions/titanic")).json()
    assert (seen["runtime"], seen["runtime_digest"]) == ("default", digest)
    changes = (await gw.client.get("/api/v1/competitions/titanic/runtime/changes")).json()
    assert changes["items"] == [] and changes["total"] == 0
    # a runtime the folder does not hold is still accepted on create, with no version pinned
    other = await gw.competition(host, "other", runtime="site-image")
    assert (other["runtime"], other["runtime_digest"]) == ("site-image", None)


async def test_the_host_changes_the_runtime_and_participants_see_the_change(
    make_gateway: Callable[..., Any], tmp_path: Path
) -> None:
    root = runtimes_copy(tmp_path / "runtimes")
    async with make_gateway(runtimes_requirements_dir=root) as gw:
        host = await gw.user("host", is_host=True)
        alice = await gw.user("alice")
        await gw.competition(host)
        old, gpu = read_lock(root, "default").digest, read_lock(root, "default-gpu").digest
        r = await gw.client.put(
            "/api/v1/competitions/titanic/runtime",
            json={"runtime": "default-gpu", "reason": "models need CUDA"},
            headers=host,
        )
        assert r.status_code == 200, r.text
        assert (r.json()["runtime"], r.json()["runtime_digest"]) == ("default-gpu", gpu)

        # the same runtime, same lock: nothing to record
        same = await gw.client.put(
            "/api/v1/competitions/titanic/runtime", json={"runtime": "default-gpu"}, headers=host
        )
        assert same.status_code == 200, same.text

        # re-locked: pinning again records the new version
        with (root / "default-gpu" / LOCK).open("a") as lock:
            lock.write("# re-locked\n")
        new_gpu = read_lock(root, "default-gpu").digest
        assert new_gpu != gpu
        again = await gw.client.put(
            "/api/v1/competitions/titanic/runtime", json={"runtime": "default-gpu"}, headers=host
        )
        assert again.status_code == 200 and again.json()["runtime_digest"] == new_gpu

        # an edit naming another runtime pins it and is recorded too
        patched = await gw.client.patch(
            "/api/v1/competitions/titanic", json={"runtime": "default"}, headers=host
        )
        assert patched.status_code == 200 and patched.json()["runtime_digest"] == old

        listed = await gw.client.get("/api/v1/competitions/titanic/runtime/changes", headers=alice)
        assert listed.status_code == 200, listed.text
        body = listed.json()
        assert body["total"] == 3
        steps = [
            (c["from_runtime"], c["from_digest"], c["to_runtime"], c["to_digest"]) for c in body["items"]
        ]
        assert steps == [
            ("default-gpu", new_gpu, "default", old),
            ("default-gpu", gpu, "default-gpu", new_gpu),
            ("default", old, "default-gpu", gpu),
        ]
        first = body["items"][-1]
        assert first["reason"] == "models need CUDA" and first["changed_by_username"] == "host"
        assert [c["reason"] for c in body["items"][:2]] == ["", ""]
        paged = (
            await gw.client.get("/api/v1/competitions/titanic/runtime/changes", params={"limit": 1})
        ).json()
        assert [c["id"] for c in paged["items"]] == [body["items"][0]["id"]] and paged["total"] == 3


async def test_a_participant_cannot_change_the_runtime(gw: Gateway) -> None:
    host = await gw.user("host", is_host=True)
    alice = await gw.user("alice")
    await gw.competition(host)
    r = await gw.client.put(
        "/api/v1/competitions/titanic/runtime", json={"runtime": "default-gpu"}, headers=alice
    )
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "host-only"
    anonymous = await gw.client.put("/api/v1/competitions/titanic/runtime", json={"runtime": "default-gpu"})
    assert anonymous.status_code == 401, anonymous.text
    seen = (await gw.client.get("/api/v1/competitions/titanic")).json()
    assert seen["runtime"] == "default"
    assert (await gw.client.get("/api/v1/competitions/titanic/runtime/changes")).json()["total"] == 0


async def test_an_unknown_or_unlocked_runtime_is_refused_with_what_there_is(
    make_gateway: Callable[..., Any], tmp_path: Path
) -> None:
    root = runtimes_copy(tmp_path / "runtimes")
    (root / "draft").mkdir()
    (root / "draft" / "requirements.in").write_text("numpy\n")
    async with make_gateway(runtimes_requirements_dir=root) as gw:
        host = await gw.user("host", is_host=True)
        await gw.competition(host)
        for name in ("nope", "Default", "../default"):
            r = await gw.client.put(
                "/api/v1/competitions/titanic/runtime", json={"runtime": name}, headers=host
            )
            assert r.status_code == 422, (name, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            problem = r.json()
            assert problem["code"] == "unknown-runtime", problem
            assert problem["valid_runtimes"] == ["default", "default-gpu", "draft"]
            assert "GET /api/v1/runtimes" in problem["detail"]
        unlocked = await gw.client.put(
            "/api/v1/competitions/titanic/runtime", json={"runtime": "draft"}, headers=host
        )
        assert unlocked.status_code == 422 and unlocked.json()["code"] == "runtime-not-locked", unlocked.text
        assert "make lock-runtimes" in unlocked.json()["detail"]
        missing = await gw.client.put(
            "/api/v1/competitions/nope/runtime", json={"runtime": "default"}, headers=host
        )
        assert missing.status_code == 404 and missing.json()["code"] == "competition-not-found"
        assert (await gw.client.get("/api/v1/competitions/nope/runtime/changes")).status_code == 404
        seen = (await gw.client.get("/api/v1/competitions/titanic")).json()
        assert seen["runtime"] == "default"
        assert (await gw.client.get("/api/v1/competitions/titanic/runtime/changes")).json()["total"] == 0
