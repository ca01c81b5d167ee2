"""Headless Chromium for the browser tests: Debian's ``/usr/bin/chromium`` driven by
the Python ``playwright`` package (never a downloaded browser; ``make system-deps``
installs it)."""

from __future__ import annotations

from typing import Any

CHROMIUM = "/usr/bin/chromium"


def launch_chromium(playwright: Any, *, offline: bool = False) -> Any:
    """``offline``: no network beyond loopback (a page cannot fetch anything from outside)."""
    args = ["--no-sandbox", "--disable-dev-shm-usage"]
    if offline:
        args += ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]
    return playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
