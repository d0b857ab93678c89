"""Test databases made once per run and copied, not built again in every process.

Migrating the schema takes each pytest-xdist worker tens of seconds, and seed_demo (the
whole demo town) longer; on a machine with fewer cores than workers they also run at the
same time. So the first worker to need one builds it, as a PostgreSQL template database,
and every worker copies it (CREATE DATABASE ... TEMPLATE, a file copy in the server):

- `test_<name>_migrated_template`: the migrated schema with what the data migrations
  write. Every worker's test database (test_<name>_gw0, ...) is a copy of it.
- `test_<name>_demo_template`: a copy of that with seed_demo run once. A test module that
  wants the demo town (the `demo_town` fixture) runs its tests on it, each in a transaction
  rolled back as usual, one module at a time.

A PostgreSQL advisory lock makes one worker build a template while the others wait for it;
a comment on the template database names the run that built it (an id the controller hands
its workers), so a template left by an earlier run (other migrations, another seed) is
never used. The run's controller drops the templates when the run ends.
"""

import io
import uuid
import zlib

from django.db import connections, transaction

ALIAS = "default"


def run_id(config):
    """The same in the controller and every worker of one run (the controller hands it to
    each worker: tests/conftest.py's pytest_configure_node); new for each run."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return workerinput["pingxiang_run"]
    if not hasattr(config, "_pingxiang_run_id"):
        config._pingxiang_run_id = uuid.uuid4().hex
    return config._pingxiang_run_id


_names = {}


def _test_name(connection):
    """This process's test database (test_<name>_gw0), as named before any switch."""
    if "test" not in _names:
        _names["test"] = connection.creation._get_test_db_name()
    return _names["test"]


def _base_name(connection, config):
    """test_<name>: the test database's name without the worker's _gwN."""
    name = _test_name(connection)
    worker = getattr(config, "workerinput", {}).get("workerid")
    if worker and name.endswith("_" + worker):
        name = name[: -len(worker) - 1]
    return name


def migrated_name(connection, config):
    return _base_name(connection, config) + "_migrated_template"


def demo_name(connection, config):
    return _base_name(connection, config) + "_demo_template"


class _Locked:
    """A cursor on the server's maintenance database holding an advisory lock named after
    `name` for as long as the block runs (the lock goes with the session if we die)."""

    def __init__(self, connection, name):
        self.connection, self.key = connection, zlib.crc32(name.encode())

    def __enter__(self):
        self._cm = self.connection._nodb_cursor()
        self.cursor = self._cm.__enter__()
        self.cursor.execute("SELECT pg_advisory_lock(%s)", [self.key])
        return self.cursor

    def __exit__(self, *exc):
        try:
            self.cursor.execute("SELECT pg_advisory_unlock(%s)", [self.key])
        finally:
            self._cm.__exit__(*exc)

    def release(self):
        self.__exit__(None, None, None)


def _built_by(cursor, name):
    cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                   "WHERE datname = %s", [name])
    row = cursor.fetchone()
    return row[0] if row else None


def _mark(cursor, connection, name, run):
    cursor.execute(f"COMMENT ON DATABASE {connection.ops.quote_name(name)} IS %s", [run])


def _drop(cursor, connection, name):
    cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")


def _copy(cursor, connection, source, target):
    q = connection.ops.quote_name
    _drop(cursor, connection, target)
    cursor.execute(f"CREATE DATABASE {q(target)} TEMPLATE {q(source)}")


def _switch(connection, name):
    """Point the connection (and settings.DATABASES, the same dict) at another database.
    The process forgets what it held of the old one (pingxiang.held: the area tree, the
    calendar, the cases' reference data), each checked by a version number that two
    databases may share."""
    from django.contrib.contenttypes.models import ContentType

    from pingxiang import held

    connection.close()
    connection.settings_dict["NAME"] = name
    held.forget_all()
    ContentType.objects.clear_cache()


def eligible(aliases, keepdb, use_migrations):
    """Only the one PostgreSQL database (tests may name a `replica` alias that this run has
    not configured: setup_databases skips it too), made afresh and migrated."""
    connection = connections[ALIAS]
    return (connection.vendor == "postgresql" and set(aliases) & set(connections) == {ALIAS}
            and not keepdb and use_migrations)


def setup_test_database(config, verbosity, serialize):
    """Make this process's test database a copy of the run's migrated template (built here
    if no process of the run has yet). Returns setup_databases()'s old_config."""
    connection = connections[ALIAS]
    run = run_id(config)
    template = migrated_name(connection, config)
    own = _test_name(connection)
    original = connection.settings_dict["NAME"]
    with _Locked(connection, template) as cursor:
        if _built_by(cursor, template) != run:
            test_settings = connection.settings_dict["TEST"]
            saved = test_settings.get("NAME")
            test_settings["NAME"] = template
            try:
                connection.creation.create_test_db(verbosity=verbosity, autoclobber=True,
                                                   serialize=False)
            finally:
                test_settings["NAME"] = saved
            connection.close()
            _mark(cursor, connection, template, run)
        _copy(cursor, connection, template, own)
    _switch(connection, own)
    if serialize:
        connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    connection.ensure_connection()
    return [(connection, original, True)]


def demo_town(config):
    """The run's demo-town database, built here (from the migrated template) if no process
    of the run has yet. Returns (its name, a held lock): the caller uses it while it holds
    the lock, one test module at a time across the workers, each test inside a transaction
    that is rolled back, so it stays as seeded; the caller then releases the lock (.release()).
    No copy per module: copying and dropping it cost more than the rare wait."""
    connection = connections[ALIAS]
    run = run_id(config)
    migrated, demo = migrated_name(connection, config), demo_name(connection, config)
    lock = _Locked(connection, demo)
    cursor = lock.__enter__()
    try:
        if _built_by(cursor, demo) != run:
            if _built_by(cursor, migrated) != run:  # --reuse-db: no template; copy our own
                migrated = connection.settings_dict["NAME"]
                connection.close()
            _copy(cursor, connection, migrated, demo)
            _seed(connection, demo)
            _mark(cursor, connection, demo, run)
    except BaseException:
        lock.release()
        raise
    return demo, lock


def _seed(connection, name):
    from django.core.management import call_command
    from django.test import override_settings

    back = connection.settings_dict["NAME"]
    _switch(connection, name)
    try:
        # The tests' password hasher (tests/conftest.py), or the demo logins would not work.
        hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        with override_settings(DEBUG=True, PASSWORD_HASHERS=hashers), transaction.atomic():
            call_command("seed_demo", stdout=io.StringIO())
            # As when each test seeded inside its own transaction: what the seed leaves to
            # run after commit (messages to send, exports) is never sent. It would reach this
            # worker's Celery queue and a later real worker would run it on another database.
            connection.run_on_commit.clear()
    finally:
        _switch(connection, back)


def use(name):
    _switch(connections[ALIAS], name)


def drop_templates(config):
    """At the end of the run (its controller, or the one process without xdist)."""
    connection = connections[ALIAS]
    if connection.vendor != "postgresql":
        return
    with connection._nodb_cursor() as cursor:
        for name in (migrated_name(connection, config), demo_name(connection, config)):
            if _built_by(cursor, name) == run_id(config):
                _drop(cursor, connection, name)
