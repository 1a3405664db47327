"""China time (Asia/Shanghai): the calendar daily caps, weekly quotas and reminders count in."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def midnight() -> datetime:
    """The start of today in China."""
    return datetime.now(CHINA).replace(hour=0, minute=0, second=0, microsecond=0)


def week_start() -> datetime:
    """The start of this week (Monday) in China."""
    today = midnight()
    return today - timedelta(days=today.weekday())
