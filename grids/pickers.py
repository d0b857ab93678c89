"""Pickers that scale (issue 19 §4): one field per kind of record that forms pick from a
long list, each drawn by pingxiang.widgets.SearchSelect, and one autocomplete view per kind
answering the search box with <option>s (only what the user may see; the form's own
queryset still validates what is posted).

    area = AreaPickerField(label="所属网格", queryset=...)   # 西关村 · 高家庄社第一网格（网格）
    user = PersonPickerField(label="责任人", queryset=...)   # 高彩霞 · 网格员 · 西关村
    household = HouseholdPickerField(...)                    # 西关村高家庄社45号
    place = KeyPlacePickerField(..., village_field="village")  # 物流企业·顺达物流 · 西关村…
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.db.models.functions import Concat
from django.shortcuts import render
from django.views.decorators.http import require_GET

from grids import areatree
from grids.access import area_paths
from grids.models import Area, Household, KeyPlace, Membership
from pingxiang.access import scoped
from pingxiang.people import display_name
from pingxiang.roles import Role
from pingxiang.widgets import SearchSelect

LIMIT = 30  # options an autocomplete answer lists


def village_name(area):
    """The 村(社区) an area lies in, from the in-memory tree (no query)."""
    if area is None:
        return ""
    chain = areatree.get_many(area.ancestor_ids())
    for pk in area.ancestor_ids():
        node = chain.get(pk)
        if node is not None and node.kind == Area.Kind.VILLAGE:
            return node.short_name or node.name
    return ""


def area_label(area):
    parent = areatree.get(area.parent_id) if area.kind == Area.Kind.GRID else None
    prefix = f"{parent.short_name or parent.name} · " if parent is not None else ""
    return f"{prefix}{area.name}（{area.get_kind_display()}）"


def village_area_label(area):
    """西关村 · 高家庄社第一网格 (西关村 · 一社 · 东片网格 where the grid's name does not
    already say its 社): a 社 or 网格 told apart across villages, whose names repeat."""
    parts = [village_name(area)]
    if area.kind == Area.Kind.GRID:
        group = areatree.get(area.parent_id)
        if group is not None and group.kind == Area.Kind.GROUP and \
                not str(area).startswith(str(group)):
            parts.append(str(group))
    parts.append(str(area))
    return " · ".join(p for p in parts if p)


def person_label(user):
    """高彩霞 · 网格员 · 西关村: two people of one name told apart by post and village."""
    memberships = [m for m in getattr(user, "picker_memberships", []) if m.is_active]
    parts = [display_name(user)]
    if memberships:
        m = memberships[0]
        parts.append(m.title or Role(m.role).label)
        village = village_name(areatree.get(m.area_id))
        if village:
            parts.append(village)
    else:
        parts.append(user.get_username())
    return " · ".join(parts)


def household_label(household):
    return household.address


def place_label(place):
    """物流企业·顺达物流 · 西关村高家庄社12号: the address tells apart two places of one name."""
    label = f"{place.kind}·{place.name}"
    return f"{label} · {place.address}" if place.address else label


def with_memberships(qs):
    if any(getattr(lookup, "to_attr", None) == "picker_memberships"
           for lookup in qs._prefetch_related_lookups):
        return qs  # a form's field copied with its queryset: prefetched already
    return qs.prefetch_related(Prefetch(
        "memberships", queryset=Membership.objects.filter(is_active=True).order_by("pk"),
        to_attr="picker_memberships"))


class _PickerField(forms.ModelChoiceField):
    url_name = ""

    def __init__(self, *args, depends=(), params=None, limit=None, **kwargs):
        kwargs.setdefault("widget", SearchSelect(self.url_name, depends=depends, params=params,
                                                 limit=limit))
        super().__init__(*args, **kwargs)


class AreaPickerField(_PickerField):
    url_name = "grids:pick_area"

    def label_from_instance(self, obj):
        return area_label(obj)


class PersonPickerField(_PickerField):
    url_name = "grids:pick_person"

    def _set_queryset(self, queryset):
        super()._set_queryset(None if queryset is None else with_memberships(queryset))

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def label_from_instance(self, obj):
        return person_label(obj)


class HouseholdPickerField(_PickerField):
    url_name = "grids:pick_household"

    def label_from_instance(self, obj):
        return household_label(obj)


class KeyPlacePickerField(_PickerField):
    url_name = "grids:pick_place"

    def __init__(self, *args, village_field=None, **kwargs):
        super().__init__(*args, depends=(village_field,) if village_field else (), **kwargs)

    def label_from_instance(self, obj):
        return place_label(obj)


# --- The autocomplete views -------------------------------------------------------------
class PickForm(forms.Form):
    """?field=<the form field's name>&<field>__q=<typed text>, and the narrowing values."""

    field = forms.RegexField(regex=r"^[a-z_][a-z0-9_]{0,40}$", required=False)
    kind = forms.MultipleChoiceField(choices=Area.Kind.choices, required=False)  # ?kind=a&kind=b
    role = forms.ChoiceField(choices=[("", "")] + Role.choices, required=False)
    village = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    area = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    def text(self, data):
        name = self.cleaned_data.get("field") or ""
        return (data.get(f"{name}__q") or data.get("q") or "").strip()[:50]


def _pick(request):
    form = PickForm(request.GET)
    if not form.is_valid():
        return form, "", {}
    return form, form.text(request.GET), form.cleaned_data


def _options(request, rows, label):
    rows = list(rows[:LIMIT + 1])
    return render(request, "grids/pick_options.html", {
        "options": [(r.pk, label(r)) for r in rows[:LIMIT]], "more": len(rows) > LIMIT})


def _narrow_area(user, pk):
    """?village= / ?area= as an area at, beneath or above one of the user's areas (a grid
    worker's form names their village); False for any other (the answer is then empty),
    None when not given. It only narrows: what is answered is still what the user sees."""
    if not pk:
        return None
    area = areatree.get(pk)
    paths = area_paths(user)
    if area is None or not any(area.path.startswith(p) or p.startswith(area.path)
                               for p in paths):
        return False
    return area


@scoped("area", model=Area)
@require_GET
def pick_area(request):
    form, text, data = _pick(request)
    qs = Area.objects.visible_to(request.user)
    if data.get("kind"):
        qs = qs.filter(kind__in=data["kind"])
    within = _narrow_area(request.user, data.get("village"))
    if within is False:
        qs = qs.none()
    elif within is not None:
        qs = qs.filter(path__startswith=within.path)
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(short_name__contains=text))
    # 社 and 网格 only (a case's place): labelled with their village, as the form draws them.
    below = data.get("kind") and set(data["kind"]) <= {Area.Kind.GROUP, Area.Kind.GRID}
    return _options(request, qs.order_by("path"), village_area_label if below else area_label)


@scoped("area", model=Area)
@require_GET
def pick_person(request):
    form, text, data = _pick(request)
    users = get_user_model().objects.filter(
        is_active=True, memberships__is_active=True,
        memberships__area__in=Area.objects.visible_to(request.user))
    if data.get("role"):
        users = users.filter(memberships__role=data["role"])
    if text:
        # The name as pages write it (pingxiang.people.full_name: family name first).
        users = users.annotate(full_name=Concat("last_name", "first_name")).filter(
            Q(full_name__contains=text) | Q(username__icontains=text))
    users = with_memberships(users.distinct().order_by("last_name", "first_name", "pk"))
    return _options(request, users, person_label)


@scoped("area", model=Household)
@require_GET
def pick_household(request):
    form, text, data = _pick(request)
    qs = Household.objects.visible_to(request.user).search(text).only("pk", "address")
    return _options(request, qs.order_by("address", "pk"), household_label)


@scoped("area", model=KeyPlace)
@require_GET
def pick_place(request):
    form, text, data = _pick(request)
    qs = KeyPlace.objects.visible_to(request.user)
    village = _narrow_area(request.user, data.get("village") or data.get("area"))
    if village is False:
        qs = qs.none()
    elif village is not None:
        qs = qs.filter(grid__path__startswith=village.path)
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(address__contains=text))
    return _options(request, qs.order_by("kind", "name", "pk"), place_label)
