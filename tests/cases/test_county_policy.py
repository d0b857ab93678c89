"""Each county keeps its own holidays, make-up workdays and level-5 receivers where its
policy differs (issue 22 §5); where it sets nothing, the installation's rule holds.

通渭县 is the cast's county; 陇西县 is a second county on the same installation."""

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import actions, sweeps, workdays
from cases.access import handles_level
from cases.inbox import querysets_for
from cases.models import CalendarDay, Level, LevelOverride
from grids.actions import create_area, grant_membership
from grids.models import Area
from pingxiang.models import AuditEvent, Notification
from pingxiang.roles import Role

from .conftest import local

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def two(cast):
    """The cast's 通渭县 and a second county, 陇西县, each with a county leader; 陇西 with a
    town, a village, a grid, a centre and its 联席办 staff member."""
    lx = create_area(parent=None, kind=Area.Kind.COUNTY, name="陇西县")
    town = create_area(parent=lx, kind=Area.Kind.TOWN, name="巩昌镇", short_name="巩昌镇")
    village = create_area(parent=town, kind=Area.Kind.VILLAGE, name="东关村", short_name="东关村")
    grid = create_area(parent=village, kind=Area.Kind.GRID, name="东关村第一网格")
    User = get_user_model()

    def user(username, name, role, area):
        u = User.objects.create_user(username, password="x" * 12, last_name=name)
        grant_membership(u, area, role)
        return u

    return SimpleNamespace(
        tw=cast.county, lx=lx, lx_town=town, lx_grid=grid,
        tw_leader=user("tw_county_leader", "通渭县领导", Role.LEADER, cast.county),
        lx_leader=user("lx_county_leader", "陇西县领导", Role.LEADER, lx),
        lx_joint=user("lx_joint_office", "陇西联席办", Role.CENTRE_STAFF, lx),
        lx_centre=user("lx_centre", "巩昌镇中心", Role.CENTRE_STAFF, town),
    )


def _told(case, user):
    return Notification.objects.filter(recipient=user, key__startswith=f"case:{case.pk}:level:")


# --- The calendar -------------------------------------------------------------------------
def test_a_holiday_of_one_county_moves_only_its_own_cases_deadlines(running_case, cast, two):
    # Tue 2026-12-01 is a day off in 陇西县 alone (a county's own 放假, e.g. a local festival).
    CalendarDay.objects.create(date=D(2026, 12, 1), is_working_day=False, area=two.lx,
                               note="陇西县放假")
    at = local(2026, 11, 30, 10)  # Monday; level 1 has one working day
    tongwei = running_case(1, at=at)
    longxi = running_case(1, at=at, area=two.lx_grid, actor=two.lx_centre)
    assert tongwei.deadline == local(2026, 12, 2)  # through Tue 12-01
    assert longxi.deadline == local(2026, 12, 3)   # 12-01 off: through Wed 12-02
    # The sweep keeps to each county's deadline.
    with time_machine.travel(local(2026, 12, 2, 0, 1), tick=False):
        sweeps.escalate_overdue(local(2026, 12, 2, 0, 1))
    tongwei.refresh_from_db()
    longxi.refresh_from_db()
    assert (tongwei.level, longxi.level) == (2, 1)


def test_a_make_up_workday_of_one_county_counts_only_there(running_case, cast, two):
    CalendarDay.objects.create(date=D(2026, 12, 5), is_working_day=True, area=two.lx,
                               note="陇西县调休上班")
    at = local(2026, 12, 4, 10)  # Friday
    assert running_case(1, at=at).deadline == local(2026, 12, 8)  # Monday 12-07
    longxi = running_case(1, at=at, area=two.lx_grid, actor=two.lx_centre)
    assert longxi.deadline == local(2026, 12, 6)  # the working Saturday 12-05


def test_without_county_rows_both_counties_follow_the_installation(running_case, cast, two):
    CalendarDay.objects.create(date=D(2026, 12, 1), is_working_day=False, note="全系统放假")
    at = local(2026, 11, 30, 10)
    assert running_case(1, at=at).deadline == local(2026, 12, 3)
    assert running_case(1, at=at, area=two.lx_grid,
                        actor=two.lx_centre).deadline == local(2026, 12, 3)


def test_a_countys_row_comes_before_the_installations(running_case, cast, two):
    CalendarDay.objects.create(date=D(2026, 12, 1), is_working_day=False, note="全系统放假")
    CalendarDay.objects.create(date=D(2026, 12, 1), is_working_day=True, area=two.lx,
                               note="陇西县照常上班")
    at = local(2026, 11, 30, 10)
    assert running_case(1, at=at).deadline == local(2026, 12, 3)
    assert running_case(1, at=at, area=two.lx_grid,
                        actor=two.lx_centre).deadline == local(2026, 12, 2)


def test_a_citys_row_holds_for_its_counties_and_a_countys_own_row_wins():
    city = create_area(parent=None, kind=Area.Kind.CITY, name="定西市")
    tw = create_area(parent=city, kind=Area.Kind.COUNTY, name="通渭县")
    lx = create_area(parent=city, kind=Area.Kind.COUNTY, name="陇西县")
    lx_town = create_area(parent=lx, kind=Area.Kind.TOWN, name="巩昌镇")
    tw_town = create_area(parent=tw, kind=Area.Kind.TOWN, name="平襄镇")
    CalendarDay.objects.create(date=D(2026, 12, 1), is_working_day=False, area=city)
    CalendarDay.objects.create(date=D(2026, 12, 1), is_working_day=True, area=lx)
    assert not workdays.is_working_day(D(2026, 12, 1), area=tw_town)
    assert workdays.is_working_day(D(2026, 12, 1), area=lx_town)
    assert workdays.is_working_day(D(2026, 12, 1))  # the installation: an ordinary Tuesday


def test_a_pause_is_counted_in_the_countys_working_days(running_case, cast, two):
    CalendarDay.objects.create(date=D(2026, 12, 2), is_working_day=False, area=two.lx)
    case = running_case(3, at=local(2026, 11, 30, 10), area=two.lx_grid, actor=two.lx_centre)
    assert case.deadline == local(2026, 12, 4)  # 12-01, 12-03
    actions.request_pause(case, actor=two.lx_centre, reason="当事人住院", days=2,
                          at=local(2026, 11, 30, 11))
    actions.decide_pause(case, actor=two.lx_centre, approve=True, at=local(2026, 11, 30, 12))
    assert case.pause_ends_at == local(2026, 12, 4)  # two working days: 12-01 and 12-03
    actions.resume_case(case, actor=two.lx_centre, at=local(2026, 12, 3, 9))
    # Paused through 12-03: two of 陇西's working days (12-01, 12-03; 12-02 is its holiday),
    # so the deadline moves on two working days: Fri 12-04 and Mon 12-07 (通渭 would count
    # three paused days and reach Tue 12-08).
    assert case.deadline == local(2026, 12, 8)


def test_the_calendar_is_read_once_not_per_case(running_case, cast, two):
    CalendarDay.objects.create(date=D(2026, 12, 1), is_working_day=False, area=two.lx)
    workdays.held_calendar()  # this process holds the table now
    starts = [local(2026, 11, 30, 8) + dt.timedelta(hours=i) for i in range(10)]
    with CaptureQueriesContext(connection) as queries:
        deadlines = [workdays.deadline_after(at, 1, area=area) for at in starts
                     for area in (cast.town, two.lx_town)]
    assert deadlines[:2] == [local(2026, 12, 2), local(2026, 12, 3)]
    assert not [q for q in queries.captured_queries if "cases_calendarday" in q["sql"]]
    # An administrator's edit is seen at once: the trigger moves the version.
    CalendarDay.objects.filter(area=two.lx).delete()
    assert workdays.deadline_after(starts[0], 1, area=two.lx_town) == local(2026, 12, 2)


# --- Level 5 ------------------------------------------------------------------------------
def _at_level_5(running_case, two, *, longxi):
    """A case of 陇西 (or 通渭) at level 4 that the sweep sends up to level 5."""
    extra = {"area": two.lx_grid, "actor": two.lx_centre} if longxi else {}
    case = running_case(4, at=local(2026, 11, 30, 10), risk="red", **extra)
    assert case.deadline == local(2026, 12, 3)  # two working days
    with time_machine.travel(local(2026, 12, 3, 0, 1), tick=False):
        sweeps.escalate_overdue(local(2026, 12, 3, 0, 1))
    case.refresh_from_db()
    assert (case.level, case.deadline) == (5, local(2026, 12, 8))
    return case


def test_without_overrides_level_5_goes_to_each_countys_own_leaders(running_case, cast, two):
    tongwei = _at_level_5(running_case, two, longxi=False)
    longxi = _at_level_5(running_case, two, longxi=True)
    assert _told(tongwei, two.tw_leader).exists()
    assert not _told(tongwei, two.lx_leader).exists()
    assert _told(longxi, two.lx_leader).exists() and _told(longxi, two.lx_joint).exists()
    assert not _told(longxi, two.tw_leader).exists()


def test_level_5_of_longxi_goes_to_the_receivers_longxi_names(running_case, cast, two):
    override = LevelOverride.objects.create(area=two.lx, level=Level.objects.get(number=5),
                                            note="陇西县由县联席办接收")
    override.recipients.add(two.lx_joint)
    longxi = _at_level_5(running_case, two, longxi=True)
    tongwei = _at_level_5(running_case, two, longxi=False)
    assert list(Notification.objects.filter(key__startswith=f"case:{longxi.pk}:level:5")
                .values_list("recipient__username", flat=True)) == ["lx_joint_office"]
    assert "转到您处（5级" in _told(longxi, two.lx_joint).get().title
    assert not _told(longxi, two.lx_leader).exists()
    # 通渭 has no row of its own: its county leader receives its level 5 as before.
    assert _told(tongwei, two.tw_leader).exists()
    assert not _told(tongwei, two.lx_joint).exists()
    # The named receiver may act on the case and finds it waiting in 我的待办.
    assert handles_level(two.lx_joint, longxi)
    sections = {key: qs for key, _t, qs, _m in querysets_for(two.lx_joint, Role.CENTRE_STAFF)}
    assert list(sections["named"]) == [longxi]
    # And is the one warned before the deadline.
    with time_machine.travel(local(2026, 12, 7, 1), tick=False):
        sweeps.warn_due_soon(local(2026, 12, 7, 1))
    warned = Notification.objects.filter(key__startswith=f"case:{longxi.pk}:warn:5")
    assert list(warned.values_list("recipient__username", flat=True)) == ["lx_joint_office"]


def test_a_countys_handler_kind_moves_the_rung_in_its_inbox(running_case, cast, two):
    # 陇西县 has its town leaders take level 5 (a county with no county-level 包案 rung).
    LevelOverride.objects.create(area=two.lx, level=Level.objects.get(number=5),
                                 handler_kind="centre_staff")
    longxi = _at_level_5(running_case, two, longxi=True)
    assert _told(longxi, two.lx_centre).exists()
    assert not _told(longxi, two.lx_leader).exists()
    sections = {key: qs for key, _t, qs, _m in querysets_for(two.lx_centre, Role.CENTRE_STAFF)}
    assert longxi in sections["level"]
    tongwei = _at_level_5(running_case, two, longxi=False)
    sections = {key: qs for key, _t, qs, _m in querysets_for(cast.centre, Role.CENTRE_STAFF)}
    assert tongwei not in sections["level"]  # 通渭's centre follows levels 3 and 4 only
    assert _told(tongwei, two.tw_leader).exists()


# --- Where an administrator keeps them ------------------------------------------------------
@pytest.fixture
def admin_client(client, cast):
    cast.admin.is_superuser = True
    cast.admin.save(update_fields=["is_superuser"])
    client.force_login(cast.admin, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_admin_adds_a_countys_own_holiday_with_chinese_labels_and_an_audit_row(
        admin_client, cast, two):
    url = reverse("admin:cases_calendarday_add")
    html = admin_client.get(url).content.decode()
    for label in ("日期", "工作日", "适用县(区)", "留空：全系统适用", "说明"):
        assert label in html
    response = admin_client.post(url, {"date": "2026-12-01", "area": two.lx.pk,
                                       "note": "陇西县放假"})
    assert response.status_code == 302
    day = CalendarDay.objects.get(area=two.lx)
    assert (day.date, day.is_working_day) == (D(2026, 12, 1), False)
    assert AuditEvent.objects.filter(action="cases.calendarday.save", object_id=str(day.pk),
                                     actor=cast.admin).exists()
    # The same day again for the same county is refused; for the installation it is not.
    again = admin_client.post(url, {"date": "2026-12-01", "area": two.lx.pk})
    assert again.status_code == 200 and CalendarDay.objects.filter(area=two.lx).count() == 1
    assert admin_client.post(url, {"date": "2026-12-01"}).status_code == 302
    # A town cannot keep a calendar of its own: it follows its county.
    town = admin_client.post(url, {"date": "2026-12-02", "area": two.lx_town.pk})
    assert town.status_code == 200 and not CalendarDay.objects.filter(date=D(2026, 12, 2)).exists()
    page = admin_client.get(reverse("cases:calendar")).content.decode()
    assert "仅陇西县" in page


def test_admin_sets_a_countys_level_5_receivers_with_chinese_labels(admin_client, cast, two):
    url = reverse("admin:cases_leveloverride_add")
    html = admin_client.get(url).content.decode()
    for label in ("县区层级承办设置", "县(区)", "层级", "承办人", "指定接收人",
                  "留空：沿用全系统该层级的承办人"):
        assert label in html
    level5 = Level.objects.get(number=5)
    empty = admin_client.post(url, {"area": two.lx.pk, "level": level5.pk})
    assert "请选择承办人或指定接收人" in empty.content.decode()
    # 通渭's leader holds no post in 陇西: they could not open its cases.
    stranger = admin_client.post(url, {"area": two.lx.pk, "level": level5.pk,
                                       "recipients": [two.tw_leader.pk]})
    assert "看不到该县的案件" in stranger.content.decode()
    response = admin_client.post(url, {"area": two.lx.pk, "level": level5.pk,
                                       "recipients": [two.lx_joint.pk], "note": "县联席办"})
    assert response.status_code == 302
    override = LevelOverride.objects.get(area=two.lx)
    assert list(override.recipients.all()) == [two.lx_joint]
    assert AuditEvent.objects.filter(action="cases.leveloverride.save",
                                     object_id=str(override.pk)).exists()
    assert "陇西联席办" in admin_client.get(reverse("cases:calendar")).content.decode()


# --- What it costs --------------------------------------------------------------------------
def test_a_countys_receivers_cost_the_case_page_no_query(
        login, running_case, cast, two, django_assert_num_queries):
    from tests.cases.test_case_page import PAGE_QUERIES

    override = LevelOverride.objects.create(area=two.lx, level=Level.objects.get(number=5))
    override.recipients.add(two.lx_joint)
    case = running_case(5, risk="red", area=two.lx_grid, actor=two.lx_centre)
    client = login(two.lx_joint)
    client.get(reverse("cases:case_detail", args=[case.pk]))  # the session's save
    with django_assert_num_queries(PAGE_QUERIES) as queries:
        html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "上报" in html or "化解" in html  # the named receiver is offered the level's actions
    assert not [q for q in queries.captured_queries if "leveloverride" in q["sql"]
                and "cases_level" not in q["sql"]]


def test_the_named_receivers_inbox_costs_the_same_for_one_case_or_many(
        login, running_case, cast, two):
    override = LevelOverride.objects.create(area=two.lx, level=Level.objects.get(number=5))
    override.recipients.add(two.lx_joint)
    client = login(two.lx_joint)
    url = reverse("cases:my_cases")
    counts, cases = [], []
    for n in (1, 3):
        while len(cases) < n:
            cases.append(running_case(5, risk="red", area=two.lx_grid, actor=two.lx_centre))
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        counts.append(len(queries))
        assert "指定由我接收的案件" in html and all(c.number in html for c in cases)
    assert counts[0] == counts[1]
