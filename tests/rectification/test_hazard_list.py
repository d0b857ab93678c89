"""What the hazard list's rows show, read from the page a user gets."""

from django.urls import reverse

from rectification.models import Hazard


def test_hazard_list_rows_show_each_hazard_with_its_state(login, rx, make_hazard,
                                                          assigned_hazard):
    make_hazard(description="配电箱<无门>，电线裸露在外，雨天有触电危险，须尽快更换箱门并规整线路走向，"
                            "另外楼道堆放杂物堵塞了安全出口，需要一并清理",
                grade=Hazard.Grade.MAJOR)
    assigned_hazard()
    make_hazard(area=rx.cast.menghe_grid, category="消防")
    response = login(rx.cast.centre).get(reverse("rectification:hazard_list"))
    html = response.content.decode()
    page = response.context["page"]
    assert len(page) == 3
    for hazard in page:
        detail = reverse("rectification:hazard_detail", args=[hazard.pk])
        assert f'href="{detail}">{hazard.number}</a>' in html
    assert "配电箱&lt;无门&gt;" in html and "需要一并清理" not in html  # cut at 40 characters
    assert '<span class="tag risk-red">重大</span>' in html


def test_an_empty_hazard_list_says_so(login, rx):
    html = login(rx.cast.centre).get(reverse("rectification:hazard_list")).content.decode()
    assert "没有符合条件的隐患。" in html


def test_the_campaign_filter_offers_the_users_campaigns_and_refuses_anothers(login, rx,
                                                                           make_hazard):
    from rectification import actions

    menghe = actions.create_campaign(actor=rx.cast.centre, name="孟河村道路整治",
                                     scope=rx.cast.menghe, start_date=rx.today)
    in_campaign = make_hazard(campaign=rx.campaign, description="校门口护栏缺失")
    make_hazard(description="灭火器过期")
    url = reverse("rectification:hazard_list")

    html = login(rx.cast.centre).get(url, {"campaign": rx.campaign.pk}).content.decode()
    assert f'<option value="{rx.campaign.pk}" selected>校园及周边环境</option>' in html
    assert f'<option value="{menghe.pk}">孟河村道路整治</option>' in html
    assert in_campaign.number in html and "灭火器过期" not in html

    # The 西关 cadre does not see 孟河村's campaign: not offered, and refused when asked for.
    response = login(rx.cast.cadre_xiguan).get(url, {"campaign": menghe.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "孟河村道路整治" not in html
    assert "专项整治不存在或不在您的辖区内。" in html
    assert "没有符合条件的隐患。" in html
