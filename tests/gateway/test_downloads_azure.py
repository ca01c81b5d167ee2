"""On Azure Blob Storage (Azurite here) a download is a redirect to a short-lived
read-only SAS of that one blob: no bytes pass through the gateway, and the SAS opens
nothing else (no other blob, no test data, no writes)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from shared.storage import AzureBlobStorage
from tests.gateway.conftest import LABELS

COMP = "/api/v1/competitions/titanic"
TRAIN = b"id,x,target\n" + b"1,2,0\n" * 1000


async def test_downloads_redirect_to_a_read_only_sas_of_that_blob(
    make_gateway: Callable[..., Any], azure_storage: AzureBlobStorage
) -> None:
    async with make_gateway(storage=azure_storage) as gw:
        host = await gw.user("hana", is_host=True)
        alice = await gw.user("alice")
        comp = await gw.competition(host)
        assert (
            await gw.client.put(f"{COMP}/data/test.csv", content=b"id,x\n1,SECRET\n", headers=host)
        ).status_code == 200
        assert (
            await gw.client.put(f"{COMP}/labels", content=LABELS.encode(), headers=host)
        ).status_code == 200
        await gw.client.put(f"{COMP}/smoke/data/smoke.csv", content=b"id,x\n1,2\n", headers=host)
        await gw.client.put(f"{COMP}/smoke/labels", content=b"id,target\n1,0\n", headers=host)
        put = await gw.client.put(
            f"{COMP}/files/train.csv", params={"kind": "training"}, content=TRAIN, headers=host
        )
        assert put.status_code == 201, put.text

        r = await gw.client.get(f"{COMP}/files/train.csv", headers=alice)
        assert r.status_code == 307 and r.content == b""
        assert r.headers["cache-control"] == "no-store"
        url = r.headers["location"]
        parts = urlsplit(url)
        assert parts.path.startswith(
            f"/devstoreaccount1/{azure_storage.container_names['files']}/{comp['id']}/"
        )
        assert "sp=r" in parts.query  # read only
        # the rules gate holds before any redirect
        stranger = await gw.user("sam", accept_rules=False)
        assert (await gw.client.get(f"{COMP}/files/train.csv", headers=stranger)).status_code == 403

        smoke = await gw.client.get(f"{COMP}/smoke-sample", headers=alice)
        assert smoke.status_code == 307

        async with httpx.AsyncClient() as http:
            got = await http.get(url)
            assert got.status_code == 200 and got.content == TRAIN
            assert got.headers["content-disposition"] == 'attachment; filename="train.csv"'
            part = await http.get(url, headers={"Range": "bytes=3-9"})
            assert part.status_code == 206 and part.content == TRAIN[3:10]

            zipped = await http.get(smoke.headers["location"])
            assert zipped.status_code == 200
            with zipfile.ZipFile(io.BytesIO(zipped.content)) as zf:
                assert sorted(zf.namelist()) == ["competition.json", "data/smoke.csv", "labels.csv"]

            # the same token opens no other blob: not the test data, not the labels
            token = parts.query
            account = f"{parts.scheme}://{parts.netloc}/devstoreaccount1"
            for container, key in (("data", f"{comp['id']}/1/test.csv"), ("labels", f"{comp['id']}/1.csv")):
                other = f"{account}/{azure_storage.container_names[container]}/{key}?{token}"
                refused = await http.get(other)
                assert refused.status_code == 403 and b"SECRET" not in refused.content
            write = await http.put(url, content=b"tampered", headers={"x-ms-blob-type": "BlockBlob"})
            assert write.status_code == 403
        assert await azure_storage.get_bytes("files", urlsplit(url).path.split("/", 3)[3]) == TRAIN
