"""Years chinese-calendar does not know (2027 in 1.11): statutory holidays from python-holidays
between the administrator's table and plain weekends, and a home-page warning that stays
until the year's holidays and 调休 working days are all entered (issue 16 §6)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import actions, workdays
from cases.models import CalendarDay, Level, Policy

from .conftest import local

D = dt.date
PURE = {}
STATUTORY_2027 = [D(2027, 1, 1), D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8),
                  D(2027, 4, 5), D(2027, 5, 1), D(2027, 5, 2), D(2027, 6, 9), D(2027, 9, 15),
                  D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3)]
NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_statutory_holidays_2027_without_observed_days():
    assert list(workdays.statutory_holidays(2027)) == STATUTORY_2027
    # python-holidays' own "(observed)" days are not China's: 02-09, 05-03/04, 10-04/05.
    for day in (D(2027, 2, 9), D(2027, 5, 3), D(2027, 5, 4), D(2027, 10, 4), D(2027, 10, 5)):
        assert workdays.is_working_day(day, overrides=PURE)
    for day in STATUTORY_2027:
        assert not workdays.is_working_day(day, overrides=PURE)


@pytest.mark.parametrize("start, n, expected", [
    (D(2026, 12, 3), 24, D(2027, 1, 7)),   # weekends only gave 2027-01-06: 元旦 counts
    (D(2026, 12, 31), 1, D(2027, 1, 4)),
    (D(2027, 2, 4), 1, D(2027, 2, 9)),     # Thursday before 春节: 除夕 Fri … 初三 Mon off
    (D(2027, 2, 4), 2, D(2027, 2, 10)),
    (D(2027, 9, 30), 1, D(2027, 10, 4)),   # 国庆 10-01..03 (Fri–Sun)
])
def test_deadlines_in_a_year_the_package_does_not_know(start, n, expected):
    assert workdays.add_working_days(start, n, overrides=PURE) == expected


@pytest.mark.django_db
def test_the_table_still_overrides_the_statutory_days():
    CalendarDay.objects.create(date=D(2027, 2, 8), is_working_day=True, note="值班")
    CalendarDay.objects.create(date=D(2027, 2, 9), is_working_day=False, note="春节调休")
    assert workdays.is_working_day(D(2027, 2, 8))
    assert not workdays.is_working_day(D(2027, 2, 9))
    assert workdays.add_working_days(D(2027, 2, 4), 1) == D(2027, 2, 8)


@pytest.mark.django_db
def test_red_case_at_level_5_across_new_year(make_case, cast):
    Level.objects.filter(number=5).update(day_limit=24)
    case = make_case(risk="red", at=local(2026, 12, 3, 9))
    actions.accept_case(case, actor=cast.centre, level=5, at=local(2026, 12, 3, 10))
    case.refresh_from_db()
    assert case.deadline == local(2027, 1, 8, 0)  # the end of Thursday 2027-01-07


@pytest.mark.django_db
def test_one_working_day_across_spring_festival_2027(make_case, cast):
    case = make_case(at=local(2027, 2, 4, 9))
    actions.accept_case(case, actor=cast.centre, level=1, at=local(2027, 2, 4, 10))
    case.refresh_from_db()
    assert case.deadline == local(2027, 2, 10, 0)  # the end of Tuesday 2027-02-09


@pytest.mark.django_db
def test_the_warning_names_what_is_missing_until_the_year_is_complete():
    today = D(2026, 12, 3)
    [gap] = workdays.calendar_gaps(today)
    assert gap.message == "2027年的工作日历尚未录入"
    CalendarDay.objects.create(date=D(2027, 1, 1), is_working_day=False, note="元旦")
    [gap] = workdays.calendar_gaps(today)
    assert gap.message.startswith("2027年的放假安排尚未录入完整（缺 2027-02-05 农历除夕、")
    assert "2027-01-01" not in gap.message and "2027-10-03 国庆节）" in gap.message
    for day in STATUTORY_2027[1:]:
        CalendarDay.objects.create(date=day, is_working_day=False)
    [gap] = workdays.calendar_gaps(today)
    assert gap.message == "2027年的调休上班日尚未录入"
    CalendarDay.objects.create(date=D(2027, 2, 20), is_working_day=True, note="春节调休")
    assert workdays.calendar_gaps(today) == []
    assert workdays.calendar_gaps(D(2026, 6, 1)) == []  # 2026 is the package's


@time_machine.travel(NOW)
@pytest.mark.django_db
def test_home_keeps_warning_after_a_single_entry(login, cast):
    CalendarDay.objects.create(date=D(2027, 1, 1), is_working_day=False, note="元旦")
    html = login(cast.admin).get(reverse("home")).content.decode()
    assert "2027年的放假安排尚未录入完整（缺 2027-02-05 农历除夕" in html
    html = login(cast.centre).get(reverse("cases:calendar")).content.decode()
    assert "2027年的放假安排尚未录入完整" in html


@pytest.mark.django_db
def test_calendar_add_form_starts_as_a_holiday(login, cast):
    client = login(cast.admin)
    html = client.get(reverse("admin:cases_calendarday_add")).content.decode()
    box = html[html.index('name="is_working_day"') - 80:html.index('name="is_working_day"') + 80]
    assert "checked" not in box
    response = client.post(reverse("admin:cases_calendarday_add"),
                           {"date": "2027-01-01", "note": "元旦"})
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=D(2027, 1, 1)).is_working_day is False


@pytest.mark.django_db
def test_a_level_of_zero_days_is_refused_in_the_admin(login, cast):
    level = Level.objects.get(number=1)
    response = login(cast.admin).post(reverse("admin:cases_level_change", args=[level.pk]), {
        "number": 1, "name": level.name, "handler_kind": level.handler_kind, "day_limit": 0,
        "working_days": "on", "description": ""})
    assert response.status_code == 200  # the form again, with the error
    level.refresh_from_db()
    assert level.day_limit == 1


@pytest.mark.django_db
@pytest.mark.parametrize("model, field, value", [
    ("cases.Level", "day_limit", 0), ("cases.Level", "day_limit", 31),
    ("cases.Policy", "warn_hours", 0), ("cases.Policy", "followup_days", 0),
    ("cases.Policy", "max_pause_days", 0), ("cases.Policy", "jc_limit_days", 0),
    ("cases.Policy", "jc_remind_days_before", 30),  # not before the limit of 30
    ("cases.Policy", "red_min_level", 0),
    ("petitions.TimeLimit", "days", 0), ("petitions.TimeLimit", "days", 1000),
    ("petitions.TimeLimit", "remind_days_before", 15),  # not before the limit of 15
    ("rectification.Policy", "default_deadline_days", 0),
    ("rectification.Policy", "export_sync_limit", 0),
    ("rectification.Policy", "due_soon_days", 400),
])
def test_policy_values_are_bounded(model, field, value):
    from django.apps import apps

    cls = apps.get_model(model)
    obj = cls.objects.order_by("pk").first() or cls()
    if model == "petitions.TimeLimit":
        obj = cls.objects.get(code="decide")  # 15 days
    obj.full_clean()  # the shipped defaults are valid
    setattr(obj, field, value)
    with pytest.raises(ValidationError):
        obj.full_clean()


@pytest.mark.django_db
def test_policy_defaults_are_valid():
    Policy.current().full_clean()
