"""A case page's unbound action forms are drawn once per process and reused (cases.views
._drawn); the page must be the page drawn with every form built afresh, for every case and
version, and a level renamed by an administrator must show at once."""

import re

from django.urls import reverse

from cases import actions, views
from cases.models import Case, Level


def _page(client, case):
    html = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    # what differs on every response anyway: the CSRF token's mask and the CSP nonce
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return re.sub(r'(nonce="|"inlineScriptNonce": ")[^"]*"', "", html)


def _fresh(name, kwargs, version):
    form = views._build_form(name, kwargs, version)
    return views.DrawnForm(views.form_fields(form), form.button_label)


def test_drawn_forms_are_the_forms_built_afresh(login, cast, running_case, monkeypatch):
    first, second = running_case(1), running_case(2, risk="red")
    actions.escalate_case(second, actor=cast.centre, reason="调解未成")  # another version
    client = login(cast.centre)
    drawn = [_page(client, case) for case in (first, second, first)]
    monkeypatch.setattr(views, "_drawn", _fresh)
    fresh = [_page(client, case) for case in (first, second, first)]
    assert drawn == fresh
    assert f'name="version" value="{Case.objects.get(pk=second.pk).version}"' in drawn[1]


def test_a_renamed_level_shows_in_the_drawn_forms_at_once(login, cast, running_case):
    case = running_case(1)
    client = login(cast.centre)
    before = _page(client, case)
    Level.objects.filter(number=2).update(name="镇调委会（新）")
    after = _page(client, case)
    assert "镇调委会（新）" in after and "镇调委会（新）" not in before
