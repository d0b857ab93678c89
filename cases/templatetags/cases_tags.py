from django import template
from django.template.loader import render_to_string

from pingxiang.deadlines import deadline_text

register = template.Library()


@register.filter
def case_timing(case):
    """{{ case|case_timing }}: the deadline's state as a tag, and the deadline (Asia/Shanghai),
    as cases/_timing.html draws it."""
    return render_to_string("cases/_timing.html", {"case": case})


@register.filter(is_safe=False)
def deadline(value, default=""):
    """{{ case.deadline|deadline }}: 2026-12-07 24:00 (pingxiang.deadlines.deadline_text), the
    same words the notifications use."""
    return deadline_text(value, default)
