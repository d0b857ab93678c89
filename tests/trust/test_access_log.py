"""Data protection: every view and export of a confidential record (households with their
residents, key persons, dispute cases, petitions) leaves one access-log row naming the user,
the record and the kind; the log is kept at least six months and pruned only past that."""

import datetime as dt

import pytest
from django.utils import timezone

from pingxiang.models import AccessEvent
from tests.trust.urlmap import url_for

V, E, D = AccessEvent.Kind.VIEW, AccessEvent.Kind.EXPORT, AccessEvent.Kind.DOWNLOAD
# url name, roles to try (one that sees full numbers, one that does not), kind, record attr
CONFIDENTIAL = [
    ("grids:household_detail", ("centre", "grid", "leader"), V, "household"),
    ("grids:key_person_detail", ("cadre", "leader"), V, "key_person"),
    ("grids:visit_photo", ("grid",), D, "visit"),
    ("grids:visit_export", ("cadre", "leader"), E, None),
    ("cases:case_detail", ("grid", "centre", "leader"), V, "case"),
    ("cases:agreement_print", ("centre",), V, "case"),
    ("cases:attachment_download", ("centre",), D, "case"),
    ("cases:case_export", ("cadre", "leader"), E, None),
    ("petitions:detail", ("centre", "leader", "grid"), V, "petition"),
    ("petitions:attachment", ("centre",), D, "petition"),
    ("petitions:export", ("centre", "leader"), E, None),
    ("rectification:hazard_export", ("centre",), E, None),
]
LOGGED = []


@pytest.mark.parametrize("name,roles,kind,attr", CONFIDENTIAL,
                         ids=[c[0] for c in CONFIDENTIAL])
def test_every_view_and_export_of_a_confidential_record_is_logged(wdb, name, roles, kind,
                                                                  attr):
    place = wdb.places["xg"]
    url = url_for(name, place)
    for role in roles:
        before = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = wdb.clients[role].get(url)
        assert response.status_code == 200, (role, url, response.status_code)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        rows = list(AccessEvent.objects.filter(id__gt=before))
        LOGGED.append(1)
        assert len(rows) == 1, (role, url, rows)
        row = rows[0]
        assert row.user == wdb.users[role] and row.kind == kind, (role, url, row.kind)
        if attr:
            assert row.object_id == str(getattr(place, attr).pk), (role, url)
        assert row.ip == "127.0.0.1"


def test_a_refused_look_at_another_areas_record_reveals_and_logs_nothing(wdb):
    url = url_for("petitions:detail", wdb.places["far"])
    before = AccessEvent.objects.count()
    assert wdb.clients["centre"].get(url).status_code == 404
    assert AccessEvent.objects.count() == before


def test_access_log_is_kept_at_least_six_months(settings):
    from django.core.exceptions import ImproperlyConfigured

    from pingxiang.env import env_int

    assert settings.ACCESS_LOG_RETENTION_DAYS >= 183
    with pytest.raises(ImproperlyConfigured):
        import os
        os.environ["PX_TEST_RETENTION"] = "90"
        try:
            env_int("PX_TEST_RETENTION", 400, min_value=183)
        finally:
            del os.environ["PX_TEST_RETENTION"]


def test_nightly_prune_keeps_the_retention_and_the_database_keeps_six_months(wdb, settings):
    """(tests/foundation/test_audit_trail.py checks prune_access_log itself.) The beat's task
    uses the setting; and even with the prune switch on, PostgreSQL refuses to delete a row
    younger than 183 days, whatever the caller asked for."""
    from django.db import DatabaseError, connection, transaction

    from pingxiang.tasks import prune_access_log as prune_task

    user = wdb.users["centre"]
    ages = {"5 months": 150, "just over retention": 401, "two years": 730}
    rows = {label: AccessEvent.objects.create(
        user=user, username=user.username, kind=AccessEvent.Kind.VIEW, detail=label,
        at=timezone.now() - dt.timedelta(days=days)).pk for label, days in ages.items()}
    settings.ACCESS_LOG_RETENTION_DAYS = 400
    assert prune_task() >= 2
    left = set(AccessEvent.objects.filter(pk__in=rows.values()).values_list("detail", flat=True))
    assert left == {"5 months"}
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL pingxiang.prune = 'on'")
        cursor.execute("DELETE FROM pingxiang_accessevent WHERE id = %s", [rows["5 months"]])
    assert AccessEvent.objects.filter(pk=rows["5 months"]).exists()
