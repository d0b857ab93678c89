"""Working-day arithmetic for the "五级九天" ladder.

Which days are working days, in this order:
  1. the CalendarDay table (an administrator's override or an imported year);
  2. chinese-calendar (official holidays and 调休 working weekends, 2004–2026 in 1.11);
  3. for years chinese-calendar does not know yet: the statutory holidays (全体公民放假的节日,
     元旦 … 国庆节) that python-holidays computes for any year, and weekends. Only the
     statutory days themselves: python-holidays also marks "(observed)" days by a rule of its
     own, which is not how China moves days off (the State Council's 调休 notice does that),
     so they are left out. The 调休 days stay unknown until an administrator enters them,
     which the home page keeps asking for (calendar_gaps).
A date nobody knows never raises: it falls through to rule 3.

Rule 1 has layers: a county (or the city) may declare its own extra holidays and make-up
workdays (CalendarDay rows with an `area`); for a record in one of its towns those rows come
first, then the city's, then the installation's rows (no area). Pass `area=` (the case's
town, village or area: anything under the county) to count in that county's days.

Every function takes an optional `overrides` mapping {date: is_working_day}. Passed
explicitly the functions are pure (tests, hypothesis); left as None they read the table as
each process holds it (`held_calendar`: loaded whole, read again only when a trigger has
moved its version, checked once per request), so a page or sweep computing deadlines for
many cases makes no calendar query per case.

Time limits: a level started on date D with a limit of N working days must be finished by
the end of the Nth working day after D (the day the clock starts does not count, as with
legal time limits). `deadline_after(start, n)` gives that moment as an aware datetime
(local midnight at the end of that day).
"""

import datetime as dt
from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.utils import timezone

from cases.models import CalendarDay
from pingxiang.held import Held

try:  # the package is a dependency; stay importable without it all the same
    import chinese_calendar
except ImportError:  # pragma: no cover
    chinese_calendar = None
try:
    import holidays as python_holidays
except ImportError:  # pragma: no cover
    python_holidays = None

MAX_SCAN_DAYS = 366 * 3  # no run of non-working days is this long: stop instead of looping


@cache
def package_knows_year(year):
    """True when chinese-calendar has official data for this year."""
    if chinese_calendar is None:
        return False
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except (NotImplementedError, KeyError, ValueError):
        return False
    return True


def package_says(day):
    """chinese-calendar's answer, or None when it does not know the date."""
    if chinese_calendar is None or not package_knows_year(day.year):
        return None
    try:
        return bool(chinese_calendar.is_workday(day))
    except (NotImplementedError, KeyError, ValueError):
        return None


@cache
def statutory_holidays(year):
    """{date: name} of the year's statutory holidays as python-holidays computes them, without
    its "(observed)" days and without the 调休 days off it copies from past notices (those
    come with working weekends it does not give; for such years chinese-calendar answers)."""
    if python_holidays is None:
        return {}
    english = python_holidays.China(years=year, observed=False)
    chinese = python_holidays.China(years=year, observed=False, language="zh_CN")
    return {day: chinese.get(day, name) for day, name in sorted(english.items())
            if "observed" not in name.lower() and "substituted" not in name.lower()}


# --- The CalendarDay table, held by each process -----------------------------------------
_LOAD = ("SELECT c.area_id, c.date, c.is_working_day, "
         "(SELECT v FROM cases_calendar_version WHERE id = 1) FROM cases_calendarday c")


def _load():
    """The whole table and its version, from one statement (so they always agree)."""
    with connection.cursor() as cursor:
        cursor.execute(_LOAD)
        rows = cursor.fetchall()
    tables = {}
    for area_id, day, working, _ in rows:
        tables.setdefault(area_id, {})[day] = working
    return (rows[0][3] if rows else None), tables


_calendar = Held("cases.CalendarDay", "cases_calendar_version", _load)


def held_calendar():
    """{area pk or None: {date: bool}}: the table as it is now (pingxiang.held)."""
    return _calendar.get()


class AreaCalendar:
    """{date: bool} lookups through layers: the area's own rows, then those of the areas
    above it, then the installation's."""

    def __init__(self, layers):
        self.layers = layers

    def get(self, day, default=None):
        for layer in self.layers:
            found = layer.get(day)
            if found is not None:
                return found
        return default


def table_overrides(area=None):
    """The CalendarDay rows that hold for `area` (an Area, or None for the installation's
    alone), nearest first."""
    tables = held_calendar()
    ids = area.ancestor_ids() if area is not None else []
    layers = [tables[pk] for pk in reversed(ids) if pk in tables]
    layers.append(tables.get(None, {}))
    return AreaCalendar(layers)


def _resolve(overrides, area=None):
    return table_overrides(area) if overrides is None else overrides


def is_working_day(day, *, overrides=None, area=None):
    overrides = _resolve(overrides, area)
    override = overrides.get(day)
    if override is not None:
        return bool(override)
    official = package_says(day)
    if official is not None:
        return official
    if day in statutory_holidays(day.year):
        return False
    return day.weekday() < 5


def add_working_days(start, n, *, overrides=None, area=None):
    """The nth working day after `start` (n >= 1); n == 0 gives `start` itself."""
    if n < 0:
        raise ValueError("n must be >= 0")
    overrides = _resolve(overrides, area)
    day = start
    remaining = n
    scanned = 0
    while remaining:
        day += dt.timedelta(days=1)
        scanned += 1
        if scanned > MAX_SCAN_DAYS + n:
            raise ValueError("日历中找不到足够的工作日，请检查工作日历设置。")
        if is_working_day(day, overrides=overrides):
            remaining -= 1
    return day


def working_days_between(start, end, *, overrides=None, area=None):
    """How many working days d with start < d <= end (0 when end <= start)."""
    overrides = _resolve(overrides, area)
    count = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_working_day(day, overrides=overrides):
            count += 1
    return count


def end_of_day(day):
    """Local midnight at the end of `day`, as an aware datetime."""
    tz = timezone.get_current_timezone()
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()), tz)


def local_date(moment):
    return timezone.localtime(moment).date()


def deadline_after(start, n, *, overrides=None, area=None):
    """End of the nth working day after the local date of `start` (an aware datetime)."""
    return end_of_day(add_working_days(local_date(start), n, overrides=overrides, area=area))


def extend_deadline(deadline, n, *, overrides=None, area=None):
    """A deadline moved on by n working days (used when a pause ends)."""
    last_day = local_date(deadline) - dt.timedelta(days=1)  # deadline is the next midnight
    return end_of_day(add_working_days(last_day, n, overrides=overrides, area=area))


def _years_ahead(today, horizon_days):
    return sorted({today.year, (today + dt.timedelta(days=horizon_days)).year})


def missing_years(today, *, horizon_days=60):
    """Years starting within `horizon_days` of today (or already running) that neither the
    package nor the CalendarDay table knows at all. An administrator must import them."""

    return [year for year in _years_ahead(today, horizon_days)
            if not package_knows_year(year)
            and not CalendarDay.objects.filter(date__year=year, area__isnull=True).exists()]


@dataclass(frozen=True)
class CalendarGap:
    """What is still to be entered for a year chinese-calendar does not know."""

    year: int
    entered: bool                 # any CalendarDay row for the year
    missing_holidays: tuple = ()  # (date, name) statutory holidays not in the table
    workdays_missing: bool = False  # no 调休 working day entered yet

    @property
    def message(self):
        if not self.entered:
            return f"{self.year}年的工作日历尚未录入"
        if self.missing_holidays:
            days = "、".join(f"{d:%Y-%m-%d} {name}" for d, name in self.missing_holidays)
            return f"{self.year}年的放假安排尚未录入完整（缺 {days}）"
        return f"{self.year}年的调休上班日尚未录入"


def calendar_gaps(today, *, horizon_days=60):
    """For each year within `horizon_days` that chinese-calendar does not know: what the
    CalendarDay table still lacks. A year is complete when every statutory holiday is in the
    table (as the State Council's notice has it, a day off or, rarely, kept as working) and
    at least one 调休 working day is; until then deadlines count statutory holidays and
    weekends only, and the home page says which days are missing."""

    gaps = []
    for year in _years_ahead(today, horizon_days):
        if package_knows_year(year):
            continue
        rows = dict(CalendarDay.objects.filter(date__year=year, area__isnull=True)
                    .values_list("date", "is_working_day"))
        missing = tuple((d, name) for d, name in statutory_holidays(year).items()
                        if d not in rows)
        workdays_missing = not any(working and d.weekday() >= 5 for d, working in rows.items())
        if not rows or missing or workdays_missing:
            gaps.append(CalendarGap(year=year, entered=bool(rows), missing_holidays=missing,
                                    workdays_missing=workdays_missing))
    return gaps
