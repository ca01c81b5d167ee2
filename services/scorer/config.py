"""Scorer settings (``HOLDOUT_*`` environment variables)."""

from __future__ import annotations

from pydantic import Field

from shared.scoring_runs import PROGRAM_TRIES
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
    rescore_item_tries: int = Field(default=5, ge=1)
    """Tries of one submission of a rescoring whose predictions or labels cannot be read
    (storage errors) before it is given up (``internal_error``, the item ``failed``) and the
    rescoring moves on; tries are a worker round apart."""
    scoring_claim_ttl_s: float = Field(default=30.0, gt=0)
    """How long a scorer replica's claim on the submission it is judging lasts without being
    renewed, in seconds (renewed every third of it): a replica that dies mid-judgement holds
    the submission up for at most this long before another takes it over."""
    # the orchestrator's address is the shared HOLDOUT_ORCHESTRATOR_URL (``orchestrator_url``),
    # which `holdout up`, docker-compose.yml and deploy/base/config.yaml set for every service
    scoring_program_tries: int = Field(default=PROGRAM_TRIES, ge=1)
    """Runs of a stage's scoring program on one submission before its failure is reported
    (`internal_error` to the participant, the program's log to the host)."""
    scoring_run_retries: int = Field(default=3, ge=0)
    """Retries of a scoring-run request the orchestrator could not take (unreachable, a 5xx,
    a platform fault), with the platform's one backoff policy, before that run counts as failed."""
    scoring_run_timeout_margin_s: float = Field(default=120.0, gt=0)
    """How much longer than the program's own time limit the scorer waits for the orchestrator to
    answer a scoring run (queueing, unpacking, uploading the log), in seconds."""

    @property
    def database_url(self) -> str:
        return self.scorer_database_url or self.sqlite_url("scorer")
