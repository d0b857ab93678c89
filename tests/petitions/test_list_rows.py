from django.urls import reverse

from petitions.models import Petition
from petitions.templatetags.petitions_tags import petition_rows
from tests.rows_reference import PETITION_ROW, render, same_html


def test_the_petition_lists_rows_are_the_templates_rows(login, cast, make_petition):
    make_petition(title="反映<巷道>积水 & 路灯不亮", headcount=3)
    make_petition(channel=Petition.Channel.LIVELIHOOD)
    make_petition(area=cast.menghe_grid)
    for user in (cast.centre, cast.cadre_xiguan):  # reads every petition; reads none of them
        rows = login(user).get(reverse("petitions:list")).context["rows"]
        assert rows
        html = petition_rows(rows)
        assert same_html(html, render(PETITION_ROW, {"rows": rows}))
    centre_html = petition_rows(login(cast.centre).get(reverse("petitions:list")).context["rows"])
    assert "反映&lt;巷道&gt;积水 &amp; 路灯不亮" in centre_html and "等3人" in centre_html


def test_an_empty_petition_list_says_so(login, cast):
    rows = login(cast.centre).get(reverse("petitions:list")).context["rows"]
    assert "没有符合条件的信访件" in petition_rows(rows)
