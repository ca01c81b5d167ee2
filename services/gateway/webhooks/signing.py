"""Webhook signatures: what the sender puts on every delivery and a receiver checks.

``Holdout-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>``, with
the body exactly as sent. The timestamp is inside the MAC, so a captured delivery cannot be
replayed later with a new time; receivers refuse one older than a few minutes. ``verify``
here is the reference check (the README shows the same in five lines).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

SIGNATURE_HEADER = "Holdout-Signature"
EVENT_HEADER = "Holdout-Event"
EVENT_TYPE_HEADER = "Holdout-Event-Type"
DELIVERY_HEADER = "Holdout-Delivery"
SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix of generated secrets, not a secret)
# how old a signature's timestamp may be before a receiver should refuse it
TOLERANCE_S = 300


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={mac(secret, t, body)}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """Whether ``header`` signs ``body`` with ``secret``, made within ``TOLERANCE_S``."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    fresh = abs((time.time() if now is None else now) - t) <= TOLERANCE_S
    return fresh and hmac.compare_digest(mac(secret, t, body), parts.get("v1", ""))
