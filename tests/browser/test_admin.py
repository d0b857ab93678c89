"""Journey 7: an administrator imports households from Excel (one bad row: the row is
named and nothing is imported; fixed, imported again), then adds next year's holidays to
the working-day calendar."""

import io

import openpyxl
import pytest
from django.utils import timezone

from cases.models import CalendarDay
from grids.models import Household, Resident

from .conftest import check_narrow, click_nav, go, id_number, log_in, main_text, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_imports_households_and_adds_next_years_holidays(browser_page, cast, tmp_path):
    from cases.workdays import missing_years

    today = timezone.localdate()
    next_year = today.year + 1
    # In the last 60 days of a year the home page asks for next year's calendar (the
    # calendar package stops at 2026).
    asked = next_year in missing_years(today)
    page = browser_page
    log_in(page, "admin", title="系统管理")
    assert (f"{next_year}年的工作日历尚未录入" in main_text(page)) == asked
    shoot(page, "admin_home")

    # The template, downloaded from the import page and filled in (the example row removed).
    click_nav(page, "住户")
    page.get_by_role("link", name="Excel 导入").click()
    assert "只要有一行有误，整个文件都不导入" in main_text(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="下载户籍导入模板").click()
    assert info.value.suggested_filename == "户籍导入模板.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))
    sheet = wb.worksheets[0]
    assert [c.value for c in sheet[1]][:6] == ["村(社区)*", "社(小区)*", "网格*", "门牌号*", "姓名*",
                                              "与户主关系*"]
    sheet.delete_rows(2)
    good_ids = [id_number(), id_number(male=False), id_number(born="20100301"), id_number()]
    bad_id = good_ids[2][:-1] + ("0" if good_ids[2][-1] != "0" else "1")  # wrong check digit
    people = [("88", "杨志明", "户主", good_ids[0]), ("88", "王秀兰", "配偶", good_ids[1]),
              ("88", "杨小军", "子", bad_id), ("90", "何文斌", "户主", good_ids[3])]
    for house, name, relation, number in people:
        sheet.append(["西关村", "高家庄社", "高家庄社第一网格", house, name, relation, number])
    bad_file = tmp_path / "户籍导入.xlsx"
    wb.save(bad_file)

    # One bad row: the page names it, and nothing at all is imported.
    page.set_input_files("#id_file", str(bad_file))
    page.click("button:has-text('校验并导入')")
    page.wait_for_selector("text=未导入任何数据")
    errors = page.locator("section.card", has_text="未导入任何数据").inner_text()
    assert "有 1 处错误" in errors and "第 4 行" in errors and "身份证号" in errors, errors
    assert Household.objects.count() == 0 and not Resident.objects.filter(name="杨志明").exists()
    assert page.console_errors == []  # the refused file is a page (200), not a 400 error
    shoot(page, "admin_import_errors", full_page=False)
    check_narrow(page)

    # Fixed and imported again.
    sheet.cell(row=4, column=7).value = good_ids[2]
    fixed = io.BytesIO()
    wb.save(fixed)
    page.set_input_files("#id_file", {"name": "户籍导入.xlsx", "buffer": fixed.getvalue(),
                                      "mimeType": "application/vnd.openxmlformats-officedocument"
                                                  ".spreadsheetml.sheet"})
    page.click("button:has-text('校验并导入')")
    page.wait_for_selector("text=导入成功")
    assert "共 4 行，导入 2 户、4 人" in main_text(page)
    assert Household.objects.count() == 2
    page.get_by_role("link", name="查看户籍").click()
    listed = main_text(page)
    assert "杨志明 西关村高家庄社88号" in listed and "何文斌 西关村高家庄社90号" in listed
    assert "共 2 条" in listed

    # Next year's holidays, from the State Council's notice, into the calendar.
    holidays = tmp_path / f"{next_year}年节假日.csv"
    holidays.write_text(
        "日期,是否上班,说明\n"
        f"{next_year}-01-01,休息,元旦\n"
        f"{next_year}-02-06,休息,春节\n"
        f"{next_year}-02-07,休息,春节\n"
        f"{next_year}-02-14,上班,春节调休\n", encoding="utf-8")
    click_nav(page, "工作日历")
    page.wait_for_selector("h1:has-text('工作日历与时限')")
    assert (f"{next_year}年的工作日历尚未录入" in main_text(page)) == asked
    page.get_by_role("link", name="导入一年的日历").click()
    page.wait_for_selector("h1:has-text('导入工作日历')")
    page.set_input_files("input[name=file]", str(holidays))
    page.click("input[type=submit][value=导入]")
    page.wait_for_selector(f"text=已导入 4 天（{next_year}年）")
    assert CalendarDay.objects.filter(date__year=next_year).count() == 4

    go(page, "/cases/calendar/")
    table = page.locator("section.card", has_text="本年起的日历调整").inner_text()
    assert f"{next_year}-01-01\t休息\t元旦" in table
    assert f"{next_year}-02-14\t上班\t春节调休" in table
    assert f"{next_year}年的工作日历尚未录入" not in main_text(page)
    assert next_year not in missing_years(today)
    go(page, "/")
    assert f"{next_year}年的工作日历尚未录入" not in main_text(page)
    # Four days are not the year's holidays: the home page names the statutory days still
    # missing (cases.workdays.calendar_gaps) until the whole notice is entered.
    assert (f"{next_year}年的放假安排尚未录入完整" in main_text(page)) == asked
    check_narrow(page, "/", shot="admin_home_360")
    check_narrow(page, "/cases/calendar/")
    check_narrow(page, "/grids/import/")
