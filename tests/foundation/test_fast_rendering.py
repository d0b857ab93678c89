"""The hand-written renderers used on every list request draw exactly what Django's
templates draw: the filter forms (pingxiang.widgets), the `date` filter
(pingxiang.templatetags.pingxiang_dates) and cached URLs (pingxiang.urlcache)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.template import engines
from django.template.defaultfilters import date as django_date
from django.urls import reverse

from pingxiang.templatetags.pingxiang_dates import date as fast_date
from pingxiang.urlcache import path_for, pk_path
from pingxiang.widgets import fast_widgets, filter_fields


def django_rendering(form):
    """What the list templates drew before: label_tag, the widget, the errors."""
    parts = []
    for bound in form:
        if bound.is_hidden:
            parts.append(str(bound))
        else:
            parts.append(f'<p class="filter-{bound.name}">{bound.label_tag()} {bound}'
                         f'{bound.errors}</p>')
    return "".join(parts)


def tight(html):
    """Django's select template puts newlines between options; a browser ignores them."""
    return re.sub(r">\s+<", "><", html)


def plain(form_class, data, **kwargs):
    return form_class(data, **kwargs)


def fast(form_class, data, **kwargs):
    return fast_widgets(form_class(data, **kwargs))


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {}, {"status": "mediating", "q": "<b>地</b>",
                                               "start": "2026-11-01", "end": "2026-10-01"},
                                  {"level": "9", "start": "不是日期", "village": "999999"}])
def test_case_filter_form_draws_what_django_draws(cast, data):
    from cases.forms import CaseFilterForm
    from grids.access import areas_visible_to
    from grids.models import Area

    villages = areas_visible_to(cast.centre).filter(kind=Area.Kind.VILLAGE)
    reference = plain(CaseFilterForm, data, villages=villages, user=cast.centre)
    # CaseFilterForm makes its selects fast itself; draw the reference the slow way.
    for field in reference.fields.values():
        if type(field.widget).__name__.startswith("Fast"):  # FastSelect(Select), ...
            field.widget.__class__ = type(field.widget).__bases__[-1]
    ours = filter_fields(fast(CaseFilterForm, data, villages=villages, user=cast.centre))
    assert tight(ours) == tight(django_rendering(reference))
    assert "西关村" in ours
    if data and data.get("end") == "2026-10-01":
        assert "结束日期不能早于开始日期。" in ours and "&lt;b&gt;地&lt;/b&gt;" in ours


class Sample(forms.Form):
    name = forms.CharField(label="名称", max_length=20, required=True)
    count = forms.IntegerField(label="数量?", required=False)
    day = forms.DateField(label="日期", required=False,
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(label="类型", required=False,
                             choices=[("", "全部"), ("a", "甲"), ("分组", [("b", "乙")])])
    token = forms.CharField(widget=forms.HiddenInput, required=False)


@pytest.mark.parametrize("data", [None, {"name": "", "count": "x", "day": "2026-11-29",
                                         "kind": "b", "token": "t\"1"},
                                  {"name": "甲乙", "count": "3", "kind": "a"}])
def test_any_filter_form_draws_what_django_draws(data):
    assert tight(filter_fields(fast(Sample, data))) == tight(django_rendering(plain(Sample, data)))


def test_date_filter_gives_djangos_output():
    tz = ZoneInfo("Asia/Shanghai")
    values = [dt.date(2026, 1, 5), dt.date(987, 12, 31),
              dt.datetime(2026, 11, 29, 7, 3, 9), dt.datetime(2026, 2, 1, 23, 59, 0, tzinfo=tz)]
    formats = ["Y-m-d", "m-d", "Y年n月j日", "Y-m-d H:i", "Y-m-d H:i:s", "Y", "DATE_FORMAT",
               None]
    for value in values:
        for fmt in formats:
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime) \
                    and fmt in ("Y-m-d H:i", "Y-m-d H:i:s"):
                continue  # Django refuses time formats for a date
            assert fast_date(value, fmt) == django_date(value, fmt), (value, fmt)
    for empty in (None, "", "not a date"):
        assert fast_date(empty, "Y-m-d") == django_date(empty, "Y-m-d")


def test_templates_use_the_fast_date_filter_in_asia_shanghai():
    template = engines["django"].from_string('{{ when|date:"Y-m-d H:i" }}')
    when = dt.datetime(2026, 11, 28, 16, 30, tzinfo=dt.UTC)
    assert template.render({"when": when}) == "2026-11-29 00:30"  # Asia/Shanghai


def test_cached_urls_match_reverse():
    assert pk_path("cases:case_detail", 42) == reverse("cases:case_detail", args=[42])
    assert pk_path("petitions:detail", "7") == reverse("petitions:detail", args=[7])
    assert path_for("cases:case_list") == reverse("cases:case_list")
    rendered = engines["django"].from_string(
        '{% load pingxiang_tags %}{{ 5|pk_url:"rectification:hazard_detail" }}').render({})
    assert rendered == reverse("rectification:hazard_detail", args=[5])
    assert re.fullmatch(r"/[\w/-]*5/", rendered)


def reference_form_fields(form):
    """What case_detail.html drew before: hidden fields, then label, widget, help, errors."""
    hidden = "".join(str(b) for b in form.hidden_fields())
    def help_html(bound):
        return f'<span class="helptext">{bound.help_text}</span>' if bound.help_text else ""

    rows = "".join(f"<p>{b.label_tag()}{b}{help_html(b)}{b.errors}</p>"
                   for b in form.visible_fields())
    return hidden + rows


@pytest.mark.django_db
@pytest.mark.parametrize("data", [None, {"version": "x", "note": "<i>说明</i>",
                                         "visited_on": "2026-13-01", "days": "-1"}])
def test_every_case_action_form_draws_what_django_draws(cast, data):
    import inspect

    from django.utils import timezone

    from cases.forms import AttachmentForm
    from cases.views import ACTION_FORMS
    from pingxiang.widgets import fast_widgets, form_fields

    drawn = 0
    for name, (cls, _run) in [*ACTION_FORMS.items(), ("attach", (AttachmentForm, None))]:
        kwargs = {"levels": [2, 3]} if "levels" in inspect.signature(cls.__init__).parameters \
            else {}
        initial = {"version": 3, "reached_on": timezone.localdate()}
        reference = cls(data, initial=initial, auto_id=f"id_{name}_%s", **kwargs)
        ours = fast_widgets(cls(data, initial=initial, auto_id=f"id_{name}_%s", **kwargs))
        assert tight(form_fields(ours)) == tight(reference_form_fields(reference)), name
        drawn += 1
    assert drawn > 10


@pytest.mark.django_db
def test_dashboard_area_options_draw_what_the_template_drew(cast):
    from grids.models import Area
    from pingxiang.dashboard import dashboard_areas

    areas = dashboard_areas(cast.admin)
    town = Area.objects.get(kind="town")
    old = engines["django"].from_string(
        '{% for a in areas %}<option value="{{ a.pk }}"{% if a.pk == area.pk %} selected'
        '{% endif %}>{{ a.short_name }}（{{ a.get_kind_display }}）</option>{% endfor %}')
    new = engines["django"].from_string("{% load pingxiang_tags %}{% area_options areas area %}")
    context = {"areas": areas, "area": town}
    assert new.render(context) == old.render(context)
    assert 'selected>平襄镇（镇）</option>' in new.render(context)
    assert new.render(context).count("<option") == areas.count() > 30


def test_shell_links_are_the_reversed_urls():
    rendered = engines["django"].from_string(
        '{% load pingxiang_tags %}{{ "home"|url_path }} {{ "inbox"|url_path }}').render({})
    assert rendered == f'{reverse("home")} {reverse("inbox")}'
