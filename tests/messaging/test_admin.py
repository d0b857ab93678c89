"""Policy values are data an administrator edits in the admin, checked and audited: quiet
hours, the digest time, retries (kept inside WeCom's 4-hour duplicate check), rate limits,
which kinds are urgent; work-group robots are listed under the administrator's own areas."""

import pytest
from django.urls import reverse

from grids.actions import create_area, ensure_user, grant_membership
from grids.models import Area
from grids.roles import sync_role_groups
from messaging.models import GroupRobot, KindRule, MessagingPolicy
from pingxiang.models import AuditEvent
from pingxiang.roles import Role

pytestmark = pytest.mark.django_db

POLICY = {"quiet_start": "22:00", "quiet_end": "07:00", "digest_time": "08:00",
          "digest_working_days_only": "on", "digest_max_lines": 8, "max_attempts": 8,
          "backoff_seconds": 60, "backoff_max_seconds": 1800, "lease_seconds": 120,
          "wecom_per_minute": 6000, "robot_per_minute": 20, "sms_per_minute": 1000}


@pytest.fixture
def admin_client(cast, login):
    sync_role_groups()
    return login(cast.admin)


def test_the_policy_is_edited_checked_and_audited(admin_client):
    url = reverse("admin:messaging_messagingpolicy_change", args=[1])
    response = admin_client.post(url, {**POLICY, "quiet_start": "21:30", "quiet_end": "06:30"})
    assert response.status_code == 302
    policy = MessagingPolicy.current()
    assert (policy.quiet_start.hour, policy.quiet_end.minute) == (21, 30)
    assert AuditEvent.objects.filter(action="messaging.messagingpolicy.save",
                                     actor__username="admin").exists()
    refused = admin_client.post(url, {**POLICY, "digest_time": "06:00"})
    assert "早间汇总时间不能落在免打扰时段内" in refused.content.decode()
    refused = admin_client.post(url, {**POLICY, "max_attempts": 12})
    assert "不能超过3.5小时" in refused.content.decode()
    refused = admin_client.post(url, {**POLICY, "robot_per_minute": 30})
    assert refused.status_code == 200 and MessagingPolicy.current().robot_per_minute == 20


def test_an_administrator_makes_a_kind_urgent(admin_client):
    rule = KindRule.objects.get(code="case_push")
    response = admin_client.post(reverse("admin:messaging_kindrule_change", args=[rule.pk]), {
        "label": rule.label, "mode": "immediate", "urgent": "on", "wecom_default": "on",
        "sort_order": rule.sort_order})
    assert response.status_code == 302
    assert KindRule.objects.get(code="case_push").urgent
    assert admin_client.get(reverse("admin:messaging_kindrule_add")).status_code == 403


def test_robots_are_listed_under_the_administrators_own_areas(cast, login):
    sync_role_groups()
    other_county = create_area(parent=None, kind=Area.Kind.COUNTY, name="外县", short_name="外县")
    GroupRobot.objects.create(area=cast.xiguan, label="西关村工作群", key_name="xiguan")
    far = GroupRobot.objects.create(area=other_county, label="外县工作群", key_name="far")
    town_admin = ensure_user("admin_town", full_name="黄管理", password="pw")
    grant_membership(town_admin, cast.town, Role.ADMIN)
    town_admin.is_staff = True
    town_admin.save(update_fields=["is_staff"])
    client = login(town_admin)
    html = client.get(reverse("admin:messaging_grouprobot_changelist")).content.decode()
    assert "西关村工作群" in html and "外县工作群" not in html
    assert client.get(reverse("admin:messaging_grouprobot_change",
                              args=[far.pk])).status_code == 302  # "不存在"
    response = client.post(reverse("admin:messaging_grouprobot_add"), {
        "area": cast.menghe.pk, "label": "孟河村工作群", "key_name": "menghe", "is_active": "on"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="messaging.grouprobot.save",
                                     actor=town_admin).exists()
