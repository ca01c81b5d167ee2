"""Headless Chromium for the browser tests: Debian's ``/usr/bin/chromium`` (``make
system-deps`` installs it) driven by the ``playwright`` package, which downloads no
browser of its own. ``offline_browser`` gives a page with no network but loopback:
every other request is refused and recorded, as on a machine without internet.

Use the ``offline_page`` fixture (registered in ``tests/conftest.py``) or the
``offline_browser()`` context manager.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Page, Route, async_playwright

CHROMIUM = "/usr/bin/chromium"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass
class OfflinePage:
    page: Page
    # every URL the page tried to load from off this machine (each one was refused)
    blocked: list[str] = field(default_factory=list)


@asynccontextmanager
async def offline_browser() -> AsyncIterator[OfflinePage]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM,
            # no sandbox: the tests run as root; no name resolves but loopback
            args=[
                "--no-sandbox",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
            ],
        )
        try:
            context = await browser.new_context()
            page = OfflinePage(await context.new_page())

            async def loopback_only(route: Route) -> None:
                if urlsplit(route.request.url).hostname in LOOPBACK:
                    await route.continue_()
                else:
                    page.blocked.append(route.request.url)
                    await route.abort("internetdisconnected")

            await context.route("**/*", loopback_only)
            yield page
        finally:
            await browser.close()


@pytest.fixture
async def offline_page() -> AsyncIterator[OfflinePage]:
    async with offline_browser() as page:
        yield page
