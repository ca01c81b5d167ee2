"""Gateway settings (``HOLDOUT_*`` environment variables); sits under ``app.py``."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any

from pydantic import field_validator
from pydantic_settings import NoDecode

from shared.runtime_locks import REPO_RUNTIMES_DIR
from shared.settings import CommonSettings

MiB = 1024**2
GiB = 1024**3


class GatewaySettings(CommonSettings):
    gateway_database_url: str | None = None
    """The gateway's PostgreSQL URL (unset: SQLite `<data_dir>/gateway.db`)."""
    admin_token: str | None = None
    """On start-up the user `admin` is created (or updated) so that this token authenticates as it; unset:
    no admin until `holdout admin create-user --admin` makes one."""
    max_submission_bytes: int = 512 * MiB
    """The largest submission zip accepted, in bytes."""
    max_data_bytes: int = 20 * GiB
    """The largest test-features file a host may upload, in bytes."""
    max_labels_bytes: int = 1 * GiB
    """The largest labels file a host may upload, in bytes."""
    max_participant_file_bytes: int = 20 * GiB
    """The largest file a host may attach for participants (training data, examples, documentation), in
    bytes."""
    download_url_ttl_s: float = 300.0
    """How long the read-only URL a participant's download redirects to stays valid (Azure storage), in
    seconds."""
    runtimes_requirements_dir: Path = REPO_RUNTIMES_DIR
    """The folder of runtime folders (`NAME/requirements.in`, its `requirements.lock`): what
    `/api/v1/runtimes` shows participants; the orchestrator builds from the same setting."""
    uploads_dir: Path | None = None
    """Where uploads are spooled while they are checked (unset: `<data_dir>/uploads`)."""
    proxy_timeout_s: float = 10.0
    """Timeout of the gateway's calls to the other services, in seconds."""
    queue_timeout_s: float = 2.0
    """Timeout of the call that reads queued submissions' places from the orchestrator, in seconds (a
    submission read answers without them past it)."""
    web_dir: Path | None = None
    """The built web app served at `/` (unset: `web/dist` of the checkout)."""
    reconcile_interval_s: float = 60.0
    """How often the stuck-submission reconciler looks, in seconds (0: never)."""
    reconcile_batch: int = 200
    """The most submissions the reconciler checks in one pass."""
    stage_clock_interval_s: float = 5.0
    """How often the stage clock looks for stages to open or close (publishing `stage.opened` and
    `stage.closed`, and queueing a fed stage's re-runs), in seconds (0: never)."""
    queued_deadline_s: float = 600.0
    """How long a submission may stay queued before the orchestrator is asked about it, in seconds."""
    running_margin_s: float = 900.0
    """How long past its time limit a running submission may go before the orchestrator is asked, in
    seconds."""
    scoring_deadline_s: float = 900.0
    """How long a submission may stay in scoring before the orchestrator is asked, in seconds."""
    max_reconciliations: int = 3
    """How many times the reconciler replays a stuck submission's events before failing it."""
    queued_max_s: float = 2 * 24 * 3600.0
    """The most a submission may wait in the queue before it fails, in seconds."""
    # the largest run machine (and the most a competition may ask for): a competition's
    # limits are checked against these on create and on every edit; raise them to match
    # the biggest machine runs go to
    max_run_memory_mb: int = 64 * 1024
    """The most memory a competition may give a run, in MiB (the largest run machine's)."""
    max_run_cpus: float = 16.0
    """The most CPUs a competition may give a run (the largest run machine's)."""
    max_run_time_s: float = 7 * 24 * 3600.0
    """The longest time limit a competition may give a run, in seconds."""
    max_run_processes: int = 4096
    """The most processes a competition may allow a run."""
    max_run_output_mb: int = 10 * 1024
    """The largest output limit a competition may give a run, in MiB."""
    max_run_model_mb: int = 10 * 1024
    """The largest model size limit a stage may give its training runs (`limits.model_limit_mb`), in MiB."""
    max_run_log_kb: int = 10 * 1024
    """The largest log limit a competition may give a run, in KiB."""
    max_competition_concurrent_runs: int = 1000
    """The most runs at once a competition may allow itself (its `limits.max_concurrent_runs`)."""
    max_daily_quota: int = 1000
    """The most runs a competition may allow a team per UTC day (real and smoke, each)."""
    max_description_chars: int = 100_000
    """The longest description (Markdown) a competition may have, in characters."""

    signup_enabled: bool = True
    """Whether anyone may sign up (`POST /api/v1/auth/signup`); false: only administrators make users."""
    signup_email_domains: Annotated[list[str], NoDecode] = []
    """The e-mail domains sign-up is open to, comma-separated (`uni.example,lab.example`: exact domains,
    any case); empty: any domain."""
    session_ttl_s: int = 7 * 24 * 3600
    """How long a browser session (the `holdout_session` cookie) lasts after log-in, in seconds."""
    login_max_failures_per_account: int = 5
    """Failed log-ins of one account within the window before its log-ins are refused (429)."""
    login_max_failures_per_address: int = 30
    """Failed log-ins from one client address within the window before its log-ins are refused (429)."""
    login_failure_window_s: int = 15 * 60
    """The window failed log-ins are counted in, in seconds."""
    cookie_secure: bool | None = None
    """Mark the session cookies Secure; unset: when the request came over HTTPS (behind a proxy, as
    uvicorn's forwarded headers say)."""
    argon2_time_cost: int = 3
    """Argon2id passes over memory when hashing a password (with the next two: RFC 9106's low-memory
    profile). Hashes made at another cost still verify, and are redone at this one at the next log-in."""
    argon2_memory_kib: int = 64 * 1024
    """Memory Argon2id uses per password hash, in KiB."""
    argon2_parallelism: int = 4
    """Argon2id's lanes (threads) per password hash."""

    webhook_max_attempts: int = 8
    """How many times a webhook delivery is tried before it is marked failed."""
    webhook_backoff_base_s: float = 10.0
    """The wait before a webhook delivery's second attempt, in seconds; it doubles after every failed
    attempt (with jitter), up to the cap."""
    webhook_backoff_cap_s: float = 3600.0
    """The longest wait between two attempts of a webhook delivery, in seconds."""
    webhook_timeout_s: float = 10.0
    """How long one webhook request may take (connect, send, answer), in seconds."""
    webhook_disable_after: int = 5
    """A webhook whose deliveries failed (every attempt) this many times in a row is disabled, with the
    reason, until its owner enables it again."""
    webhook_poll_interval_s: float = 2.0
    """How often the webhook sender looks for deliveries that are due, in seconds (0: never)."""
    webhook_batch: int = 50
    """The most webhook deliveries one pass of the sender claims."""
    webhook_allow_private_networks: Annotated[list[str], NoDecode] = []
    """Networks webhooks may reach although they are not public (loopback, link-local, private),
    comma-separated CIDRs (`10.20.0.0/16,127.0.0.1/32`); plain `http://` is accepted only for these.
    Empty: webhooks reach public HTTPS addresses only."""
    webhook_deny_networks: Annotated[list[str], NoDecode] = []
    """Further networks webhooks may never reach, comma-separated CIDRs (the cluster's pod and service
    ranges where they are public addresses); they win over the allowed networks."""

    @field_validator("signup_email_domains", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            return [str(d).strip().lower().lstrip("@") for d in value if str(d).strip()]
        return value

    @field_validator("webhook_allow_private_networks", "webhook_deny_networks", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            networks = []
            for item in (str(v).strip() for v in value):
                if not item:
                    continue
                try:
                    networks.append(str(ipaddress.ip_network(item, strict=False)))
                except ValueError:
                    raise ValueError(
                        f"{item!r} is not a network (expected a CIDR such as 10.0.0.0/8)"
                    ) from None
            return networks
        return value

    @property
    def database_url(self) -> str:
        return self.gateway_database_url or self.sqlite_url("gateway")

    @property
    def uploads_tmp_dir(self) -> Path:
        """Where uploads are spooled while they are checked (before they reach storage)."""
        return self.uploads_dir or self.data_dir / "uploads"
