"""``/api/v1/runtimes``: participants see what each runtime installs, read from the runtime
folders (their locks), with the version execution records report."""

from __future__ import annotations

from shared.runtime_locks import REPO_RUNTIMES_DIR, read_lock, runtime_names
from tests.gateway.conftest import Gateway


async def test_participants_see_every_runtime_and_its_packages_without_an_account(gw: Gateway) -> None:
    listed = await gw.client.get("/api/v1/runtimes")
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [r["name"] for r in body["items"]] == runtime_names(REPO_RUNTIMES_DIR) and body["total"] >= 2
    default = read_lock(REPO_RUNTIMES_DIR, "default")
    summary = next(r for r in body["items"] if r["name"] == "default")
    assert summary["digest"] == default.digest and summary["python"] == "3.11"
    assert "scikit-learn==1.9.1" in summary["declared"]

    one = await gw.client.get("/api/v1/runtimes/default")
    assert one.status_code == 200, one.text
    runtime = one.json()
    packages = {p["name"]: p["version"] for p in runtime["packages"]}
    assert packages["numpy"] == "2.4.6" and packages["scikit-learn"] == "1.9.1"
    assert len(packages) == len(default.packages) and runtime["lock"] == default.text

    gpu = (await gw.client.get("/api/v1/runtimes/default-gpu")).json()
    cublas = next(p for p in gpu["packages"] if p["name"] == "nvidia-cublas")
    assert "sys_platform == 'linux'" in cublas["marker"]

    paged = (await gw.client.get("/api/v1/runtimes", params={"offset": 1, "limit": 1})).json()
    assert [r["name"] for r in paged["items"]] == runtime_names(REPO_RUNTIMES_DIR)[1:2]


async def test_an_unknown_runtime_is_a_404_that_says_where_to_look(gw: Gateway) -> None:
    for name in ("nope", "Default", "x" * 70, ".hidden"):
        r = await gw.client.get(f"/api/v1/runtimes/{name}")
        assert r.status_code == 404, (name, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "runtime-not-found" and "GET /api/v1/runtimes" in r.json()["detail"]
