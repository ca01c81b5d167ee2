"""Configuration read from ``HOLDOUT_*`` environment variables (pydantic-settings).

The embedded default needs none of them: data lives under ``data_dir`` (SQLite files,
a storage directory), the bus is in-process. Production sets, per service,
``HOLDOUT_<SERVICE>_DATABASE_URL`` and a shared ``HOLDOUT_AMQP_URL``; for Azure Blob
Storage, ``HOLDOUT_STORAGE_BACKEND=azure`` and ``HOLDOUT_AZURE_STORAGE_CONNECTION_STRING``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("gateway", "orchestrator", "scorer", "leaderboard")
DEFAULT_PORTS = {"gateway": 8000, "orchestrator": 8001, "scorer": 8002, "leaderboard": 8003}
# a shorter HOLDOUT_INTERNAL_TOKEN is refused: it could be guessed
MIN_INTERNAL_TOKEN_LENGTH = 16


def default_data_dir() -> Path:
    # the sandbox user must be able to traverse it, so not under a private home as root
    if os.geteuid() == 0:
        return Path("/var/lib/holdout")
    return Path.home() / ".local" / "share" / "holdout"


class CommonSettings(BaseSettings):
    # a docstring under a field is its description, in docs/configuration.md too
    model_config = SettingsConfigDict(env_prefix="HOLDOUT_", extra="ignore", use_attribute_docstrings=True)

    data_dir: Path = default_data_dir()
    """Where the embedded default keeps its SQLite files, storage, runtimes and runs; give
    each instance on one machine its own."""
    amqp_url: str | None = None
    """RabbitMQ URL (`amqp://user:password@host:5672/`); unset: the in-process bus."""
    bus_namespace: str = "holdout"
    """Prefix of the RabbitMQ exchange and queue names (several deployments on one broker)."""
    storage_dir: Path | None = None
    """Root of the local storage backend (unset: `<data_dir>/storage`)."""
    storage_backend: Literal["local", "azure"] = "local"
    """`local` (a directory) or `azure` (Azure Blob Storage)."""
    azure_storage_connection_string: SecretStr | None = None
    """The storage account's connection string (needed with `azure`)."""
    # prepended to the four container names ("holdout-" gives "holdout-submissions"),
    # so several deployments can share one storage account
    azure_container_prefix: str = ""
    """Prefix of the four container names, so deployments can share a storage account."""
    azure_storage_retries: int = 3
    """Retries of a failed Azure Blob Storage call."""
    azure_storage_retry_backoff_seconds: float = 0.5
    """First wait between Azure Blob Storage retries (it doubles each time)."""
    log_level: str = "INFO"
    """`DEBUG`, `INFO`, `WARNING` or `ERROR`."""
    log_json: bool = False
    """Log one JSON object a line instead of the console format."""
    internal_token: SecretStr | None = Field(None, min_length=MIN_INTERNAL_TOKEN_LENGTH)
    """The secret the gateway sends to the orchestrator, scorer and leaderboard, and the scorer to
    the orchestrator (`Authorization: Bearer`); they answer no one without it. The same value for all four
    services; `holdout serve` requires it. `holdout up` makes one per data directory
    (`<data_dir>/internal-token`) when it is unset."""

    # every HTTP server Holdout starts (holdout/guard.py; the README lists them):
    # the most a connection may take to send a request's headers (from connecting, or
    # from the end of the previous response), how long an idle keep-alive connection
    # stays open, the longest pause inside a request body, and the slowest body accepted
    # (bytes per second on average, once the body has run for the idle timeout)
    http_header_timeout_s: float = 10.0
    """The most a connection may take to send a request's headers, in seconds (from
    connecting, or from the end of the previous response)."""
    http_keep_alive_timeout_s: float = 5.0
    """How long an idle keep-alive connection stays open, in seconds."""
    http_body_idle_timeout_s: float = 30.0
    """The longest pause inside a request body, in seconds."""
    http_body_min_rate_bytes_s: int = 1024
    """The slowest request body accepted, in bytes per second on average (once the body has
    run for the idle timeout)."""
    database_pool_size: int = Field(10, ge=1)
    """PostgreSQL connections each service process keeps pooled (as many more are opened at a
    peak, then closed)."""
    database_pool_timeout_s: float = Field(30.0, gt=0)
    """How long a request waits for a pooled PostgreSQL connection before it is answered 503 with
    `Retry-After`, in seconds."""
    shutdown_grace_s: float = 10.0
    """On SIGTERM: how long uploads in flight may go on before they are answered 503, in seconds."""
    shutdown_drain_s: float = 0.0
    """On SIGTERM, first: how long the server goes on accepting requests while `/readyz` answers
    503 (so load balancers stop sending), before it stops listening and lets the requests in
    flight finish, in seconds."""

    gateway_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['gateway']}"
    """The gateway's address (`holdout up` listens on its port unless `--port` says otherwise)."""
    orchestrator_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['orchestrator']}"
    """The orchestrator's address, as the gateway and the scorer call it (`holdout up` listens on its
    port)."""
    scorer_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['scorer']}"
    """The scorer's address (`holdout up` listens on its port)."""
    leaderboard_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['leaderboard']}"
    """The leaderboard's address, as the gateway calls it (`holdout up` listens on its port)."""

    @model_validator(mode="after")
    def _azure_needs_a_connection_string(self) -> CommonSettings:
        if self.storage_backend == "azure" and not self.azure_storage_connection_string:
            raise ValueError(
                "HOLDOUT_STORAGE_BACKEND=azure needs HOLDOUT_AZURE_STORAGE_CONNECTION_STRING "
                "(the storage account's connection string)"
            )
        return self

    @property
    def storage_root(self) -> Path:
        return self.storage_dir or self.data_dir / "storage"

    def sqlite_url(self, service: str) -> str:
        return f"sqlite:///{self.data_dir / (service + '.db')}"
