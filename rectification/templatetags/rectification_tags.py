from django import template
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from pingxiang.tables import link, rows, tag, ymd
from pingxiang.urlcache import pk_path
from rectification.models import Hazard

register = template.Library()


@register.filter
def hazard_status(hazard):
    """{{ hazard|hazard_status }}: its state, and 逾期/临期 and 重大 as tags.

    A filter, not an {% include %} per row of the hazard list."""
    parts = [tag("tag tag-ok" if hazard.status == Hazard.Status.CLOSED else "tag",
                 _STATUS.get(hazard.status, hazard.status))]
    if hazard.is_overdue:
        parts.append(' <span class="tag tag-overdue">逾期</span>')
    elif hazard.is_due_soon:
        parts.append(' <span class="tag tag-due">临期</span>')
    if hazard.grade == Hazard.Grade.MAJOR:
        parts.append(' <span class="tag risk-red">重大</span>')
    return mark_safe("".join(parts))


_STATUS = dict(Hazard.Status.choices)


@register.simple_tag
def hazard_rows(hazards):
    """The hazard list's rows (pingxiang.tables): 编号, 发现日期, 村(社区), 类别, 场所/位置,
    隐患描述, 整改时限, 状态."""
    def cells(h):
        return (link(pk_path("rectification:hazard_detail", h.pk), h.number), ymd(h.found_date),
                h.village if h.village is not None else "—", h.category,
                f"{h.place.name if h.place is not None else ''} {h.location}",
                Truncator(h.description).chars(40), ymd(h.deadline, "—"), hazard_status(h))

    return rows(hazards, cells, columns=8, empty="没有符合条件的隐患。")
