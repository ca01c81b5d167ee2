"""Leaderboard settings (``HOLDOUT_*`` environment variables)."""

from __future__ import annotations

from shared.settings import CommonSettings


class LeaderboardSettings(CommonSettings):
    leaderboard_database_url: str | None = None

    @property
    def database_url(self) -> str:
        return self.leaderboard_database_url or self.sqlite_url("leaderboard")
