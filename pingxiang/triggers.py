"""The guard of the post_migrate hooks that (re)create PostgreSQL triggers (the figures'
version in pingxiang.figurecache, the rollups' marks in dashboard.rollups): triggers are made
after every migrate, from the models, so a new table is covered without a migration of its own."""

from django.db import connections


def tables_to_trigger(using, requires):
    """The tables that exist in the database `using`, or None when the triggers cannot be
    made there: it is not PostgreSQL, or `requires` (an SQL expression naming what they call,
    e.g. "to_regproc('f')") is NULL, because a migration is going backwards or has not yet
    run."""
    conn = connections[using]
    if conn.vendor != "postgresql":
        return None
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT {requires}")
        if cursor.fetchone()[0] is None:
            return None
    return set(conn.introspection.table_names())
