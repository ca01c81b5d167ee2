"""The web app served at ``/``: client routes fall back to index.html, the API's own
paths never do, hashed assets are cached long and index.html not at all."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from services.gateway.webapp import LONG_CACHE
from shared.web import PROBLEM_JSON
from tests.gateway.conftest import Gateway

INDEX = b"<!doctype html><title>Holdout</title><div id=root></div>"


@pytest.fixture
async def web(tmp_path: Path, make_gateway: Callable[..., Any]) -> AsyncIterator[Gateway]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_bytes(INDEX)
    (dist / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside the build")
    async with make_gateway(web_dir=dist) as gateway:
        yield gateway


@pytest.mark.parametrize("path", ["/", "/c/digits", "/c/digits/leaderboard", "/login", "/host/new"])
async def test_client_routes_get_the_app_uncached(web: Gateway, path: str) -> None:
    r = await web.client.get(path)
    assert r.status_code == 200
    assert r.content == INDEX
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-cache"


async def test_hashed_assets_are_cached_for_a_year(web: Gateway) -> None:
    r = await web.client.get("/assets/index-abc123.js")
    assert r.status_code == 200
    assert r.text == "console.log(1)"
    assert r.headers["cache-control"] == LONG_CACHE
    # a stale hashed name (an old build) is a 404, not the page posing as JavaScript
    stale = await web.client.get("/assets/index-old999.js")
    assert stale.status_code == 404


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api", "/api/v2/x", "/docs/x", "/healthz/x", "/metrics/x", "/readyz/x"]
)
async def test_api_paths_never_fall_back_to_the_app(web: Gateway, path: str) -> None:
    r = await web.client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM_JSON
    assert r.content != INDEX


async def test_the_api_and_its_documents_still_answer(web: Gateway) -> None:
    assert (await web.client.get("/openapi.json")).json()["info"]["title"] == "Holdout"
    assert (await web.client.get("/healthz")).status_code == 200
    assert (await web.client.get("/api/v1/competitions")).json()["items"] == []


async def test_nothing_outside_the_build_is_served(web: Gateway) -> None:
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"):
        r = await web.client.get(path)
        assert b"outside the build" not in r.content


async def test_an_unbuilt_app_says_how_to_build_it(tmp_path: Path, make_gateway: Callable[..., Any]) -> None:
    async with make_gateway(web_dir=tmp_path / "missing") as gw:
        r = await gw.client.get("/")
    assert r.status_code == 404
    assert "make web" in r.json()["detail"]
