"""With the demo town, the dashboard and the briefing for the finished campaign state
exactly the seed article's figures; every number links to a list of exactly that many rows;
seeding again changes nothing; and the demo logins work. The demo town is seeded once per
run (the `demo_town` fixture, tests/templatedb.py: it is the slowest fixture of the suite),
and the test runs on it in its own transaction."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dashboard import rollups
from dashboard.briefing import briefing_paragraphs
from dashboard.figures import compute
from grids.models import Area, Campaign
from pingxiang.metrics import Period, metrics
from pingxiang.periods import campaign_period

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_town")]

ARTICLE = {
    "households_visited": 15221, "key_persons": 416, "key_places": 830,
    "disputes_found": 154, "disputes_resolved": 154,
    "petitions_online": 10, "petitions_online_closed": 7,
    "petitions_platform": 184, "petitions_platform_closed": 184,
    "inspected_logistics": 8, "inspected_freight": 5, "inspected_schools": 3,
    "school_inspections": 6, "hazards_road": 23, "hazards_road_rectified": 23,
    "hazards_fire": 12, "hazards_fire_rectified": 12,
    "centres_upgraded": 33, "centres_demonstration": 5,
}
ARTICLE_RATES = {"online_closure_rate": 70.0, "platform_closure_rate": 100.0,
                 "platform_satisfaction_rate": 100.0, "dispute_resolution_rate": 100.0}
BRIEFING = [
    "至目前，全镇累计走访排查群众15221户，排查重点人员416人、重点场所830处，"
    "排查出矛盾纠纷154起，已全部调处到位。",
    "处理网上信访10件，已办结7件、办结率70%；办结民生信息平台信访184件，"
    "办结率和双满意率均达到100%。",
    "至目前，共排查物流企业8家、货运站5个，先后2次全覆盖对3所学校的校园周边环境进行了专项检查，"
    "共排查发现道路交通安全隐患23个，消防隐患12处，全部进行了整改。",
]


def _counts():
    skip = {"axes.AccessLog", "sessions.Session", "pingxiang.DailyStat", "dashboard.Rollup",
            "dashboard.RollupDirty", "dashboard.RollupState"}
    return {m._meta.label: m.objects.count() for m in apps.get_models()
            if m._meta.label not in skip}


def _list_length(response):
    ctx = response.context
    if "total" in ctx:
        return ctx["total"]
    if "page" in ctx and hasattr(ctx["page"], "paginator"):
        return ctx["page"].paginator.count
    return len(ctx["centres"])


def _demo_campaign():
    """The demo town, the article's (finished) campaign and its period as the leader sees it."""
    from django.contrib.auth import get_user_model

    town = Area.objects.get(code="621121100")
    campaign = Campaign.objects.get(name="矛盾大排查纠纷大化解基础大夯实活动")
    period = campaign_period(campaign.pk, get_user_model().objects.get(username="leader_demo"))
    return town, campaign, period


def _assert_figures_state_the_article(town, period):
    figures = compute(town, period)
    assert {k: figures.totals[k] for k in ARTICLE} == ARTICLE
    assert {k: figures.rates[k] for k in ARTICLE_RATES} == ARTICLE_RATES
    assert len(figures.villages) == 32
    paragraphs = briefing_paragraphs(figures)
    assert paragraphs[:3] == BRIEFING
    assert paragraphs[3].startswith("对镇综治中心和32个村(社区)场所全部进行了巩固提升，"
                                    "重点打造了5处示范综治中心")


def _assert_pages_state_the_article(client, settings, town, campaign):
    """The leader's dashboard, the briefing page and its Word file say the article's figures."""
    client.logout()
    client.post(reverse("login"), {"username": "leader_demo", "password": settings.DEMO_PASSWORD})
    page = client.get(reverse("dashboard"), {"area": town.pk, "campaign": campaign.pk})
    html = page.content.decode()
    assert page.status_code == 200 and "矛盾大排查纠纷大化解基础大夯实活动" in html
    for code, value in ARTICLE.items():
        assert f'id="fig-{code}"' in html
        block = html.split(f'id="fig-{code}"', 1)[1].split("</div>", 2)[1]
        assert f">{value}<" in block, (code, block)
    briefing = client.get(reverse("briefing"), {"area": town.pk, "campaign": campaign.pk})
    for sentence in BRIEFING:
        assert sentence in briefing.content.decode()
    docx = client.get(reverse("briefing_docx"), {"area": town.pk, "campaign": campaign.pk})
    from docx import Document

    document = Document(io.BytesIO(docx.content))
    assert BRIEFING[0] in [p.text for p in document.paragraphs]
    assert len(document.tables[0].rows) == 33  # header + 32 villages


def test_demo_town_states_the_article_figures(client, settings):
    settings.DEBUG = True
    town, campaign, period = _demo_campaign()
    _assert_figures_state_the_article(town, period)

    # The demo logins work, and the leader's dashboard page shows the same numbers.
    for username in ["grid_demo", "village_demo", "centre_demo", "leader_demo",
                     "supervisor_demo", "admin_demo"]:
        client.logout()
        response = client.post(reverse("login"), {"username": username,
                                                  "password": settings.DEMO_PASSWORD})
        assert response.status_code == 302, username
    _assert_pages_state_the_article(client, settings, town, campaign)

    # Every number is a link to a list of exactly that many rows: the town and a village.
    xiguan = Area.objects.get(short_name="西关村")
    for area in (town, xiguan):
        figures = compute(area, period)
        for m in metrics():
            if m.drill is None:
                continue
            url = m.drill(area, period)
            response = client.get(url)
            assert response.status_code == 200, (m.code, url)
            assert _list_length(response) == figures.totals[m.code], (m.code, area.name, url)

    # The same truth from the per-day rollups (issue 22 §2): built from the campaign's
    # start, the figures from then to today equal the metric functions and the lists.
    rollups.backfill(campaign.start_date)
    since = Period(campaign.start_date, timezone.localdate())
    for area in (town, xiguan):
        assert set(rollups.read(area, since)) == {m.code for m in rollups.rolled()}
        figures = compute(area, since)
        for m in metrics():
            assert figures.owned[m.code] == (m.func(area, since) or {}), (m.code, area.name)
            if m.drill is not None:
                response = client.get(m.drill(area, since))
                assert _list_length(response) == figures.totals[m.code], (m.code, area.name)

    # Seeding again (every `make run` does) changes nothing: no row, and no figure (it used
    # to date rectification's 16 inspected firms into the campaign: 重点场所846处).
    before = _counts()
    call_command("seed_demo")
    assert _counts() == before
    _assert_figures_state_the_article(town, period)
    _assert_pages_state_the_article(client, settings, town, campaign)
