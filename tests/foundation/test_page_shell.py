"""The header every page carries, and dates as the pages write them."""

import datetime as dt

from django.template import engines
from django.urls import reverse

from grids.actions import grant_membership
from pingxiang.models import Notification
from pingxiang.roles import Role


def test_header_names_the_user_counts_unread_messages_and_switches_roles(client, login, cast):
    html = client.get(reverse("login")).content.decode()
    assert 'class="topbar"' in html and "退出" not in html  # no one signed in
    Notification.objects.create(recipient=cast.centre, key="t1", title="测试<消息>", body="")
    html = login(cast.centre).get(reverse("home")).content.decode()
    assert 'id="unread-count">1<' in html and "张明" in html and "csrfmiddlewaretoken" in html
    assert f'href="{reverse("inbox")}"' in html and f'action="{reverse("logout")}"' in html
    assert 'id="role-select"' not in html
    grant_membership(cast.centre, cast.xiguan, Role.VILLAGE_CADRE)
    html = login(cast.centre).get(reverse("home")).content.decode()
    assert 'id="role-select"' in html and " selected>" in html


def test_dates_show_as_year_month_day_in_asia_shanghai():
    template = engines["django"].from_string('{{ when|date:"Y-m-d H:i" }} {{ day|date:"Y-m-d" }}')
    when = dt.datetime(2026, 11, 28, 16, 30, tzinfo=dt.UTC)
    assert template.render({"when": when, "day": dt.date(2026, 1, 5)}) == "2026-11-29 00:30 2026-01-05"


def test_dashboard_area_select_offers_the_users_areas(login, cast):
    html = login(cast.admin).get(reverse("dashboard"), {"area": cast.town.pk}).content.decode()
    assert "selected>平襄镇（镇）</option>" in html
