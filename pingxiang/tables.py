"""A list page's table rows drawn in Python.

Django's template engine spends about 0.1 ms on a table row of nine cells: each variable
is tried as a key, then as an attribute, then localised and escaped, and each tag is a node
call. That was 2.4 ms of the case list's 15 for its 20 rows, more than all its SQL. Each
list names its cells once, as a function of the row (cases_tags.case_rows and the like);
every value is escaped as the template engine escapes it (pingxiang.widgets.esc), and dates are written in
Asia/Shanghai as the `date` filter writes them."""

import datetime as dt

from django.utils import timezone
from django.utils.safestring import mark_safe

from pingxiang.widgets import esc


def tag(css, text):
    """<span class="css">text</span>, escaped."""
    return mark_safe(f'<span class="{esc(css)}">{esc(text)}</span>')


def ymd(value, default=""):
    """{{ value|date:"Y-m-d" }}: a datetime in local time; None gives `default`."""
    if value is None:
        return default
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def link(path, text):
    return mark_safe(f'<a href="{esc(path)}">{esc(text)}</a>')


def rows(objects, cells, *, columns, empty):
    """A <tr> of <td>s for each object (cells(obj) gives the cells' contents), or one row
    saying `empty` across all the columns when there are none."""
    out = ["<tr>" + "".join(f"<td>{esc(value)}</td>" for value in cells(obj)) + "</tr>"
           for obj in objects]
    if not out:
        out.append(f'<tr><td colspan="{int(columns)}" class="muted">{esc(empty)}</td></tr>')
    return mark_safe("\n".join(out))
