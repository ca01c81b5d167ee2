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
    uploads_dir: Path | None = None
    proxy_timeout_s: float = 10.0

    @property
    def database_url(self) -> str:
        return self.gateway_database_url or self.sqlite_url("gateway")

    @property
    def uploads_tmp_dir(self) -> Path:
        """Where uploads are spooled while they are checked (before they reach storage)."""
        return self.uploads_dir or self.data_dir / "uploads"
