"""Caching the dashboard's figures safely.

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

Computed figures live in each process's own memory (the `figures` cache). The rendered HTML
of the dashboard's cards and table is also shared through Redis (`cached_html`), so the
several processes of a deployment compute a county's figures once per version, not once
each: the first to miss takes a lock in Redis and renders, the others wait for its HTML.
Only text goes to Redis (nothing is unpickled from it), and Redis being down or slow (0.25 s
timeout) only means computing afresh: the dashboard never fails because of it."""

import time

from django.apps import apps
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

APPS = ("grids", "cases", "petitions", "rectification")
TRIGGER = "pingxiang_figures_version"
TTL = 60


# Part of every key: the database's name (test runs and deployments sharing a Redis never
# see each other's figures) and a namespace the test suite renews for each test.
NAMESPACE = "1"
_redis_client = None


def _redis():
    global _redis_client
    if _redis_client is None:
        import redis
        from django.conf import settings

        _redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=0.25,
                                             socket_connect_timeout=0.25)
    return _redis_client


def version():
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM pingxiang_figures_version")
        return cursor.fetchone()[0]


def _cache_key(prefix, *parts, data_version=None):
    """prefix:database:namespace:parts...:version:minute."""
    minute = timezone.now().strftime("%Y%m%d%H%M")
    return ":".join(str(part) for part in (
        prefix, connection.settings_dict["NAME"], NAMESPACE, *parts,
        version() if data_version is None else data_version, minute))


def _key(kind, area, period):
    return _cache_key("pxfig", kind, area.pk, period.start, period.end, period.campaign_id)


def cached(kind, area, period, compute):
    """compute() once per (kind, area, period, data version, minute), in this process."""
    key = _key(kind, area, period)
    cache = caches["figures"]
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TTL)
    return value


def cached_html(kind, area, period, render):
    """render() (a str) once per (kind, area, period, data version, minute) for every
    process: this process's memory first, then Redis, then render and share."""
    from django.utils.safestring import mark_safe

    key = _key(kind, area, period)
    cache = caches["figures"]
    html = cache.get(key)
    if html is not None:
        return html
    lock, holding = f"{key}:lock", False
    try:
        shared = _redis().get(key)
        if shared is None:
            holding = bool(_redis().set(lock, b"1", nx=True, ex=30))
            if not holding:
                shared = _wait_for(key)  # another process is rendering it right now
    except Exception:  # noqa: BLE001 - Redis down or slow: compute here instead
        shared = None
    if shared is not None:
        html = mark_safe(shared.decode())
    else:
        try:
            html = mark_safe(render())
            try:
                _redis().set(key, html.encode(), ex=TTL)
            except Exception:  # noqa: BLE001 - sharing is an optimisation only
                pass
        finally:
            if holding:
                try:
                    _redis().delete(lock)
                except Exception:  # noqa: BLE001 - it expires by itself
                    pass
    cache.set(key, html, TTL)
    return html


# How long a process waits for another one that is rendering the same figures (the first
# request of each minute arrives in every worker at once; a county takes about a second).
WAIT_SECONDS = 5.0


def _wait_for(key):
    """The HTML another process is rendering under key, once it is there; None after
    WAIT_SECONDS (then this process renders it too). Waiting sleeps, so the one rendering
    has the CPU to itself rather than four workers computing the same county at once."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.02)
        shared = _redis().get(key)
        if shared is not None:
            return shared
    return None


_MISSING = object()


def cached_for_user(user, name, compute, *, data_version=None):
    """compute() once per (user, name, data version, minute), in this process: a home
    page's panel, whose figures are the user's own (their areas, their cases). What is
    cached is the panel's data, never HTML (forms in it carry the request's CSRF token).
    `data_version` saves reading the version again when a page asks for several."""
    key = _cache_key("pxuser", user.pk, name, data_version=data_version)
    cache = caches["figures"]
    hit = cache.get(key, _MISSING)
    if hit is not _MISSING:
        return hit
    value = compute()
    cache.set(key, value, TTL)
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
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "postgresql":
        return
    existing = set(conn.introspection.table_names())
    with conn.cursor() as cursor:
        cursor.execute("SELECT to_regclass('pingxiang_figures_version')")
        if cursor.fetchone()[0] is None:  # migrating backwards, or not yet migrated
            return
        for table in tables():
            if table in existing:
                cursor.execute(
                    f'CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE '
                    f'OR TRUNCATE ON "{table}" FOR EACH STATEMENT '
                    f"EXECUTE FUNCTION pingxiang_bump_figures()")
