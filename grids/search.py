"""The one search box (issue 19 §3): what a query means, and what grids finds for it.

Every app answers for its own records through pingxiang.registry.search_provider (cases,
petitions and rectification register theirs in their nav.py); grids draws the page. Each
provider returns at most LIMIT hits, each saying why it matched, and only what the user may
see. The columns searched carry trigram indexes (grids/migrations/0009), so a name, an
address fragment or the last digits of a number is an index scan on a county's 270,000
households, not a sequential one.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from grids.access import Masker, q_resident_visible
from grids.models import Household, KeyPlace, Resident
from grids.textsearch import initials
from pingxiang.registry import SearchGroup, SearchHit

LIMIT = 20
MIN_DIGITS = 4  # fewer trailing digits match too many people to be a lookup
_NUMBER = re.compile(rf"[0-9]{{{MIN_DIGITS},18}}|[0-9]{{{MIN_DIGITS - 1},17}}X")


@dataclass(frozen=True)
class Query:
    text: str

    @property
    def digits(self):
        """The digits typed when the query is a number (ID tail, phone tail, X for the check
        digit): '' otherwise."""
        t = self.text.upper()
        return t if _NUMBER.fullmatch(t) else ""

    @property
    def initials(self):
        """Lower-case latin letters only (wjg for 王建国): a pinyin-initials query."""
        t = self.text.lower()
        return t if re.fullmatch(r"[a-z]{2,10}", t) else ""


def parse(text):
    return Query((text or "").strip()[:50])


def resident_label(resident, masker):
    """王建国 · 高家庄社45号: a name, told apart by its address (masked numbers kept out)."""
    household = resident.household
    place = household.address if household else (resident.area.name if resident.area else "")
    return " · ".join(x for x in [resident.name, place] if x)


def search_residents(user, query):
    if not query.text:
        return None
    masker = Masker(user)
    visible = Resident.objects.filter(q_resident_visible(user))
    hits = []
    rows = []
    if query.digits:
        # Only the roles that see a number in full may find someone by its digits: a masked
        # viewer could otherwise rebuild the number a digit at a time.
        if masker.full_id:
            rows += [(r, f"身份证号末{len(query.digits)}位相符")
                     for r in visible.filter(id_number__endswith=query.digits)[:LIMIT]]
        if masker.full_phone:
            rows += [(r, f"电话号码末{len(query.digits)}位相符")
                     for r in visible.filter(phone__endswith=query.digits)[:LIMIT]]
    elif query.initials:
        # The households' search text holds every member's initials; the members of those
        # households whose own initials begin with the query are the people meant.
        households = list(Household.objects.visible_to(user).search(query.initials)
                          .values_list("pk", flat=True)[:LIMIT * 5])
        # The ids, not a subquery: given an IN (SELECT … LIMIT) beside the visibility ORs,
        # PostgreSQL read every resident of the county (330 ms) instead of these households'.
        # Every member of a household the user sees is someone they may look up
        # (q_resident_visible), so these households' members need no other condition.
        members = Resident.objects.filter(household__in=households)
        for r in members.order_by("name", "pk")[:LIMIT * 10]:
            if initials(r.name).startswith(query.initials):
                rows.append((r, f"姓名拼音首字母“{query.initials}”"))
    else:
        named = Resident.objects.name_contains(query.text).filter(q_resident_visible(user))
        rows += [(r, f"姓名含“{query.text}”") for r in named.order_by("name", "pk")[:LIMIT]]
    ids = {}
    for r, why in rows:
        ids.setdefault(r.pk, why)
    # One query for the labels' households and areas.
    people = Resident.objects.select_related("household", "area").in_bulk(list(ids)[:LIMIT])
    for pk, why in list(ids.items())[:LIMIT]:
        r = people[pk]
        hits.append(SearchHit(resident_label(r, masker), reverse("grids:person", args=[pk]), why,
                              masker.phone(r.phone)))
    return SearchGroup("人员", tuple(hits))


def search_households(user, query):
    if not query.text or query.digits:
        return None
    rows = (Household.objects.visible_to(user).search(query.text)
            .only("pk", "address", "house_number").order_by("address", "pk")[:LIMIT])
    hits = []
    for h in rows:
        why = f"住址含“{query.text}”" if query.text in h.address else "户成员姓名或拼音相符"
        hits.append(SearchHit(h.address, reverse("grids:household_detail", args=[h.pk]), why))
    more = reverse("grids:household_list") + "?" + urlencode({"q": query.text})
    return SearchGroup("户", tuple(hits), more)


def search_places(user, query):
    if not query.text or query.digits or query.initials:
        return None
    rows = (KeyPlace.objects.visible_to(user)
            .filter(Q(name__contains=query.text) | Q(address__contains=query.text))
            .only("pk", "name", "address").order_by("name", "pk")[:LIMIT])
    hits = [SearchHit(f"{p.name} · {p.address}" if p.address else p.name,
                      reverse("grids:key_place_detail", args=[p.pk]),
                      "名称相符" if query.text in p.name else "地址相符") for p in rows]
    return SearchGroup("重点场所", tuple(hits))

