"""Caching the dashboard's figures and the home pages' panels in Django's cache (Redis).

Figures for an area and period are cached under the value of the PostgreSQL sequence
`pingxiang_figures_version`, which a statement-level trigger on every table of the apps the
figures count from (grids, cases, petitions, rectification) moves on each INSERT, UPDATE,
DELETE or TRUNCATE, whichever code path wrote: the app, a bulk import, COPY or a shell. A
write therefore makes the next dashboard compute afresh. Reading the version is one cheap
query; sequences are not transactional, so it never waits for a writer.

The key also holds the current minute, for the figures that move with the clock alone (a
case turns overdue at its deadline without any write), and for a write whose transaction
commits after a reader already saw its version: either way a cached figure is at most a
minute old.

The cache is shared by every process, so a county's figures are computed once per version
and minute, not once per worker. When the minute turns, every worker misses at once:
`cached_html` lets the first one (`cache.add` of a lock) render, and the others serve the
last HTML rendered for that area and period (at most two minutes old) instead of computing
the same county in parallel; when there is none, they render too. Redis down or slow (0.25 s
timeouts, settings.CACHES) only means computing afresh: no page fails because of the cache.

A caller may key by another version (`data_version=`): the dashboard, once its per-day
rollups are built, passes theirs, which only their per-minute refresh moves
(dashboard.rollups), so writes no longer make every request compute afresh.
"""

import logging

from django.apps import apps
from django.core.cache import cache
from django.db import connections
from django.utils import timezone
from django.utils.safestring import mark_safe

from pingxiang import replica
from pingxiang.requestcache import memo
from pingxiang.triggers import tables_to_trigger

APPS = ("grids", "cases", "petitions", "rectification")
TRIGGER = "pingxiang_figures_version"
TTL = 60
LOCK_SECONDS = 30  # longer than any render; expires by itself if its holder dies

# Part of every key (settings.CACHES' KEY_PREFIX adds the database's name): the test suite
# renews it for each test, whose rolled-back data the version sequence does not forget.
NAMESPACE = "1"

log = logging.getLogger(__name__)
_MISSING = object()


def version():
    # From the database the figures are read from: a replica's version goes with the replica's
    # rows (the primary's newer version over a lagging replica's rows would keep stale
    # figures under a fresh key).
    with connections[replica.read_alias()].cursor() as cursor:
        cursor.execute("SELECT last_value FROM pingxiang_figures_version")
        return cursor.fetchone()[0]


def _cache_key(prefix, *parts, data_version=None):
    """prefix:namespace:parts...:version:minute. The minute is read once per request: a page
    that asks for the same figures twice (the dashboard's cards and its table) while the
    minute turns would otherwise compute them twice, and draw them from two minutes."""
    minute = memo("figurecache.minute", lambda: timezone.now().strftime("%Y%m%d%H%M"))
    return ":".join(str(part) for part in (
        prefix, NAMESPACE, *parts, version() if data_version is None else data_version,
        minute))


def _parts(area, period):
    return (area.pk, period.start, period.end, period.campaign_id)


# The cache is an optimisation only: every call that fails (Redis down, slow, or answering
# garbage) is logged and treated as a miss.

def _get(key, default=None):
    try:
        return cache.get(key, default)
    except Exception as exc:  # noqa: BLE001
        log.warning("figure cache unavailable: %r", exc)
        return default


def _set(key, value, timeout=TTL):
    try:
        cache.set(key, value, timeout)
    except Exception as exc:  # noqa: BLE001
        log.warning("figure cache unavailable: %r", exc)


def read(key, default=None):
    """cache.get, a miss when the cache is down (for callers keeping values of their own)."""
    return _get(key, default)


def write(key, value, timeout=TTL):
    """cache.set, nothing when the cache is down."""
    _set(key, value, timeout)


def _lock(key):
    """True when this process should render: it took the lock, or the cache is down."""
    try:
        return cache.add(key, 1, LOCK_SECONDS)
    except Exception as exc:  # noqa: BLE001
        log.warning("figure cache unavailable: %r", exc)
        return True


def _unlock(key):
    try:
        cache.delete(key)
    except Exception:  # noqa: BLE001 - it expires by itself
        pass


def cached(kind, area, period, compute, *, data_version=None):
    """compute() once per (kind, area, period, data version, minute)."""
    key = _cache_key("pxfig", kind, *_parts(area, period), data_version=data_version)
    value = _get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        _set(key, value)
    return value


def cached_html(kind, area, period, render, *, data_version=None):
    """render() (a str) once per (kind, area, period, data version, minute) for every
    process; while another process renders it, the last HTML rendered (see the module)."""
    key = _cache_key("pxfig", kind, *_parts(area, period), data_version=data_version)
    html = _get(key)
    if html is None:
        latest = ":".join(str(part) for part in ("pxlatest", NAMESPACE, kind,
                                                 *_parts(area, period)))
        if _lock(f"{key}:lock"):
            try:
                html = str(render())
                _set(key, html)
                _set(latest, html, 2 * TTL)
            finally:
                _unlock(f"{key}:lock")
        else:
            html = _get(latest)
            if html is None:  # nothing rendered lately: do not wait, render too
                html = str(render())
    return mark_safe(html)


def cached_for_user(user, name, compute, *, data_version=None):
    """compute() once per (user, name, data version, minute): a home page's panel, whose
    figures are the user's own (their areas, their cases). What is cached is the panel's
    data, never HTML (forms in it carry the request's CSRF token). `data_version` saves
    reading the version again when a page asks for several."""
    key = _cache_key("pxuser", user.pk, name, data_version=data_version)
    value = _get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        _set(key, value)
    return value


def tables():
    out = []
    for label in APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                out.append(model._meta.db_table)
    return sorted(set(out))


def install_triggers(using="default", **kwargs):
    """post_migrate: every table of the counted apps moves the version when written."""

    existing = tables_to_trigger(using, "to_regclass('pingxiang_figures_version')")
    if existing is None:
        return
    with connections[using].cursor() as cursor:
        for table in tables():
            if table in existing:
                cursor.execute(
                    f'CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE '
                    f'OR TRUNCATE ON "{table}" FOR EACH STATEMENT '
                    f"EXECUTE FUNCTION pingxiang_bump_figures()")
