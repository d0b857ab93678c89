"""What the petition list's rows show, read from the page a user gets."""

from django.urls import reverse

from petitions.models import Petition


def test_petition_list_rows_show_who_and_what_only_to_those_who_may_read_it(login, cast,
                                                                           make_petition):
    make_petition(title="反映<巷道>积水 & 路灯不亮", headcount=3)
    make_petition(channel=Petition.Channel.LIVELIHOOD)
    make_petition(area=cast.menghe_grid)
    response = login(cast.centre).get(reverse("petitions:list"))
    html = response.content.decode()
    rows = response.context["rows"]
    assert len(rows) == 3
    for row in rows:
        assert f'href="{reverse("petitions:detail", args=[row["id"]])}">{row["number"]}</a>' in html
    assert "反映&lt;巷道&gt;积水 &amp; 路灯不亮" in html and "等3人" in html
    # The village cadre sees the rows of their village, but not who petitioned about what.
    html = login(cast.cadre_xiguan).get(reverse("petitions:list")).content.decode()
    assert "（内容仅综治中心可见）" in html and "反映&lt;巷道&gt;" not in html


def test_an_empty_petition_list_says_so(login, cast):
    html = login(cast.centre).get(reverse("petitions:list")).content.decode()
    assert "没有符合条件的信访件。" in html
