"""Reference data each process keeps in memory, read again only when a trigger has moved its
version (a one-row table `<name>_version`, column v, id 1): the area tree, the calendar, the
cases' ladder, policy and categories. Each request reads the version once
(pingxiang.requestcache). The loader reads the data and its version in one statement, or
the data alone, held under the version read before it (Held), so a copy is never older than
its version says."""

import threading

from django.db import connection

from pingxiang.requestcache import memo

_ALL = []  # every Held of the process, for forget_all


def version_sql(table, function, tables):
    """The migration SQL of a Held's version: the one-row `table` and a statement trigger
    (named as the table) on each of `tables` that stamps it in the same transaction as the
    change, so a reader sees the data and the version from one snapshot. The value comes from
    a sequence, so a rolled-back change never leaves two different copies under one number."""
    triggers = "".join(f"""
CREATE OR REPLACE TRIGGER {table}
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {on}
    FOR EACH STATEMENT EXECUTE FUNCTION {function}();
""" for on in tables)
    return f"""
CREATE SEQUENCE IF NOT EXISTS {table}_seq;
CREATE TABLE IF NOT EXISTS {table} (
    id smallint PRIMARY KEY CHECK (id = 1),
    v bigint NOT NULL
);
INSERT INTO {table} VALUES (1, nextval('{table}_seq'))
    ON CONFLICT (id) DO NOTHING;
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    INSERT INTO {table} VALUES (1, nextval('{table}_seq'))
        ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
""" + triggers


def version_reverse_sql(table, function, tables):
    """What version_sql made, dropped."""
    return "".join(f"DROP TRIGGER IF EXISTS {table} ON {on};\n" for on in tables) + f"""
DROP FUNCTION IF EXISTS {function}();
DROP TABLE IF EXISTS {table};
DROP SEQUENCE IF EXISTS {table}_seq;
"""


def forget_all():
    """Every process-held copy is read again at its next use (a test database swapped under
    the process: two databases may share version numbers)."""
    for held in _ALL:
        held.forget()


class Held:
    """`load()` returns (version, data), the version read in the same statement as the data;
    or (None, data), and the data is held under the version read just before loading (a
    change committed in between leaves newer data under the older number, read again at the
    next request, never older data under the newer). `get()` is the data as it is now."""

    def __init__(self, name, version_table, load):
        self.name = name
        self._version_sql = f"SELECT v FROM {version_table} WHERE id = 1"
        self._load = load
        self._held = None  # (version, data)
        self._lock = threading.Lock()
        _ALL.append(self)

    def version(self):
        with connection.cursor() as cursor:
            cursor.execute(self._version_sql)
            row = cursor.fetchone()
        return row[0] if row else None

    def forget(self):
        """Read again at the next call (a test database swapped under the process)."""
        self._held = None

    def _current(self):
        now = self.version()
        held = self._held
        if held is not None and now is not None and held[0] == now:
            return held[1]
        with self._lock:
            loaded, data = self._load()
            if loaded is None:
                loaded = now
            if loaded is not None:
                self._held = (loaded, data)
        return data

    def get(self):
        """The data as it is now: its version checked once per request, and on every call
        outside one."""
        return memo(self.name, self._current)
