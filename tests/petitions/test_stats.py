"""办结率, 双满意率 and the other rates: the article's figures, and every number opens a
list of exactly that many petitions."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from petitions import actions, stats
from petitions.models import Category, Petition

from .conftest import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def article_year(cast, make_petition):
    """This year as the seed article tells it: 10 online petitions, 7 closed; 184 work
    orders on the 民生信息平台, all closed and rated satisfied on both counts."""
    now = timezone.now()
    start = now - dt.timedelta(days=40)
    for i in range(10):
        p = make_petition(channel=Petition.Channel.ONLINE, channel_ref=f"WS-{i}",
                          area=cast.xiguan if i % 2 else cast.menghe,
                          received_at=start + dt.timedelta(hours=i))
        actions.accept_petition(p, actor=cast.centre, at=start + dt.timedelta(days=1))
        if i < 7:
            actions.close_petition(Petition.objects.get(pk=p.pk), actor=cast.centre,
                                   reply="已办理", at=start + dt.timedelta(days=5))
    category = Category.objects.first()
    orders = [{
        "channel_ref": f"MS-{i}", "order_type": "求助", "area": cast.xiguan_grid,
        "received_at": start, "accepted_at": start + dt.timedelta(hours=2),
        "closed_at": start + dt.timedelta(days=3), "reply": "已办理", "title": "求助",
        "content": "求助内容", "category": category, "petitioner": person(3000 + i),
        "rating": ("满意", "满意", "电话回访", start + dt.timedelta(days=4)),
    } for i in range(184)]
    actions.import_work_orders(actor=cast.centre, orders=orders)
    return start


def test_rates_match_the_article(cast, article_year):
    rows = {r["channel"]: r for r in stats.by(Petition.objects.all(), "channel")}
    online, platform = rows["online"], rows["livelihood"]
    assert (online["received"], online["accepted"], online["closed"]) == (10, 10, 7)
    assert online["close_rate"] == 70
    assert (platform["accepted"], platform["closed"], platform["rated"]) == (184, 184, 184)
    assert platform["close_rate"] == 100 and platform["satisfied_rate"] == 100


def test_stats_page_shows_the_figures_and_each_number_opens_its_list(cast, login,
                                                                      article_year):
    client = login(cast.centre)
    page = client.get(reverse("petitions:stats"),
                      {"date_from": f"{article_year:%Y-%m-%d}"}).content.decode()
    assert "70%" in page and "100%" in page
    links = re.findall(r'data-stage="(\w+)" href="([^"]+)">(\d+)</a>', page)
    assert len(links) >= 7 * 3  # two channels and at least one village
    for stage, href, number in links:
        listing = client.get(href.replace("&amp;", "&"),
                             headers={"HX-Request": "true"}).content.decode()
        total = re.search(r'data-total="(\d+)"', listing).group(1)
        assert total == number, (stage, href)


def test_basic_satisfaction_counts_and_dissatisfaction_does_not(cast, make_petition):
    ratings = [("满意", "满意"), ("基本满意", "满意"), ("满意", "不满意"), ("不满意", "基本满意")]
    for handling, result in ratings:
        p = make_petition()
        actions.accept_petition(p, actor=cast.centre)
        actions.close_petition(Petition.objects.get(pk=p.pk), actor=cast.centre, reply="答复")
        actions.rate_petition(Petition.objects.get(pk=p.pk), actor=cast.centre,
                              handling=handling, result=result, method="电话回访", note="意见")
    total = stats.totals(Petition.objects.all())
    assert (total["rated"], total["satisfied"], total["satisfied_rate"]) == (4, 2, 50)


def test_repeat_and_on_time_rates(cast, make_petition):
    who = person(4001)
    first = make_petition(who=who)
    make_petition(who=who, repeat_of=first)
    make_petition()
    make_petition()
    total = stats.totals(Petition.objects.all())
    assert total["repeat"] == 1 and total["repeat_rate"] == 25
    assert total["ontime_rate"] is None  # nothing closed: no rate, not 0%


def test_period_filter_counts_by_received_date(cast, login, make_petition):
    make_petition(received_at=timezone.make_aware(dt.datetime(2026, 1, 10, 9)))
    make_petition(received_at=timezone.make_aware(dt.datetime(2026, 2, 10, 9)))
    client = login(cast.leader)
    page = client.get(reverse("petitions:stats"),
                      {"date_from": "2026-02-01", "date_to": "2026-02-28"}).content.decode()
    assert re.search(r'id="total-received" href="[^"]+">1</a>', page)


def test_grid_workers_have_no_stats_page(cast, login):
    assert login(cast.grid_xiguan).get(reverse("petitions:stats")).status_code == 403


def test_stats_follow_the_dashboards_area_and_channel_order(cast, login, article_year):
    """?area= from the dashboard narrows every figure to that village, and its numbers open
    the list narrowed the same way; channels come in the dashboard's order."""
    client = login(cast.centre)
    asked = {"date_from": f"{article_year:%Y-%m-%d}", "area": cast.menghe.pk}
    page = client.get(reverse("petitions:stats"), asked).content.decode()
    received = re.search(r'id="total-received" href="([^"]+)">(\d+)</a>', page)
    assert received.group(2) == "5"  # the five online petitions of 孟河村, nothing else
    listing = client.get(received.group(1).replace("&amp;", "&"),
                         headers={"HX-Request": "true"}).content.decode()
    assert re.search(r'data-total="(\d+)"', listing).group(1) == "5"
    whole = client.get(reverse("petitions:stats"),
                       {"date_from": f"{article_year:%Y-%m-%d}"}).content.decode()
    table = whole[whole.index("<h2>按渠道</h2>"):whole.index("<h2>按村(社区)</h2>")]
    shown = sorted((table.index(c.label), c) for c in Petition.Channel if c.label in table)
    # 网上信访 (online) is declared before 民生信息平台 (livelihood) but sorts after it by code.
    assert [c for _i, c in shown] == [Petition.Channel.ONLINE, Petition.Channel.LIVELIHOOD]
    # Another county's area is refused and counts nothing.
    other = client.get(reverse("petitions:stats"), {**asked, "area": 999999}).content.decode()
    assert re.search(r'id="total-received" href="[^"]+">0</a>', other)
