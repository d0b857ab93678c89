"""Issue 22 §4: dashboards read a real streaming replica of the test database's PostgreSQL
(pg_basebackup -R, started on another port: tests/pgreplica.py), and a user's own write is
on their dashboard at once (read from the primary) while the replica has not replayed it.

The replica is a copy of the whole server, so starting it takes about a minute here."""

import re
import uuid

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pingxiang import figurecache, replica
from tests.conftest import build_cast
from tests.pgreplica import StreamingReplica
from tests.rectification.conftest import ensure_reference_data, png

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", replica.ALIAS])


@pytest.fixture(scope="module")
def streaming_replica(django_db_setup, django_db_blocker):
    """The replica, and the `replica` alias on it, as DATABASE_REPLICA_URL would make it:
    the primary's test database as streamed to the replica (TEST MIRROR)."""
    with django_db_blocker.unblock():
        server = StreamingReplica(connections["default"].settings_dict)
        try:
            server.start()
            server.wait_replayed()  # the test database, created on the primary, is there
        except BaseException:
            server.stop()
            raise
    connections.settings[replica.ALIAS] = server.settings_dict()  # settings.DATABASES too
    try:
        yield server
    finally:
        connections[replica.ALIAS].close()
        del connections[replica.ALIAS]
        del connections.settings[replica.ALIAS]
        server.stop()


def _logged_in(user):
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _hazards_found(page):
    html = page.content.decode()
    found = re.search(r'id="fig-hazards_found">.*?class="stat"[^>]*>\s*(\d+)\s*<', html,
                      re.DOTALL)
    assert found, "the dashboard shows no 排查发现隐患 figure"
    return int(found.group(1))


def _dashboard(client):
    """The page, and the SQL that ran on the primary and on the replica for it."""
    with CaptureQueriesContext(connection) as primary, \
            CaptureQueriesContext(connections[replica.ALIAS]) as on_replica:
        page = client.get(reverse("dashboard"))
    assert page.status_code == 200
    return (page, " ".join(q["sql"] for q in primary.captured_queries),
            " ".join(q["sql"] for q in on_replica.captured_queries))


def test_dashboards_read_the_replica_and_a_writer_reads_back_from_the_primary(
        streaming_replica, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_reference_data()
    cast = build_cast()
    streaming_replica.wait_replayed()
    leader, centre = _logged_in(cast.leader), _logged_in(cast.centre)

    # A leader's dashboard: its figures are counted on the replica, not on the primary.
    page, on_primary, on_replica = _dashboard(leader)
    assert _hazards_found(page) == 0
    assert "rectification_hazard" in on_replica and "pingxiang_figures_version" in on_replica
    assert "rectification_hazard" not in on_primary
    streaming_replica.wait_replayed()

    # The replica stops replaying: whatever is written now is not on it.
    with streaming_replica.connect() as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    response = centre.post(reverse("rectification:hazard_create"), {
        "source": "public", "category": _category("消防"), "grade": "一般",
        "area": cast.xiguan_grid.pk, "description": "柴草堆靠近灶房",
        "found_date": timezone.localdate().isoformat(), "photos": [png()]})
    assert response.status_code == 302, response.content.decode()[:2000]

    # The writer's dashboard has it at once: read from the primary.
    page, on_primary, on_replica = _dashboard(centre)
    assert _hazards_found(page) == 1
    assert "rectification_hazard" in on_primary and "rectification_hazard" not in on_replica

    # Anyone else still reads the replica (within REPLICA_MAX_LAG_SECONDS of the truth).
    page, on_primary, on_replica = _dashboard(leader)
    assert _hazards_found(page) == 0
    assert "pingxiang_figures_version" in on_replica

    # Replaying again: once the replica has the write, the writer reads it there too.
    with streaming_replica.connect() as conn:
        conn.execute("SELECT pg_wal_replay_resume()")
    streaming_replica.wait_replayed()
    figurecache.NAMESPACE = uuid.uuid4().hex  # computed afresh, not the cached page
    page, on_primary, on_replica = _dashboard(centre)
    assert _hazards_found(page) == 1
    assert "rectification_hazard" in on_replica and "rectification_hazard" not in on_primary
    page, _, on_replica = _dashboard(leader)
    assert _hazards_found(page) == 1


def test_an_export_reads_the_replica_and_writes_its_access_log_on_the_primary(
        streaming_replica):
    from pingxiang.models import AccessEvent

    cast = build_cast()
    streaming_replica.wait_replayed()
    client = _logged_in(cast.centre)
    with CaptureQueriesContext(connection) as primary, \
            CaptureQueriesContext(connections[replica.ALIAS]) as on_replica:
        response = client.get(reverse("cases:case_export"))
    assert response.status_code == 200
    assert "cases_case" in " ".join(q["sql"] for q in on_replica.captured_queries)
    assert "cases_case" not in " ".join(q["sql"] for q in primary.captured_queries)
    assert AccessEvent.objects.filter(user=cast.centre, kind=AccessEvent.Kind.EXPORT).exists()


def _category(name):
    from rectification.models import HazardCategory

    return HazardCategory.objects.get(name=name).pk
