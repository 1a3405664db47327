"""Webhook signing and the retry schedule: pure functions, shared by the sender and by the
verification recipe integrators follow (README: Webhooks).

Signature header: `X-CRM-Signature: t=<unix seconds>,v1=<hex>` where
`hex = HMAC-SHA256(secret, "<t>.<raw body>")`. A receiver recomputes it over the raw body,
compares in constant time and rejects timestamps older than a few minutes (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import secrets
from datetime import timedelta
from typing import Any

MAX_ATTEMPTS = 10  # 30 s, 1, 2, 4, 8, 16, 32, 64, 128 min…: the last try ~8.5 h after the first
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def payload(event_id: str, event_type: str, occurred_at: str, data: dict[str, Any]) -> bytes:
    """The JSON body every receiver gets (compact, UTF-8, Chinese kept as is)."""
    envelope = {"id": event_id, "type": event_type, "occurred_at": occurred_at, "data": data}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def retry_delay(attempt: int) -> timedelta | None:
    """How long after failed attempt number `attempt` (1-based) to try again; None: give up."""
    if attempt >= MAX_ATTEMPTS:
        return None
    wait = min(FIRST_RETRY * (2 ** (attempt - 1)), LONGEST_WAIT)
    return wait * random.uniform(0.9, 1.1)  # spread retries of many deliveries  # noqa: S311
