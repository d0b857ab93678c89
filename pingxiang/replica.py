"""Heavy reads on a PostgreSQL read replica (issue 22 §4), and a user's own writes read back
from the primary.

`DATABASE_REPLICA_URL` (optional) adds the `replica` database alias (pingxiang.settings).
Without it everything runs on the primary, as before, and nothing here costs a query.

Which reads go to the replica is said explicitly, by the entry points that make dashboards,
reports, exports and trends: a view decorated `@replica_reads`, or a task's
`with reads(user=...)`. Inside that block the router (`Router`) sends every ORM read to the
replica; writes always go to the primary and migrations never run on the replica. Outside a
block every read goes to the primary, whatever database an object came from.

Read-your-writes. A request that changed data (any INSERT/UPDATE/DELETE on the primary:
`WriteMarkMiddleware`), or a task that wrote for a user (`note_write(user)`), marks that user
in Django's cache: when (`last_write`), and with a replica the primary's WAL position (LSN).
A block sends the user's reads to the replica only when the replica has replayed at least
that far, so a user always sees their own writes, however far the replica lags. (The home
page's panels, cached for a minute once the rollups are built, are computed afresh after
the user's own write by the same mark: pingxiang.registry.panels_for.) Besides, the whole
block stays on the primary when the replica lags more than REPLICA_MAX_LAG_SECONDS
(everyone's figures stay within that of the truth), when the replica cannot be reached, or
when the cache that holds the marks cannot be read (then nobody's last write is known: the
primary is always right).
"""

import contextvars
import functools
import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

ALIAS = "replica"
WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "COPY")

log = logging.getLogger(__name__)

_READING = contextvars.ContextVar("pingxiang_replica_reads", default=False)
_DOWN_UNTIL = [0.0]  # after a failed connection, skip the replica for a while (monotonic)
DOWN_SECONDS = 10


def configured():
    return ALIAS in settings.DATABASES


def read_alias():
    """The alias reads use here: the replica inside a block that chose it, else the primary.
    Inside a transaction on the primary (an action, `select_for_update`) reads stay with it:
    what a write depends on is read where it is written. For raw SQL that must read the same
    database as the ORM (pingxiang.figurecache)."""
    if _READING.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return ALIAS
    return DEFAULT_DB_ALIAS


class Router:
    """Reads inside a replica block to the replica; every other read, every write and every
    migration to the primary."""

    def db_for_read(self, model, **hints):
        # Explicit, so an object read from the replica does not pull its related rows from
        # there after the block (Django would otherwise follow the instance's database).
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two views of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != ALIAS


@contextmanager
def primary():
    """Reads inside go to the primary, even within a replica block (a read that is followed
    by a write depending on it)."""
    token = _READING.set(False)
    try:
        yield
    finally:
        _READING.reset(token)


@contextmanager
def reads(user=None):
    """Reads inside go to the replica when it fits (see the module); yields the alias used."""
    alias = ALIAS if configured() and _fits(user) else DEFAULT_DB_ALIAS
    token = _READING.set(alias == ALIAS)
    try:
        yield alias
    finally:
        _READING.reset(token)


def replica_reads(view):
    """A view whose reads may come from the replica (dashboards, reports, exports, trends)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        with reads(user=getattr(request, "user", None)):
            return view(request, *args, **kwargs)

    return wrapped


# --- Deciding -------------------------------------------------------------------------

def _mark_key(user_id):
    return f"pxwrote:{user_id}"


def _fits(user):
    """True when the replica may answer this user's reads now."""
    if time.monotonic() < _DOWN_UNTIL[0]:
        return False
    try:
        status = replica_status()
    except Exception as exc:  # noqa: BLE001 - any failure means: ask the primary
        _DOWN_UNTIL[0] = time.monotonic() + DOWN_SECONDS
        log.warning("read replica unavailable, reading the primary: %r", exc)
        connections[ALIAS].close()
        return False
    if status["lag_seconds"] > settings.REPLICA_MAX_LAG_SECONDS:
        return False
    user_id = getattr(user, "pk", user)  # a user or a user's id
    if user_id is None:
        return True
    try:
        mark = cache.get(_mark_key(user_id))
    except Exception as exc:  # noqa: BLE001
        log.warning("write marks unavailable, reading the primary: %r", exc)
        return False
    wrote_at = mark[1] if mark else None  # None: no write lately, or before the replica
    return wrote_at is None or status["replayed"] >= wrote_at


def replica_status():
    """{"replayed": LSN as a number, "lag_seconds": float} of the replica. The lag is 0 while
    it has replayed all it received, else the age of the last transaction it replayed."""
    with connections[ALIAS].cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() - '0/0'::pg_lsn, "
            "CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) "
            "END")
        in_recovery, replayed, lag = cursor.fetchone()
    if not in_recovery:  # pointed at a primary (a promoted replica): it has everything
        return {"replayed": float("inf"), "lag_seconds": 0.0}
    return {"replayed": int(replayed), "lag_seconds": float(lag)}


# --- Marking writes -------------------------------------------------------------------

def primary_position():
    """The primary's current WAL position (LSN) as a number."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
        return int(cursor.fetchone()[0])


def note_write(user):
    """`user` (or a user id) has written: (when, the primary's WAL position or None without
    a replica). Their reads stay on the primary until the replica has replayed up to here,
    and their home page's panels are computed afresh. Call after the transaction committed."""
    user_id = getattr(user, "pk", user)
    if user_id is None:
        return
    try:
        position = primary_position() if configured() else None
        # Kept past the lag guard (once it is gone, a replica within the guard has it too)
        # and past the minute a panel is cached for.
        cache.set(_mark_key(user_id), (time.time_ns(), position),
                  2 * settings.REPLICA_MAX_LAG_SECONDS + 60)
    except Exception as exc:  # noqa: BLE001 - a mark lost: the max-lag guard remains
        log.warning("could not record a write for the replica's routing: %r", exc)


def last_write(user):
    """When `user` last wrote (time.time_ns()), lately; 0 when not, or when the cache that
    holds the marks cannot be read."""
    try:
        mark = cache.get(_mark_key(getattr(user, "pk", user)))
    except Exception as exc:  # noqa: BLE001
        log.warning("write marks unavailable: %r", exc)
        return 0
    return mark[0] if mark else 0


def is_write(sql):
    words = sql.lstrip().split(None, 1)
    return bool(words) and words[0].upper() in WRITES


class WriteMarkMiddleware:
    """Marks the user of a request that changed data on the primary (note_write), so their
    next pages read it back from the primary and show it on their home page at once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        wrote = []

        def watch(execute, sql, params, many, context):
            if not wrote and is_write(sql):
                wrote.append(True)
            return execute(sql, params, many, context)

        with connections[DEFAULT_DB_ALIAS].execute_wrapper(watch):
            response = self.get_response(request)
        user = getattr(request, "user", None)
        if wrote and user is not None and user.is_authenticated:
            note_write(user)
        return response
