"""The 工作简报 as a Word file in 公文 form (GB/T 9704-2012), read back with python-docx: its
period states the campaign's name and its dates; the issuing centre and date end it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grids.actions import create_campaign
from tests.gongwen_checks import read_gongwen, texts

pytestmark = pytest.mark.django_db


def test_briefing_docx_is_a_gongwen_with_the_campaign_and_its_dates(login, cast):
    campaign = create_campaign(name="秋季矛盾纠纷排查", area=cast.town,
                               start_date=dt.date(2026, 9, 1), end_date=dt.date(2026, 10, 4))
    client = login(cast.leader)
    response = client.get(reverse("briefing_docx"), {"area": cast.town.pk,
                                                     "campaign": campaign.pk})
    assert response.status_code == 200
    doc = read_gongwen(response.content)
    lines = texts(doc)
    assert lines[0] == "平襄镇秋季矛盾纠纷排查工作简报"
    assert lines[1] == "统计期间：秋季矛盾纠纷排查（2026-09-01 至 2026-10-04）"
    today = timezone.localdate()
    assert lines[-2:] == ["平襄镇综治中心", f"{today.year}年{today.month}月{today.day}日"]
    page = client.get(reverse("briefing"), {"area": cast.town.pk, "campaign": campaign.pk})
    assert "秋季矛盾纠纷排查（2026-09-01 至 2026-10-04）" in page.content.decode()


def test_briefing_docx_for_dates_states_them(login, cast):
    response = login(cast.leader).get(reverse("briefing_docx"), {
        "area": cast.xiguan.pk, "start": "2026-11-01", "end": "2026-11-29"})
    lines = texts(read_gongwen(response.content))
    assert "2026-11-01 至 2026-11-29" in lines[1]
