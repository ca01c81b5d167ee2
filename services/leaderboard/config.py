"""Leaderboard settings (``HOLDOUT_*`` environment variables)."""

from __future__ import annotations

from shared.settings import CommonSettings


class LeaderboardSettings(CommonSettings):
    leaderboard_database_url: str | None = None
    # live updates: how often a stream re-reads the version (changes made by another
    # replica), how long a quiet stream waits before a keep-alive comment, how long a
    # stream lives before the client reconnects (EventSource does so by itself)
    live_poll_seconds: float = 2.0
    live_keepalive_seconds: float = 15.0
    live_max_seconds: float = 300.0
    live_retry_ms: int = 3000
    # how long a rendered board page is served without re-reading the board's version
    # (changes from this process drop it at once; another replica's within this time)
    page_cache_seconds: float = 1.0

    @property
    def database_url(self) -> str:
        return self.leaderboard_database_url or self.sqlite_url("leaderboard")
