import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from cases import workdays
from cases.models import CalendarDay

D = dt.date
PURE = {}  # no table overrides: the package, then weekends


@pytest.mark.parametrize("day, working", [
    (D(2026, 9, 20), True),    # Sunday made a working day (国庆调休)
    (D(2026, 9, 30), True),
    # 国务院办公厅 2025-11-04: 国庆节 10月1日至7日放假调休，共7天; 9月20日、10月10日上班
    # (the official notice, which chinese-calendar follows; 10-08 is a working Thursday).
    *[(D(2026, 10, d), False) for d in range(1, 8)],
    (D(2026, 10, 8), True),
    (D(2026, 10, 9), True),
    (D(2026, 9, 25), False),   # 中秋节 09-25..09-27
    (D(2026, 10, 10), True),   # Saturday made a working day
    (D(2026, 10, 11), False),
    (D(2026, 2, 14), True),    # Saturday made a working day (春节调休)
    *[(D(2026, 2, d), False) for d in range(15, 24)],  # 02-15..02-23 off
    (D(2026, 2, 24), True),
    (D(2026, 2, 28), True),    # Saturday made a working day
    (D(2026, 3, 1), False),
])
def test_official_2026_calendar(day, working):
    assert workdays.is_working_day(day, overrides=PURE) is working


@pytest.mark.parametrize("start, n, expected", [
    (D(2026, 9, 30), 1, D(2026, 10, 8)),   # across National Day
    (D(2026, 9, 30), 3, D(2026, 10, 10)),  # onto the 调休 Saturday
    (D(2026, 9, 30), 4, D(2026, 10, 12)),
    (D(2026, 9, 24), 1, D(2026, 9, 28)),   # across Mid-autumn
    (D(2026, 9, 18), 1, D(2026, 9, 20)),   # Friday + 1 = the working Sunday
    (D(2026, 2, 13), 1, D(2026, 2, 14)),
    (D(2026, 2, 13), 2, D(2026, 2, 24)),   # across Spring Festival
    (D(2026, 2, 27), 1, D(2026, 2, 28)),
    (D(2026, 9, 30), 9, D(2026, 10, 19)),  # the whole ladder: nine working days
])
def test_add_working_days_gives_official_answers(start, n, expected):
    assert workdays.add_working_days(start, n, overrides=PURE) == expected


def test_unknown_year_falls_back_to_statutory_holidays_and_weekends_without_crashing():
    assert not workdays.package_knows_year(2027)
    assert workdays.is_working_day(D(2027, 1, 4), overrides=PURE)      # Monday
    assert not workdays.is_working_day(D(2027, 1, 2), overrides=PURE)  # Saturday
    assert not workdays.is_working_day(D(2027, 1, 1), overrides=PURE)  # 元旦, a Friday
    assert workdays.add_working_days(D(2026, 12, 31), 2, overrides=PURE) == D(2027, 1, 5)
    assert workdays.add_working_days(D(2099, 12, 31), 1, overrides=PURE) == D(2100, 1, 4)


dates = st.dates(min_value=D(2004, 1, 1), max_value=D(2031, 12, 31))


@settings(max_examples=150, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=25))
def test_adding_working_days_lands_on_a_working_day(start, n):
    result = workdays.add_working_days(start, n, overrides=PURE)
    assert result > start
    assert workdays.is_working_day(result, overrides=PURE)
    assert workdays.working_days_between(start, result, overrides=PURE) == n


@settings(max_examples=150, deadline=None)
@given(start=dates, n=st.integers(min_value=0, max_value=25), gap=st.integers(0, 40))
def test_adding_working_days_is_monotonic(start, n, gap):
    later = start + dt.timedelta(days=gap)
    assert workdays.add_working_days(start, n, overrides=PURE) < \
        workdays.add_working_days(start, n + 1, overrides=PURE)
    assert workdays.add_working_days(start, n, overrides=PURE) <= \
        workdays.add_working_days(later, n, overrides=PURE)


@settings(max_examples=60, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=15),
       overrides=st.dictionaries(dates, st.booleans(), max_size=30))
def test_overrides_are_respected(start, n, overrides):
    result = workdays.add_working_days(start, n, overrides=overrides)
    assert workdays.is_working_day(result, overrides=overrides)
    for day, working in overrides.items():
        assert workdays.is_working_day(day, overrides=overrides) is working


@pytest.mark.django_db
def test_table_overrides_the_package():
    CalendarDay.objects.create(date=D(2026, 10, 8), is_working_day=True, note="值班")
    CalendarDay.objects.create(date=D(2026, 9, 30), is_working_day=False, note="停电")
    assert workdays.is_working_day(D(2026, 10, 8))
    assert not workdays.is_working_day(D(2026, 9, 30))
    assert workdays.add_working_days(D(2026, 9, 29), 1) == D(2026, 10, 8)


@pytest.mark.django_db
def test_calendar_missing_for_next_year_until_imported(tmp_path):
    assert workdays.missing_years(D(2026, 11, 29)) == [2027]
    assert workdays.missing_years(D(2026, 6, 1)) == []
    csv = tmp_path / "2027.csv"
    csv.write_text("日期,是否上班,说明\n2027-01-01,休息,元旦\n2027-02-06,上班,春节调休\n",
                   encoding="utf-8")
    call_command("import_calendar", str(csv))
    assert workdays.missing_years(D(2026, 11, 29)) == []
    assert workdays.is_working_day(D(2027, 2, 6))      # a Saturday made working
    assert not workdays.is_working_day(D(2027, 1, 1))  # a Friday holiday


@pytest.mark.django_db
def test_bad_calendar_file_is_refused_and_nothing_saved(tmp_path):
    from django.core.management.base import CommandError

    csv = tmp_path / "bad.csv"
    csv.write_text("2027-01-01,休息\n2027-13-01,上班\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第2行"):
        call_command("import_calendar", str(csv))
    assert not CalendarDay.objects.exists()


@time_machine.travel(dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
@pytest.mark.parametrize("who", ["admin", "centre"])
def test_home_warns_that_next_years_calendar_is_missing(login, cast, who):
    html = login(getattr(cast, who)).get(reverse("home")).content.decode()
    assert "2027年的工作日历尚未录入" in html
    CalendarDay.objects.create(date=D(2027, 1, 1), is_working_day=False, note="元旦")
    html = login(getattr(cast, who)).get(reverse("home")).content.decode()
    assert "工作日历尚未录入" not in html


@time_machine.travel(dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_grid_worker_home_has_no_calendar_warning(login, cast):
    html = login(cast.grid_xiguan).get(reverse("home")).content.decode()
    assert "工作日历尚未录入" not in html


@pytest.mark.django_db
def test_admin_imports_a_year_from_excel(client, cast):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["日期", "是否上班", "说明"])
    wb.active.append([dt.datetime(2027, 10, 1), "休息", "国庆节"])
    wb.active.append(["2027-09-26", "上班", "调休"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "2027.xlsx"
    cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("admin:cases_calendarday_import"), {"file": buf})
    assert response.status_code == 302
    assert list(CalendarDay.objects.values_list("date", "is_working_day")) == [
        (D(2027, 9, 26), True), (D(2027, 10, 1), False)]
