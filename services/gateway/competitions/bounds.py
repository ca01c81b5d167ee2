"""The upper bounds of what a competition may ask for, from the gateway's settings.

Sits under ``competitions.service``, which checks a competition against them on
create and after every edit (on the merged result), and ``stages.settings`` checks
every stage's the same way. The run limits describe the
largest machine runs go to: a limit above it could never be honoured, so it is
refused when the host sets it rather than when every run fails. Each bound is a
``HOLDOUT_*`` setting the operator can raise; the problem names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.gateway.config import GatewaySettings
from shared.web import ProblemError

# limit field -> (settings attribute, unit shown in the message)
_LIMIT_BOUNDS: dict[str, tuple[str, str]] = {
    "time_limit_s": ("max_run_time_s", "s"),
    "memory_mb": ("max_run_memory_mb", "MB"),
    "cpus": ("max_run_cpus", "CPUs"),
    "max_processes": ("max_run_processes", "processes"),
    "output_limit_mb": ("max_run_output_mb", "MB"),
    "log_limit_kb": ("max_run_log_kb", "KB"),
    "model_limit_mb": ("max_run_model_mb", "MB"),
    "max_concurrent_runs": ("max_competition_concurrent_runs", "runs"),
}


class OverBound(ProblemError):
    def __init__(self, field: str, value: object, bound: float, setting: str, unit: str) -> None:
        env = "HOLDOUT_" + setting.upper()
        super().__init__(
            f"{field} is {value}, above the most this platform allows ({bound:g} {unit}); "
            f"ask for at most {bound:g}, or have the operator raise {env}",
            status=422,
            code="value-too-large",
            field=field,
            maximum=bound,
            setting=env,
        )


def _check(field: str, value: Any, bound: float, setting: str, unit: str) -> None:
    if value is not None and value > bound:
        raise OverBound(field, value, bound, setting, unit)


def check(
    settings: GatewaySettings,
    *,
    limits: Mapping[str, Any],
    description: str = "",
    daily_quota: int,
    smoke_daily_quota: int,
) -> None:
    for name, (setting, unit) in _LIMIT_BOUNDS.items():
        _check(f"limits.{name}", limits.get(name), getattr(settings, setting), setting, unit)
    _check("daily_quota", daily_quota, settings.max_daily_quota, "max_daily_quota", "runs a day")
    _check("smoke_daily_quota", smoke_daily_quota, settings.max_daily_quota, "max_daily_quota", "runs a day")
    check_description(settings, description)


def check_description(settings: GatewaySettings, description: str) -> None:
    if len(description) > settings.max_description_chars:
        raise OverBound(
            "description",
            f"{len(description)} characters long",
            settings.max_description_chars,
            "max_description_chars",
            "characters",
        )
