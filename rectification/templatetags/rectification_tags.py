from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from rectification.models import Hazard

register = template.Library()


@register.filter
def hazard_status(hazard):
    """{{ hazard|hazard_status }}: its state, and 逾期/临期 and 重大 as tags.

    A filter, not an {% include %} per row of the hazard list."""
    parts = [format_html('<span class="tag{}">{}</span>',
                         " tag-ok" if hazard.status == Hazard.Status.CLOSED else "",
                         hazard.get_status_display())]
    if hazard.is_overdue:
        parts.append(' <span class="tag tag-overdue">逾期</span>')
    elif hazard.is_due_soon:
        parts.append(' <span class="tag tag-due">临期</span>')
    if hazard.grade == Hazard.Grade.MAJOR:
        parts.append(' <span class="tag risk-red">重大</span>')
    return mark_safe("".join(parts))
