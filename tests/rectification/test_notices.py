"""隐患整改通知书 (交办单), 督导问题交办单 and 督办单: a form prefilled from the record, editable,
then a .docx in 公文 form (GB/T 9704-2012) read back with python-docx."""

import datetime as dt

import pytest
from django.urls import reverse

from rectification import actions
from tests.gongwen_checks import read_gongwen, texts

pytestmark = pytest.mark.django_db


def _post_prefilled(client, url, **changes):
    """Open the notice form, keep what it was filled with (but `changes`), and submit it."""
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["date"] = str(data["date"])
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return form, read_gongwen(response.content)


def test_hazard_notice_is_filled_from_the_hazard_and_editable(rx, assigned_hazard, login):
    hazard = assigned_hazard(description="西关小学门口灭火器过期")
    url = reverse("rectification:hazard_notice", args=[hazard.pk])
    form, doc = _post_prefilled(login(rx.cast.centre), url,
                                issuer="平襄镇安全生产委员会办公室")
    initial = form.initial
    assert initial["recipient"] == "西关村委会"
    lines = texts(doc)
    assert lines[0] == "隐患整改通知书"
    assert "西关村委会：" in lines
    body = "".join(lines)
    deadline = rx.today + dt.timedelta(days=10)
    assert "西关小学门口灭火器过期" in body and "更换灭火器" in body and "李秀英" in body
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日前整改到位" in body
    assert lines[-2:] == ["平襄镇安全生产委员会办公室",  # as edited
                          f"{rx.today.year}年{rx.today.month}月{rx.today.day}日"]


def test_hazard_notice_only_for_those_who_hand_hazards_out(rx, assigned_hazard, login):
    hazard = assigned_hazard()
    url = reverse("rectification:hazard_notice", args=[hazard.pk])
    assert login(rx.cast.grid_xiguan).get(url).status_code == 403
    assert login(rx.cast.cadre_menghe).get(url).status_code == 404
    assert login(rx.cast.centre).put(url).status_code == 405


def test_a_bad_notice_form_says_what_is_wrong(rx, assigned_hazard, login):
    hazard = assigned_hazard()
    url = reverse("rectification:hazard_notice", args=[hazard.pk])
    response = login(rx.cast.centre).post(url, {"title": "隐患整改通知书", "body": "",
                                                "issuer": "x", "date": "不是日期"})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()


def test_issue_assign_and_urge_notices(rx, supervision, login):
    cast = rx.cast
    item = actions.add_issue(supervision.visit, actor=cast.supervisor,
                             category=rx.issue_cats[next(iter(rx.issue_cats))],
                             description="综治中心未落实值班制度", requirement="建立值班台账")
    actions.assign_issue(item, actor=cast.supervisor, responsible_unit="西关村委会",
                         responsible_person="李秀英", deadline=rx.today + dt.timedelta(days=7))
    client = login(cast.supervisor)
    _form, doc = _post_prefilled(client, reverse("rectification:issue_notice",
                                                 args=[item.pk, "assign"]))
    body = "".join(texts(doc))
    assert texts(doc)[0] == "督导问题交办单"
    assert "综治中心未落实值班制度" in body and "建立值班台账" in body and "第一督导组" in body
    _form, doc = _post_prefilled(client, reverse("rectification:issue_notice",
                                                 args=[item.pk, "urge"]))
    assert texts(doc)[0] == "督办单" and "现予督办" in "".join(texts(doc))
    assert client.get(reverse("rectification:issue_notice",
                              args=[item.pk, "other"])).status_code == 404
