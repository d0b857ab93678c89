"""Bad query strings, everywhere (issue 16 §4): every list, export, dashboard and stats URL
(every GET view without path arguments, found from the URLconf) and the query parameters of a
few detail pages get, one parameter at a time, out-of-range and impossible dates, years 0,
-5, 10000 and 99999, non-numbers, 99999999999999999999, negative ids and the other area's
ids, as centre staff and as a grid worker. Nothing may answer 500, and nothing of an area
the user does not cover may show (another area's id never widens the list).

Then the POSTs whose integers once outran their column, the hazard intake's source records,
and the lists' paging: page 2 keeps every filter, the filter form shows the drill-down's
area and dates, and a count is the count of the rows listed."""

import io
import re
import zipfile

import pytest
from django.urls import reverse

from tests.trust.urlmap import iter_named_patterns
from tests.trust.world import MARK, forbidden_marks, other_place

DATES = ["9999-12-31", "0001-01-01", "2026-02-30", "2026-13-45", "abc"]
NUMBERS = ["0", "-5", "10000", "99999", "99999999999999999999", "abc"]
FOREIGN = object()  # the other area's record of the parameter's kind
IDS = ["abc", "-1", "99999999999", "99999999999999999999", FOREIGN]
WORDS = ["x" * 300, "<script>", "'; --"]

# What each parameter is, and (for ids) which record of the other place it names.
KINDS = {
    "from": DATES, "to": DATES, "start": DATES, "end": DATES, "date_from": DATES,
    "date_to": DATES, "page": NUMBERS, "year": NUMBERS, "month": NUMBERS,
    "quarter": NUMBERS, "level": NUMBERS, "days": NUMBERS,
    "area": "village", "village": "village", "grid": "grid", "campaign": "rx_campaign",
    "inspection": "inspection", "visit": "visit", "petition": "petition",
    "reception": "reception", "place": "key_place", "party": "resident", "category": IDS,
    "status": WORDS, "kind": WORDS, "q": WORDS, "flag": WORDS, "channel": WORDS,
    "stage": WORDS, "due": WORDS, "doc": WORDS, "sort": WORDS, "dir": WORDS, "metric": WORDS,
    "visited": NUMBERS, "mine": NUMBERS, "overdue": NUMBERS, "demo": NUMBERS,
    "upgrade": WORDS, "distinct": WORDS, "source": WORDS, "user": WORDS, "log": WORDS,
    "unread": NUMBERS, "field": WORDS, "role": WORDS, "bulk": NUMBERS, "params": WORDS,
}
DRILL = ["area", "from", "to", "page"]
# Every GET view without path arguments, with the parameters it reads (grep request.GET and
# the filter forms). A new one must be added here: test_every_get_view_is_walked.
PARAMS = {
    "home": [], "inbox": ["unread"], "healthz": [], "login": [], "logout": [],
    "password_change": [], "password_change_done": [],
    "dashboard": ["area", "campaign:grid_campaign", "start", "end", "sort", "dir"],
    "dashboard_trends": ["area", "days", "metric"],
    "briefing": ["area", "campaign:grid_campaign", "start", "end"],
    "briefing_docx": ["area", "campaign:grid_campaign", "start", "end"],
    "dashboard_reports": [*DRILL],
    "audit_log": ["start", "end", "page", "user", "log", "kind"],
    "grids:area_list": [],
    "grids:household_list": [*DRILL, "q", "flag", "campaign:grid_campaign", "visited"],
    "grids:household_new": ["grid"],
    "grids:key_place_list": [*DRILL, "kind", "q"],
    "grids:key_place_export": [*DRILL, "kind", "q"],
    "grids:key_place_new": [],
    "grids:key_person_list": [*DRILL, "status", "overdue", "q"],
    "grids:key_person_export": [*DRILL, "status", "overdue", "q"],
    "grids:visit_list": [*DRILL, "start", "end", "mine"],
    "grids:visit_export": [*DRILL, "start", "end"],
    "grids:worklist": [], "grids:offline_bundle": [], "service_worker": [], "offline": [],
    "grids:campaign_list": [], "grids:campaign_new": [],
    "grids:search": ["q"], "grids:pick_area": ["field", "q", "kind", "village"],
    "grids:pick_person": ["field", "q", "role"], "grids:pick_household": ["field", "q"],
    "grids:pick_place": ["field", "q", "village", "area"],
    "grids:import": [], "grids:import_template": [],
    "grids:user_list": [*DRILL, "q", "role", "village", "status"], "grids:user_new": [],
    "grids:user_import": [], "grids:user_import_template": [],
    "cases:case_list": [*DRILL, "village", "category", "level", "status", "start", "end", "q"],
    "cases:case_export": [*DRILL, "village", "level", "start", "end", "kind", "year", "month",
                          "quarter", "campaign:grid_campaign"],
    "cases:ledger_period": [*DRILL, "village", "category", "level", "status", "start", "end",
                            "q"],
    "cases:my_cases": [],
    "cases:case_create": ["visit", "petition", "area", "party", "source"],
    "cases:calendar": ["year"],
    "petitions:list": [*DRILL, "village", "date_from", "date_to", "reception", "stage", "due",
                       "channel", "q"],
    "petitions:export": [*DRILL, "village", "date_from", "date_to", "reception"],
    "petitions:register": [],
    "petitions:stats": ["date_from", "date_to", "channel"],
    "petitions:receptions": ["year"], "petitions:reception_print": ["year"],
    "rectification:index": [], "rectification:campaign_list": [],
    "rectification:campaign_create": [],
    "rectification:inspection_list": [*DRILL, "campaign", "kind", "distinct"],
    "rectification:inspection_create": ["place", "campaign"],
    "rectification:hazard_list": [*DRILL, "village", "category", "campaign", "status",
                                  "date_from", "date_to", "bulk"],
    "rectification:hazard_bulk_form": ["params"],
    "rectification:issue_bulk_form": ["params"],
    "rectification:hazard_export": [*DRILL, "village", "campaign", "date_from", "date_to"],
    "rectification:hazard_create": ["inspection", "visit", "place", "area", "campaign"],
    "rectification:team_list": [], "rectification:team_create": [],
    "rectification:issue_list": [*DRILL, "status", "category", "bulk"],
    "rectification:centre_list": [*DRILL, "demo", "upgrade"],
    "rectification:centre_export": [*DRILL, "demo", "upgrade"],
    "rectification:legal_list": [*DRILL, "village", "date_from", "date_to"],
    "rectification:legal_export": [*DRILL, "village", "date_from", "date_to"],
    "rectification:legal_create": [],
    "messaging:settings": [], "messaging:people": [*DRILL, "q", "status"],
    "messaging:failures": [*DRILL, "status", "channel", "start", "end"],
}
# Detail pages whose query strings are read: url name -> (record on the user's place, params).
DETAILS = {
    "petitions:letter": ("petition", ["doc"]),
    "grids:campaign_coverage": ("grid_campaign", ["area"]),
    "rectification:visit_detail": ("sv_visit", [*DRILL, "status", "category"]),
    "rectification:issue_export": ("sv_visit", [*DRILL, "status", "category"]),
}
POST_ONLY = {"switch_role", "inbox_read_all", "rectification:centre_setup", "messaging:resend",
             "rectification:hazard_bulk", "rectification:issue_bulk"}
ROLES = ["centre", "grid"]
TRIED = []


def _get_views():
    return sorted(name for name, route, _p in iter_named_patterns()
                  if "<" not in route and name not in POST_ONLY)


def test_every_get_view_is_walked():
    assert set(_get_views()) == set(PARAMS), "add the new view and the parameters it reads"


def _values(world, role, spec):
    name, _, record = spec.partition(":")
    kind = KINDS[name]
    if isinstance(kind, list):  # (a reference table's id: no other area's to try)
        return name, [str(10**9) if v is FOREIGN else v for v in kind]
    record = record or kind
    other = world.places[other_place(role)]
    foreign = getattr(other, record)
    return name, [str(foreign.pk) if v is FOREIGN else v for v in IDS]


def _text(response):
    body = (b"".join(response.streaming_content) if response.streaming
            else response.content)
    if body[:2] == b"PK":  # an Excel or Word file: its XML parts
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                           if n.endswith(".xml"))
    return body.decode("utf-8", "replace")


def _walk(world, role, url, specs):
    client = world.clients[role]
    marks = forbidden_marks(role)
    for spec in specs:
        name, values = _values(world, role, spec)
        for value in values:
            response = client.get(url, {name: value})
            TRIED.append((role, url, name, value))
            where = f"{role} GET {url}?{name}={value[:40]}"
            assert response.status_code < 500, where
            text = _text(response)
            leaked = [m for m in marks if m in text]
            assert not leaked, f"{where} shows {leaked}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(n for n, p in PARAMS.items() if p))
def test_bad_query_strings_never_500_nor_widen(wdb, role, name):
    _walk(wdb, role, reverse(name), PARAMS[name])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(DETAILS))
def test_bad_query_strings_on_detail_pages(wdb, role, name):
    record, params = DETAILS[name]
    own = getattr(wdb.places["xg"], record)
    _walk(wdb, role, reverse(name, args=[own.pk]), params)


# --- What the user is told -----------------------------------------------------------------

def test_an_impossible_date_is_the_forms_error_not_a_404(wdb):
    client = wdb.clients["centre"]
    response = client.get(reverse("cases:case_list"), {"from": "2026-13-45"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "日期格式应为 2026-11-29。" in html and 'name="from"' in html
    html = client.get(reverse("cases:case_list"), {"end": "9999-12-31"}).content.decode()
    assert "日期不能晚于 2100-12-31。" in html


@pytest.mark.parametrize("year", ["99999", "0", "-5"])
def test_a_year_out_of_range_is_said_and_this_year_shown(wdb, year):
    html = wdb.clients["centre"].get(reverse("petitions:receptions"),
                                     {"year": year}).content.decode()
    assert "年份：" in html and "公开接访安排" in html


def test_another_areas_id_is_refused_with_a_message(wdb):
    far_village = wdb.places["far"].village
    html = wdb.clients["centre"].get(reverse("rectification:legal_list"),
                                     {"village": far_village.pk}).content.decode()
    assert "不在您的辖区内。" in html and MARK["far"] not in html
    html = wdb.clients["centre"].get(reverse("rectification:hazard_list"),
                                     {"area": far_village.pk}).content.decode()
    assert "不在您的辖区内。" in html and MARK["far"] not in html and MARK["xg"] not in html


# --- POSTs whose integers outran their column ---------------------------------------------------

def _count(model):
    return model.objects.count()


def test_legal_activity_materials_beyond_the_column_is_a_message(wdb):
    from rectification.models import LegalActivity

    before = _count(LegalActivity)
    response = wdb.clients["centre"].post(reverse("rectification:legal_create"), {
        "area": wdb.places["xg"].village.pk, "date": "2026-01-05",
        "form": LegalActivity._meta.get_field("form").choices[0][0], "title": "普法",
        "materials": "99999999999", "people_reached": "99999999999"})
    assert response.status_code == 200
    assert "2147483647" in response.content.decode()
    assert _count(LegalActivity) == before


def test_petition_headcount_beyond_the_column_is_a_message(wdb):
    from petitions.forms import RegisterForm

    form = RegisterForm({"headcount": "99999999999"}, user=wdb.users["centre"])
    assert not form.is_valid() and "headcount" in form.errors
    assert "32767" in form.errors["headcount"][0]


@pytest.mark.parametrize("visit", ["99999999999", "-1", "abc", "foreign"])
def test_hazard_intake_refuses_a_source_visit_the_user_cannot_see(wdb, visit):
    from rectification.models import Hazard, HazardCategory

    if visit == "foreign":  # 孟河村's visit, for 西关村's grid worker
        visit = str(wdb.places["mh"].visit.pk)
    before = _count(Hazard)
    response = wdb.clients["grid"].post(reverse("rectification:hazard_create"), {
        "source": Hazard.Source.VISIT, "category": HazardCategory.objects.first().pk,
        "grade": Hazard.Grade.GENERAL, "area": wdb.places["xg"].grid.pk,
        "description": "电线老化", "found_date": "2026-01-05", "visit": visit})
    assert response.status_code == 200
    assert "来源走访记录不存在或不在您的辖区内。" in response.content.decode()
    assert _count(Hazard) == before


def test_hazard_intake_prefill_from_another_villages_records_is_refused(wdb):
    mh = wdb.places["mh"]
    client = wdb.clients["grid"]
    for key, record in (("visit", mh.visit), ("inspection", mh.inspection)):
        response = client.get(reverse("rectification:hazard_create"), {key: record.pk})
        html = response.content.decode()
        assert response.status_code == 200 and "不在您的辖区内，未带入。" in html
        assert MARK["mh"] not in html
    own = wdb.places["xg"].visit
    html = client.get(reverse("rectification:hazard_create"), {"visit": own.pk}).content.decode()
    assert f'value="{own.pk}"' in html and "未带入" not in html


# --- Paging and the drill-down's filters ------------------------------------------------------

def _drill(wdb):
    from django.utils import timezone

    today = timezone.localdate()
    return {"area": wdb.cast.town.pk, "from": f"{today:%Y-01-01}", "to": f"{today:%Y-%m-%d}"}


@pytest.mark.parametrize("name", ["rectification:hazard_list", "rectification:inspection_list",
                                  "cases:case_list", "petitions:list", "grids:visit_list",
                                  "rectification:legal_list"])
def test_page_links_keep_every_filter_and_the_form_shows_the_drill_down(wdb, settings, name):
    settings.LIST_PAGE_SIZE = 1  # 西关村 and 孟河村: two rows, two pages
    drill = _drill(wdb)
    client = wdb.clients["centre"]
    html = client.get(reverse(name), drill).content.decode()
    links = re.findall(r'href="(\?[^"]*page=2[^"]*)"', html)
    assert links, f"{name}: no link to page 2"
    for key, value in drill.items():
        assert f"{key}={value}" in links[0].replace("&amp;", "&"), (name, links[0])
    # The form draws the applied area and dates, filled.
    assert f'<option value="{drill["area"]}" selected>' in html, name
    assert f'name="from" value="{drill["from"]}"' in html, name
    assert f'name="to" value="{drill["to"]}"' in html, name
    page2 = client.get(reverse(name), {**drill, "page": "2"}).content.decode()
    page_huge = client.get(reverse(name), {**drill, "page": "99999999999999999999"})
    assert page_huge.status_code == 200
    assert MARK["far"] not in page2


def test_the_centre_count_is_the_count_of_the_rows_listed(wdb):
    from rectification.models import Centre

    Centre.objects.filter(pk=wdb.places["xg"].centre.pk).update(is_demonstration=True)
    html = wdb.clients["centre"].get(reverse("rectification:centre_list"),
                                     {"demo": "1"}).content.decode()
    rows = (html.count("rectification/centres/") - html.count("centres/setup")
            - html.count("centres/export"))
    assert "共 <strong>1</strong> 处" in html
    assert rows == 1
