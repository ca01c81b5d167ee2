"""Structured logs: ``domain.action`` event names, key-value fields, correlation id.

An exception is logged as a bounded traceback without local variables, in both
renderers: locals can hold secrets and participant data, and rendering them (rich
tracebacks print every frame's locals) once took seconds of the one event loop that
all of ``holdout up``'s services share.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType
from typing import Any

import structlog

from shared.context import current_correlation_id


def _add_correlation_id(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    cid = current_correlation_id()
    if cid is not None:
        event_dict.setdefault("correlation_id", cid)
    return event_dict


# the innermost frames say where it broke; the outer ones are the framework's
TRACEBACK_FRAMES = 25
TRACEBACK_CHARS = 8000

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def format_exception(exc: BaseException) -> str:
    """The last ``TRACEBACK_FRAMES`` frames of each exception in the chain, no locals,
    at most ``TRACEBACK_CHARS`` characters (the end, with the error itself, is kept)."""
    text = "".join(
        traceback.TracebackException.from_exception(
            exc, limit=-TRACEBACK_FRAMES, capture_locals=False, max_group_depth=3, max_group_width=5
        ).format()
    )
    if len(text) > TRACEBACK_CHARS:
        cut = len(text) - TRACEBACK_CHARS
        text = f"... ({cut} characters of traceback left out)\n" + text[cut:]
    return text


def _exc_info(value: Any) -> ExcInfo | None:
    if isinstance(value, BaseException):
        return type(value), value, value.__traceback__
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], BaseException):
        return value
    if value:  # True, as log.exception() sets it
        current = sys.exc_info()
        return current if current[1] is not None else None
    return None


def _bounded_traceback(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Replaces ``exc_info`` by an ``exception`` string that both renderers print as is."""
    info = _exc_info(event_dict.pop("exc_info", None))
    if info is not None:
        event_dict["exception"] = format_exception(info[1])
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
        _bounded_traceback,
    ]
    if service:
        processors.insert(0, lambda _l, _n, ed: {**ed, "service": ed.get("service", service)})
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        # plain_traceback only as a fallback: _bounded_traceback has already taken exc_info
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
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
