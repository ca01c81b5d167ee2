"""The smoke sample as participants download it: a zip of competition.json, data/ and
labels.csv that `holdout test-submission` takes as it is; never the test data."""

from __future__ import annotations

import io
import json
import os
import subprocess
import zipfile
from pathlib import Path

from holdout.digits import COMPETITION, build_dataset, build_example, build_smoke_sample
from holdout.processes import HOLDOUT
from tests.gateway.conftest import Gateway
from tests.orchestrator.conftest import needs_sandbox, sandbox_available  # noqa: F401 - the fixture

COMP = "/api/v1/competitions/titanic"
SMOKE_FEATURES = b"id,x\n1,2\n3,4\n"
SMOKE_LABELS = b"id,target\n1,0\n3,1\n"


async def _ready_with_smoke(gw: Gateway, host: dict[str, str]) -> None:
    await gw.ready_competition(
        host, limits={"time_limit_s": 30, "gpu": False}, predictions_filename="out.csv"
    )
    r = await gw.client.put(f"{COMP}/smoke/data/smoke.csv", content=SMOKE_FEATURES, headers=host)
    assert r.status_code == 200, r.text
    r = await gw.client.put(f"{COMP}/smoke/labels", content=SMOKE_LABELS, headers=host)
    assert r.status_code == 200, r.text


async def test_the_smoke_sample_downloads_as_a_zip_of_what_a_local_test_needs(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await _ready_with_smoke(gw, host)
    assert (await gw.client.get(COMP)).json()["smoke_sample_available"] is True

    r = await gw.client.get(f"{COMP}/smoke-sample", headers=alice)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"] == 'attachment; filename="titanic-smoke.zip"'
    assert r.headers["content-length"] == str(len(r.content))
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert sorted(zf.namelist()) == ["competition.json", "data/smoke.csv", "labels.csv"]
        spec = json.loads(zf.read("competition.json"))
        assert zf.read("data/smoke.csv") == SMOKE_FEATURES
        assert zf.read("labels.csv") == SMOKE_LABELS
    assert spec["metric"] == "accuracy" and spec["id_column"] == "id" and spec["target_columns"] == ["target"]
    assert spec["predictions_filename"] == "out.csv" and spec["runtime"] == "default"
    assert spec["limits"]["time_limit_s"] == 30 and spec["gpu"] is False

    # built once: the same bytes and validator again, ranges and 304 like any file
    again = await gw.client.get(f"{COMP}/smoke-sample", headers=alice)
    assert again.content == r.content and again.headers["etag"] == r.headers["etag"]
    etag = r.headers["etag"]
    assert (
        await gw.client.get(f"{COMP}/smoke-sample", headers={**alice, "If-None-Match": etag})
    ).status_code == 304
    part = await gw.client.get(f"{COMP}/smoke-sample", headers={**alice, "Range": "bytes=0-3"})
    assert part.status_code == 206 and part.content == b"PK\x03\x04"


async def test_a_new_sample_gives_a_new_zip_and_the_old_one_is_dropped(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await _ready_with_smoke(gw, host)
    first = await gw.client.get(f"{COMP}/smoke-sample", headers=alice)
    await gw.client.put(f"{COMP}/smoke/labels", content=b"id,target\n1,1\n3,1\n", headers=host)
    second = await gw.client.get(f"{COMP}/smoke-sample", headers=alice)
    assert second.headers["etag"] != first.headers["etag"]
    with zipfile.ZipFile(io.BytesIO(second.content)) as zf:
        assert zf.read("labels.csv") == b"id,target\n1,1\n3,1\n"
    await gw.client.patch(COMP, json={"limits": {"time_limit_s": 45}}, headers=host)
    third = await gw.client.get(f"{COMP}/smoke-sample", headers=alice)
    with zipfile.ZipFile(io.BytesIO(third.content)) as zf:
        assert json.loads(zf.read("competition.json"))["limits"]["time_limit_s"] == 45
    assert len(await gw.storage.list("files")) == 1


async def test_without_a_smoke_sample_nothing_falls_back_to_the_test_data(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.ready_competition(host)  # test data and labels, no smoke sample
    assert (await gw.client.get(COMP)).json()["smoke_sample_available"] is False
    r = await gw.client.get(f"{COMP}/smoke-sample", headers=alice)
    assert r.status_code == 404 and r.json()["type"].endswith("/no-smoke-sample")
    # features without labels are not a sample either
    await gw.client.put(f"{COMP}/smoke/data/smoke.csv", content=SMOKE_FEATURES, headers=host)
    assert (await gw.client.get(f"{COMP}/smoke-sample", headers=alice)).status_code == 404
    assert (await gw.client.get(f"{COMP}/smoke-sample")).status_code == 401


@needs_sandbox
async def test_holdout_test_submission_runs_on_the_downloaded_sample(
    gw: Gateway, data_dir: Path, runtimes_dir: Path
) -> None:
    """A participant downloads the digits smoke sample through the API and tests the
    baseline example on it with the CLI, exactly as downloaded."""
    digits = build_dataset(data_dir / "digits")
    smoke = build_smoke_sample(digits, data_dir / "smoke", rows=60)

    host = await gw.user("hana", is_host=True)
    ada = await gw.user("ada")
    r = await gw.client.post("/api/v1/competitions", json=COMPETITION, headers=host)
    assert r.status_code == 201, r.text
    await gw.accept_rules(ada, "digits")
    base = "/api/v1/competitions/digits"
    uploads = [
        (f"{base}/data/features.csv", digits.features),
        (f"{base}/labels", digits.labels),
        (f"{base}/smoke/data/features.csv", smoke.features),
        (f"{base}/smoke/labels", smoke.labels),
    ]
    for url, path in uploads:
        assert (await gw.client.put(url, content=path.read_bytes(), headers=host)).status_code == 200

    download = await gw.client.get(f"{base}/smoke-sample", headers=ada)
    assert download.status_code == 200, download.text
    sample = data_dir / "digits-smoke.zip"
    sample.write_bytes(download.content)
    archive = build_example("baseline", digits, data_dir / "zips")

    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOUT_")}
    env.update(HOLDOUT_RUNTIMES_DIR=str(runtimes_dir), HOLDOUT_DATA_DIR=str(data_dir / "local"))
    result = subprocess.run(
        [HOLDOUT, "test-submission", str(archive), "--competition", str(sample), "--show-log"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "score: accuracy = " in result.stdout and "on the smoke sample" in result.stdout
    assert "predicted 60 digits" in result.stdout  # it ran on the 60 sample rows, not the test data
