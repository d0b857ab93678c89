"""The 矛盾纠纷台账 in the usual ledger form."""

from django.contrib.postgres.aggregates import StringAgg
from django.utils import timezone

from cases.models import ResolutionMethod, Risk, Source, Status
from grids.access import centre_name
from pingxiang.excel import Column, write_ledger, xlsx_response

COLUMNS = [
    Column("案件编号", 16), Column("登记时间", 16), Column("村(社区)", 12), Column("当事人", 16),
    Column("纠纷类别", 10), Column("简要情况", 40), Column("来源", 10), Column("来源编号", 14),
    Column("风险等级", 8), Column("当前/化解层级", 10), Column("状态", 10), Column("本级期限", 12),
    Column("化解方式", 10), Column("化解时间", 16), Column("包案领导", 10), Column("回访", 10),
]

_SOURCE = dict(Source.choices)
_RISK = dict(Risk.choices)
_STATUS = dict(Status.choices)
_METHOD = dict(ResolutionMethod.choices)


def ledger_rows(qs):
    rows = (qs.order_by("received_at", "pk")
            .annotate(party_names=StringAgg("party_links__resident__name", "、", distinct=True))
            .values_list("number", "received_at", "village__short_name", "party_names",
                         "category__name", "description", "source", "source_ref", "risk",
                         "level", "resolved_level", "status", "deadline", "resolution_method",
                         "resolved_at", "took_charge_by__last_name",
                         "took_charge_by__first_name", "followup_due_on")
            .iterator(chunk_size=2000))
    for (number, received, village, parties, category, description, source, ref, risk,
         level, resolved_level, status, deadline, method, resolved_at, tl, tf, followup) in rows:
        shown_level = resolved_level if resolved_level else level
        yield [
            number, received, village, parties or "", category, description,
            _SOURCE.get(source, source), ref, _RISK.get(risk, risk),
            f"{shown_level}级" if shown_level else "", _STATUS.get(status, status),
            timezone.localtime(deadline).date() - timezone.timedelta(days=1) if deadline else "",
            _METHOD.get(method, ""), resolved_at, f"{tl or ''}{tf or ''}",
            {"followed_up": "已回访", "archived": "已回访"}.get(status)
            or (f"{followup:%Y-%m-%d}应回访" if followup else ""),
        ]


def case_ledger_response(qs, *, user, form=None, period=None):
    """`period`: (start, end, label) chosen with the ledger's period picker, named in the
    subtitle ("2026年第四季度（2026-10-01 至 2026-12-31）"); else the list's dates."""
    now = timezone.localtime()
    area, shown = centre_name(user), "全部"
    if form is not None and form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("village"):
            area = dict(form.fields["village"].choices)[data["village"]]
        start = data.get("start") or data.get("from")
        end = data.get("end") or data.get("to")
        if start or end:
            shown = f"{start or ''}至{end or ''}"
    if period is not None:
        start, end, label = period
        # "（截至 …）" of a period still running is said by the dates themselves.
        shown = f"{label.split('（')[0]}（{start:%Y-%m-%d} 至 {end:%Y-%m-%d}）"
    fileobj = write_ledger(ledger_rows(qs), title="矛盾纠纷排查化解台账", area=area,
                           period=shown, exported_by=user, exported_at=now,
                           columns=COLUMNS, sheet_title="矛盾纠纷台账")
    return xlsx_response(fileobj, f"矛盾纠纷台账-{now:%Y%m%d}.xlsx")
