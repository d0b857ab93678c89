"""What the case list's rows show, read from the page a user gets."""

from django.urls import reverse

from cases import actions
from tests.cases.test_actions import RESOLVE


def test_case_list_rows_show_each_case_with_its_parties_escaped(login, cast, make_case,
                                                                running_case):
    make_case(risk="red", parties=[{"name": "<b>张三</b>"}, {"name": "李&四"}])
    running_case(2)
    done = running_case(1)
    actions.resolve_case(done, actor=cast.centre, **RESOLVE)
    response = login(cast.centre).get(reverse("cases:case_list"))
    html = response.content.decode()
    page = response.context["page"]
    assert len(page) == 3
    for case in page:
        assert f'href="{reverse("cases:case_detail", args=[case.pk])}">{case.number}</a>' in html
    assert "&lt;b&gt;张三&lt;/b&gt;" in html and "<b>张三" not in html
    assert '<span class="tag risk-red">' in html
    assert "2级" in html and "1级" in html  # the running level, and the level it was resolved at
    assert "期限内" in html  # the running case's deadline state


def test_case_list_filter_draws_the_users_villages_and_says_what_it_refused(login, cast):
    html = login(cast.centre).get(reverse("cases:case_list"), {
        "q": "<b>地</b>", "start": "2026-11-01", "end": "2026-10-01"}).content.decode()
    assert "西关村" in html
    assert "结束日期不能早于开始日期。" in html
    assert 'value="&lt;b&gt;地&lt;/b&gt;"' in html


def test_an_empty_case_list_says_so(login, cast):
    html = login(cast.centre).get(reverse("cases:case_list") + "?q=无此案件").content.decode()
    assert "没有符合条件的案件。" in html


def test_case_list_htmx_request_gets_only_the_table(login, cast, make_case):
    make_case()
    html = login(cast.centre).get(reverse("cases:case_list"),
                                  headers={"HX-Request": "true"}).content.decode()
    assert 'id="case-table"' in html and "<html" not in html and "筛选" not in html


def test_each_party_on_the_case_list_links_to_a_person_page_the_viewer_may_open(
        login, cast, make_case):
    # issue 19 §3: a name links to the person page wherever it appears; for every viewer of
    # the list (the town's centre, the village's grid worker) each link opens, and the other
    # village's worker neither sees the row nor may open the page.
    from cases.models import CaseParty

    case = make_case(parties=[{"name": "王大山"}, {"name": "李小河"}])
    people = [p.resident for p in CaseParty.objects.filter(case=case).select_related("resident")]
    for user in [cast.centre, cast.grid_xiguan]:
        client = login(user)
        html = client.get(reverse("cases:case_list")).content.decode()
        for person in people:
            href = reverse("grids:person", args=[person.pk])
            assert f'<a href="{href}">{person.name}</a>' in html
            assert client.get(href).status_code == 200
    outsider = login(cast.grid_menghe)
    assert "王大山" not in outsider.get(reverse("cases:case_list")).content.decode()
    assert outsider.get(reverse("grids:person", args=[people[0].pk])).status_code == 404
