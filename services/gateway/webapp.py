"""The web app (``web/dist``, built by ``make web``) served at ``/`` beside the API.

Hashed assets (``/assets/*``) are cached for a year; ``index.html`` is never cached,
so a new build reaches browsers on their next visit. Any other GET that no route
matched is a client-side route of the single-page app and gets ``index.html``, except
under the API's own prefixes, which keep their problem+json 404.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response

from shared.web import NotFound

# where ``make web`` builds it in a checkout (the gateway package sits at services/gateway)
DEFAULT_WEB_DIR = Path(__file__).resolve().parents[2] / "web" / "dist"
NEVER_APP = ("/api", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz", "/metrics")
LONG_CACHE = "public, max-age=31536000, immutable"


class WebAppNotBuilt(NotFound):
    code = "web-app-not-built"


def _is_api_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in NEVER_APP)


def install_web_app(app: FastAPI, web_dir: Path | None) -> None:
    """Register the catch-all last, after every API route."""
    root = (web_dir or DEFAULT_WEB_DIR).resolve()

    @app.get("/{path:path}", include_in_schema=False)
    async def web_app(path: str, request: Request) -> Response:
        if _is_api_path(request.url.path):
            raise NotFound(f"no such resource: {request.url.path}")
        index = root / "index.html"
        if not index.is_file():
            raise WebAppNotBuilt(f"the web app is not built (expected {index}); run `make web`")
        if path:
            candidate = (root / path).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                cache = LONG_CACHE if path.startswith("assets/") else "no-cache"
                return FileResponse(candidate, headers={"Cache-Control": cache})
            if path.startswith("assets/"):  # a stale hashed name: a 404, not the page
                raise NotFound(f"no such asset: /{path}")
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
