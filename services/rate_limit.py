"""Moving-window rate limits on Redis (the `limits` library), shared by every API process."""

from __future__ import annotations

from datetime import UTC, datetime

from limits import RateLimitItemPerMinute
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter


def storage_url(redis_url: str) -> str:
    """limits spells Redis URLs async+redis:// (and a socket async+redis+unix://)."""
    url = redis_url
    if url.startswith("unix://"):
        url = "redis+unix://" + url.removeprefix("unix://")
    return url if url.startswith("async+") else "async+" + url


class RateLimiter:
    def __init__(self, redis_url: str) -> None:
        self._limiter = MovingWindowRateLimiter(
            RedisStorage(storage_url(redis_url), implementation="redispy")
        )

    async def hit(self, per_minute: int, *keys: str) -> int | None:
        """Count one event; None when allowed, else the seconds until the window frees up."""
        item = RateLimitItemPerMinute(per_minute)
        if await self._limiter.hit(item, *keys):
            return None
        stats = await self._limiter.get_window_stats(item, *keys)
        return max(1, int(stats.reset_time - datetime.now(UTC).timestamp()))
