from django.urls import reverse

from rectification.models import Hazard
from rectification.templatetags.rectification_tags import hazard_rows
from tests.rows_reference import HAZARD_ROW, render, same_html


def test_the_hazard_lists_rows_are_the_templates_rows(login, rx, make_hazard, assigned_hazard):
    make_hazard(description="配电箱<无门>，电线裸露在外，雨天有触电危险，须尽快更换箱门并规整线路走向，另外楼道堆放杂物堵塞了安全出口，需要一并清理",
                grade=Hazard.Grade.MAJOR)
    assigned_hazard()
    make_hazard(area=rx.cast.menghe_grid, category="消防")
    page = login(rx.cast.centre).get(reverse("rectification:hazard_list")).context["page"]
    assert len(page) == 3
    html = hazard_rows(page)
    assert "配电箱&lt;无门&gt;" in html and "重大" in html
    assert same_html(html, render(HAZARD_ROW, {"page": page}))


def test_an_empty_hazard_list_says_so(login, rx):
    page = login(rx.cast.centre).get(reverse("rectification:hazard_list")).context["page"]
    assert "没有符合条件的隐患" in hazard_rows(page)
    assert same_html(hazard_rows(page), render(HAZARD_ROW, {"page": page}))
