"""seed_demo enters the article's figures through the actions, and twice changes nothing.
The first seed is the run's one (the `demo_town` fixture, tests/templatedb.py), and the test
runs on it in its own transaction."""

import pytest
from django.core.management import call_command

from grids.models import KeyPlace
from rectification import stats
from rectification.models import (
    Campaign,
    Centre,
    Hazard,
    Inspection,
    IssueItem,
    LegalActivity,
    SupervisionTeam,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_town")]


def _counts():
    return (Campaign.objects.count(), Inspection.objects.count(), Hazard.objects.count(),
            IssueItem.objects.count(), LegalActivity.objects.count(),
            SupervisionTeam.objects.count(), KeyPlace.objects.count())


def test_seed_has_the_articles_figures_and_is_idempotent(settings):
    settings.DEBUG = True
    first = _counts()
    assert Campaign.objects.count() == 5
    inspections = Inspection.objects.all()
    by_kind = {label: (places, n) for label, places, n in stats.inspections_by_kind(inspections)}
    assert by_kind == {"物流企业": (8, 8), "货运站": (5, 5), "学校": (3, 6)}
    closed = Hazard.objects.filter(status=Hazard.Status.CLOSED)
    assert closed.filter(category__name="道路交通").count() == 23
    assert closed.filter(category__name="消防").count() == 12
    assert Hazard.objects.filter(category__name__in=["道路交通", "消防"]).count() == 35
    open_ = Hazard.objects.open()
    assert set(open_.values_list("status", flat=True)) == {
        "registered", "assigned", "rectifying", "submitted", "verified"}
    assert open_.overdue().count() >= 2
    assert stats.centre_counts(Centre.objects.all()) == {
        "total": 33, "upgraded": 33, "demonstration": 5}
    assert set(Centre.objects.filter(is_demonstration=True).values_list(
        "area__short_name", flat=True)) == {"西关村", "孟河村", "兴隆村", "旧店子村", "新城社区"}
    teams = SupervisionTeam.objects.all()
    assert teams.count() == 2
    assert all(set(t.members.values_list("unit", flat=True)) == {"镇纪委", "综治中心", "司法所", "信访办"}
               for t in teams)
    assert teams.get(name="第一督导组").members.filter(user__username="supervisor_demo").exists()
    items = stats.issue_counts(IssueItem.objects.all())
    assert 0 < items["closed"] < items["total"] and items["overdue"] >= 1
    assert LegalActivity.objects.count() >= 3
    call_command("seed_demo")
    assert _counts() == first
