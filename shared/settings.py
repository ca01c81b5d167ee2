"""Configuration read from ``HOLDOUT_*`` environment variables (pydantic-settings).

The embedded default needs none of them: data lives under ``data_dir`` (SQLite files,
a storage directory), the bus is in-process. Production sets, per service,
``HOLDOUT_<SERVICE>_DATABASE_URL`` and a shared ``HOLDOUT_AMQP_URL``.
"""

from __future__ import annotations

import os
from pathlib import Path

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
    log_level: str = "INFO"
    log_json: bool = False

    gateway_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['gateway']}"
    orchestrator_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['orchestrator']}"
    scorer_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['scorer']}"
    leaderboard_url: str = f"http://127.0.0.1:{DEFAULT_PORTS['leaderboard']}"

    @property
    def storage_root(self) -> Path:
        return self.storage_dir or self.data_dir / "storage"

    def sqlite_url(self, service: str) -> str:
        return f"sqlite:///{self.data_dir / (service + '.db')}"
