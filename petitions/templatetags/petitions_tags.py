from django import template
from django.utils.safestring import mark_safe

from pingxiang.tables import esc, link, rows, ymd
from pingxiang.urlcache import pk_path

register = template.Library()

_HIDDEN = mark_safe('<span class="muted">—</span>')
_HIDDEN_TITLE = mark_safe('<span class="muted">（内容仅综治中心可见）</span>')


@register.simple_tag
def petition_rows(petitions):
    """The petition list's rows (pingxiang.tables), from petitions.views.LIST_FIELDS dicts:
    编号, 渠道, 收到日期, 村(社区), 信访人, 信访事项, 状态, 期限, 包案领导. Who petitioned and
    about what only where the user may read the petition (rows_for blanks them elsewhere)."""
    def cells(r):
        name = _HIDDEN
        if r["readable"]:
            name = r["s_name"] + (f"等{r['headcount']}人" if r["headcount"] > 1 else "")
        due = "—"
        if r["due_at"]:
            overdue = " 逾期" if r["state"] == "overdue" else ""
            due = mark_safe(f'<span class="tag tag-{esc(r["state"])}">{ymd(r["due_at"])}'
                            f"{overdue}</span>")
        status = esc(r["status_label"])
        if r["dispute_case_ref"]:
            status = mark_safe(f'{status} <span class="tag">已转纠纷</span>')
        return (link(pk_path("petitions:detail", r["id"]), r["number"]),
                r["channel_label"] + (f"·{r['order_type']}" if r["order_type"] else ""),
                ymd(r["received_at"]), r["village__short_name"] or "", name,
                r["s_title"] if r["readable"] else _HIDDEN_TITLE, status, due,
                f"{r['leader__last_name'] or ''}{r['leader__first_name'] or ''}")

    return rows(petitions, cells, columns=9, empty="没有符合条件的信访件。")
