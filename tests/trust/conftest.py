"""Fixtures for the trust suites.

`world` is built once per module inside an outer transaction that is rolled back when the
module ends: each test runs in a savepoint within it (pytest-django's `db`), so what a test
writes is undone, and nothing the world holds leaks into other modules' tests.
"""

import pytest
from django.test import Client, override_settings

from tests.trust.world import ROLES, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.db import connection, transaction

    media = tmp_path_factory.mktemp("media")
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media),
                                                       PASSWORD_HASHERS=hashers):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = build_world()
            w.clients = {}
            for role in ROLES:
                client = Client(raise_request_exception=False)
                if role != "anon":
                    client.force_login(w.users[role],
                                       backend="django.contrib.auth.backends.ModelBackend")
                w.clients[role] = client
            # on_commit callbacks never run inside this block: nothing is enqueued.
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            connection.close()


@pytest.fixture
def wdb(world, db):
    """The world, inside this test's own savepoint."""
    return world


def _counts():
    """The trust suite's numbers (only what ran in this process): {label: count}."""
    import sys

    counts = {}
    for filename, name, label in (
            ("test_access_matrix.py", "REQUESTS", "access-matrix requests"),
            ("test_admin_matrix.py", "COUNT", "admin-matrix requests"),
            ("test_bad_input.py", "TRIED", "bad inputs tried"),
            ("test_races.py", "RACES", "races run"),
            ("test_properties.py", "EXAMPLES", "property examples"),
            ("test_access_log.py", "LOGGED", "access-logged views checked")):
        # A module may be loaded twice (by pytest, and imported by a sibling): add them up.
        total = sum(len(getattr(m, name, ())) for m in list(sys.modules.values())
                    if (getattr(m, "__file__", None) or "").endswith("trust/" + filename))
        if total:
            counts[label] = total
    return counts


def pytest_sessionfinish(session):
    """Under xdist, hand the numbers to the controller (tests/parallel.py adds them up)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput.setdefault("summary", {})["trust"] = _counts()


def pytest_terminal_summary(terminalreporter):
    """The trust suite's numbers for the report (only what ran in this session)."""
    counts = _counts()
    if counts:
        terminalreporter.write_sep(
            "-", "trust: " + "; ".join(f"{label}: {n}" for label, n in counts.items()))
