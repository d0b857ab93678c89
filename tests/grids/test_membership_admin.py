"""Posts granted in the Django admin (issue 16 §3): never to oneself, only inside one's own
areas, only below one's own rank, and every grant and revocation is in the audit trail."""

import pytest
from django.urls import reverse

from grids.actions import create_area, ensure_user, grant_membership
from grids.models import Area, Membership
from grids.roles import grant_refusal
from pingxiang.models import AuditEvent
from pingxiang.roles import Role

pytestmark = pytest.mark.django_db


def _add(client, user, area, role):
    return client.post(reverse("admin:grids_membership_add"), {
        "user": user.pk, "area": area.pk, "role": Role(role).value, "title": ""})


@pytest.mark.parametrize("role", [Role.CENTRE_STAFF, Role.LEADER, Role.SUPERVISOR,
                                  Role.GRID_WORKER])
def test_administrator_cannot_grant_himself_a_post(cast, login, role):
    client = login(cast.admin)
    response = _add(client, cast.admin, cast.town, role)
    assert response.status_code == 200  # the form again, with the refusal
    assert not Membership.objects.filter(user=cast.admin, role=role).exists()
    assert not AuditEvent.objects.filter(action="membership.grant", actor=cast.admin).exists()


def test_self_grant_refused_even_for_a_superuser(cast):
    cast.admin.is_superuser = True
    assert grant_refusal(cast.admin, cast.admin, cast.town, Role.LEADER)


def test_administrator_cannot_grant_outside_his_areas(cast, login):
    other_county = create_area(parent=None, kind=Area.Kind.COUNTY, name="陇西县")
    newcomer = ensure_user("newcomer", full_name="新人", password="pw")
    response = _add(login(cast.admin), newcomer, other_county, Role.CENTRE_STAFF)
    assert response.status_code == 200
    assert not Membership.objects.filter(user=newcomer).exists()
    # The rule itself: a village's administrator staffs his village, not the next one.
    village_admin = ensure_user("village_admin", full_name="村管理员", password="pw")
    grant_membership(village_admin, cast.xiguan, Role.ADMIN)
    assert grant_refusal(village_admin, newcomer, cast.menghe, Role.GRID_WORKER)
    assert grant_refusal(village_admin, newcomer, cast.xiguan, Role.GRID_WORKER) is None


@pytest.mark.parametrize("actor_name, role, refused", [
    ("admin", Role.LEADER, False),
    ("admin", Role.ADMIN, True),       # peers and auditors: the superuser's to appoint
    ("admin", Role.AUDITOR, True),
    ("leader", Role.CENTRE_STAFF, False),
    ("leader", Role.LEADER, True),     # not one's own rank
    ("centre", Role.LEADER, True),     # nor above it
    ("cadre_xiguan", Role.GRID_WORKER, False),
])
def test_posts_are_granted_only_below_ones_own_rank(cast, actor_name, role, refused):
    newcomer = ensure_user("newcomer", full_name="新人", password="pw")
    area = cast.xiguan
    assert bool(grant_refusal(getattr(cast, actor_name), newcomer, area, role)) is refused


def test_grant_through_the_admin_is_audited(cast, login):
    newcomer = ensure_user("newcomer", full_name="新人", password="pw")
    response = _add(login(cast.admin), newcomer, cast.xiguan, Role.GRID_WORKER)
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer)
    event = AuditEvent.objects.get(action="membership.grant", object_id=str(membership.pk))
    assert event.actor == cast.admin
    assert newcomer.groups.filter(name=Role.GRID_WORKER.label).exists()


def test_revocation_through_the_admin_is_audited(cast, login):
    membership = cast.grid_menghe.memberships.get()
    client = login(cast.admin)
    response = client.post(reverse("admin:grids_membership_change", args=[membership.pk]),
                           {"title": "", "_save": "1"})  # is_active unticked
    assert response.status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active
    event = AuditEvent.objects.get(action="membership.revoke", object_id=str(membership.pk))
    assert event.actor == cast.admin


def test_revoke_action_is_audited_and_skips_what_one_may_not_revoke(cast, login):
    mine = cast.admin.memberships.get()
    theirs = cast.cadre_xiguan.memberships.get()
    login(cast.admin).post(reverse("admin:grids_membership_changelist"), {
        "action": "revoke_selected", "_selected_action": [mine.pk, theirs.pk]})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.is_active and not theirs.is_active
    assert list(AuditEvent.objects.filter(action="membership.revoke")
                .values_list("object_id", flat=True)) == [str(theirs.pk)]


def test_administrator_cannot_change_his_own_post_nor_make_anyone_staff(cast, login):
    client = login(cast.admin)
    mine = cast.admin.memberships.get()
    response = client.post(reverse("admin:grids_membership_change", args=[mine.pk]),
                           {"title": "", "is_active": "on"})
    assert response.status_code == 403
    page = client.get(reverse("admin:auth_user_change", args=[cast.grid_menghe.pk]))
    assert 'name="is_staff"' not in page.content.decode()
