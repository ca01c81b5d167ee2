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

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("gateway", "orchestrator", "scorer", "leaderboard")
DEFAULT_PORTS = {"gateway": 8000, "orchestrator": 8001, "scorer": 8002, "leaderboard": 8003}


def default_data_dir() -> Path:
    # the sandbox user must be able to traverse it, so not under a private home as root
    if os.geteuid() == 0:
        return Path("/var/lib/holdout")
    return Path.home() / ".local" / "share" / "holdout"


class CommonSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOLDOUT_", extra="ignore")

    data_dir: Path = default_data_dir()
    amqp_url: str | None = None
    bus_namespace: str = "holdout"
    storage_dir: Path | None = None
    storage_backend: Literal["local", "azure"] = "local"
    azure_storage_connection_string: SecretStr | None = None
    # prepended to the four container names ("holdout-" gives "holdout-submissions"),
    # so several deployments can share one storage account
    azure_container_prefix: str = ""
    azure_storage_retries: int = 3
    azure_storage_retry_backoff_seconds: float = 0.5
    log_level: str = "INFO"
    log_json: bool = False

    # every HTTP server Holdout starts (holdout/guard.py; the README lists them):
    # the most a connection may take to send a request's headers (from connecting, or
    # from the end of the previous response), how long an idle keep-alive connection
    # stays open, the longest pause inside a request body, and the slowest body accepted
    # (bytes per second on average, once the body has run for the idle timeout)
    http_header_timeout_s: float = 10.0
    http_keep_alive_timeout_s: float = 5.0
    http_body_idle_timeout_s: float = 30.0
    http_body_min_rate_bytes_s: int = 1024
    # on SIGTERM: how long uploads in flight may go on before they are answered 503
    shutdown_grace_s: float = 10.0

    gateway_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['gateway']}"
    orchestrator_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['orchestrator']}"
    scorer_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['scorer']}"
    leaderboard_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['leaderboard']}"

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
