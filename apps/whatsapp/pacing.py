"""How fast we send per WhatsApp number: one limit shared by every worker process and host.

Meta takes up to WHATSAPP_MAX_MPS (80 by default) messages a second per number and refuses the rest with
130429. Each send takes the number's next free slot (GCRA with no burst allowance: slots are 1/rate apart)
and sleeps until it. With REDIS_URL set the slots are kept in Redis, so workers on every host draw from one
schedule; without it (the embedded default: one worker) they are kept in this process. When Redis cannot be
reached this process paces alone, with a warning, rather than fail a send.
"""

import logging
import threading
import time

import redis
from django.conf import settings
from redis.commands.core import Script

from apps.core.flags import redis_client

logger = logging.getLogger(__name__)

# After Redis fails, sends are paced in-process for this long before Redis is tried again, so an outage
# costs one timeout every few seconds rather than one per send.
RETRY_SECONDS = 5.0
KEY = "govchat:pace:{number_id}"

# KEYS[1] holds the number's theoretical arrival time (TAT), in microseconds on Redis's clock (one clock for
# every host, whatever theirs say); ARGV[1] is 1/rate in microseconds. Returns the microseconds to wait. The
# TAT lives one second past its time: an expired key reads as "send now", which is what a past TAT means.
_RESERVE = """
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000000 + tonumber(now[2])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or 0))
local tat = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
return slot - now
"""


class _LocalPacer:
    """Slots kept in this process: the embedded default, and the fallback while Redis is unreachable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[int, float] = {}

    def reserve(self, number_id: int, rate: int) -> float:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(number_id, now))
            self._next[number_id] = slot + 1.0 / rate
        return slot - now


class _RedisPacer:
    """Slots kept in Redis, taken atomically by one script; None from reserve() when Redis failed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._script: Script | None = None
        self._retry_at = 0.0
        self._down = False

    def reserve(self, number_id: int, rate: int) -> float | None:
        if self._retry_at and time.monotonic() < self._retry_at:
            return None
        try:
            if self._script is None:
                self._script = redis_client().register_script(_RESERVE)
            micros = self._script(keys=[KEY.format(number_id=number_id)], args=[round(1_000_000 / rate)])
        except redis.RedisError as error:
            with self._lock:
                self._retry_at = time.monotonic() + RETRY_SECONDS
                if not self._down:
                    self._down = True
                    logger.warning(
                        "Redis unreachable for send pacing (%s); each worker process now paces alone, so "
                        "together they may exceed Meta's per-number cap until it is back",
                        error,
                    )
            return None
        if self._down:
            with self._lock:
                self._down, self._retry_at = False, 0.0
            logger.info("Redis reachable again for send pacing; the per-number cap is shared again")
        return micros / 1_000_000


_LOCAL = _LocalPacer()
_SHARED = _RedisPacer()


def reserve(*, number_id: int, rate: int) -> float:
    """Take the number's next send slot and return the seconds until it (0.0: send now). Never raises for
    Redis: with Redis down the slot is taken in this process."""
    if settings.REDIS_URL:
        delay = _SHARED.reserve(number_id, rate)
        if delay is not None:
            return delay
    return _LOCAL.reserve(number_id, rate)


def pace(*, number_id: int, rate: int) -> None:
    """Wait until a send for this number may go to Meta: at most `rate` a second across all workers."""
    delay = reserve(number_id=number_id, rate=rate)
    if delay > 0:
        time.sleep(delay)
