"""What a role sees of a resident, put together, never rebuilds the ID number (issue 16 §3).

An 18-digit number is region (positions 1-6), birth date (7-14), sequence (15-17) and check
digit (18). The region follows from the address and the year from the age, so a role without
the full-number permission (grids.access.FULL_ID_ROLES) must never get the month and day
(11-14) nor any sequence digit (15-17) from any page, partial, export or admin page it can
open. For every such role this walks every GET URL of the site (pointed at the 西关村 records
of tests/trust/world.py), the htmx partials and searches of the lists, and the admin pages of
residents' records; it reads HTML and the cells of every Excel export, and marks which
positions each shows: the full number (all), an 18-character mask (its visible characters),
the birth date written out in any usual form (7-14). The union must leave 11-17 unknown.
"""

import datetime as dt
import io
import re
import zipfile

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from tests.trust.urlmap import iter_named_patterns, url_for
from tests.trust.world import id_number

MASKED_ROLES = ["grid", "visitor", "leader", "supervisor", "admin", "auditor"]
FULL_ID_ROLES = ["cadre", "centre"]
PHONE_MASKED_ROLES = ["visitor", "leader", "supervisor", "admin", "auditor"]
YEAR, MONTH_DAY, SEQUENCE = range(6, 10), range(10, 14), range(14, 17)
# Extra requests per list: its search and its htmx partial.
VARIANTS = {
    "grids:household_list": [("?q=户主", {}), ("", {"HTTP_HX_REQUEST": "true"}),
                             ("?q=户主", {"HTTP_HX_REQUEST": "true"})],
    "grids:key_person_list": [("", {"HTTP_HX_REQUEST": "true"})],
    "grids:worklist": [("", {"HTTP_HX_REQUEST": "true"})],
    "grids:visit_list": [("", {"HTTP_HX_REQUEST": "true"})],
    "cases:case_list": [("?q=纠纷", {}), ("", {"HTTP_HX_REQUEST": "true"})],
    "cases:case_export": [("?q=纠纷", {})],
    "petitions:list": [("", {"HTTP_HX_REQUEST": "true"})],
}
# Admin pages of records that name a resident.
ADMIN_RECORDS = {"grids.household": "household", "grids.keyperson": "key_person",
                 "cases.case": "case", "petitions.petition": "petition",
                 "grids.visit": "visit"}
_TOKEN = re.compile(r"(?<![0-9Xx*])[0-9Xx*]{18}(?![0-9Xx*])")
_PHONE_TOKEN = re.compile(r"(?<![0-9*])[0-9*]{11}(?![0-9*])")


def _date_forms(day):
    return {f"{day:%Y-%m-%d}", f"{day:%Y/%m/%d}", f"{day:%Y.%m.%d}",
            f"{day.year}年{day.month}月{day.day}日", f"{day:%Y年%m月%d日}",
            f"{day.year}-{day.month}-{day.day}"}


def _cell_text(value):
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return " ".join(sorted(_date_forms(value)))
    return str(value)


def body_text(response):
    """The text a response shows: HTML as it is, the cells of a workbook, the XML of any
    other Office file; nothing for images."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    ctype = response.get("Content-Type", "")
    if ctype.startswith(("text/", "application/json")):
        return content.decode("utf-8", "replace")
    if content[:2] != b"PK":
        return ""
    if "spreadsheet" in ctype or b"xl/" in content[:2000]:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(" ".join(_cell_text(v) for v in row if v is not None)
                         for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                         if n.endswith(".xml"))


def revealed(number, born, text):
    """The positions (0-based) of `number` that `text` gives away."""
    if number in text:
        return set(range(18))
    shown = set()
    for token in _TOKEN.findall(text):
        token = token.upper()
        if "*" in token and all(c in ("*", n) for c, n in zip(token, number, strict=True)):
            shown |= {i for i, c in enumerate(token) if c != "*"}
    if any(form in text for form in _date_forms(born)):
        shown |= set(YEAR) | set(MONTH_DAY)
    return shown


def phone_revealed(phone, text):
    if phone in text:
        return set(range(11))
    shown = set()
    for token in _PHONE_TOKEN.findall(text):
        if "*" in token and all(c in ("*", n) for c, n in zip(token, phone, strict=True)):
            shown |= {i for i, c in enumerate(token) if c != "*"}
    return shown


def urls_for(world):
    """(label, url, headers) of every page a role might open about the 西关村 records."""
    place = world.places["xg"]
    found = []
    for name, _route, _pattern in iter_named_patterns():
        try:
            url = url_for(name, place)
        except NoReverseMatch:  # ids the world has no record for (an export job, a message)
            continue
        found.append((name, url, {}))
        found += [(name, url + query, headers) for query, headers in VARIANTS.get(name, ())]
    for model in admin.site._registry:
        label = model._meta.label_lower
        info = label.replace(".", "_")
        found.append((f"admin {label} list", reverse(f"admin:{info}_changelist"), {}))
        if label in ADMIN_RECORDS:
            record = getattr(place, ADMIN_RECORDS[label])
            found.append((f"admin {label}", reverse(f"admin:{info}_change", args=[record.pk]),
                          {}))
    return found


def _people(world, extra=()):
    """(what, ID number, birth date) of every resident on the 西关村 records."""
    from grids.models import Resident

    place = world.places["xg"]
    head = Resident.objects.get(pk=place.resident.pk)  # as on file now, not as built
    people = [("户主", head.id_number, head.birth_date)]
    for link in place.case.party_links.select_related("resident"):
        people.append(("当事人", link.resident.id_number, link.resident.birth_date))
    people.append(("信访人", place.petition.petitioner.id_number,
                   place.petition.petitioner.birth_date))
    return people + list(extra)


def _edit_the_heads_number(world):
    """A register keeper corrects the head's ID number (and so birth date): the change is on
    the household's timeline, which every role reads."""
    from grids import actions
    from grids.models import Resident

    head = Resident.objects.get(pk=world.places["xg"].resident.pk)
    old = (head.id_number, head.birth_date)
    number = id_number(401, born=dt.date(1982, 7, 15))
    actions.edit_member(head, actor=world.users["cadre"], version=head.version,
                        name=head.name, relation=head.relation, sex=head.sex,
                        birth_date=None, id_number=number)
    head.refresh_from_db()
    assert head.birth_date == dt.date(1982, 7, 15)
    return [("户主（改前）", *old)]


REQUESTS = []


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_nothing_a_role_sees_rebuilds_an_id_number(wdb, role):
    people = _people(wdb, _edit_the_heads_number(wdb))
    client = wdb.clients[role]
    seen = {number: set() for _, number, _ in people}
    where = {number: [] for _, number, _ in people}
    opened = 0
    for label, url, headers in urls_for(wdb):
        response = client.get(url, **headers)
        REQUESTS.append(1)
        if response.status_code != 200:
            continue
        opened += 1
        text = body_text(response)
        for _, number, born in people:
            shown = revealed(number, born, text)
            if shown - seen[number]:
                where[number].append(f"{label} {url}: {sorted(shown)}")
            seen[number] |= shown
    assert opened > 10, f"{role} opened only {opened} pages: is the world logged in?"
    failures = []
    for what, number, _ in people:
        gap = set(MONTH_DAY) | set(SEQUENCE)
        # 1-based, as the standard counts: at least 4 of 7-14 and all of 15-17 unknown.
        unknown_birth = set(YEAR) | set(MONTH_DAY)
        if len(unknown_birth - seen[number]) < 4 or seen[number] & set(SEQUENCE) \
                or seen[number] & gap:
            failures.append(f"{what} {number}: positions {sorted(i + 1 for i in seen[number])} "
                            f"seen by {role}, from\n  " + "\n  ".join(where[number]))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", PHONE_MASKED_ROLES)
def test_no_page_shows_more_of_a_phone_number_than_its_mask(wdb, role):
    place = wdb.places["xg"]
    phones = [place.head_phone, place.petition.petitioner.phone]
    client = wdb.clients[role]
    for label, url, headers in urls_for(wdb):
        response = client.get(url, **headers)
        REQUESTS.append(1)
        if response.status_code != 200:
            continue
        text = body_text(response)
        for phone in phones:
            shown = phone_revealed(phone, text)
            assert not shown & set(range(3, 7)), (role, label, url, phone, sorted(shown))


@pytest.mark.parametrize("role", FULL_ID_ROLES)
def test_roles_with_the_full_number_permission_still_see_it(wdb, role):
    place = wdb.places["xg"]
    head = place.resident
    client = wdb.clients[role]
    page = body_text(client.get(reverse("grids:household_detail", args=[place.household.pk])))
    assert head.id_number in page and f"{head.birth_date:%Y-%m-%d}" in page
    form = body_text(client.get(reverse("grids:member_edit", args=[head.pk])))
    assert 'name="id_number"' in form and 'name="birth_date"' in form
    assert head.id_number in form


def test_the_walk_sees_what_a_careless_page_would_show():
    """The detector itself: the old mask next to the birth date is caught, the new one is not."""
    number = id_number(7, born=dt.date(1990, 1, 2))
    born = dt.date(1990, 1, 2)
    old_mask = number[:6] + "*" * 8 + number[-4:]
    assert set(MONTH_DAY) | set(SEQUENCE) <= revealed(number, born, f"{old_mask} 1990-01-02")
    from pingxiang.masks import mask_id_number

    shown = revealed(number, born, f"{mask_id_number(number)} 1990年")
    assert shown == {0, 1, 17}
    assert revealed(number, born, f"<td>{number}</td>") == set(range(18))
    assert revealed(number, born, "1990年1月2日出生") == set(YEAR) | set(MONTH_DAY)
