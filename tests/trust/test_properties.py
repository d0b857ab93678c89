"""Hypothesis property tests for the three pieces of arithmetic residents' rights hang on.

The working-day calendar already has properties in tests/cases/test_workdays.py (lands on a
working day, counts exactly n, monotonic, overrides respected); this adds additivity. New here:
the petition clock (calendar days, end of day, Asia/Shanghai) and its deadline tag, and the
ID-number validator and masks."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from grids.idcard import check_digit, validate_id_number
from pingxiang.masks import mask_id_number, mask_phone

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 29)
EXAMPLES = []


# --- The ID-number validator (GB 11643-1999) ------------------------------------------------

births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
regions = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
sequences = st.integers(min_value=0, max_value=999)


@st.composite
def id_numbers(draw):
    first17 = f"{draw(regions)}{draw(births):%Y%m%d}{draw(sequences):03d}"
    return first17 + check_digit(first17)


@settings(max_examples=300, deadline=None)
@given(number=id_numbers(), spaces=st.booleans())
def test_every_well_formed_id_number_is_accepted_and_normalised(number, spaces):
    EXAMPLES.append(1)
    typed = number.lower()
    if spaces:
        typed = f" {typed[:6]} {typed[6:14]} {typed[14:]} "
    assert validate_id_number(typed, today=TODAY) == number


@settings(max_examples=300, deadline=None)
@given(number=id_numbers(), at=st.integers(0, 17), char=st.sampled_from("0123456789X"))
def test_any_single_character_changed_is_refused(number, at, char):
    EXAMPLES.append(1)
    assume(number[at] != char)
    changed = number[:at] + char + number[at + 1:]
    with pytest.raises(ValidationError):
        validate_id_number(changed, today=TODAY)


@settings(max_examples=300, deadline=None)
@given(number=id_numbers(), at=st.integers(0, 15))
def test_two_neighbouring_digits_swapped_are_refused(number, at):
    EXAMPLES.append(1)
    assume(number[at] != number[at + 1])
    swapped = number[:at] + number[at + 1] + number[at] + number[at + 2:]
    with pytest.raises(ValidationError):
        validate_id_number(swapped, today=TODAY)


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.text(max_size=30), st.from_regex(r"[0-9xX ]{0,20}", fullmatch=True)))
def test_any_text_is_either_a_valid_number_or_a_chinese_error(value):
    EXAMPLES.append(1)
    try:
        number = validate_id_number(value, today=TODAY)
    except ValidationError as exc:
        assert exc.code in ("id_format", "id_birth", "id_check")
        assert any("\u4e00" <= c <= "\u9fff" for c in exc.messages[0])
    else:
        assert len(number) == 18 and number[17] == check_digit(number[:17])


@settings(max_examples=100, deadline=None)
@given(number=id_numbers(), born=st.dates(min_value=TODAY + dt.timedelta(days=1),
                                          max_value=dt.date(2099, 12, 31)))
def test_a_birth_date_in_the_future_is_refused(number, born):
    EXAMPLES.append(1)
    first17 = f"{number[:6]}{born:%Y%m%d}{number[14:17]}"
    with pytest.raises(ValidationError) as exc:
        validate_id_number(first17 + check_digit(first17), today=TODAY)
    assert exc.value.code == "id_birth"


@settings(max_examples=200, deadline=None)
@given(number=id_numbers(), phone=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_masks_hide_the_birth_date_and_the_middle_of_the_phone(number, phone):
    EXAMPLES.append(1)
    masked = mask_id_number(number)
    assert len(masked) == 18 and masked[:2] == number[:2] and masked[-1] == number[-1]
    assert masked[2:17] == "*" * 15  # region, birth date and sequence never show
    assert mask_phone(phone) == phone[:3] + "****" + phone[-4:]


# --- The petition clock (calendar days, to the end of the local day) ------------------------

moments = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 12, 31),
                       timezones=st.just(SHANGHAI))
day_counts = st.integers(min_value=1, max_value=90)


@settings(max_examples=300, deadline=None)
@given(start=moments, days=day_counts)
def test_petition_deadline_is_the_end_of_the_nth_calendar_day(start, days):
    from petitions.actions import deadline_after

    EXAMPLES.append(1)
    due = deadline_after(start, days).astimezone(SHANGHAI)
    assert due.date() == start.astimezone(SHANGHAI).date() + dt.timedelta(days=days)
    assert (due.hour, due.minute, due.second) == (23, 59, 59)
    assert start < due <= start + dt.timedelta(days=days + 1)


@settings(max_examples=200, deadline=None)
@given(start=moments, days=day_counts, more=st.integers(1, 60), later=st.timedeltas(
    min_value=dt.timedelta(0), max_value=dt.timedelta(days=40)))
def test_petition_deadline_counts_weekends_and_holidays_and_is_monotonic(start, days, more,
                                                                          later):
    from petitions.actions import deadline_after

    EXAMPLES.append(1)
    # Calendar days: n more days is exactly n × 24 hours later (no 调休, no DST in Shanghai).
    assert deadline_after(start, days + more) - deadline_after(start, days) == \
        dt.timedelta(days=more)
    assert deadline_after(start + later, days) >= deadline_after(start, days)


@settings(max_examples=300, deadline=None)
@given(due=moments, now=moments)
def test_deadline_tag_moves_only_forward_ok_due_overdue(due, now):
    from petitions.models import deadline_state

    EXAMPLES.append(1)
    order = ["ok", "due", "overdue"]
    state = deadline_state(due, now)
    assert state == ("overdue" if due < now else "due" if due < now + dt.timedelta(days=3)
                     else "ok")
    later = deadline_state(due, now + dt.timedelta(hours=7))
    assert order.index(later) >= order.index(state)
    assert deadline_state(None, now) == ""


# --- The working-day calendar: additivity (the rest in tests/cases/test_workdays.py) --------

@settings(max_examples=150, deadline=None)
@given(start=st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2031, 12, 31)),
       a=st.integers(0, 20), b=st.integers(0, 20))
def test_adding_working_days_in_two_steps_equals_adding_them_at_once(start, a, b):
    from cases import workdays

    EXAMPLES.append(1)
    pure = {}  # no table overrides: the package (2004-2026) and weekends after it
    once = workdays.add_working_days(start, a + b, overrides=pure)
    twice = workdays.add_working_days(workdays.add_working_days(start, a, overrides=pure), b,
                                      overrides=pure)
    assert once == twice
