"""The list tables' rows as the templates drew them before they were drawn in Python
(pingxiang.tables): the tests render both for the same rows and compare."""

import re

from django.template import engines

CASE_ROW = """{% load pingxiang_tags cases_tags %}{% for c in page %}
      <tr>
        <td><a href="{{ c.pk|pk_url:'cases:case_detail' }}">{{ c.number }}</a></td>
        <td>{{ c.received_at|date:"Y-m-d" }}</td>
        <td>{{ c.village }}</td>
        <td>{{ c.party_names|default:"" }}</td>
        <td>{{ c.category }}</td>
        <td><span class="tag risk-{{ c.risk }}">{{ c.get_risk_display }}</span></td>
        <td>{% if c.level %}{{ c.level }}级{% elif c.resolved_level %}{{ c.resolved_level }}级{% endif %}</td>
        <td>{{ c.get_status_display }}</td>
        <td>{{ c|case_timing }}</td>
      </tr>
    {% empty %}<tr><td colspan="9" class="muted">没有符合条件的案件。</td></tr>
    {% endfor %}"""

HAZARD_ROW = """{% load pingxiang_tags rectification_tags %}{% for h in page %}
    <tr><td><a href="{{ h.pk|pk_url:'rectification:hazard_detail' }}">{{ h.number }}</a></td><td>{{ h.found_date|date:"Y-m-d" }}</td><td>{{ h.village|default:"—" }}</td><td>{{ h.category }}</td><td>{{ h.place.name|default:"" }} {{ h.location }}</td><td>{{ h.description|truncatechars:40 }}</td><td>{{ h.deadline|date:"Y-m-d"|default:"—" }}</td><td>{{ h|hazard_status }}</td></tr>
  {% empty %}<tr><td colspan="8" class="muted">没有符合条件的隐患。</td></tr>
  {% endfor %}"""

PETITION_ROW = """{% load pingxiang_tags %}{% for r in rows %}
    <tr>
      <td><a href="{{ r.id|pk_url:'petitions:detail' }}">{{ r.number }}</a></td>
      <td>{{ r.channel_label }}{% if r.order_type %}·{{ r.order_type }}{% endif %}</td>
      <td>{{ r.received_at|date:"Y-m-d" }}</td>
      <td>{{ r.village__short_name }}</td>
      <td>{% if r.readable %}{{ r.s_name }}{% if r.headcount > 1 %}等{{ r.headcount }}人{% endif %}{% else %}<span class="muted">—</span>{% endif %}</td>
      <td>{% if r.readable %}{{ r.s_title }}{% else %}<span class="muted">（内容仅综治中心可见）</span>{% endif %}</td>
      <td>{{ r.status_label }}{% if r.dispute_case_ref %} <span class="tag">已转纠纷</span>{% endif %}</td>
      <td>{% if r.due_at %}<span class="tag tag-{{ r.state }}">{{ r.due_at|date:"Y-m-d" }}{% if r.state == "overdue" %} 逾期{% endif %}</span>{% else %}—{% endif %}</td>
      <td>{{ r.leader__last_name|default:"" }}{{ r.leader__first_name|default:"" }}</td>
    </tr>
  {% empty %}<tr><td colspan="9" class="muted">没有符合条件的信访件。</td></tr>
  {% endfor %}"""


def render(source, context):
    return engines["django"].from_string(source).render(context)


def same_html(a, b):
    """Equal but for the whitespace between tags and at the ends."""
    def norm(s):
        return re.sub(r">\s+<", "><", str(s)).strip()
    return norm(a) == norm(b)
