"""Security as a browser sees it: a cross-site form post carrying the session is
refused, and another team's submission shows nothing of itself on any page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import expect

from holdout.digits import DigitsData
from tests.web.conftest import OpenAs, Site

pytestmark = pytest.mark.e2e


@pytest.fixture
def evil_site() -> Iterator[tuple[str, dict[str, str]]]:
    """Another site (``localhost`` is not the same site as ``127.0.0.1``) whose page
    posts a form to Holdout as soon as it loads."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, "").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_address[1]}", pages
    finally:
        server.shutdown()


def test_a_cross_site_form_post_with_the_session_is_refused(
    site: Site, data: DigitsData, open_as: OpenAs, evil_site: tuple[str, dict[str, str]]
) -> None:
    platform, admin = site
    host = admin.as_user(admin.create_user("csrf-host", is_host=True))
    slug = host.create_competition(data)["slug"]
    page = open_as(None)
    page.goto("/signup")
    page.get_by_label("Username", exact=True).fill("victim")
    page.get_by_label("E-mail", exact=True).fill("victim@example.org")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_test_id("whoami")).to_have_text("victim")

    base, pages = evil_site
    target = f"{platform.gateway_url}/api/v1/competitions/{slug}/rules/acceptance"
    pages["/evil.html"] = (
        f'<form id=f method=post action="{target}" enctype="text/plain"><input name=x value=1></form>'
        "<script>document.getElementById('f').submit()</script>"
    )
    with page.expect_response(target) as answer:
        page.goto(f"{base}/evil.html")
    assert answer.value.status in (401, 403)
    page.goto(f"{platform.gateway_url}/c/{slug}")
    expect(page.get_by_role("button", name="Accept the rules")).to_be_visible()  # still not accepted


def test_another_teams_submission_shows_nothing(
    site: Site, data: DigitsData, zips: dict[str, Path], open_as: OpenAs
) -> None:
    _, admin = site
    host = admin.as_user(admin.create_user("privacy-host", is_host=True))
    slug = host.create_competition(data)["slug"]
    owner = admin.as_user(admin.create_user("privacy-owner"))
    owner.join(slug, "secret sauce")
    sub = owner.wait_for(owner.submit(slug, zips["broken"])["id"])
    snoop = admin.create_user("privacy-snoop")
    admin.as_user(snoop).join(slug, "snoops")

    page = open_as(snoop)
    page.goto(f"/c/{slug}/submissions/{sub['id']}")
    expect(page.get_by_role("alert")).to_be_visible()
    main = page.get_by_role("main").inner_text()
    # the error names only the id that was asked for: no status, team, detail or score
    assert "secret sauce" not in main and "columns" not in main and "failed" not in main
    page.goto(f"/c/{slug}/submissions")
    expect(page.get_by_text("None yet.")).to_be_visible()
    assert "secret sauce" not in page.get_by_role("main").inner_text()
