"""What people type about a person is checked the same way everywhere (pingxiang.personal): the
member add and edit forms, the household form, the Excel import, and the case party and
petitioner name/number fields. Birth dates in the future or before 1900, phone numbers that are
not a mobile or landline, and names or numbers carrying invisible or control characters are
refused in Chinese. Roles that see ID numbers masked neither see nor send a birth date."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from grids.imports import COLUMNS, import_households
from grids.models import Resident
from pingxiang.personal import normalise_phone, validate_birth_date, validate_plain_text

from .conftest import valid_id

HIDDEN = ["\u200b", "\u200d", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069",
          "\ufeff", "\x00", "\x07", "\x1b", "\x85", "\x9f"]


@pytest.mark.parametrize("char", HIDDEN)
def test_names_and_numbers_with_hidden_characters_are_refused(char):
    with pytest.raises(ValidationError) as exc:
        validate_plain_text(f"王{char}小明")
    assert "不可见字符" in exc.value.messages[0]
    validate_plain_text("王小明")  # a plain name passes


@pytest.mark.parametrize("phone,stored", [
    ("13800001234", "13800001234"), ("138 0000 1234", "13800001234"),
    ("0931-1234567", "09311234567"), ("09311234567", "09311234567"), ("8123456", "8123456"),
    ("", "")])
def test_mobile_and_landline_numbers_are_accepted_and_normalised(phone, stored):
    assert normalise_phone(phone) == stored


@pytest.mark.parametrize("phone", ["13800abc123", "1380000123", "12800001234", "138000012345",
                                   "+8613800001234", "1380000\u200b1234", "110"])
def test_other_phone_numbers_are_refused(phone):
    with pytest.raises(ValidationError):
        normalise_phone(phone)


@pytest.mark.parametrize("day,code", [(dt.date(2026, 11, 30), "birth_future"),
                                      (dt.date(1899, 12, 31), "birth_too_early")])
def test_birth_dates_in_the_future_or_before_1900_are_refused(day, code):
    with pytest.raises(ValidationError) as exc:
        validate_birth_date(day, today=dt.date(2026, 11, 29))
    assert exc.value.code == code
    validate_birth_date(dt.date(1900, 1, 1), today=dt.date(2026, 11, 29))
    validate_birth_date(dt.date(2026, 11, 29), today=dt.date(2026, 11, 29))


def _add(client, household, **data):
    return client.post(reverse("grids:member_add", args=[household.pk]),
                       {"name": "王小明", "relation": "子", **data})


@pytest.mark.parametrize("data,field,message", [
    ({"birth_date": "2999-01-01"}, "birth_date", "出生日期不能晚于今天"),
    ({"birth_date": "1899-12-31"}, "birth_date", "出生日期不能早于1900年"),
    ({"phone": "13800abc123"}, "phone", "联系电话应为11位手机号"),
    ({"name": "王\u202e小明"}, "name", "不可见字符"),
    ({"id_number": "\u200b" + "621121198005170011"}, "id_number", "不可见字符"),
])
def test_member_add_form_refuses_what_the_edit_form_refuses(login, cast, make_household, data,
                                                           field, message):
    household = make_household(cast.xiguan_grid)
    response = _add(login(cast.cadre_xiguan), household, **data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Resident.objects.filter(name__contains="小明").exists()


def test_member_edit_form_refuses_a_bad_phone_and_a_hidden_character(login, cast,
                                                                    make_household):
    household = make_household(cast.xiguan_grid)
    head = household.head
    client = login(cast.cadre_xiguan)
    data = {"version": head.version, "name": "王\u200b建国", "relation": "户主", "sex": head.sex,
            "birth_date": head.birth_date.isoformat(), "id_number": head.id_number,
            "phone": "13800abc123"}
    response = client.post(reverse("grids:member_edit", args=[head.pk]), data)
    errors = response.context["form"].errors
    assert "不可见字符" in " ".join(errors["name"])
    assert "联系电话应为11位手机号" in " ".join(errors["phone"])


def test_household_form_refuses_a_hidden_character_in_the_heads_name(login, cast):
    response = login(cast.cadre_xiguan).post(reverse("grids:household_new"), {
        "grid": cast.xiguan_grid.pk, "house_number": "88", "head_name": "王\u2066建国",
        "head_id_number": valid_id(), "head_phone": "13700000000"})
    assert "不可见字符" in " ".join(response.context["form"].errors["head_name"])


def test_a_role_that_sees_ids_masked_adds_a_member_without_a_birth_date(login, cast,
                                                                       make_household):
    """The administrator keeps the registers but sees ID numbers masked: the add form has no
    birth date, and one posted anyway is not stored (the ID number's is)."""
    household = make_household(cast.xiguan_grid)
    client = login(cast.admin)
    page = client.get(reverse("grids:member_add", args=[household.pk])).content.decode()
    assert 'name="birth_date"' not in page
    number = valid_id(born=dt.date(1990, 6, 1))
    response = _add(client, household, id_number=number, birth_date="1950-01-01")
    assert response.status_code == 302
    assert Resident.objects.get(id_number=number).birth_date.year == 1990


def test_a_role_that_sees_ids_masked_edits_a_member_and_the_birth_date_stays(login, cast,
                                                                           make_household):
    household = make_household(cast.xiguan_grid)
    head = household.head
    born = head.birth_date
    client = login(cast.grid_xiguan)
    page = client.get(reverse("grids:member_edit", args=[head.pk])).content.decode()
    assert 'name="birth_date"' not in page
    assert f"{born:%Y-%m-%d}" not in page and f"{born.year}年" in page
    response = client.post(reverse("grids:member_edit", args=[head.pk]), {
        "version": head.version, "name": "王建军", "relation": "户主", "sex": head.sex,
        "birth_date": "2001-01-01"})
    assert response.status_code == 302
    head.refresh_from_db()
    assert head.name == "王建军" and head.birth_date == born


def test_the_household_page_shows_birth_years_to_roles_that_see_ids_masked(login, cast,
                                                                          make_household):
    household = make_household(cast.xiguan_grid)
    born = household.head.birth_date
    url = reverse("grids:household_detail", args=[household.pk])
    masked = login(cast.grid_xiguan).get(url).content.decode()
    assert f"{born:%Y-%m-%d}" not in masked and f"{born.year}年" in masked
    full = login(cast.cadre_xiguan).get(url).content.decode()
    assert f"{born:%Y-%m-%d}" in full


def _sheet(*rows):
    book = Workbook()
    sheet = book.active
    sheet.append([c for c, _, _ in COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def _row(house, name, relation, *, number="", born="", phone=""):
    return ["西关村", "高家庄社", "高家庄社第一网格", house, name, relation, number, "", born,
            phone, ""]


def test_the_import_refuses_the_same_things_row_by_row(cast):
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    data = _sheet(_row("901", "王\u200b甲", "户主"),
                  _row("902", "李乙", "户主", born=future),
                  _row("903", "张丙", "户主", born="1899-12-31"),
                  _row("904", "赵丁", "户主", phone="13800abc123"),
                  _row("905", "钱戊", "户主", phone="0931-1234567"))
    result = import_households(data, size=len(data.getvalue()), actor=cast.centre)
    errors = dict(result.errors)
    assert "不可见字符" in errors[2]
    assert "出生日期不能晚于今天" in errors[3]
    assert "出生日期不能早于1900年" in errors[4]
    assert "联系电话应为11位手机号" in errors[5]
    assert 6 not in errors  # a landline with its area code is fine
    assert result.households == 0  # one bad row imports nothing


@pytest.mark.parametrize("field", ["name", "id_number", "phone"])
def test_case_party_fields_refuse_hidden_characters(field):
    from cases.forms import PartyForm

    data = {"name": "王五", "id_number": "", "phone": "", field: "王\u202e五" if field == "name"
            else "1380000\u200b1234"}
    form = PartyForm(data)
    assert not form.is_valid()
    assert "不可见字符" in " ".join(form.errors[field])


def test_petitioner_and_co_petitioner_names_refuse_hidden_characters():
    from petitions.forms import parse_people

    with pytest.raises(ValidationError) as exc:
        parse_people("王五\u200b 13800001234\n李四")
    assert "第1行" in exc.value.messages[0] and "不可见字符" in exc.value.messages[0]
    assert parse_people("王五\t13800001234") == [
        {"name": "王五", "id_number": "", "phone": "13800001234"}]
