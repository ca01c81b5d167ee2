"""How to build each service: its settings class, app factory and migrations."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from shared.settings import DEFAULT_PORTS, SERVICES, CommonSettings


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    settings_cls: type[CommonSettings]
    create_app: Callable[..., FastAPI]
    migrations_dir: Path
    default_port: int

    def settings(self, **overrides: Any) -> CommonSettings:
        return self.settings_cls(**overrides)


def service_spec(name: str) -> ServiceSpec:
    if name not in SERVICES:
        raise KeyError(name)
    config = importlib.import_module(f"services.{name}.config")
    app = importlib.import_module(f"services.{name}.app")
    settings_cls = getattr(config, f"{name.capitalize()}Settings")
    migrations = Path(importlib.import_module(f"services.{name}").__file__ or "").parent / "migrations"
    return ServiceSpec(name, settings_cls, app.create_app, migrations, DEFAULT_PORTS[name])


def all_specs() -> list[ServiceSpec]:
    return [service_spec(n) for n in SERVICES]
