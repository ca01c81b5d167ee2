"""Scorer settings (``HOLDOUT_*`` environment variables)."""

from __future__ import annotations

from shared.settings import CommonSettings


class ScorerSettings(CommonSettings):
    scorer_database_url: str | None = None
    # a predictions file larger than this is rejected without being read further
    max_predictions_bytes: int = 1 << 30
    # runs scored at once: each holds a predictions file and its parsed frame in memory
    scoring_concurrency: int = 4
    # how often the rescoring worker looks for unfinished rescorings (a request wakes it at once)
    rescore_poll_seconds: float = 30.0

    @property
    def database_url(self) -> str:
        return self.scorer_database_url or self.sqlite_url("scorer")
