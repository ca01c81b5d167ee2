"""The API docs every service serves (``/docs``: Swagger UI, ``/redoc``: ReDoc) with
their scripts, styles and icon from the installed ``fastapi-offline`` package, which
ships the Swagger UI and ReDoc builds, rather than from a CDN: FastAPI's own pages are
blank on a machine without internet. ``install_service_plumbing`` installs them.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Route

ASSETS_URL = "/docs-assets"
ASSETS_DIR = Path(str(files("fastapi_offline") / "static"))


def install_offline_docs(app: FastAPI) -> None:
    """Replace FastAPI's CDN-backed ``/docs`` and ``/redoc`` pages by ones that load
    their assets from this service (``/docs-assets/...``)."""
    if app.openapi_url is None:
        return
    openapi_url = app.openapi_url
    pages = {app.docs_url, app.redoc_url} - {None}
    # FastAPI added its pages when the app was made; they go, the OAuth2 redirect page stays
    app.router.routes[:] = [r for r in app.router.routes if not (isinstance(r, Route) and r.path in pages)]
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")

    if app.docs_url is not None:

        async def swagger_ui(request: Request) -> HTMLResponse:
            root = request.scope.get("root_path", "").rstrip("/")
            redirect = app.swagger_ui_oauth2_redirect_url
            return get_swagger_ui_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - Swagger UI",
                swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
                oauth2_redirect_url=root + redirect if redirect else None,
                init_oauth=app.swagger_ui_init_oauth,
                swagger_ui_parameters=app.swagger_ui_parameters,
            )

        app.add_route(app.docs_url, swagger_ui, include_in_schema=False)

    if app.redoc_url is not None:

        async def redoc(request: Request) -> HTMLResponse:
            root = request.scope.get("root_path", "").rstrip("/")
            return get_redoc_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
                with_google_fonts=False,
            )

        app.add_route(app.redoc_url, redoc, include_in_schema=False)
