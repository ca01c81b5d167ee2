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
    migrations_dir: Path
    default_port: int

    def settings(self, **overrides: Any) -> CommonSettings:
        return self.settings_cls(**overrides)

    def create_app(self, *args: Any, **kwargs: Any) -> FastAPI:
        """The service's app. The whole service is imported here and not before, so that
        ``holdout migrate`` (settings and migrations only) starts in a fraction of the time."""
        factory: Callable[..., FastAPI] = importlib.import_module(f"services.{self.name}.app").create_app
        return factory(*args, **kwargs)


def service_spec(name: str) -> ServiceSpec:
    if name not in SERVICES:
        raise KeyError(name)
    config = importlib.import_module(f"services.{name}.config")
    settings_cls = getattr(config, f"{name.capitalize()}Settings")
    migrations = Path(importlib.import_module(f"services.{name}").__file__ or "").parent / "migrations"
    return ServiceSpec(name, settings_cls, migrations, DEFAULT_PORTS[name])


def all_specs() -> list[ServiceSpec]:
    return [service_spec(n) for n in SERVICES]
