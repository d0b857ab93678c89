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
minute old. The cache is each process's own memory (the `figures` cache), so it cannot fail
when Redis is down and never crosses processes."""

from django.apps import apps
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

APPS = ("grids", "cases", "petitions", "rectification")
TRIGGER = "pingxiang_figures_version"
TTL = 60


def version():
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value FROM pingxiang_figures_version")
        return cursor.fetchone()[0]


def cached(kind, area, period, compute):
    """compute() once per (kind, area, period, data version, minute)."""
    minute = timezone.now().strftime("%Y%m%d%H%M")
    key = ":".join(str(part) for part in (
        kind, area.pk, period.start, period.end, period.campaign_id, version(), minute))
    cache = caches["figures"]
    value = cache.get(key)
    if value is None:
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
