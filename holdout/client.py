"""A small client for Holdout's REST API, used by the demo, the end-to-end tests and
the benchmarks (participants may prefer a client generated from the OpenAPI document)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

TERMINAL = {"scored", "trained", "failed", "cancelled"}


class ApiError(Exception):
    def __init__(self, response: httpx.Response) -> None:
        try:
            body = response.json()
        except ValueError:
            body = {"detail": response.text}
        super().__init__(f"{response.status_code}: {body.get('detail', body)}")
        self.status = response.status_code
        self.body = body


class HoldoutClient:
    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 60.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self.http = httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=timeout)

    async def __aenter__(self) -> HoldoutClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    def as_user(self, token: str) -> HoldoutClient:
        return HoldoutClient(self.base_url, token)

    async def _json(self, method: str, url: str, **kw: Any) -> Any:
        response = await self.http.request(method, url, **kw)
        if response.status_code >= 400:
            raise ApiError(response)
        return response.json()

    async def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if (await self.http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.base_url} not ready after {timeout:.0f} s")
            await asyncio.sleep(0.1)

    async def create_user(self, username: str, *, is_host: bool = False) -> dict[str, Any]:
        return await self._json("POST", "/api/v1/users", json={"username": username, "is_host": is_host})  # type: ignore[no-any-return]

    async def create_participant(self, username: str, competition: str) -> dict[str, Any]:
        """As an administrator: a new user who has accepted the competition's rules, as
        every participant must before taking part."""
        user = await self.create_user(username)
        async with self.as_user(user["token"]) as participant:
            await participant.accept_rules(competition)
        return user

    async def create_competition(self, spec: dict[str, Any]) -> dict[str, Any]:
        return await self._json("POST", "/api/v1/competitions", json=spec)  # type: ignore[no-any-return]

    async def accept_rules(self, competition: str) -> dict[str, Any]:
        """Accept the competition's current rules (needed before taking part)."""
        return await self._json("POST", f"/api/v1/competitions/{competition}/rules/acceptance")  # type: ignore[no-any-return]

    async def upload_data(self, competition: str, path: Path, filename: str | None = None) -> Any:
        name = filename or path.name
        return await self._json(
            "PUT",
            f"/api/v1/competitions/{competition}/data/{name}",
            content=path.read_bytes(),
            headers={"Content-Type": "application/octet-stream"},
        )

    async def upload_smoke_sample(self, competition: str, features: Path, labels: Path) -> None:
        """Upload the smoke sample: one features file and its labels."""
        await self._json(
            "PUT",
            f"/api/v1/competitions/{competition}/smoke/data/{features.name}",
            content=features.read_bytes(),
            headers={"Content-Type": "application/octet-stream"},
        )
        await self._json(
            "PUT",
            f"/api/v1/competitions/{competition}/smoke/labels",
            content=labels.read_bytes(),
            headers={"Content-Type": "text/csv"},
        )

    async def upload_participant_file(self, competition: str, path: Path, kind: str = "other") -> Any:
        return await self._json(
            "PUT",
            f"/api/v1/competitions/{competition}/files/{path.name}",
            params={"kind": kind},
            content=path.read_bytes(),
            headers={"Content-Type": "application/octet-stream"},
        )

    async def upload_labels(self, competition: str, path: Path) -> Any:
        return await self._json(
            "PUT",
            f"/api/v1/competitions/{competition}/labels",
            content=path.read_bytes(),
            headers={"Content-Type": "text/csv"},
        )

    async def submit(self, competition: str, zip_path: Path, *, smoke: bool = False) -> dict[str, Any]:
        return await self._json(  # type: ignore[no-any-return]
            "POST",
            f"/api/v1/competitions/{competition}/submissions",
            params={"smoke": str(smoke).lower()},
            content=zip_path.read_bytes(),
            headers={"Content-Type": "application/zip"},
        )

    async def submission(self, submission_id: str) -> dict[str, Any]:
        return await self._json("GET", f"/api/v1/submissions/{submission_id}")  # type: ignore[no-any-return]

    async def log(self, submission_id: str) -> str:
        response = await self.http.get(f"/api/v1/submissions/{submission_id}/log")
        if response.status_code >= 400:
            raise ApiError(response)
        return response.text

    async def wait_terminal(self, submission_id: str, timeout: float = 300.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            sub = await self.submission(submission_id)
            if sub["status"] in TERMINAL:
                return sub
            if time.monotonic() > deadline:
                raise TimeoutError(f"submission {submission_id} still {sub['status']} after {timeout:.0f} s")
            await asyncio.sleep(0.1)

    async def leaderboard(self, competition: str, *, private: bool = False) -> dict[str, Any]:
        path = f"/api/v1/competitions/{competition}/leaderboard" + ("/private" if private else "")
        return await self._json("GET", path)  # type: ignore[no-any-return]

    async def wait_on_leaderboard(
        self, competition: str, submission_id: str, timeout: float = 60.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            board = await self.leaderboard(competition)
            for entry in board["entries"]:
                if entry["submission_id"] == submission_id:
                    return entry  # type: ignore[no-any-return]
            if time.monotonic() > deadline:
                raise TimeoutError(f"submission {submission_id} not on the leaderboard after {timeout:.0f} s")
            await asyncio.sleep(0.05)
