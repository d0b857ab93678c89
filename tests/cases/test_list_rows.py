from django.urls import reverse

from cases import actions
from cases.templatetags.cases_tags import case_rows
from tests.cases.test_actions import RESOLVE
from tests.rows_reference import CASE_ROW, render, same_html


def test_the_case_lists_rows_are_the_templates_rows(login, cast, make_case, running_case):
    make_case(risk="red", parties=[{"name": "<b>张三</b>"}, {"name": "李&四"}])
    running_case(2)
    done = running_case(1)
    actions.resolve_case(done, actor=cast.centre, **RESOLVE)
    page = login(cast.centre).get(reverse("cases:case_list")).context["page"]
    assert len(page) == 3
    html = case_rows(page)
    assert "&lt;b&gt;张三&lt;/b&gt;" in html and "<b>" not in html
    assert same_html(html, render(CASE_ROW, {"page": page}))


def test_an_empty_case_list_says_so(login, cast):
    page = login(cast.centre).get(reverse("cases:case_list") + "?q=无此案件").context["page"]
    assert "没有符合条件的案件" in case_rows(page)
    assert same_html(case_rows(page), render(CASE_ROW, {"page": page}))
