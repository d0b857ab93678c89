"""矛盾纠纷交办单 as a 公文 .docx: prefilled from the case, editable, printed by the centre."""

import pytest
from django.urls import reverse

from tests.gongwen_checks import read_gongwen, texts

pytestmark = pytest.mark.django_db


def test_case_notice_is_filled_from_the_case(cast, running_case, login):
    case = running_case(level=1)
    client = login(cast.centre)
    url = reverse("cases:case_notice", args=[case.pk])
    page = client.get(url)
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["date"] = str(data["date"])
    response = client.post(url, {**data, "recipient": "西关村人民调解委员会"})
    doc = read_gongwen(response.content)
    lines = texts(doc)
    body = "".join(lines)
    assert lines[0] == "矛盾纠纷交办单" and case.number in lines[1]
    assert "西关村人民调解委员会：" in lines
    assert "两家因院墙排水发生争执" in body and "王大山" in body and "第1级" in body
    assert lines[-2] == "平襄镇综治中心"
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert url in html


def test_case_notice_is_the_centres(cast, running_case, login):
    case = running_case(level=1)
    url = reverse("cases:case_notice", args=[case.pk])
    assert login(cast.grid_xiguan).get(url).status_code == 403
    assert login(cast.cadre_menghe).get(url).status_code == 404
    assert url not in login(cast.grid_xiguan).get(
        reverse("cases:case_detail", args=[case.pk])).content.decode()
