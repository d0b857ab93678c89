"""Who may see which area. Every other app's visible_to(user) is built from these:
a user sees what lies beneath the areas of their active memberships, nothing else
(no exception for superusers: deny by default)."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from grids import areatree
from grids.models import Area, Campaign, Household, KeyPerson, KeyPlace, Membership, Resident, Visit
from pingxiang.masks import mask_birth_date, mask_id_number, mask_phone
from pingxiang.registry import person_reaches
from pingxiang.roles import ROLE_PRIORITY, Role

_CACHE_ATTR = "_pingxiang_memberships"


def memberships(user):
    """The user's active memberships with their areas, cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(Membership.objects.active().filter(user_id=user.pk)
                      .select_related("area").order_by("area__path", "pk"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user):
    """Drop what this request remembered about the user's areas (memberships changed)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def roles_of(user):
    return {Role(m.role) for m in memberships(user)}


def has_role(user, *roles):
    return bool(roles_of(user) & {Role(r) for r in roles})


def _wanted(roles):
    """A 安全审计员 membership never opens records (等保2.0 separation of duties: the auditor
    reads the logs and nothing else), so it counts only when asked for by name."""
    return ({r for r in Role if r != Role.AUDITOR} if roles is None
            else {Role(r) for r in roles})


def user_areas(user, *, roles=None):
    """The areas the user answers for (optionally for some roles), outermost first, without
    any area that lies beneath another of them."""
    wanted = _wanted(roles)
    areas = sorted({m.area.pk: m.area for m in memberships(user) if m.role in wanted}.values(),
                   key=lambda a: a.path)
    kept = []
    for area in areas:
        if not any(area.path.startswith(k.path) for k in kept):
            kept.append(area)
    return kept


def area_paths(user, *, roles=None):
    """Materialised paths of the areas the user answers for (optionally for some roles)."""
    return [a.path for a in user_areas(user, roles=roles)]


def _child_ids(area):
    """Primary keys of the area's children (an area or its key), from the tree each process
    holds (grids.areatree)."""
    return areatree.child_ids(area)


def q_under_user_areas(user, field="area", *, roles=None, town=None, village=None):
    """A Q object: `field` (a ForeignKey to Area) lies under one of the user's areas.

    `town` and `village` name the model's own town and village columns, where it keeps them
    (the app sets them from the area on every write; tests/bench/test_generate_county.py and
    each app's tests hold them to it). Given them, an area is scoped by the column of its
    level, `town_id = 7` or `village_id = 35`, which an index answers for that town or
    village alone, where the path join reads every row of the table and every area. A grid
    has nothing beneath it, so it is `field = id`.
    The county at the top of a one-county deployment sees every row: no condition.

    No areas means a Q that matches nothing."""
    kept = user_areas(user, roles=roles)
    if not kept:
        return Q(pk__in=[])
    q = Q()
    for area in kept:
        q |= q_under_area(area, field, town=town, village=village)
    return q


def q_under_area(area, field="area", *, town=None, village=None):
    """A Q object: `field` (a ForeignKey to Area) lies at or under this one area, by the
    model's own town and village columns where it names them (see q_under_user_areas): a
    list filtered to a town reads that town's rows by index, not every row's area path."""
    if areatree.is_whole_tree(area):
        return ~Q(pk__in=[])  # everything: no condition at all
    kind = area.kind
    if kind == Area.Kind.GRID:
        return Q(**{field: area.pk})
    if kind == Area.Kind.VILLAGE and village:
        return Q(**{village: area.pk})
    if kind == Area.Kind.TOWN and town:
        return Q(**{town: area.pk})
    if kind == Area.Kind.TOWN and village:
        # What lies under a town is the town itself or lies under one of its villages.
        return Q(**{field: area.pk}) | Q(**{f"{village}__in": _child_ids(area)})
    if kind == Area.Kind.COUNTY and town:
        return Q(**{f"{town}__in": _child_ids(area)})
    if kind == Area.Kind.CITY and town:
        return Q(**{f"{town}__in": [t for c in _child_ids(area) for t in _child_ids(c)]})
    if kind == Area.Kind.COUNTY and village:
        # The county itself, one of its towns, or under one of its villages.
        towns = _child_ids(area)
        villages = [v for t in towns for v in _child_ids(t)]
        return (Q(**{field: area.pk}) | Q(**{f"{field}__in": towns})
                | Q(**{f"{village}__in": villages}))
    return Q(**{f"{field}__path__startswith": area.path})


def village_rows(user, *, order=("sort_order", "path")):
    """The villages at or beneath the user's areas, as Area.objects.visible_to gives them, from
    the tree the process holds (grids.areatree): a filter's options on every list page."""
    return areatree.villages_under(area_paths(user), order=order)


def village_options(user, *, order=("sort_order", "path")):
    """[(pk, "西关村"), ...]: the villages at or beneath the user's areas, from the area tree
    (village_rows), as a filter's choices."""
    return [(a.pk, str(a)) for a in village_rows(user, order=order)]


def _town_on_path(area):
    """The town at or above this area (from the tree held in memory), None above the towns."""
    ids = [int(i) for i in area.path.strip("/").split("/")]
    return next((a for a in areatree.get_many(ids).values() if a.kind == Area.Kind.TOWN), None)


def home_area(user):
    """The town the user works in (at or above their highest area), or their county when
    they answer for a whole county; None for a user without areas."""
    for m in memberships(user):  # in path order: the highest area first
        return _town_on_path(m.area) or m.area
    return None


def post_town(user, roles):
    """The town of the user's first post (in path order) with one of these roles: the town
    its centre staff or leader acts for when they set up a campaign, a supervision team or
    a reception day. None for a post on a county or city, which has no one town."""
    for m in memberships(user):
        if m.role in roles:
            town = _town_on_path(m.area)
            if town is not None:
                return town
    return None


def centre_name(user):
    """The 综治中心 the user works for ("平襄镇综治中心"), named after their town or county:
    page footers, export subtitles, a reception's room."""
    area = home_area(user)
    return f"{area.name}综治中心" if area else "综治中心"


def get_area_for_user(user, pk):
    """404 unless the area lies beneath one of the user's areas."""
    return get_object_or_404(Area.objects.visible_to(user).select_related("parent"), pk=pk)


def user_can_see_area(user, area):
    return any(area.path.startswith(p) for p in area_paths(user))


# --- Households, key persons and places, visits ---------------------------------------
# Who may log visits: everyone in the "全员走访" campaign, within their own areas.
VISIT_ROLES = (Role.GRID_WORKER, Role.VISITOR, Role.VILLAGE_CADRE, Role.CENTRE_STAFF,
               Role.LEADER)
# Who keeps the registers (import, key persons, key places, 包抓).
MANAGE_ROLES = (Role.VILLAGE_CADRE, Role.CENTRE_STAFF, Role.ADMIN)
# Who needs ID numbers in full (to register people and take cases) and phone numbers in full
# (to call a household). Everyone else sees 62***************7 and 138****1234, and the
# birth year instead of the birth date (pingxiang.masks), on pages and in exports alike.
# A security decision, so it lives in code and is reviewed with it.
FULL_ID_ROLES = (Role.VILLAGE_CADRE, Role.CENTRE_STAFF)
FULL_PHONE_ROLES = (Role.GRID_WORKER, Role.VILLAGE_CADRE, Role.CENTRE_STAFF)
# Who sees where a visit, hazard or case was recorded and a household's reference position
# (issue 21 §3: personal data): the grid worker, who records and confirms them, and the
# centre staff, who check visits made far from the household. They confirm references too.
POSITION_ROLES = (Role.GRID_WORKER, Role.CENTRE_STAFF)
# Who may correct a household and its members' details on the pages: the grid worker of
# that grid (they know the households best) and the register keepers. Adding a member stays
# with MANAGE_ROLES (it looks people up across the registry by ID number). An ID number or
# phone number field is only offered to someone who sees it in full (Masker): a role that
# sees 62***************7 edits everything else about the person, never the number.
HOUSEHOLD_EDIT_ROLES = (Role.GRID_WORKER, *MANAGE_ROLES)
# Who runs the town's campaigns and decides 包抓 (who answers for which village, 社, grid).
CAMPAIGN_ROLES = (Role.CENTRE_STAFF, Role.ADMIN)
RESPONSIBILITY_ROLES = (Role.CENTRE_STAFF, Role.ADMIN)


def _covers(user, area, roles):
    return any(area.path.startswith(p) for p in area_paths(user, roles=roles))


def can_visit(user, area):
    return _covers(user, area, VISIT_ROLES)


def can_manage(user, area):
    return _covers(user, area, MANAGE_ROLES)


def can_edit_household(user, area):
    return _covers(user, area, HOUSEHOLD_EDIT_ROLES)


def can_run_campaigns(user, area):
    return _covers(user, area, CAMPAIGN_ROLES)


def can_assign_responsibilities(user, area):
    return _covers(user, area, RESPONSIBILITY_ROLES)


def can_see_positions(user, area=None):
    """Positions are shown to POSITION_ROLES only: over `area` when given (a record's page),
    else anywhere they hold the post (a list, which is scoped besides)."""
    if area is None:
        return has_role(user, *POSITION_ROLES)
    return _covers(user, area, POSITION_ROLES)


class Masker:
    """What one user sees of a person's numbers and birth date (see FULL_ID_ROLES): in full,
    or through the masks of pingxiang.masks. The birth date goes with the ID number: a role
    that sees the number masked sees the birth year only, since the date is digits 7-14."""

    def __init__(self, user):
        self.full_id = has_role(user, *FULL_ID_ROLES)
        self.full_phone = has_role(user, *FULL_PHONE_ROLES)

    def id(self, number):
        if not number:
            return ""
        return number if self.full_id else mask_id_number(number)

    def phone(self, phone):
        if not phone:
            return ""
        return phone if self.full_phone else mask_phone(phone)

    def birth(self, day):
        """2026-11-29 in full, or 1981年."""
        if not day:
            return ""
        return f"{day:%Y-%m-%d}" if self.full_id else mask_birth_date(day)


def get_household_for_user(user, pk, *, write=False, edit=False):
    """404 unless the household lies in the user's areas; write=True: 403 unless the user
    also holds a visiting role there; edit=True: 403 unless they may edit households there."""
    household = get_object_or_404(
        Household.objects.visible_to(user).select_related("grid__parent__parent", "head"), pk=pk)
    if write and not can_visit(user, household.grid):
        raise PermissionDenied("您的岗位不能在此户记录走访。")
    if edit and not can_edit_household(user, household.grid):
        raise PermissionDenied("您的岗位不能修改此户信息。")
    return household


def get_member_for_user(user, pk):
    """A household member, only ever opened to be edited: 404 unless their household is
    visible, 403 unless the user may edit households there."""
    member = get_object_or_404(
        Resident.objects.filter(household__in=Household.objects.visible_to(user))
        .select_related("household__grid__parent__parent"), pk=pk)
    if not can_edit_household(user, member.household.grid):
        raise PermissionDenied("您的岗位不能修改此户成员。")
    return member


def q_resident_visible(user):
    """Residents the user may look up: of a household in their areas, a key person of theirs,
    or named by a record of another app the user may read (pingxiang.registry.person_reach:
    a case's party, a petitioner whose petition they may read).

    Not "registered to one of their areas": a petitioner with no household on file is a
    resident of the petition's grid, and the grid's worker must not learn from a search
    that such a person exists (petitions.access)."""
    areas = user_areas(user)
    if any(areatree.is_whole_tree(area) for area in areas):
        # Every household is theirs: "has a household" says it without reading them all
        # (the IN over a county's households cost a 130,000-row hash on every search).
        q = Q(household__isnull=False)
    else:
        # The household's grid among the areas the process holds (grids.areatree): checked
        # for the rows a search finds, not by hashing every household of a town first.
        q = Q(household__grid_id__in=areatree.ids_under([a.path for a in areas]))
    q |= Q(pk__in=KeyPerson.objects.visible_to(user).values("resident_id"))
    for ids in person_reaches(user):
        q |= Q(pk__in=ids)
    return q


def get_resident_for_user(user, pk):
    """The person page's resident (一人一档): 404 unless visible (q_resident_visible)."""
    return get_object_or_404(
        Resident.objects.filter(q_resident_visible(user))
        .select_related("household__grid__parent__parent", "area", "key_person"), pk=pk)


def get_key_place_for_user(user, pk, *, write=False, manage=False):
    """404 unless visible; write=True: 403 unless the user may inspect it (visit roles);
    manage=True: 403 unless the user keeps the register there (MANAGE_ROLES)."""
    place = get_object_or_404(
        KeyPlace.objects.visible_to(user).select_related("grid__parent"), pk=pk)
    if write and not can_visit(user, place.grid):
        raise PermissionDenied("您的岗位不能在此场所记录巡查。")
    if manage and not can_manage(user, place.grid):
        raise PermissionDenied("您的岗位不能修改重点场所信息。")
    return place


def get_key_person_for_user(user, pk, *, write=False):
    person = get_object_or_404(
        KeyPerson.objects.visible_to(user).select_related("resident__household", "grid",
                                                          "responsible"), pk=pk)
    if write and not can_manage(user, person.grid):
        raise PermissionDenied("您的岗位不能修改重点人员信息。")
    return person


def get_visit_for_user(user, pk):
    return get_object_or_404(
        Visit.objects.visible_to(user).select_related(
            "household__head", "key_place", "area__parent", "village", "visitor", "campaign"),
        pk=pk)


def get_campaign_for_user(user, pk, *, write=False):
    """404 unless visible; write=True: 403 unless the campaign's area lies within the
    user's centre-staff or admin areas."""
    campaign = get_object_or_404(Campaign.objects.visible_to(user).select_related("area"), pk=pk)
    if write and not can_run_campaigns(user, campaign.area):
        raise PermissionDenied("您的岗位不能修改此专项活动。")
    return campaign


def require_role(*roles):
    """403 unless the user holds one of the roles (anywhere; the data is still scoped)."""
    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied("您的岗位没有此项权限。")
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def active_role(request):
    """The role the user is working as: chosen in the header, else their first by priority."""
    held = {Role(m.role) for m in memberships(request.user)}
    chosen = request.session.get("role") if hasattr(request, "session") else None
    if chosen in held:
        return Role(chosen)
    for role in ROLE_PRIORITY:
        if role in held:
            return role
    return None
