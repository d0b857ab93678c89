"""信访事项受理告知书 / 不予受理告知书 / 处理意见书 as 公文 .docx: prefilled from the petition,
editable, readable only by those who may read the petition's content."""

import pytest
from django.urls import reverse
from django.utils import timezone

from petitions import actions
from tests.gongwen_checks import read_gongwen, texts

pytestmark = pytest.mark.django_db


def _docx(client, url, **changes):
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["date"] = str(data["date"])
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 200
    return read_gongwen(response.content)


def test_accept_and_opinion_notices_are_filled_from_the_petition(cast, make_petition, login):
    petition = make_petition(title="反映巷道积水")
    actions.accept_petition(petition, actor=cast.centre)
    client = login(cast.centre)
    doc = _docx(client, reverse("petitions:notice", args=[petition.pk, "accept"]))
    lines = texts(doc)
    assert lines[0] == "信访事项受理告知书"
    assert f"{petition.petitioner.name}：" in lines
    assert "“反映巷道积水”的信访事项" in "".join(lines) and "60日内办结" in "".join(lines)
    assert lines[-2] == "平襄镇综治中心"
    actions.close_petition(petition, actor=cast.centre, reply="已疏通排水沟，积水问题已解决。")
    doc = _docx(client, reverse("petitions:notice", args=[petition.pk, "opinion"]),
                body="经调查核实：\n已疏通排水沟。\n如不服，可在30日内请求复查。")
    lines = texts(doc)
    assert lines[0] == "信访事项处理意见书"
    assert "已疏通排水沟。" in lines  # as edited before printing
    today = timezone.localdate()
    assert lines[-1] == f"{today.year}年{today.month}月{today.day}日"


def test_refusal_notice_states_the_reason(cast, make_petition, login):
    petition = make_petition()
    actions.decline_petition(petition, actor=cast.centre, reason="属于诉讼程序解决的事项")
    doc = _docx(login(cast.centre), reverse("petitions:notice", args=[petition.pk, "refuse"]))
    assert texts(doc)[0] == "信访事项不予受理告知书"
    assert "属于诉讼程序解决的事项" in "".join(texts(doc))


def test_only_those_who_read_the_content_print_a_notice(cast, make_petition, login):
    petition = make_petition()
    url = reverse("petitions:notice", args=[petition.pk, "accept"])
    assert login(cast.cadre_xiguan).get(url).status_code == 403
    assert login(cast.cadre_menghe).get(url).status_code == 404
    assert login(cast.centre).get(reverse("petitions:notice",
                                          args=[petition.pk, "x"])).status_code == 404
