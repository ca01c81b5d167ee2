"""The API docs render with no internet: ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc)
of the gateway served for real, in headless Chromium with every request off this
machine refused."""

from __future__ import annotations

from pathlib import Path

from services.gateway.app import create_app
from services.gateway.config import GatewaySettings
from shared.bus.memory import InProcessBus
from shared.storage import LocalStorage
from tests.browser import OfflinePage
from tests.servers import serving

LABELS_PATH = "/api/v1/competitions/{competition}/labels"
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


async def test_docs_and_redoc_render_the_operations_offline(
    data_dir: Path, offline_page: OfflinePage
) -> None:
    settings = GatewaySettings(data_dir=data_dir)
    bus = InProcessBus()
    app = create_app(settings, bus=bus, storage=LocalStorage(data_dir / "storage"))
    page = offline_page.page
    async with serving(app, settings) as served:
        await page.goto(f"{served.url}/docs")
        # Swagger UI lists each operation by its path
        await page.wait_for_selector(f'.opblock-summary-path[data-path="{LABELS_PATH}"]', timeout=20_000)
        assert await page.locator(".opblock").count() > 10
        assert offline_page.blocked == []  # it asked for nothing off this machine

        await page.goto(f"{served.url}/redoc")
        await page.get_by_text(LABELS_PATH).first.wait_for(timeout=20_000)
    await bus.close()
    # ReDoc's sidebar shows Redocly's logo from their site, and hides it when it fails to load
    assert offline_page.blocked in ([], [REDOCLY_LOGO])
