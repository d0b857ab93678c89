"""Issue 19 §2 for petitions: correct the channel, category and petitioner (within
confidentiality) and withdraw (撤销) a petition registered by mistake, each with a reason
in the trail; the figures and the lists behind them move together; a second correction
on a stale page is refused and shows the current values."""

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.figures import compute
from petitions import actions
from petitions.actions import PetitionChanged, PetitionError
from petitions.models import Category, Petition
from pingxiang.metrics import Period, get_metric
from pingxiang.models import AuditEvent

from .conftest import person

pytestmark = pytest.mark.django_db


def _today():
    """The last days (the fixture's petitions arrive an hour ago: yesterday after 23:00)."""
    return Period(timezone.localdate() - timezone.timedelta(days=2), timezone.localdate())


def _figures(area, *codes):
    return compute(area, _today(), codes=list(codes)).totals


def _list_count(client, area, code):
    response = client.get(get_metric(code).drill(area, _today()))
    assert response.status_code == 200
    return response.context["page"].paginator.count


def _events(p, action):
    return AuditEvent.objects.filter(object_id=str(p.pk), action=f"petition.{action}")


def _correct(p, actor, **kw):
    args = {"reason": "登记渠道选错", "channel": p.channel, "category": p.category,
            "order_type": p.order_type, **kw}
    return actions.correct_petition(p, actor=actor, **args)


# Who may correct or withdraw (given the action is reached): the town's centre staff.
WHO = {"centre": True, "leader": False, "cadre_xiguan": False, "grid_xiguan": False,
       "supervisor": False}


@pytest.mark.parametrize("username", sorted(WHO))
@pytest.mark.parametrize("action", ["correct", "withdraw"])
def test_only_the_centre_corrects_or_withdraws_a_petition(cast, make_petition, username,
                                                         action):
    p = make_petition(channel=Petition.Channel.LETTER)
    user = getattr(cast, username)
    assert actions.may_correct(user, p) is WHO[username]
    call = (lambda: _correct(p, user, channel=Petition.Channel.ONLINE)) \
        if action == "correct" else (lambda: actions.withdraw_petition(p, actor=user,
                                                                       reason="误登记"))
    if WHO[username]:
        call()
        assert _events(p, action).exists()
    else:
        with pytest.raises(PetitionError, match="综治中心"):
            call()
        assert not _events(p, action).exists()


@pytest.mark.parametrize("action", ["correct", "withdraw"])
def test_without_a_reason_nothing_changes(cast, make_petition, action):
    p = make_petition(channel=Petition.Channel.LETTER)
    before = Petition.objects.values().get(pk=p.pk)
    with pytest.raises(PetitionError, match="原因"):
        if action == "correct":
            _correct(p, cast.centre, reason=" ", channel=Petition.Channel.ONLINE)
        else:
            actions.withdraw_petition(p, actor=cast.centre, reason="")
    assert Petition.objects.values().get(pk=p.pk) == before


def test_correcting_the_channel_moves_the_channel_figures(cast, make_petition, login):
    p = make_petition(channel=Petition.Channel.LETTER)
    client = login(cast.leader)
    assert _figures(cast.town, "petitions_online")["petitions_online"] == 0
    assert _list_count(client, cast.town, "petitions_online") == 0
    other = Category.objects.exclude(pk=p.category_id).first()
    _correct(p, cast.centre, channel=Petition.Channel.ONLINE, category=other)
    assert _figures(cast.town, "petitions_online")["petitions_online"] == 1
    assert _list_count(client, cast.town, "petitions_online") == 1
    assert _figures(cast.town, "petitions_received")["petitions_received"] == 1
    event = _events(p, "correct").get()
    assert "来源渠道：来信" in event.from_state and "来源渠道：网上信访" in event.to_state
    assert f"类别：{other.name}" in event.to_state and event.reason == "登记渠道选错"


def test_correcting_the_petitioner_names_the_right_person_and_masks_the_trail(
        cast, make_petition):
    wrong = person(901, "张三")
    p = make_petition(who=wrong)
    right = person(902, "张山")
    _correct(p, cast.centre, petitioner=right, reason="姓名写错")
    p.refresh_from_db()
    assert p.petitioner.name == "张山" and p.petitioner.id_number == right["id_number"]
    event = _events(p, "correct").get()
    assert "张三" in event.from_state and "张山" in event.to_state
    assert wrong["id_number"] not in event.from_state  # masked, never the full number
    assert right["id_number"] not in event.to_state


def test_a_correction_that_changes_nothing_is_refused(cast, make_petition):
    p = make_petition()
    with pytest.raises(PetitionError, match="没有需要更正"):
        _correct(p, cast.centre)


def test_a_withdrawn_petition_is_kept_marked_stopped_and_counted_nowhere(
        cast, make_petition, login):
    p = make_petition(channel=Petition.Channel.ONLINE)
    client = login(cast.leader)
    assert _figures(cast.town, "petitions_online")["petitions_online"] == 1
    actions.withdraw_petition(p, actor=cast.centre, reason="重复录入")
    p.refresh_from_db()
    assert p.withdrawn_at and p.withdrawn_reason == "重复录入" and p.clock == ""
    for code in ["petitions_received", "petitions_online"]:
        assert _figures(cast.town, code)[code] == 0 == _list_count(client, cast.town, code)
    centre = login(cast.centre)
    assert p.number not in centre.get(reverse("petitions:list")).content.decode()
    shown = centre.get(reverse("petitions:list"), {"withdrawn": "on"}).content.decode()
    assert p.number in shown
    page = centre.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert 'id="petition-withdrawn"' in page and "重复录入" in page
    stats = centre.get(reverse("petitions:stats"))
    assert stats.context["total"]["received"] == 0
    with pytest.raises(PetitionError, match="已撤销"):
        actions.accept_petition(p, actor=cast.centre)


def test_a_grid_worker_sees_a_withdrawn_mark_but_not_the_reason(cast, make_petition, login):
    p = make_petition()
    actions.withdraw_petition(p, actor=cast.centre, reason="信访人王某某重复来信")
    page = login(cast.grid_xiguan).get(reverse("petitions:detail", args=[p.pk]))
    text = page.content.decode()
    assert 'id="petition-withdrawn"' in text
    assert "王某某" not in text


def test_a_leader_in_charge_cannot_open_the_correction_form(cast, make_petition, login):
    p = make_petition()
    actions.assign_leader(p, actor=cast.centre, leader=cast.leader)
    url = reverse("petitions:action", args=[p.pk, "correct"])
    assert login(cast.leader).get(url).status_code == 403


def test_of_two_corrections_on_one_version_the_second_sees_the_current_values(
        cast, make_petition, login):
    p = make_petition(channel=Petition.Channel.LETTER)
    seen = p.version
    first = Petition.objects.get(pk=p.pk)
    _correct(first, cast.centre, channel=Petition.Channel.ONLINE)
    stale = Petition.objects.get(pk=p.pk)
    stale.version = seen
    with pytest.raises(PetitionChanged):
        _correct(stale, cast.centre, channel=Petition.Channel.PHONE)
    client = login(cast.centre)
    response = client.post(reverse("petitions:action", args=[p.pk, "correct"]), {
        "version": seen, "channel": "phone", "category": p.category_id, "reason": "后到"},
        follow=True)
    page = response.content.decode()
    assert "刚刚已被他人更正" in page and "网上信访" in page
    assert Petition.objects.get(pk=p.pk).channel == Petition.Channel.ONLINE


def test_the_correction_form_on_the_page(cast, make_petition, login):
    p = make_petition(channel=Petition.Channel.LETTER)
    client = login(cast.centre)
    detail = client.get(reverse("petitions:detail", args=[p.pk])).content.decode()
    assert reverse("petitions:action", args=[p.pk, "correct"]) in detail
    response = client.post(reverse("petitions:action", args=[p.pk, "correct"]), {
        "version": p.version, "channel": "visit", "category": p.category_id,
        "reason": "实为来访"}, follow=True)
    assert "已更正" in response.content.decode()
    assert Petition.objects.get(pk=p.pk).channel == "visit"
    missing = client.post(reverse("petitions:action", args=[p.pk, "withdraw"]),
                          {"version": p.version + 1, "reason": ""})
    assert missing.status_code == 200 and "这个字段是必填项" in missing.content.decode()
    assert Petition.objects.get(pk=p.pk).withdrawn_at is None
