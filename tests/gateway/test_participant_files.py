"""Participant files: a host attaches them, a participant who accepted the rules
downloads them with Content-Length, ETag, ranges and 304s; test features and hidden
labels never come out, whatever the path."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest

from tests.gateway.conftest import LABELS, Gateway

COMP = "/api/v1/competitions/titanic"
TRAIN = b"id,x,target\n" + b"".join(f"{i},{i * 2},{i % 2}\n".encode() for i in range(5000))
SECRET = b"id,x\n1,SECRET-TEST-FEATURES\n"


async def test_a_host_attaches_files_and_a_participant_lists_and_downloads_them(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.competition(host)

    put = await gw.client.put(
        f"{COMP}/files/train.csv", params={"kind": "training"}, content=TRAIN, headers=host
    )
    assert put.status_code == 201, put.text
    record = put.json()
    assert record["kind"] == "training" and record["size_bytes"] == len(TRAIN)
    assert record["sha256"] == hashlib.sha256(TRAIN).hexdigest()
    await gw.client.put(f"{COMP}/files/README.md", params={"kind": "docs"}, content=b"# Data\n", headers=host)
    await gw.client.put(f"{COMP}/files/sample.csv", content=b"id,target\n1,0\n", headers=host)

    listed = (await gw.client.get(f"{COMP}/files")).json()
    assert listed["total"] == 3
    assert [(f["filename"], f["kind"]) for f in listed["items"]] == [
        ("README.md", "docs"),
        ("sample.csv", "other"),
        ("train.csv", "training"),
    ]
    second_page = (await gw.client.get(f"{COMP}/files", params={"offset": 2, "limit": 1})).json()
    assert [f["filename"] for f in second_page["items"]] == ["train.csv"]
    shown = (await gw.client.get(COMP)).json()["participant_files"]
    assert [f["filename"] for f in shown] == ["README.md", "sample.csv", "train.csv"]

    got = await gw.client.get(f"{COMP}/files/train.csv", headers=alice)
    assert got.status_code == 200 and got.content == TRAIN
    assert got.headers["content-length"] == str(len(TRAIN))
    assert got.headers["etag"] == f'"{record["sha256"]}"'
    assert got.headers["accept-ranges"] == "bytes"
    assert got.headers["content-disposition"] == 'attachment; filename="train.csv"'
    assert got.headers["content-type"].startswith("text/csv")
    assert (await gw.client.get(f"{COMP}/files/train.csv")).status_code == 401


async def test_ranges_etags_and_not_modified(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.competition(host)
    await gw.client.put(f"{COMP}/files/train.csv", content=TRAIN, headers=host)
    url, size = f"{COMP}/files/train.csv", len(TRAIN)
    etag = (await gw.client.get(url, headers=alice)).headers["etag"]

    async def get(**headers: str):  # type: ignore[no-untyped-def]
        return await gw.client.get(url, headers={**alice, **headers})

    part = await get(Range="bytes=10-19")
    assert part.status_code == 206 and part.content == TRAIN[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{size}"
    assert part.headers["content-length"] == "10"
    tail = await get(Range="bytes=-7")
    assert tail.status_code == 206 and tail.content == TRAIN[-7:]
    rest = await get(Range=f"bytes={size - 3}-")
    assert (
        rest.content == TRAIN[-3:] and rest.headers["content-range"] == f"bytes {size - 3}-{size - 1}/{size}"
    )
    clipped = await get(Range=f"bytes={size - 2}-{size + 100}")
    assert clipped.status_code == 206 and clipped.content == TRAIN[-2:]

    past = await get(Range=f"bytes={size}-")
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{size}"
    assert past.json()["type"].endswith("/range-not-satisfiable")
    # a range this server does not do (several, or malformed): the whole file, as RFC 9110 allows
    for ignored in ("bytes=0-1,5-6", "items=0-4", "bytes=9-3"):
        whole = await get(Range=ignored)
        assert whole.status_code == 200 and whole.content == TRAIN

    assert (await get(**{"If-None-Match": etag})).status_code == 304
    assert (await get(**{"If-None-Match": f'"other", W/{etag}'})).status_code == 304
    assert (await get(**{"If-None-Match": '"stale"'})).status_code == 200
    # If-Range with an old validator: the whole (new) file, never a range of it
    assert (await get(Range="bytes=0-3", **{"If-Range": '"stale"'})).status_code == 200
    assert (await get(Range="bytes=0-3", **{"If-Range": etag})).status_code == 206


async def test_replacing_and_deleting_a_file(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.competition(host)
    first = (await gw.client.put(f"{COMP}/files/train.csv", content=b"v1\n", headers=host)).json()
    second = await gw.client.put(
        f"{COMP}/files/train.csv", params={"kind": "training"}, content=b"v2!\n", headers=host
    )
    assert second.status_code == 201 and second.json()["sha256"] != first["sha256"]
    got = await gw.client.get(f"{COMP}/files/train.csv", headers=alice)
    assert got.content == b"v2!\n" and got.headers["etag"] != f'"{first["sha256"]}"'
    # the replaced bytes are gone from storage, not just unlisted
    assert len(await gw.storage.list("files")) == 1

    assert (await gw.client.delete(f"{COMP}/files/train.csv", headers=alice)).status_code == 403
    assert (await gw.client.delete(f"{COMP}/files/train.csv", headers=host)).status_code == 204
    assert (await gw.client.get(f"{COMP}/files/train.csv", headers=alice)).status_code == 404
    assert (await gw.client.delete(f"{COMP}/files/train.csv", headers=host)).status_code == 404
    assert await gw.storage.list("files") == []
    assert (await gw.client.get(f"{COMP}/files")).json()["items"] == []


async def test_only_the_host_uploads_and_the_upload_is_checked(make_gateway) -> None:  # type: ignore[no-untyped-def]
    async with make_gateway(max_participant_file_bytes=1000) as gw:
        host = await gw.user("hana", is_host=True)
        alice = await gw.user("alice")
        await gw.competition(host)
        url = f"{COMP}/files/train.csv"
        assert (await gw.client.put(url, content=b"x", headers=alice)).status_code == 403
        assert (await gw.client.put(url, content=b"x")).status_code == 401
        kind = await gw.client.put(url, params={"kind": "labels"}, content=b"x", headers=host)
        assert kind.status_code == 422
        declared = await gw.client.put(url, content=b"x" * 1001, headers=host)
        assert declared.status_code == 413

        async def chunked() -> AsyncIterator[bytes]:
            for _ in range(5):
                yield b"y" * 300

        streamed = await gw.client.put(url, content=chunked(), headers=host)
        assert streamed.status_code == 413
        assert "1000 bytes" in streamed.json()["detail"]
        assert await gw.storage.list("files") == []
        assert (await gw.client.get(f"{COMP}/files")).json()["items"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/files/..%2F..%2Fdata%2Ftest.csv",
        "/files/%2E%2E",
        "/files/..",
        "/files/.hidden",
        "/files/test.csv",  # the test data's own name: not a participant file
        "/files/labels",
        "/files/data%2Ftest.csv",
        "/files/a%5Cb",
        "/files/%00",
        "/files/train.csv/../../data/test.csv",
        "/data/test.csv",
        "/labels",
        "/smoke/data/test.csv",
        "/smoke/labels",
    ],
)
async def test_test_features_and_labels_never_come_out(gw: Gateway, path: str) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.competition(host)
    assert (await gw.client.put(f"{COMP}/data/test.csv", content=SECRET, headers=host)).status_code == 200
    assert (await gw.client.put(f"{COMP}/labels", content=LABELS.encode(), headers=host)).status_code == 200
    await gw.client.put(f"{COMP}/files/train.csv", content=b"id,x,target\n", headers=host)

    status, body = await gw.raw_get(COMP + path, alice)
    assert status in (403, 404, 405, 422), (path, status, body[:200])
    assert b"SECRET" not in body and b"Usage" not in body


async def test_another_competitions_file_and_the_test_datas_name(gw: Gateway) -> None:
    host = await gw.user("hana", is_host=True)
    alice = await gw.user("alice")
    await gw.competition(host)
    await gw.competition(host, "other")
    await gw.client.put("/api/v1/competitions/other/files/theirs.csv", content=b"other\n", headers=host)
    r = await gw.client.get(f"{COMP}/files/theirs.csv", headers=alice)
    assert r.status_code == 404 and r.json()["type"].endswith("/file-not-found")

    # a participant file may share the test data's name: each is its own object
    await gw.client.put(f"{COMP}/data/features.csv", content=SECRET, headers=host)
    await gw.client.put(
        f"{COMP}/files/features.csv", params={"kind": "training"}, content=b"id,x\n9,9\n", headers=host
    )
    got = await gw.client.get(f"{COMP}/files/features.csv", headers=alice)
    assert got.status_code == 200 and got.content == b"id,x\n9,9\n"
    assert (
        await gw.storage.get_bytes("data", f"{(await gw.client.get(COMP)).json()['id']}/1/features.csv")
        == SECRET
    )
