"""Browser-test fixtures: one ``holdout up`` per module, one headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from playwright.sync_api import Browser, Dialog, Page, sync_playwright

from holdout.digits import DigitsData, build_dataset, build_example
from holdout.processes import Platform
from services.gateway.webapp import DEFAULT_WEB_DIR
from tests.browser import launch_chromium
from tests.web.platform import Api, running_platform

Site = tuple[Platform, Api]


class OpenAs(Protocol):
    def __call__(self, token: str | None, *, width: int = 1200) -> Page: ...


@pytest.fixture(scope="session")
def web_built() -> None:
    assert (DEFAULT_WEB_DIR / "index.html").is_file(), "the web app is not built: run `make web`"


@pytest.fixture(scope="module")
def site(runtimes_dir: Path, web_built: None) -> Iterator[Site]:
    with running_platform(runtimes_dir) as pair:
        yield pair


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> DigitsData:
    return build_dataset(tmp_path_factory.mktemp("web-digits"))


@pytest.fixture(scope="module")
def zips(data: DigitsData, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("web-zips")
    return {name: build_example(name, data, out) for name in ("strong", "baseline", "broken")}


# module scope, not session: while Playwright's sync API runs it holds an event loop on
# this thread, which would break every asyncio test that pytest runs after it
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def open_as(browser: Browser, site: Site) -> Iterator[OpenAs]:
    """``open_as(token)`` -> a fresh page signed in with that token (None: a visitor).
    Every page fails its test on a JavaScript error or an alert (a script that ran)."""
    contexts: list[Any] = []
    errors: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        errors.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def make(token: str | None, *, width: int = 1200) -> Page:
        ctx = browser.new_context(base_url=site[0].gateway_url, viewport={"width": width, "height": 900})
        if token:
            ctx.add_init_script(f"localStorage.setItem('holdout.token', {token!r})")
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
        page.on("dialog", on_dialog)
        page.set_default_timeout(30_000)
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert not errors, errors
