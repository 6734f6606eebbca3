"""A sliding-window rate limiter shared by every process through Redis (TikTok: 6 requests a minute per
access token). No Django: it takes a Redis client.

The window is a sorted set of request times per key; one Lua script prunes it, counts and either records
the new request or says how long to wait, so two workers can never both take the last slot.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable

_ACQUIRE = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, math.ceil(window * 1000))
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""


class RateLimiter:
    """``limiter(name)`` blocks until ``name`` (e.g. an access token) may make another request."""

    def __init__(
        self,
        redis,
        *,
        limit: int,
        window: float = 60.0,
        prefix: str = "ratelimit",
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if limit < 1 or window <= 0:
            raise ValueError(f"a rate limit needs limit >= 1 and window > 0 (got {limit} per {window} s)")
        self.redis = redis
        self.limit = limit
        self.window = window
        self.prefix = prefix
        self.clock = clock
        self.sleep = sleep
        self._script = redis.register_script(_ACQUIRE)

    def key(self, name: str) -> str:
        # Hashed: a token must not sit in Redis in the clear.
        return f"{self.prefix}:{hashlib.sha256(name.encode()).hexdigest()[:32]}"

    def try_acquire(self, name: str) -> float:
        """Take a slot now (0.0), or the seconds until one frees up (nothing taken)."""
        now = self.clock()
        wait = self._script(keys=[self.key(name)], args=[repr(now), self.window, self.limit, uuid.uuid4().hex])
        return float(wait)

    def __call__(self, name: str) -> None:
        while (wait := self.try_acquire(name)) > 0:
            self.sleep(wait)
