"""What apps contribute to the shell: navigation entries and home-page panels.

An app registers them in its own nav.py (autodiscovered at start-up):

    from pingxiang.registry import nav_item, home_panel
    nav_item("矛盾纠纷", "cases:list", roles=[Role.CENTRE_STAFF, ...], order=20,
             group="矛盾纠纷", daily=[Role.CENTRE_STAFF])

    @home_panel(roles=[Role.GRID_WORKER], order=10)
    def my_level_one_cases(request):
        return "cases/panels/level_one.html", {"cases": ...}   # or None to show nothing

    @visit_followup
    def cases_opened_from(user, visit):
        return [("矛盾纠纷 …", "/cases/12/")]   # what was opened from this visit

so grids, which the casework apps build on, shows their records without importing them.

Two more hooks keep the kernel free of app imports: `on_notify` (messaging writes its outbox
rows in the inbox's own transaction) and `working_day_calendar` (cases' calendar answers for
apps that may not import cases).

The people pages (grids) use two more: `contact_book` (messaging keeps a person's mobile and
企业微信 account; the user form reads and writes them there) and `handover_source` (each app
lists a leaving worker's open items and hands them to a successor; registered from the app's
handover.py, autodiscovered like nav.py).
"""

from dataclasses import dataclass, field

from pingxiang import figurecache, replica
from pingxiang.roles import Role

# The header's menus, in this order (issue 19 §5). An entry names its group; one that
# names none (or one not listed) lands in 管理, so an entry registered without a group still
# shows up somewhere sensible.
NAV_GROUPS = ("走访", "矛盾纠纷", "信访", "隐患与督导", "数据", "管理")
DEFAULT_GROUP = "管理"


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset = field(default_factory=frozenset)
    order: int = 100
    group: str = DEFAULT_GROUP
    # The roles for whom this is a daily page: shown on the header's first level for them,
    # before the grouped menus.
    daily: frozenset = field(default_factory=frozenset)


@dataclass(frozen=True)
class NavGroup:
    label: str
    items: tuple


@dataclass(frozen=True)
class NavMenu:
    daily: tuple
    groups: tuple

    @property
    def cache_key(self):
        """What the header's links depend on, for its fragment cache ({% cache %} in
        base.html): the same entries draw the same links, for every user of the role."""
        items = [*self.daily, *(i for g in self.groups for i in g.items)]
        return "|".join(f"{i.group}:{i.url_name}:{i.label}:{i in self.daily}" for i in items)


_NAV: list[NavItem] = []
_PANELS: list[tuple[int, frozenset, object, bool]] = []
_VISIT_FOLLOWUPS: list = []


def nav_item(label, url_name, *, roles, order=100, group=DEFAULT_GROUP, daily=()):
    group = group if group in NAV_GROUPS else DEFAULT_GROUP
    item = NavItem(label, url_name, frozenset(Role(r) for r in roles), order, group,
                   frozenset(Role(r) for r in daily))
    if item not in _NAV:
        _NAV.append(item)
    return item


def nav_for(role_set):
    return sorted((i for i in _NAV if i.roles & role_set), key=lambda i: (i.order, i.label))


def nav_menu(role):
    """The header for one role: its daily pages first, then the other entries it may open
    grouped by module in NAV_GROUPS order (empty groups left out)."""
    items = nav_for({role})
    daily = tuple(i for i in items if role in i.daily)
    rest = [i for i in items if role not in i.daily]
    groups = tuple(NavGroup(g, tuple(i for i in rest if i.group == g)) for g in NAV_GROUPS)
    return NavMenu(daily, tuple(g for g in groups if g.items))


def home_panel(*, roles, order=100, per_user_cache=True):
    """Register func(request) -> (template, context) or None as a home page panel of these
    roles. per_user_cache=False for a panel that caches its figures itself (panels_for's
    cache would hold them until its version or the minute moved)."""
    def decorate(func):
        entry = (order, frozenset(Role(r) for r in roles), func, per_user_cache)
        if all(existing[2] is not func for existing in _PANELS):
            _PANELS.append(entry)
        return func

    return decorate


_FIGURES_VERSION: list = []


def figures_version(func):
    """Register func() -> the version the figures shown to users are cached under (dashboard:
    its rollups' version once they are built, which the per-minute job moves). Without one,
    the data version, which every write moves (pingxiang.figurecache)."""
    _FIGURES_VERSION[:] = [func]
    return func


def panels_for(request, role):
    """Render-ready panels for the role's home page, in order.

    Each panel's data is cached for the user under the figures' version, the user's own last
    write (pingxiang.replica.last_write) and the minute (figurecache.cached_for_user):
    reloading the home page reads no figures. The user's own write shows at once; another's
    once the version moves: at once before the rollups are built (the data version), within
    the minute after, as on the dashboard. At 20 visits a second the data version moved on
    every request, and a county leader's home counted a county's hazards, issues and cases
    each time."""

    version = _FIGURES_VERSION[0]() if _FIGURES_VERSION else figurecache.version()
    data_version = f"{version}:{replica.last_write(request.user)}"
    out = []
    for _order, roles, func, per_user_cache in sorted(_PANELS, key=lambda e: e[0]):
        if role in roles:
            name = f"panel:{role.value}:{func.__module__}.{func.__qualname__}"
            if per_user_cache:
                result = figurecache.cached_for_user(
                    request.user, name, lambda f=func: f(request), data_version=data_version)
            else:
                result = func(request)
            if result:
                out.append(result)
    return out


def visit_followup(func):
    """Register func(user, visit) -> [(label, href)]: the records an app opened from a visit,
    as far as the user may see them (the visit page lists them)."""
    if func not in _VISIT_FOLLOWUPS:
        _VISIT_FOLLOWUPS.append(func)
    return func


def visit_followups(user, visit):
    return [row for func in _VISIT_FOLLOWUPS for row in func(user, visit)]


_NOTIFY_HOOKS: list = []
_CALENDARS: list = []
_SETTLED: list = []


def on_notify(func):
    """Register func(notifications, *, urgent, area): pingxiang.notify.notify calls it inside
    the transaction that inserts the inbox rows, with a lazy QuerySet of the rows it has just
    inserted, so an app's own rows (messaging's outbox) commit or roll back with them."""
    if func not in _NOTIFY_HOOKS:
        _NOTIFY_HOOKS.append(func)
    return func


def notify_hooks():
    return list(_NOTIFY_HOOKS)


def settled_notifications(func):
    """Register func(keys) -> the keys (pingxiang.Notification.key) among `keys` whose matter
    is settled by now (the case followed up, the petition's clock stopped or moved on, the
    hazard rectified). Each app answers for its own keys and ignores the others'; the
    morning digest leaves settled items out instead of reminding people of finished work."""
    if func not in _SETTLED:
        _SETTLED.append(func)
    return func


def settled(keys):
    keys = list(keys)
    return set().union(*(func(keys) for func in _SETTLED)) if keys and _SETTLED else set()


def working_day_calendar(func):
    """Register func(date) -> bool, the installation's working-day calendar (cases registers
    its own: the administrator's table, chinese-calendar, the statutory holidays)."""
    _CALENDARS[:] = [func]
    return func


def is_working_day(day):
    """Whether `day` is a working day by the registered calendar; Monday to Friday when no app
    registered one."""
    if _CALENDARS:
        return _CALENDARS[0](day)
    return day.weekday() < 5


# --- People pages (grids) that show or change what other apps keep about a person ---------
_CONTACT_BOOK: list = []


@dataclass(frozen=True)
class ContactBook:
    """Where a person is reached outside the app (messaging keeps it: one copy).
    read(users) -> {user pk: (wecom_userid, mobile)}; write(user, *, actor, wecom_userid,
    mobile) stores and audits it, raising ValidationError with a Chinese message for a bad
    value (inside the caller's transaction, so nothing is half-done)."""

    read: object
    write: object


def contact_book(*, read, write):
    _CONTACT_BOOK[:] = [ContactBook(read, write)]


def contacts():
    """The registered contact book, or None when no app keeps contacts."""
    return _CONTACT_BOOK[0] if _CONTACT_BOOK else None


@dataclass(frozen=True)
class HandoverSource:
    """One kind of open work a person answers for (cases they handle, hazards, 包抓...).

    items(worker) -> [HandoverItem]: the worker's open items of this kind;
    reassign(worker, successor, *, actor, reason) -> [HandoverItem]: hands them all to the
    successor, auditing each, inside the caller's transaction (no notification: the caller
    sends one for the whole handover)."""

    code: str
    label: str
    items: object
    reassign: object
    order: int = 100


@dataclass(frozen=True)
class HandoverItem:
    label: str
    url: str = ""
    area: object = None  # the grids.Area it lies in: the successor must be able to see it
    grants_access: bool = False  # taking it over gives the successor a post there (包抓)


_HANDOVER: dict = {}


def handover_source(code, label, *, items, reassign, order=100):
    _HANDOVER[code] = HandoverSource(code, label, items, reassign, order)


def handover_sources():
    return sorted(_HANDOVER.values(), key=lambda s: (s.order, s.code))


# --- One search box and one page per person (issue 19 §3) ----------------------------
# grids draws the search results and the person page; every app contributes what it holds
# through these hooks, limited to what the user may see, so grids imports none of them.

@dataclass(frozen=True)
class SearchHit:
    label: str
    href: str
    why: str  # 命中原因, e.g. "当事人姓名含“王建”"
    detail: str = ""


@dataclass(frozen=True)
class SearchGroup:
    kind: str
    hits: tuple
    more_href: str = ""


_SEARCHES: list = []
_PERSON_SECTIONS: list = []


def search_provider(*, order=100):
    """Register func(user, query) -> SearchGroup or None, where query is a
    grids.search.Query (text, digits, initials). Only what the user may see, and nothing
    confidential they may not read (a petitioner's name, for one)."""
    def decorate(func):
        if all(f is not func for _o, f in _SEARCHES):
            _SEARCHES.append((order, func))
        return func
    return decorate


def search_groups(user, query):
    groups = (func(user, query) for _o, func in sorted(_SEARCHES, key=lambda e: e[0]))
    return [g for g in groups if g and g.hits]


def person_section(*, order=100):
    """Register func(user, resident) -> (template, context) or None: one section of the
    person page (一人一档), drawn only with what the user may see."""
    def decorate(func):
        if all(f is not func for _o, f in _PERSON_SECTIONS):
            _PERSON_SECTIONS.append((order, func))
        return func
    return decorate


def person_sections(user, resident):
    out = []
    for _order, func in sorted(_PERSON_SECTIONS, key=lambda e: e[0]):
        result = func(user, resident)
        if result:
            out.append(result)
    return out


_PERSON_REACH: list = []


def person_reach(func):
    """Register func(user) -> a QuerySet of resident ids (values("resident_id") or similar)
    that the user may look up because a record they may read names them (a case's party, a
    petitioner whose petition they may read): their names link to the person page."""
    if func not in _PERSON_REACH:
        _PERSON_REACH.append(func)
    return func


def person_reaches(user):
    return [func(user) for func in _PERSON_REACH]
