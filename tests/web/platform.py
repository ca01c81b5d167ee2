"""A running ``holdout up`` for the browser tests and the screenshots, and a small
synchronous API client to set the scene (users, competitions, data) around the browser."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from holdout.digits import COMPETITION, DigitsData, build_smoke_sample
from holdout.processes import Platform, base_env
from tests.conftest import make_traversable_dir
from tests.support import eventually_sync


class Api:
    """The public REST API as a test sets things up (bearer tokens, like the CLI)."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.http = httpx.Client(
            base_url=base + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60
        )

    def __call__(self, method: str, path: str, **kw: Any) -> Any:
        r = self.http.request(method, path, **kw)
        assert r.status_code < 400, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content and r.headers.get("content-type", "").endswith("json") else r.text

    def as_user(self, token: str) -> Api:
        return Api(self.base, token)

    def create_user(self, username: str, *, is_host: bool = False) -> str:
        return str(self("POST", "/users", json={"username": username, "is_host": is_host})["token"])

    def create_competition(self, data: DigitsData, **fields: Any) -> dict[str, Any]:
        """Created with its test data and labels, the smoke sample and the training data."""
        slug = fields.pop("slug", f"digits-{secrets.token_hex(3)}")
        comp: dict[str, Any] = self("POST", "/competitions", json={**COMPETITION, "slug": slug, **fields})
        octets = {"Content-Type": "application/octet-stream"}
        csv = {"Content-Type": "text/csv"}
        self(
            "PUT",
            f"/competitions/{slug}/data/features.csv",
            content=data.features.read_bytes(),
            headers=octets,
        )
        self("PUT", f"/competitions/{slug}/labels", content=data.labels.read_bytes(), headers=csv)
        smoke = build_smoke_sample(data, data.train.parent / f"smoke-{slug}")
        # named as the runs read it (data/features.csv)
        self(
            "PUT",
            f"/competitions/{slug}/smoke/data/features.csv",
            content=smoke.features.read_bytes(),
            headers=octets,
        )
        self("PUT", f"/competitions/{slug}/smoke/labels", content=smoke.labels.read_bytes(), headers=csv)
        self(
            "PUT",
            f"/competitions/{slug}/files/train.csv",
            params={"kind": "training"},
            content=data.train.read_bytes(),
            headers=octets,
        )
        return comp

    def join(self, slug: str, team: str) -> dict[str, Any]:
        """Accept the rules and create a team."""
        self("POST", f"/competitions/{slug}/rules/acceptance")
        return dict(self("POST", f"/competitions/{slug}/teams", json={"name": team}))

    def submit(self, slug: str, archive: Path, *, smoke: bool = False) -> dict[str, Any]:
        return dict(
            self(
                "POST",
                f"/competitions/{slug}/submissions",
                params={"smoke": smoke},
                content=archive.read_bytes(),
                headers={"Content-Type": "application/zip"},
            )
        )

    def wait_for(self, submission_id: str, timeout: float = 120) -> dict[str, Any]:
        """The submission once it has ended (scored, failed or cancelled)."""

        def ended() -> dict[str, Any] | None:
            s: dict[str, Any] = self("GET", f"/submissions/{submission_id}")
            return s if s["status"] in ("scored", "failed", "cancelled") else None

        return eventually_sync(ended, timeout, interval=0.2, what=f"submission {submission_id} ending")


@contextmanager
def running_platform(runtimes_dir: Path) -> Iterator[tuple[Platform, Api]]:
    data_dir = make_traversable_dir("holdout-web-")
    env = base_env(data_dir, runtimes_dir)
    env["HOLDOUT_LOG_LEVEL"] = "WARNING"
    p = Platform(env, env["HOLDOUT_ADMIN_TOKEN"], data_dir)
    p.start("up", "up")
    try:

        def ready() -> bool:
            if p.procs["up"].poll() is not None:
                raise RuntimeError("holdout up exited before it was ready:\n" + p.dump_logs())
            try:
                return httpx.get(p.gateway_url + "/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            eventually_sync(ready, 90, interval=0.2, what="holdout up ready")
        except AssertionError as exc:
            raise RuntimeError(f"{exc}:\n{p.dump_logs()}") from None
        yield p, Api(p.gateway_url, p.admin_token)
    finally:
        p.stop_all()
        shutil.rmtree(data_dir, ignore_errors=True)
