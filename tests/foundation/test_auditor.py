import pytest
from django.urls import reverse

from grids.actions import ensure_user, grant_membership
from pingxiang import audit
from pingxiang.models import AccessEvent
from pingxiang.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(cast):
    user = ensure_user("auditor", full_name="审计员", password="pw")
    grant_membership(user, cast.county, Role.AUDITOR)
    return user


def test_auditor_reads_both_logs(login, cast, auditor):
    audit.record(cast.xiguan, actor=cast.admin, action="x.test", action_label="测试动作",
                 reason="原因甲")
    audit.log_access(cast.centre, AccessEvent.Kind.EXPORT, cast.menghe, detail="导出台账")
    client = login(auditor)
    html = client.get(reverse("audit_log")).content.decode()
    assert "测试动作" in html and f"#{cast.xiguan.pk}" in html
    assert "原因甲" not in html  # who did what, not the record's contents (pingxiang/auditlog.py)
    html = client.get(reverse("audit_log"), {"log": "access", "kind": "export"}).content.decode()
    assert "导出台账" in html and "centre" in html


def test_nobody_else_reads_the_logs(login, cast):
    for user in (cast.leader, cast.centre, cast.admin, cast.grid_xiguan):
        assert login(user).get(reverse("audit_log")).status_code == 403


def test_auditor_sees_no_casework(login, cast, auditor):
    client = login(auditor)
    assert client.get(reverse("grids:area_detail", args=[cast.xiguan.pk])).status_code == 404
    assert "西关村" not in client.get(reverse("grids:area_list")).content.decode()
    assert client.get(reverse("cases:case_list")).context["page"].paginator.count == 0
