"""Scorer settings (``HOLDOUT_*`` environment variables)."""

from __future__ import annotations

from shared.settings import CommonSettings


class ScorerSettings(CommonSettings):
    scorer_database_url: str | None = None
    """The scorer's PostgreSQL URL (unset: SQLite `<data_dir>/scorer.db`)."""
    max_predictions_bytes: int = 1 << 30
    """A predictions file larger than this (bytes) is rejected without being read further."""
    scoring_concurrency: int = 4
    """Runs scored at once (each holds a predictions file and its parsed frame in memory)."""
    rescore_poll_seconds: float = 30.0
    """How often the rescoring worker looks for unfinished rescorings, in seconds (a request wakes it at
    once)."""

    @property
    def database_url(self) -> str:
        return self.scorer_database_url or self.sqlite_url("scorer")
