"""Gateway settings (``HOLDOUT_*`` environment variables); sits under ``app.py``."""

from __future__ import annotations

from pathlib import Path

from shared.settings import CommonSettings

MiB = 1024**2
GiB = 1024**3


class GatewaySettings(CommonSettings):
    gateway_database_url: str | None = None
    # HOLDOUT_ADMIN_TOKEN: on start-up the user "admin" is created (or updated) so that
    # this token authenticates as it; without one, no admin exists until the CLI makes one.
    admin_token: str | None = None
    max_submission_bytes: int = 512 * MiB
    max_data_bytes: int = 20 * GiB
    max_labels_bytes: int = 1 * GiB
    # files a host attaches for participants (training data, examples, documentation)
    max_participant_file_bytes: int = 20 * GiB
    # how long the read-only URL a download redirects to stays valid (Azure storage)
    download_url_ttl_s: float = 300.0
    uploads_dir: Path | None = None
    proxy_timeout_s: float = 10.0
    # the stuck-submission reconciler (submissions/reconciler.py): how often it looks (0: never),
    # how long each state may last before the orchestrator is asked what happened, how
    # many replays it tries, and the most a submission may wait in the queue
    reconcile_interval_s: float = 60.0
    reconcile_batch: int = 200
    queued_deadline_s: float = 600.0
    running_margin_s: float = 900.0
    scoring_deadline_s: float = 900.0
    max_reconciliations: int = 3
    queued_max_s: float = 2 * 24 * 3600.0
    # the largest run machine (and the most a competition may ask for): a competition's
    # limits are checked against these on create and on every edit; raise them to match
    # the biggest machine runs go to
    max_run_memory_mb: int = 64 * 1024
    max_run_cpus: float = 16.0
    max_run_time_s: float = 7 * 24 * 3600.0
    max_run_processes: int = 4096
    max_run_output_mb: int = 10 * 1024
    max_run_log_kb: int = 10 * 1024
    max_concurrent_runs: int = 1000
    # the most runs a team may make per UTC day (real and smoke, each)
    max_daily_quota: int = 1000
    # the longest description (Markdown) a competition may have, in characters
    max_description_chars: int = 100_000

    @property
    def database_url(self) -> str:
        return self.gateway_database_url or self.sqlite_url("gateway")

    @property
    def uploads_tmp_dir(self) -> Path:
        """Where uploads are spooled while they are checked (before they reach storage)."""
        return self.uploads_dir or self.data_dir / "uploads"
