"""Structured logs: ``domain.action`` event names, key-value fields, correlation id."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from shared.context import current_correlation_id


def _add_correlation_id(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    cid = current_correlation_id()
    if cid is not None:
        event_dict.setdefault("correlation_id", cid)
    return event_dict


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is *now*: a stream captured at set-up time may
    be closed later (test runners swap stderr), and logging must never raise."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: str = "INFO", *, json: bool = False, service: str | None = None) -> None:
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        _add_correlation_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if service:
        processors.insert(0, lambda _l, _n, ed: {**ed, "service": ed.get("service", service)})
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    # third-party chatter stays out of the way unless something goes wrong
    for noisy in ("alembic", "aiormq", "aio_pika", "httpx", "azure"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
