"""The access matrix: every URL in the URLconf × every role × a record in the user's own
area and one in another area → the expected answer, and no other area's record (nor a
petition's confidential content, nor a full ID number the role may not see) in any body.

A URL that is not in MATRIX fails test_every_url_is_in_the_matrix, so a new view cannot
escape it. Expectation strings list the answer per role, in this order:

    grid visitor cadre centre leader supervisor admin auditor anon

(users of 西关村 高家庄社第一网格 / 高家庄社 / 西关村, 平襄镇 ×3, 通渭县 ×2, and nobody).
"Another area" is 孟河村 for the three village-level users and another county for the rest;
for town-wide records (campaigns, teams, reception days) it is the other county for all.
"""

import re

import pytest

from tests.trust.urlmap import OBJECTS, iter_named_patterns, url_for
from tests.trust.world import MARK, ROLES, SECRET, VILLAGE_LEVEL, forbidden_marks

ALL_404 = "404 404 404 404 404 404 404 404 302"
GET_405 = "405 405 405 405 405 405 405 405 302"
TOWN_WIDE = {"grid_campaign", "rx_campaign", "team", "round", "reception"}
ADMIN_ONLY = "403 403 403 403 403 403 200 403 302"
PERSON_OTHER = "403 403 403 403 403 403 404 403 302"
# URLs about one person (their id in the path): they point at the village cadre.
PERSON_URLS = {"messaging:person", "grids:user_detail", "grids:user_edit", "grids:user_password",
               "grids:user_handover", "grids:user_deactivate", "grids:user_reactivate",
               "grids:user_unlock", "grids:user_grant", "grids:user_revoke"}


def row(text):
    codes = [int(c) for c in text.split()]
    assert len(codes) == len(ROLES), text
    return dict(zip(ROLES, codes, strict=True))


class Get:
    """A page (or download) read with GET. `other` applies to the other area's record."""

    def __init__(self, own, other=ALL_404, *, htmx=False, queries=(), marks_ok=()):
        self.own, self.other = row(own), row(other)
        self.htmx, self.queries, self.marks_ok = htmx, queries, set(marks_ok)


class Post:
    """A POST-only URL: GET answers 405; an outsider's POST to the other area's record is
    refused (`other`) and changes nothing."""

    def __init__(self, other=ALL_404):
        self.own, self.other = row(GET_405), row(other)
        self.htmx, self.queries, self.marks_ok = False, (), set()


#                     grid vis cadre cent lead sup admin aud anon
MATRIX = {
    # --- shell, inbox, account, dashboard, audit ------------------------------------------
    "home": Get("200 200 200 200 200 200 200 200 302"),
    "switch_role": Post("302 302 302 302 302 302 302 302 302"),
    "inbox": Get("200 200 200 200 200 200 200 200 302"),
    "inbox_open": Post("302 302 302 302 302 302 302 302 302"),
    "inbox_read_all": Post("302 302 302 302 302 302 302 302 302"),
    "password_change": Get("200 200 200 200 200 200 200 200 302"),
    "password_change_done": Get("200 200 200 200 200 200 200 200 302"),
    "dashboard": Get("403 403 200 200 200 200 200 403 302"),
    "dashboard_trends": Get("403 403 200 200 200 200 200 403 302"),
    "briefing": Get("403 403 200 200 200 200 200 403 302"),
    "briefing_docx": Get("403 403 200 200 200 200 200 403 302"),
    # Period reports: the archive of the user's areas; a report of another area is a 404.
    "dashboard_reports": Get("403 403 200 200 200 200 200 403 302",
                             queries=("?area=999999", "?page=x")),
    "dashboard_report": Get("403 403 200 200 200 200 200 403 302",
                            "403 403 404 404 404 404 404 403 302", htmx=True),
    "dashboard_report_download": Get("403 403 200 200 200 200 200 403 302",
                                     "403 403 404 404 404 404 404 403 302"),
    # The auditor reads who did what to which record (type and number), not its contents:
    # no marker of any place may appear (tests/trust/test_admin_matrix.py reads its filters).
    "audit_log": Get("403 403 403 403 403 403 403 200 302",
                     queries=("?log=access", "?log=access&kind=export")),
    # --- grids ------------------------------------------------------------------------------
    "grids:area_list": Get("200 200 200 200 200 200 200 200 302"),
    "grids:area_detail": Get("404 404 200 200 200 200 200 404 302"),
    "grids:responsibilities": Get("404 404 200 200 200 200 200 404 302"),
    # 包抓 is decided by centre staff and administrators; the page's own forms post here.
    "grids:responsibility_assign": Post(),
    "grids:responsibility_end": Post(),
    "grids:household_list": Get("200 200 200 200 200 200 200 200 302", htmx=True,
                                queries=("?q=KMH", "?q=KFAR", "?q=户主")),
    "grids:household_new": Get("403 403 200 200 403 403 200 403 302"),
    "grids:household_detail": Get("200 200 200 200 200 200 200 404 302"),
    "grids:member_add": Get("403 403 200 200 403 403 200 404 302"),
    # The grid worker corrects their own grid's households (never an ID number: masked).
    "grids:household_edit": Get("200 403 200 200 403 403 200 404 302"),
    "grids:member_edit": Get("200 403 200 200 403 403 200 404 302"),
    "grids:household_flags": Post(),
    "grids:visit_new": Get("200 200 200 200 200 403 403 404 302"),
    "grids:key_person_new": Get("403 403 200 200 403 403 200 404 302"),
    "grids:key_place_list": Get("200 200 200 200 200 200 200 200 302"),
    "grids:key_place_export": Get("200 200 200 200 200 200 200 200 302"),
    "grids:key_place_new": Get("403 403 200 200 403 403 200 403 302"),
    "grids:key_place_detail": Get("200 200 200 200 200 200 200 404 302"),
    "grids:key_place_edit": Get("403 403 200 200 403 403 200 404 302"),
    "grids:visit_new_place": Get("200 200 200 200 200 403 403 404 302"),
    "grids:key_person_list": Get("200 200 200 200 200 200 200 200 302"),
    "grids:key_person_export": Get("200 200 200 200 200 200 200 200 302"),
    "grids:key_person_detail": Get("200 200 200 200 200 200 200 404 302"),
    "grids:key_person_status": Post(),
    "grids:key_person_edit": Get("403 403 200 200 403 403 200 404 302"),
    "grids:visit_list": Get("200 200 200 200 200 200 200 200 302"),
    "grids:visit_export": Get("200 200 200 200 200 200 200 200 302"),
    "grids:visit_detail": Get("200 200 200 200 200 200 200 404 302"),
    "grids:visit_photo": Get("200 200 200 200 200 200 200 404 302"),
    # Confirming a visit's position as the household's reference (grid worker, centre staff;
    # the others get 403 from the view, checked in tests/grids/test_positions.py).
    "grids:visit_confirm_position": Post(),
    "grids:worklist": Get("200 200 200 200 200 200 200 200 302"),
    # The phone's copy of the user's own grids (grid workers and visitors; empty for others).
    "grids:offline_bundle": Get("200 200 200 200 200 200 200 200 302"),
    "grids:campaign_list": Get("200 200 200 200 200 200 200 200 302"),
    "grids:campaign_coverage": Get("200 200 200 200 200 200 200 404 302"),
    # The header's search and the person page (issue 19 §3): only the user's areas, never
    # a petitioner's name to those who may not read it (the matrix checks every body).
    "grids:search": Get("200 200 200 200 200 200 200 200 302",
                        queries=("?q=KMH", "?q=KFAR", "?q=SECMH", "?q=SECFAR", "?q=户主")),
    "grids:person": Get("200 200 200 200 200 200 200 404 302"),
    # The pickers' autocomplete answers (issue 19 §4): options among the user's own records.
    "grids:pick_area": Get("200 200 200 200 200 200 200 200 302",
                           queries=("?field=a&a__q=孟河", "?village=1&q=网格")),
    "grids:pick_person": Get("200 200 200 200 200 200 200 200 302",
                             queries=("?field=u&u__q=KMH", "?role=grid_worker")),
    "grids:pick_household": Get("200 200 200 200 200 200 200 200 302",
                                queries=("?field=h&h__q=KMH", "?q=KFAR")),
    "grids:pick_place": Get("200 200 200 200 200 200 200 200 302",
                            queries=("?field=p&p__q=KMH", "?q=KFAR")),
    "grids:campaign_new": Get("403 403 403 200 403 403 200 403 302"),
    "grids:campaign_edit": Get("403 403 403 200 403 403 200 404 302"),
    "grids:import": Get("403 403 200 200 403 403 200 403 302"),
    "grids:import_template": Get("403 403 200 200 403 403 200 403 302"),
    # The area tree below a village and households' grids (issue 19 §1): the tree is the
    # administrator's; a household's grid is moved by whoever keeps the register there.
    "grids:area_add": Get("404 404 403 403 403 403 200 404 302"),
    "grids:area_rename": Get("403 403 403 403 403 403 200 404 302"),
    "grids:area_retire": Post(),
    "grids:household_move": Get("403 403 200 200 403 403 200 404 302"),
    # People and posts: the administrator's, for the people of their areas (the person pages
    # point at the village cadre; another area's person answers 404).
    "grids:user_list": Get(ADMIN_ONLY, htmx=True,
                           queries=("?q=李", "?role=grid_worker", "?village=abc")),
    "grids:user_new": Get(ADMIN_ONLY),
    "grids:user_import": Get(ADMIN_ONLY),
    "grids:user_import_template": Get(ADMIN_ONLY),
    "grids:user_detail": Get(ADMIN_ONLY, PERSON_OTHER),
    "grids:user_edit": Get(ADMIN_ONLY, PERSON_OTHER),
    "grids:user_password": Get(ADMIN_ONLY, PERSON_OTHER),
    "grids:user_handover": Get(ADMIN_ONLY, PERSON_OTHER),
    "grids:user_deactivate": Post(PERSON_OTHER),
    "grids:user_reactivate": Post(PERSON_OTHER),
    "grids:user_unlock": Post(PERSON_OTHER),
    "grids:user_grant": Post(PERSON_OTHER),
    "grids:user_revoke": Post(PERSON_OTHER),
    "grids:import_kind": Get("403 403 200 200 403 403 200 403 302"),
    "grids:import_kind_template": Get("403 403 200 200 403 403 200 403 302"),
    # --- cases ------------------------------------------------------------------------------
    "cases:case_list": Get("200 200 200 200 200 200 200 200 302", htmx=True,
                           queries=("?q=KMH", "?q=KFAR", "?q=纠纷")),
    "cases:my_cases": Get("200 200 200 200 200 200 200 200 302"),
    "cases:case_create": Get("200 403 200 200 200 403 403 403 302"),
    "cases:case_export": Get("200 200 200 200 200 200 200 200 302", queries=("?q=纠纷",)),
    "cases:ledger_period": Get("200 200 200 200 200 200 200 200 302", htmx=True,
                               queries=("?q=纠纷",)),
    "cases:calendar": Get("403 403 403 200 403 403 200 403 302"),
    "cases:case_detail": Get("200 404 200 200 200 200 200 404 302"),
    "cases:case_action": Post(),
    # The case page's parts that load when opened: the escalation form only for those who
    # may escalate the case; the push and the attachments for whoever reads the case.
    "cases:case_action_form": Get("200 404 403 200 403 403 403 404 302", htmx=True),
    "cases:case_referral": Get("200 404 200 200 200 200 200 404 302", htmx=True),
    "cases:case_attachments": Get("200 404 200 200 200 200 200 404 302", htmx=True),
    "cases:case_attach": Post(),
    "cases:attachment_download": Get("200 404 200 200 200 200 200 404 302"),
    "cases:agreement_print": Get("200 404 200 200 200 200 200 404 302"),
    # A 交办单 is the centre's: its staff and the town's leaders print it.
    "cases:case_notice": Get("403 404 403 200 200 403 403 404 302"),
    # --- petitions: existence for the area, content for centre staff only -----------------
    "petitions:list": Get("200 200 200 200 200 200 200 200 302", htmx=True,
                          queries=("?q=SECXG", "?q=SECMH", "?q=KFAR", "?q=XF")),
    "petitions:export": Get("200 200 200 200 200 200 200 200 302", queries=("?q=SECXG",)),
    "petitions:register": Get("403 403 403 200 403 403 403 403 302"),
    "petitions:stats": Get("403 403 403 200 200 200 403 403 302"),
    "petitions:receptions": Get("403 403 403 200 200 403 403 403 302"),
    "petitions:reception_print": Get("403 403 403 200 200 403 403 403 302"),
    "petitions:reception_detail": Get("403 403 403 200 200 403 403 403 302",
                                      "403 403 403 404 404 403 403 403 302"),
    "petitions:detail": Get("200 200 200 200 200 200 200 404 302"),
    # No reply written yet: the letter has nothing to print (404) even for centre staff.
    "petitions:letter": Get("403 403 403 404 403 403 403 404 302"),
    "petitions:notice": Get("403 403 403 200 403 403 403 404 302"),
    # Only leaders may take charge: everyone else is refused before any lookup.
    "petitions:take": Post("403 403 403 403 404 403 403 403 302"),
    "petitions:to_case": Post(),
    "petitions:attachment": Get("403 403 403 200 403 403 403 404 302"),
    "petitions:action": Get("403 403 403 200 403 403 403 404 302"),
    # --- rectification ------------------------------------------------------------------------
    "rectification:index": Get("200 200 200 200 200 200 200 200 302"),
    "rectification:campaign_list": Get("200 200 200 200 200 200 200 200 302"),
    "rectification:campaign_create": Get("403 403 403 200 200 403 403 403 302"),
    "rectification:campaign_detail": Get("200 200 200 200 200 200 200 404 302"),
    "rectification:inspection_list": Get("200 200 200 200 200 200 200 200 302"),
    "rectification:inspection_create": Get("200 200 200 200 200 200 403 403 302"),
    "rectification:inspection_detail": Get("200 200 200 200 200 200 200 404 302"),
    "rectification:hazard_list": Get("200 200 200 200 200 200 200 200 302", htmx=True,
                                     queries=("?q=KMH", "?status=reported")),
    "rectification:hazard_create": Get("200 200 200 200 200 200 403 403 302"),
    "rectification:hazard_export": Get("200 200 200 200 200 200 200 200 302"),
    "rectification:hazard_detail": Get("200 200 200 200 200 200 200 404 302"),
    # The 整改通知书 is printed by those who hand the hazard out (交办).
    "rectification:hazard_notice": Get("403 403 200 200 200 403 403 404 302"),
    "rectification:hazard_assign": Post(),
    "rectification:hazard_progress": Post(),
    "rectification:hazard_submit": Post(),
    "rectification:hazard_verify": Post(),
    "rectification:hazard_close": Post(),
    # Issue 19: correcting is for who manages the hazard; withdrawing for the centre alone.
    "rectification:hazard_correct": Get("403 403 200 200 200 403 403 404 302", htmx=True),
    "rectification:hazard_withdraw": Get("403 403 403 200 403 403 403 404 302", htmx=True),
    # 批量交办/销号: centre staff and supervisors; an empty form is sent back to the list.
    "rectification:hazard_bulk": Post("403 403 403 302 403 302 403 403 302"),
    # Without htmx: the list with the form drawn in it (its htmx fragment: test_bulk.py).
    "rectification:hazard_bulk_form": Get("403 403 403 302 403 302 403 403 302"),
    "rectification:hazard_photo_add": Post(),
    "rectification:hazard_photo": Get("200 200 200 200 200 200 200 404 302"),
    "rectification:export_status": Get("200 200 200 200 200 200 200 200 302", htmx=True),
    "rectification:export_download": Get("200 200 200 200 200 200 200 200 302"),
    "rectification:team_list": Get("200 200 200 200 200 200 200 200 302"),
    # An empty form goes back to the list with a message.
    "rectification:team_create": Post("403 403 403 302 302 403 403 403 302"),
    "rectification:team_detail": Get("404 404 404 200 200 200 200 404 302"),
    "rectification:team_member_add": Post(),
    "rectification:round_detail": Get("404 404 404 200 200 200 200 404 302", htmx=True),
    "rectification:visit_detail": Get("404 404 200 200 200 200 200 404 302"),
    "rectification:issue_create": Post(),
    "rectification:issue_export": Get("404 404 200 200 200 200 200 404 302"),
    "rectification:issue_list": Get("200 200 200 200 200 200 200 200 302"),
    "rectification:issue_detail": Get("404 404 200 200 200 200 200 404 302"),
    # 交办单/督办单: by those who supervise the item.
    "rectification:issue_notice": Get("404 404 403 200 200 200 403 404 302"),
    "rectification:issue_assign": Post(),
    "rectification:issue_report": Post(),
    "rectification:issue_recheck": Post(),
    "rectification:issue_close": Post(),
    "rectification:issue_bulk": Post("403 403 403 302 403 302 403 403 302"),
    # Without htmx: the list with the form drawn in it (its htmx fragment: test_bulk.py).
    "rectification:issue_bulk_form": Get("403 403 403 302 403 302 403 403 302"),
    "rectification:issue_evidence_add": Post(),
    "rectification:evidence_file": Get("404 404 200 200 200 200 200 404 302"),
    "rectification:centre_list": Get("200 200 200 200 200 200 200 200 302"),
    "rectification:centre_export": Get("200 200 200 200 200 200 200 200 302"),
    "rectification:centre_setup": Post("403 403 403 302 302 403 403 403 302"),
    "rectification:centre_detail": Get("404 404 200 200 200 200 200 404 302"),
    "rectification:centre_checks": Post(),
    "rectification:centre_upgrade": Post(),
    "rectification:centre_demonstration": Post(),
    "rectification:centre_photo_add": Post(),
    "rectification:centre_photo": Get("404 404 200 200 200 200 200 404 302"),
    "rectification:legal_list": Get("200 200 200 200 200 200 200 200 302"),
    "rectification:legal_export": Get("200 200 200 200 200 200 200 200 302"),
    "rectification:legal_create": Get("200 403 200 200 200 403 403 403 302"),
    # --- messaging: one's own settings; an administrator's people; centre staff's failures ----
    "messaging:settings": Get("200 200 200 200 200 200 200 200 302"),
    "messaging:people": Get("403 403 403 403 403 403 200 403 302", htmx=True,
                            queries=("?q=李", "?status=missing")),
    "messaging:person": Get("403 403 403 403 403 403 200 403 302",
                            "403 403 403 403 403 403 404 403 302"),
    "messaging:failures": Get("403 403 403 200 403 403 200 403 302", htmx=True,
                              queries=("?status=unknown", "?channel=sms")),
    # An empty form goes back to the list with a message.
    "messaging:resend": Post("403 403 403 302 403 403 302 403 302"),
}
# Public by design (tests/foundation/test_scoping_declared.py): checked in test_public_urls.
PUBLIC = {"login", "logout", "healthz", "service_worker", "offline"}
TEXT_TYPES = ("text/", "application/json")
EXTRA_ROLES = ("cadre", "centre")


def test_every_url_is_in_the_matrix():
    names = {name for name, _route, _p in iter_named_patterns()}
    missing = sorted(names - set(MATRIX) - PUBLIC)
    stale = sorted(set(MATRIX) - names)
    assert not missing, f"URLs without an access-matrix row: {missing}"
    assert not stale, f"matrix rows for URLs that no longer exist: {stale}"


def _target(world, name, place_key, role):
    """The URL for `name` pointing at place_key's records (for `role`'s own things where
    the URL is per user)."""
    from django.urls import reverse

    if name == "inbox_open":
        return reverse(name, kwargs={"pk": world.notes[role if place_key == "xg" and role in world.notes
                                                  else "far"]})
    if name in PERSON_URLS:  # a person's pages (message settings, account): the village cadre's
        person = {"xg": world.users["cadre"], "mh": world.cast.cadre_menghe,
                  "far": world.far_users.cadre}[place_key]
        return reverse(name, kwargs={"pk": person.pk})
    if name in ("rectification:export_status", "rectification:export_download"):
        job = world.jobs[role if place_key == "xg" and role != "anon" else "far"]
        return reverse(name, kwargs={"pk": job.pk})
    return url_for(name, world.places[place_key])


def _other_key(name, role):
    spec = OBJECTS.get(name)
    if spec and spec[0] in TOWN_WIDE:
        return "far"
    return "mh" if role in VILLAGE_LEVEL else "far"


def personal_numbers(world, role):
    """Full ID and phone numbers this role must only ever see masked (grids.access
    FULL_ID_ROLES / FULL_PHONE_ROLES): household heads, case parties and petitioners."""
    numbers = []
    for place in world.places.values():
        if role not in ("cadre", "centre"):
            numbers.append(place.head_id)
        if role not in ("grid", "cadre", "centre"):
            numbers.append(place.head_phone)
    return numbers


RANDOM_TOKENS = re.compile(
    r'(X-CSRFToken": "|name="csrfmiddlewaretoken" value="|nonce="|csrftoken=)[A-Za-z0-9+/=_-]*')


def _leaks(response, role, marks_ok=(), world=None):
    ctype = response.get("Content-Type", "")
    if not ctype.startswith(TEXT_TYPES):
        return []
    # Random tokens (CSRF, CSP nonces) may spell a marker by chance: they are blanked.
    body = RANDOM_TOKENS.sub(r"\1", response.content.decode("utf-8", "replace"))
    found = []
    extra = personal_numbers(world, role) if world is not None else []
    for mark in [*forbidden_marks(role), *extra]:
        if mark in marks_ok:
            continue
        at = body.find(mark)
        if at >= 0:
            found.append(f"{mark} in …{body[max(0, at - 120):at + 20]!r}")
    return found


def _check_get(world, name, spec, failures, counter):
    has_object = name in OBJECTS or name in ("rectification:export_status",
                                             "rectification:export_download",
                                             *PERSON_URLS)
    for role in ROLES:
        client = world.clients[role]
        own = _target(world, name, "xg", role)
        variants = [(own, {})]
        if role in EXTRA_ROLES:  # search, filters and htmx partials: one village, one town user
            variants += [(own + q, {}) for q in spec.queries]
            if spec.htmx:
                variants.append((own, {"HTTP_HX_REQUEST": "true"}))
        for url, headers in variants:
            response = client.get(url, **headers)
            counter.append(1)
            if response.status_code != spec.own[role]:
                failures.append(f"{role} GET {url}: {response.status_code}, "
                                f"expected {spec.own[role]}")
            if spec.own[role] == 302 and role == "anon":
                assert "/account/login/" in response["Location"]
            for leak in _leaks(response, role, spec.marks_ok, world):
                failures.append(f"{role} GET {url} leaks {leak}")
        # The other area's record, for every role that can open records here at all.
        if has_object and (spec.own[role] == 200 or spec.other[role] != 404):
            url = _target(world, name, _other_key(name, role), role)
            response = client.get(url)
            counter.append(1)
            if response.status_code != spec.other[role]:
                failures.append(f"{role} GET {url} (other area): {response.status_code}, "
                                f"expected {spec.other[role]}")
            for leak in _leaks(response, role, world=world):
                failures.append(f"{role} GET {url} (other area) leaks {leak}")


def _check_post(world, name, spec, failures, counter):
    from pingxiang.models import AuditEvent

    for role in ROLES:
        client = world.clients[role]
        own = _target(world, name, "xg", role)
        if role in ("grid", "anon"):  # 405 comes from the method decorator, whoever asks
            response = client.get(own)
            counter.append(1)
            if response.status_code != spec.own[role]:
                failures.append(f"{role} GET {own}: {response.status_code}, expected "
                                f"{spec.own[role]}")
        target = (_target(world, name, _other_key(name, role), role)
                  if name in OBJECTS or name == "inbox_open" or name in PERSON_URLS else own)
        before = AuditEvent.objects.count()
        response = client.post(target, {})
        counter.append(1)
        if response.status_code != spec.other[role]:
            failures.append(f"{role} POST {target} (outsider): {response.status_code}, "
                            f"expected {spec.other[role]}")
        if spec.other[role] in (403, 404) and AuditEvent.objects.count() != before:
            failures.append(f"{role} POST {target}: refused, yet wrote an audit row")
        for leak in _leaks(response, role):
            failures.append(f"{role} POST {target} leaks {leak}")


REQUESTS = []


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix(wdb, name):
    spec = MATRIX[name]
    failures = []
    if isinstance(spec, Post):
        _check_post(wdb, name, spec, failures, REQUESTS)
    else:
        _check_get(wdb, name, spec, failures, REQUESTS)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name,second", [("cases:attachment_download", "case_attachment"),
                                         ("cases:agreement_print", "agreement"),
                                         ("petitions:attachment", "petition_attachment")])
def test_own_record_with_another_areas_file_id_is_404(wdb, name, second):
    """/cases/<my case>/attachments/<their attachment>/ must not serve their file."""
    url = url_for(name, wdb.places["xg"], second_from=wdb.places["mh"])
    readers = ("centre",) if name.startswith("petitions") else ("cadre", "centre", "leader")
    for role in readers:
        assert wdb.clients[role].get(url).status_code == 404, (role, url)


def test_dashboard_lists_only_campaigns_of_the_users_area(wdb):
    body = wdb.clients["centre"].get("/dashboard/").content.decode()
    assert MARK["far"] not in body


def test_public_urls(wdb):
    anon = wdb.clients["anon"]
    assert anon.get("/account/login/").status_code == 200
    assert anon.get("/healthz").status_code in (200, 503)
    assert anon.post("/account/logout/").status_code == 302
    for mark in (*MARK.values(), *SECRET.values()):
        assert mark not in anon.get("/healthz").content.decode()
    # The service worker and its offline stand-in page hold nothing of anybody: the same
    # bytes whoever asks (they are cached on a phone several people may share).
    for path in ("/sw.js", "/offline/"):
        response = anon.get(path)
        assert response.status_code == 200
        for role in ("grid", "centre"):
            assert wdb.clients[role].get(path).content == response.content, (path, role)


def test_matrix_size():
    """For the report: how many URL × role cells the matrix holds."""
    assert len(MATRIX) * len(ROLES) >= 100 * 9
