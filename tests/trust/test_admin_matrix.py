"""The Django admin in the access matrix: every admin URL × every role, and for models with an
area, the user's own record and another county's record.

Only the system administrator (系统管理员) and the auditor (安全审计员) are staff; everyone else
is sent to the admin login (302). What the two may do is the table ADMIN below: letters v(iew),
a(dd), c(hange), d(elete) per model. A model registered in the admin without a row fails
test_every_admin_model_is_in_the_matrix; an admin URL without a rule fails
test_every_admin_url_is_covered.

The admin site never shows a resident's ID or phone number in full, to anyone (neither role is
in grids.access FULL_ID_ROLES / FULL_PHONE_ROLES), nor another area's record, nor a
petition's content; the auditor sees no place's records at all.
"""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.trust.test_access_matrix import _leaks
from tests.trust.urlmap import iter_named_patterns
from tests.trust.world import MARK, ROLES, SECRET

STAFF = ("admin", "auditor")
#                           admin   auditor  record on a place (own / other-area pages)
ADMIN = {
    "auth.group":                ("",     "",  None),
    "auth.user":                 ("vac",  "",  None),
    "axes.accessattempt":        ("",     "",  None),
    "axes.accesslog":            ("",     "",  None),
    "axes.accessfailurelog":     ("",     "",  None),
    "pingxiang.auditevent":      ("",     "v", None),
    "pingxiang.accessevent":     ("",     "v", None),
    "pingxiang.notification":    ("",     "",  None),
    "grids.area":                ("vac",  "",  "village"),
    "grids.membership":          ("vac",  "",  None),
    "grids.householdflag":       ("vac",  "",  None),
    "grids.keypersoncategory":   ("vac",  "",  None),
    "grids.campaign":            ("vac",  "",  "grid_campaign"),
    "grids.responsibility":      ("va",   "",  None),
    "grids.household":           ("v",    "",  "household"),
    "grids.keyperson":           ("v",    "",  "key_person"),
    "grids.keyplace":            ("v",    "",  "key_place"),
    "grids.visit":               ("v",    "",  "visit"),
    "cases.calendarday":         ("vacd", "",  None),
    "cases.level":               ("vc",   "",  None),
    "cases.leveloverride":       ("vacd", "",  None),
    "cases.category":            ("vac",  "",  None),
    "cases.referralroute":       ("vacd", "",  None),
    "cases.policy":              ("vc",   "",  None),
    "cases.case":                ("v",    "",  "case"),
    "petitions.timelimit":       ("vc",   "",  None),
    "petitions.category":        ("vac",  "",  None),
    "petitions.receptionday":    ("v",    "",  "reception"),
    "petitions.platformformat":  ("vac",  "",  None),
    # Petitions are confidential: not even the system administrator reads them here.
    "petitions.petition":        ("",     "",  "petition"),
    "rectification.policy":      ("vc",   "",  None),
    "rectification.hazardcategory": ("vac", "", None),
    "rectification.issuecategory": ("vac", "",  None),
    "rectification.standarditem": ("vac", "",  None),
    "rectification.supervisionteam": ("", "",  "team"),
    "rectification.hazard":      ("v",    "",  "hazard"),
    "rectification.issueitem":   ("v",    "",  "issue"),
    "rectification.campaign":    ("v",    "",  "rx_campaign"),
    "rectification.centre":      ("v",    "",  "centre"),
    "messaging.messagingpolicy": ("vc",   "",  None),
    "messaging.kindrule":        ("vc",   "",  None),
    "messaging.grouprobot":      ("vacd", "",  None),
    "messaging.digestrun":       ("v",    "",  None),
}
OPS = ("changelist", "add", "change", "delete", "history")
# Admin URLs that are not per model, with the answer for staff (admin, auditor) per rule.
SITE = {"admin:index", "admin:login", "admin:logout", "admin:password_change",
        "admin:password_change_done", "admin:jsi18n", "admin:app_list", "admin:autocomplete",
        "admin:view_on_site", "admin:cases_calendarday_import",
        "admin:auth_user_password_change", "admin:None"}
COUNT = []


def _registered():
    return {m._meta.label_lower: m for m in admin.site._registry}


def test_every_admin_model_is_in_the_matrix():
    registered = set(_registered())
    assert not registered - set(ADMIN), f"admin models without a row: {registered - set(ADMIN)}"
    assert not set(ADMIN) - registered, f"rows for unregistered models: {set(ADMIN) - registered}"


def test_every_admin_url_is_covered():
    from django.urls import get_resolver

    names = set()
    for entry in get_resolver().url_patterns:
        if getattr(entry, "namespace", None) == "admin":
            for name, _route, _p in iter_named_patterns(entry, "admin:"):
                names.add(name)
    per_model = {f"admin:{label.replace('.', '_')}_{op}" for label in ADMIN for op in OPS}
    assert not names - per_model - SITE, f"admin URLs without a rule: {names - per_model - SITE}"
    # (the generic iterator skips the admin; make sure it is not empty here)
    assert len(names) > 100


def test_no_admin_lists_shows_or_searches_an_id_or_phone_field():
    """Residents, case parties and petitioners are not registered; any model that holds an ID
    or phone number must show it through a masking method, never as a raw field."""
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = type("U", (), {"is_superuser": True, "is_active": True,
                                  "has_perm": lambda *a: True})()
    for model, model_admin in admin.site._registry.items():
        risky = {f.name for f in model._meta.fields
                 if "id_number" in f.name or "phone" in f.name}
        shown = set(model_admin.list_display) | set(model_admin.search_fields) | {
            f for f in (model_admin.get_fields(request) or ()) if isinstance(f, str)}
        shown = {s.split("__")[-1] for s in shown if isinstance(s, str)}
        assert not risky & shown, f"{model._meta.label} shows {risky & shown} unmasked"
    from grids.models import Resident

    assert Resident not in admin.site._registry


def _expect(role, letters, op, hidden=False):
    """hidden: the object lies outside the user's areas (another county's; for the auditor,
    who has no area, every area-scoped object). Django answers a hidden object like a missing
    one, "不存在" and back to the index (302); the history page looks the object up before
    it checks the permission."""
    if role not in STAFF:
        return 302
    need = {"changelist": "vc", "add": "a", "change": "vc", "delete": "d", "history": "vc"}[op]
    if op == "history" and hidden:
        return 302
    if not any(c in letters for c in need):
        return 403
    return 302 if hidden else 200


def _object_pk(world, label, attr, key):
    if attr:
        return getattr(world.places[key], attr).pk
    return _registered()[label]._default_manager.order_by("pk").values_list("pk", flat=True).first()


@pytest.mark.parametrize("label", sorted(ADMIN))
def test_admin_model_pages(wdb, label):
    admin_letters, auditor_letters, attr = ADMIN[label]
    prefix = f"admin:{label.replace('.', '_')}"
    from grids.admin import AreaScopedAdmin

    # The user list is scoped too (grids.admin.UserAdmin.get_queryset).
    scoped = (isinstance(admin.site._registry[_registered()[label]], AreaScopedAdmin)
              or label == "auth.user")
    own = _object_pk(wdb, label, attr, "xg")
    other = _object_pk(wdb, label, attr, "far") if attr else None
    failures = []
    for role in ROLES:
        client = wdb.clients[role]
        letters = {"admin": admin_letters, "auditor": auditor_letters}.get(role, "")
        urls = [("changelist", reverse(f"{prefix}_changelist"), False),
                ("add", reverse(f"{prefix}_add"), False)]
        if own is not None:
            for op in ("change", "delete", "history"):
                urls.append((op, reverse(f"{prefix}_{op}", args=[own]), False))
                if other is not None:
                    urls.append((op, reverse(f"{prefix}_{op}", args=[other]), True))
        for op, url, is_other in urls:
            response = client.get(url)
            COUNT.append(1)
            expected = _expect(role, letters, op, is_other or (role == "auditor" and scoped))
            if response.status_code != expected:
                failures.append(f"{role} GET {url}: {response.status_code}, expected {expected}")
            elif expected == 302 and role not in STAFF:
                # the app's login for nobody, the admin's login for a non-staff user
                assert response["Location"].startswith(("/admin/login/", "/account/login/"))
            for leak in _leaks(response, role, world=wdb):
                failures.append(f"{role} GET {url} leaks {leak}")
        if role == "admin" and "v" in letters and label not in ("auth.user",):
            # Searching must not find another area's records either.
            response = client.get(reverse(f"{prefix}_changelist"), {"q": "测试"})
            COUNT.append(1)
            for leak in _leaks(response, role, world=wdb):
                failures.append(f"{role} search leaks {leak}")
    assert not failures, "\n".join(failures)


def test_admin_site_pages(wdb):
    failures = []

    def check(role, url, expected, **kw):
        response = wdb.clients[role].get(url, kw)
        COUNT.append(1)
        if response.status_code != expected:
            failures.append(f"{role} GET {url}: {response.status_code}, expected {expected}")
        for leak in _leaks(response, role, world=wdb):
            failures.append(f"{role} GET {url} leaks {leak}")
        return response

    for role in ROLES:
        staff = role in STAFF
        check(role, reverse("admin:index"), 200 if staff else 302)
        check(role, reverse("admin:password_change"), 200 if staff else 302)
        check(role, reverse("admin:password_change_done"), 200 if staff else 302)
        check(role, reverse("admin:jsi18n"), 200 if staff else 302)
        check(role, reverse("admin:login"), 302 if staff else 200)
        check(role, reverse("admin:logout"), 405 if staff else 302)  # logout is POST only
        for app, admin_ok, auditor_ok in (("grids", 200, 404), ("cases", 200, 404),
                                          ("petitions", 200, 404), ("pingxiang", 404, 200),
                                          ("axes", 404, 404), ("auth", 200, 404)):
            want = {"admin": admin_ok, "auditor": auditor_ok}.get(role, 302)
            check(role, reverse("admin:app_list", args=[app]), want)
        # The calendar import: the administrator may, the auditor is sent back to the list.
        check(role, reverse("admin:cases_calendarday_import"),
              {"admin": 200, "auditor": 302}.get(role, 302))
        user = wdb.users.get(role) or wdb.users["admin"]
        check(role, reverse("admin:auth_user_password_change", args=[user.pk]),
              {"admin": 200, "auditor": 403}.get(role, 302))
        # Autocomplete of areas (for a campaign's area): only the user's own county's areas.
        response = check(role, reverse("admin:autocomplete"),
                         {"admin": 200, "auditor": 403}.get(role, 302),
                         app_label="grids", model_name="campaign", field_name="area", term="测试")
        if role == "admin":
            assert response.json()["results"] == [], response.json()
    assert not failures, "\n".join(failures)


def test_log_rows_cannot_be_changed_or_deleted_through_the_admin(wdb):
    """Neither the administrator nor the auditor (who may read them) can add, change or delete
    a row of the audit trail or the access log, one by one or with the bulk delete action."""
    from pingxiang import audit
    from pingxiang.models import AccessEvent, AuditEvent

    event = audit.record(wdb.cast.xiguan, actor=wdb.users["admin"], action="t", to_state="x")
    access = audit.log_access(wdb.users["centre"], AccessEvent.Kind.VIEW, wdb.cast.xiguan)
    before = (AuditEvent.objects.count(), AccessEvent.objects.count())
    for role in STAFF:
        client = wdb.clients[role]
        for model, row in (("auditevent", event), ("accessevent", access)):
            base = f"admin:pingxiang_{model}"
            for url, data in (
                    (reverse(f"{base}_add"), {"action": "forged"}),
                    (reverse(f"{base}_change", args=[row.pk]), {"to_state": "forged"}),
                    (reverse(f"{base}_delete", args=[row.pk]), {"post": "yes"}),
                    (reverse(f"{base}_changelist"), {"action": "delete_selected",
                                                     "_selected_action": [row.pk],
                                                     "post": "yes"})):
                response = client.post(url, data)
                COUNT.append(1)
                assert response.status_code in (403, 302, 200), (role, url)
    assert (AuditEvent.objects.count(), AccessEvent.objects.count()) == before
    event.refresh_from_db()
    assert event.to_state == "x"


def test_auditor_log_pages_show_who_did_what_not_the_records_contents(wdb):
    from pingxiang import audit
    from pingxiang.models import AccessEvent

    place = wdb.places["xg"]
    audit.record(place.household, actor=wdb.users["cadre"], action="t", action_label="测试动作",
                 reason=f"理由{MARK['xg']}")
    audit.log_access(wdb.users["centre"], AccessEvent.Kind.VIEW, place.petition)
    client = wdb.clients["auditor"]
    for url in (reverse("audit_log"), reverse("audit_log") + "?log=access",
                reverse("audit_log") + "?log=access&kind=view",
                reverse("admin:pingxiang_auditevent_changelist"),
                reverse("admin:pingxiang_accessevent_changelist")):
        response = client.get(url)
        COUNT.append(1)
        assert response.status_code == 200, url
        body = response.content.decode()
        for mark in (*MARK.values(), *SECRET.values(), place.head_id, place.head_phone):
            assert mark not in body, (url, mark)
    body = client.get(reverse("audit_log")).content.decode()
    assert "测试动作" in body and "李秀英" in body and f"#{place.household.pk}" in body


def test_administrator_cannot_make_anyone_superuser_or_auditor(wdb):
    """The system administrator manages users and memberships, but cannot lift anyone (himself
    included) out of the area scoping (superuser) or into the auditor's role (等保2.0: the
    auditor is not appointed by the administrator whose work is audited)."""
    from grids.models import Membership
    from pingxiang.roles import Role

    client = wdb.clients["admin"]
    me = wdb.users["admin"]
    page = client.get(reverse("admin:auth_user_change", args=[me.pk])).content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    client.post(reverse("admin:auth_user_change", args=[me.pk]), {
        "username": me.username, "is_superuser": "on", "is_staff": "on", "is_active": "on",
        "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    me.refresh_from_db()
    assert not me.is_superuser
    page = client.get(reverse("admin:grids_membership_add")).content.decode()
    assert f'value="{Role.AUDITOR.value}"' not in page
    client.post(reverse("admin:grids_membership_add"), {
        "user": me.pk, "role": Role.AUDITOR.value, "area": wdb.cast.county.pk,
        "is_active": "on"})
    assert not Membership.objects.filter(user=me, role=Role.AUDITOR).exists()
    auditor_membership = Membership.objects.get(user=wdb.users["auditor"], role=Role.AUDITOR)
    assert client.get(reverse("admin:grids_membership_change",
                              args=[auditor_membership.pk])).status_code in (403, 302)


def test_administrator_cannot_touch_the_auditors_or_another_countys_accounts(wdb):
    """Separation of duties: whoever could reset the 安全审计员's password could read the logs
    as the auditor. The administrator's user list holds the accounts with a post in his areas
    (and new accounts with none yet); the auditor's, a superuser's and another county's
    accounts answer like missing ones, their password page included."""
    from grids.actions import create_area, ensure_user, grant_membership
    from grids.models import Area
    from pingxiang.roles import Role

    client = wdb.clients["admin"]
    other_county = create_area(parent=None, kind=Area.Kind.COUNTY, name="陇西县")
    stranger = ensure_user("other_county_centre", full_name="外县人员", password="x-Pass-2026!")
    grant_membership(stranger, other_county, Role.CENTRE_STAFF)
    newcomer = ensure_user("no_post_yet", full_name="新账号", password="x-Pass-2026!")
    root = ensure_user("root_user", full_name="超级管理员", password="x-Pass-2026!")
    root.is_superuser = True
    root.save(update_fields=["is_superuser"])
    auditor = wdb.users["auditor"]
    before = auditor.password

    listing = client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert wdb.users["centre"].username in listing and newcomer.username in listing
    for hidden in (auditor, stranger, root):
        assert f"/admin/auth/user/{hidden.pk}/change/" not in listing, hidden.username
        page = client.get(reverse("admin:auth_user_change", args=[hidden.pk]))
        assert page.status_code == 302, hidden.username  # "不存在" and back to the index
        response = client.post(reverse("admin:auth_user_password_change", args=[hidden.pk]),
                               {"password1": "Taken-0ver-2026", "password2": "Taken-0ver-2026",
                                "usable_password": "true"})
        assert response.status_code == 404, hidden.username
    auditor.refresh_from_db()
    assert auditor.password == before
    assert client.get(reverse("admin:auth_user_change",
                              args=[wdb.users["centre"].pk])).status_code == 200
