"""Where the CLI finds the server and the token: ``HOLDOUT_URL`` / ``HOLDOUT_TOKEN``, else the
config file ``config.json`` in the user's config folder (written with mode 0600: it holds a token)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

DEFAULT_URL = "http://127.0.0.1:8000"


def config_path() -> Path:
    override = os.environ.get("HOLDOUT_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir("holdout", appauthor=False)) / "config.json"


@dataclass(frozen=True)
class Config:
    url: str
    token: str | None
    source: str  # where the token came from, for `whoami`


def load() -> Config:
    stored: dict[str, str] = {}
    path = config_path()
    if path.is_file():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            stored = {k: str(v) for k, v in loaded.items() if isinstance(v, str)}
        except (OSError, ValueError):
            stored = {}
    url = os.environ.get("HOLDOUT_URL") or stored.get("url") or DEFAULT_URL
    env_token = os.environ.get("HOLDOUT_TOKEN")
    if env_token:
        return Config(url.rstrip("/"), env_token, "HOLDOUT_TOKEN")
    token = stored.get("token")
    return Config(url.rstrip("/"), token, str(path) if token else "")


def save(url: str, token: str) -> Path:
    """Write the config file readable by its owner only (created so, never widened first)."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"url": url.rstrip("/"), "token": token}, out, indent=2)
    if os.name == "posix":
        os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def forget() -> bool:
    path = config_path()
    if path.exists():
        path.unlink()
        return True
    return False
