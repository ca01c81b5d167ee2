"""Leaderboard settings (``HOLDOUT_*`` environment variables)."""

from __future__ import annotations

from shared.settings import CommonSettings


class LeaderboardSettings(CommonSettings):
    leaderboard_database_url: str | None = None
    """The leaderboard's PostgreSQL URL (unset: SQLite `<data_dir>/leaderboard.db`)."""
    live_poll_seconds: float = 10.0
    """How often a live stream re-reads the board's version even when no change was announced, in
    seconds (a last resort: changes arrive at once, from other replicas through PostgreSQL `NOTIFY`)."""
    live_keepalive_seconds: float = 15.0
    """How long a quiet live stream waits before a keep-alive comment, in seconds."""
    live_max_seconds: float = 300.0
    """How long a live stream lives before the client reconnects, in seconds."""
    live_retry_ms: int = 3000
    """The reconnection delay a live stream tells the client, in milliseconds."""
    page_cache_seconds: float = 1.0
    """How long a rendered board page is served without re-reading the board's version, in seconds
    (a change drops it at once, in every replica; this bounds how stale a missed one leaves it)."""

    @property
    def database_url(self) -> str:
        return self.leaderboard_database_url or self.sqlite_url("leaderboard")
