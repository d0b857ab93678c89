"""What the workers share through Redis (django.core.cache, the same RedisCache every process
uses): the 企业微信 access token and the per-channel rate windows.

Redis being away must not stop a message: every call here fails open (no cached token means
fetching one; an uncounted send means the gateway's own limit, 45009, answers instead)."""

import logging
import math

from django.core.cache import cache

logger = logging.getLogger(__name__)

# Tests set a namespace of their own per test (keys outlive a test run in the machine's Redis).
NAMESPACE = ""


def key(*parts):
    return ":".join(["messaging", NAMESPACE, *map(str, parts)])


def get(name):
    try:
        return cache.get(name)
    except Exception:  # noqa: BLE001 - Redis down: behave as if nothing were cached
        logger.warning("cache unavailable reading %s", name)
        return None


def put(name, value, timeout):
    try:
        cache.set(name, value, timeout)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable writing %s", name)


def add(name, value, timeout):
    """True if this process set the key (a lock); True as well when Redis is away."""
    try:
        return cache.add(name, value, timeout)
    except Exception:  # noqa: BLE001
        return True


def delete(name):
    try:
        cache.delete(name)
    except Exception:  # noqa: BLE001
        pass


def take(bucket, per_minute, now):
    """Count one send in `bucket`'s current minute. 0 if it may go now; otherwise the seconds
    until the next minute, when it may. Fixed one-minute windows, as the gateways count."""
    epoch = now.timestamp()
    window = int(epoch // 60)
    name = key("rate", bucket, window)
    try:
        try:
            count = cache.incr(name)  # one round trip once the minute's key exists
        except ValueError:
            cache.add(name, 0, 120)
            count = cache.incr(name)
    except Exception:  # noqa: BLE001 - fail open; the gateway's 45009 is the backstop
        logger.warning("cache unavailable counting %s", name)
        return 0
    if count <= per_minute:
        return 0
    return max(math.ceil((window + 1) * 60 - epoch), 1)
