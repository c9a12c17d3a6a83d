"""Flags shared by every process, in Redis (REDIS_URL): set-if-absent with a lifetime, and clear.

Django's Redis cache would do, but it builds a new client object for every call, which on the webhook's
path costs more than the round trip itself; this keeps one client per process (redis-py's pool notices a
fork and reconnects in the child). Only for settings where REDIS_URL is set.
"""

import redis
from django.conf import settings

_client: redis.Redis | None = None


def redis_client() -> redis.Redis:
    """This process's one Redis client (flags, send pacing); every call has a timeout."""
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=5, socket_timeout=5)
    return _client


def flag_set(key: str, *, seconds: int) -> bool:
    """Set the flag unless it is set; True when this call set it."""
    return bool(redis_client().set(f"govchat:{key}", b"1", nx=True, ex=seconds))


def flag_clear(key: str) -> None:
    redis_client().delete(f"govchat:{key}")
