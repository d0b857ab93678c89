import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from pingxiang import audit
from pingxiang.models import AccessEvent, AuditEvent

pytestmark = pytest.mark.django_db


def test_actions_record_who_when_what_from_to(cast):
    from grids.actions import revoke_membership

    membership = cast.grid_menghe.memberships.get()
    assert revoke_membership(membership, actor=cast.admin, reason="调离")
    event = AuditEvent.objects.filter(action="membership.revoke").get()
    assert event.actor == cast.admin and event.actor_name == "刘洋"
    assert (event.from_state, event.to_state, event.reason) == ("有效", "撤销", "调离")
    assert event.object_id == str(membership.pk)
    # Doing it again changes nothing and records nothing.
    assert not revoke_membership(membership, actor=cast.admin)
    assert AuditEvent.objects.filter(action="membership.revoke").count() == 1


def test_audit_rows_cannot_be_changed_or_deleted_by_the_orm(cast):
    event = audit.record(cast.xiguan, actor=cast.admin, action="test", to_state="x")
    event.reason = "篡改"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="篡改")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.parametrize("table", ["pingxiang_auditevent", "pingxiang_accessevent"])
def test_database_refuses_update_and_delete_from_any_client(cast, table):
    audit.record(cast.xiguan, actor=cast.admin, action="test")
    audit.log_access(cast.centre, AccessEvent.Kind.VIEW, cast.xiguan)
    for sql in (f"UPDATE {table} SET object_repr = 'x'", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
    assert AuditEvent.objects.exists() and AccessEvent.objects.exists()


def test_admin_cannot_change_or_delete_audit_records(client, cast):
    from django.contrib.auth import get_user_model

    event = audit.record(cast.xiguan, actor=cast.admin, action="test", to_state="x")
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    change_url = reverse("admin:pingxiang_auditevent_change", args=[event.pk])
    page = client.get(change_url)
    assert page.status_code == 200  # readable ...
    assert "name=\"_save\"" not in page.content.decode()  # ... but no save button
    response = client.post(change_url, {"reason": "篡改", "to_state": "y"})
    assert response.status_code == 403
    delete_url = reverse("admin:pingxiang_auditevent_delete", args=[event.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:pingxiang_auditevent_add")).status_code == 403
    changelist = reverse("admin:pingxiang_auditevent_changelist")
    response = client.post(changelist, {"action": "delete_selected", "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert event.reason == "" and AuditEvent.objects.filter(pk=event.pk).exists()


def test_area_page_shows_its_timeline(login, cast):
    html = login(cast.cadre_xiguan).get(reverse("grids:area_detail", args=[cast.xiguan.pk]))
    assert "新建辖区" in html.content.decode()


def test_access_log_records_reads(cast, rf):
    request = rf.get("/")
    request.META["REMOTE_ADDR"] = "10.1.2.3"
    audit.log_access(cast.centre, AccessEvent.Kind.EXPORT, cast.xiguan, detail="台账导出",
                     request=request)
    row = AccessEvent.objects.get()
    assert (row.username, row.kind, row.ip, row.object_repr) == ("centre", "export", "10.1.2.3",
                                                                  "西关村")


def test_old_access_log_rows_are_pruned_only_after_retention(cast):
    import datetime as dt

    import time_machine

    from pingxiang.audit import prune_access_log

    with time_machine.travel(dt.datetime(2025, 1, 1, tzinfo=dt.UTC)):
        audit.log_access(cast.centre, AccessEvent.Kind.VIEW, cast.xiguan)
    audit.log_access(cast.centre, AccessEvent.Kind.VIEW, cast.menghe)
    assert prune_access_log(retention_days=400) == 1
    assert list(AccessEvent.objects.values_list("object_repr", flat=True)) == ["孟河村"]
    with pytest.raises(ValueError):
        prune_access_log(retention_days=30)  # below the 6 months the law requires
