"""Period reports (月报/季报/年报, a campaign's, or free dates): a workbook for one area and
period with a summary sheet of the dashboard's figures and one sheet per module with the
per-unit table and the module's breakdowns. The figures are the dashboard's own
(dashboard.figures.compute and the registered breakdowns), so every total equals the
dashboard's for the same area and period.

Reports are made in the background (`run_report`, progress on the PeriodReport row the page
polls) and kept as the area's report archive. The beat asks `monthly_reports` every morning;
on the first working day of a month it makes the previous month's report for every town and
county once (a unique constraint), and each finished report tells the centre's staff."""

import datetime as dt
import logging
import tempfile

from django.contrib.auth import get_user_model
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from dashboard import closing
from dashboard.figures import compute
from dashboard.models import PeriodReport
from grids.models import Area, Membership
from pingxiang import registry, replica
from pingxiang.excel import escape_formula
from pingxiang.metrics import Period, breakdowns, metrics, ratios, share
from pingxiang.notify import notify
from pingxiang.periods import month_period
from pingxiang.roles import Role
from pingxiang.tasks import send_on_commit

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=30)  # a RUNNING report older than this had a worker that died


# --- Periods ---------------------------------------------------------------------------
# Which periods may be reported is the kernel's (pingxiang.periods, through the form
# grids.filters.PeriodForm), shared with the ledgers.

def period_of(report):
    return Period(report.start, report.end, label=report.label,
                  campaign_id=report.campaign_id)


# --- Requests --------------------------------------------------------------------------

@transaction.atomic
def request_report(*, area, kind, start, end, label, campaign=None, actor=None,
                   automatic=False):
    """Queue a report; the task is sent after this transaction commits. An automatic report
    for an area and period that already has one returns None (the beat ran twice)."""
    fields = {"area": area, "kind": kind, "start": start, "end": end, "label": label,
              "campaign": campaign, "requested_by": actor, "automatic": automatic,
              "total": len(_groups()) + 2}
    if automatic:
        try:
            with transaction.atomic():
                report = PeriodReport.objects.create(**fields)
        except IntegrityError:
            return None
    else:
        report = PeriodReport.objects.create(**fields)
    from dashboard.tasks import run_report  # lazy: dashboard.tasks imports this module

    send_on_commit(run_report, report.pk)
    return report


def first_working_day(year, month):
    day = dt.date(year, month, 1)
    while not registry.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def monthly_reports(today):
    """On the first working day of a month: the previous month's report for every town,
    county and city, once. Returns the reports queued by this call ([] on any other day, or when
    they were queued already)."""
    if today != first_working_day(today.year, today.month):
        return []
    previous = today.replace(day=1) - dt.timedelta(days=1)
    start, end, label = month_period(previous.year, previous.month)
    queued = []
    for area in Area.objects.filter(
            kind__in=[Area.Kind.CITY, Area.Kind.COUNTY, Area.Kind.TOWN]).order_by("path"):
        report = request_report(area=area, kind=PeriodReport.Kind.MONTH, start=start, end=end,
                                label=label, automatic=True)
        if report is not None:
            queued.append(report)
    return queued


# --- The worker ------------------------------------------------------------------------

def claimable(now):
    """Reports a worker may take at `now`: queued, or running under an expired lease."""
    return Q(status=PeriodReport.Status.QUEUED) | Q(status=PeriodReport.Status.RUNNING,
                                                    started_at__lt=now - LEASE)


def claim(report_id, now):
    """Claim the report for this attempt; False when another attempt has it or it is done."""
    return bool(PeriodReport.objects.filter(claimable(now), pk=report_id).update(
        status=PeriodReport.Status.RUNNING, started_at=now, progress=0))


def run_report(report_id):
    """Write the workbook, store it and tell who should know. Quietly "skipped" when another
    attempt has it or it is done."""
    now = timezone.now()
    if not claim(report_id, now):
        return "skipped"
    report = PeriodReport.objects.select_related("area").get(pk=report_id)
    mine = PeriodReport.objects.filter(pk=report_id, status=PeriodReport.Status.RUNNING,
                                       started_at=now)
    try:
        # The figures may come from the read replica; the requester's own writes do not.
        with replica.reads(user=report.requested_by_id):
            fileobj = build_workbook(report, progress=lambda n: mine.update(progress=n))
        filename = f"{report.area.name}{report.label}综治工作报表.xlsx"
        name = report.file.field.generate_filename(report, "report.xlsx")
        saved = report.file.storage.save(name, File(fileobj))
        with transaction.atomic():
            if not mine.update(file=saved, filename=filename[:160],
                               status=PeriodReport.Status.DONE, finished_at=timezone.now(),
                               progress=report.total):
                report.file.storage.delete(saved)
                return "skipped"
            report.refresh_from_db()
            _tell(report)
    except Exception as exc:  # noqa: BLE001 - the page says it failed; then re-raise
        log.exception("period report %s failed", report_id)
        mine.update(status=PeriodReport.Status.FAILED, error=str(exc)[:200],
                    finished_at=timezone.now())
        raise
    return "done"


def _tell(report):
    """The requester, or for an automatic report the centre staff of its area."""
    if report.automatic:
        people = get_user_model().objects.filter(
            pk__in=Membership.objects.filter(area=report.area, role=Role.CENTRE_STAFF)
            .values("user_id"), is_active=True)
    else:
        people = [report.requested_by]
    notify(list(people), key=f"period-report:{report.pk}",
           title=f"{report.area.short_name}{report.label}综治工作报表已生成",
           body=f"{report.get_kind_display()}：{report.start:%Y-%m-%d} 至 {report.end:%Y-%m-%d}",
           url=reverse("dashboard_report", args=[report.pk]), kind="period_report",
           area=report.area)


# --- The workbook ----------------------------------------------------------------------

_thin = Side(style="thin", color="000000")
_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_TITLE = Font(name="宋体", size=16, bold=True)
_BOLD = Font(name="宋体", size=11, bold=True)
_BODY = Font(name="宋体", size=10)
_FILL = PatternFill("solid", fgColor="EEEEEE")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _groups():
    order = {}
    for m in metrics():
        order.setdefault(m.group, m.order)
    return sorted(order, key=order.get)


def _put(ws, row, col, value, *, font=_BODY, header=False, fmt=None):
    cell = ws.cell(row=row, column=col,
                   value=escape_formula(value) if isinstance(value, str) else value)
    cell.font = _BOLD if header else font
    cell.border = _BORDER
    cell.alignment = _CENTER
    if header:
        cell.fill = _FILL
    if fmt:
        cell.number_format = fmt
    return cell


def _title(ws, text, subtitle, width):
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width, 1))
    ws.cell(row=1, column=1, value=escape_formula(text)).font = _TITLE
    ws.cell(row=1, column=1).alignment = _CENTER
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(width, 1))
    ws.cell(row=2, column=1, value=escape_formula(subtitle)).font = _BODY
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _rate(value):
    return None if value is None else value / 100


def build_workbook(report, *, progress=None, today=None):
    """The report's workbook (a file object at position 0)."""
    period = period_of(report)
    area = report.area
    figures = compute(area, period)
    computed = closing.tables(area, period)
    tables = {b.code: (b, computed.get(b.code)) for b in breakdowns()}
    done = 1
    if progress:
        progress(done)
    made = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    subtitle = (f"范围：{area.name}    期间：{report.start:%Y-%m-%d} 至 {report.end:%Y-%m-%d}"
                f"（{report.label}）    生成时间：{made}")
    if figures.closed_at:
        subtitle += f"    活动已于 {report.end:%Y-%m-%d} 结束，为活动结束时的数字"
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    _summary(ws, figures, f"{area.name}{report.label}综治工作报表", subtitle)
    for group in _groups():
        _module_sheet(wb.create_sheet(group[:31]), figures, group, tables, subtitle)
        done += 1
        if progress:
            progress(done)
    fileobj = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    wb.save(fileobj)
    fileobj.seek(0)
    return fileobj


def _summary(ws, figures, title, subtitle):
    _title(ws, title, subtitle, 4)
    for col, (header, width) in enumerate([("类别", 16), ("指标", 28), ("数值", 12),
                                           ("单位", 8)], start=1):
        _put(ws, 3, col, header, header=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    row = 4
    for group in _groups():
        for m in [m for m in metrics() if m.group == group]:
            for col, value in enumerate([group, m.label, figures.totals.get(m.code, 0), m.unit],
                                        start=1):
                _put(ws, row, col, value)
            row += 1
        for r in [r for r in ratios() if r.group == group and r.code in figures.rates]:
            for col, value in enumerate([group, r.label, _rate(figures.rates[r.code]), "%"],
                                        start=1):
                _put(ws, row, col, value, fmt="0.0%" if col == 3 else None)
            row += 1
    ws.freeze_panes = "A4"
    ws.print_title_rows = "1:3"


def _module_sheet(ws, figures, group, tables, subtitle):
    unit_label = figures.unit_label
    columns = [("metric", m) for m in metrics() if m.group == group]
    columns += [("ratio", r) for r in ratios() if r.group == group and r.code in figures.rates]
    width = len(columns) + 2
    _title(ws, f"{figures.area.name}{group}情况统计表", subtitle, width)
    _put(ws, 3, 1, "序号", header=True)
    _put(ws, 3, 2, unit_label, header=True)
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 16
    for col, (_kind, item) in enumerate(columns, start=3):
        _put(ws, 3, col, item.label + (f"（{item.unit}）" if getattr(item, "unit", "")
                                       else "（%）" if _kind == "ratio" else ""), header=True)
        ws.column_dimensions[get_column_letter(col)].width = 12
    row = 4
    for n, unit in enumerate(figures.units, start=1):
        _put(ws, row, 1, n)
        _put(ws, row, 2, unit.short_name)
        for col, (kind, item) in enumerate(columns, start=3):
            if kind == "metric":
                _put(ws, row, col, figures.per_unit[item.code].get(unit.pk, 0))
            else:
                _put(ws, row, col, _rate(figures.unit_rate(item.code, unit.pk)), fmt="0.0%")
        row += 1
    _put(ws, row, 1, "")
    _put(ws, row, 2, "合计", header=True)
    for col, (kind, item) in enumerate(columns, start=3):
        if kind == "metric":
            _put(ws, row, col, figures.totals.get(item.code, 0), header=True)
        else:
            r = item
            value = share(figures.totals.get(r.numerator, 0), figures.totals.get(r.denominator, 0))
            _put(ws, row, col, _rate(value), header=True, fmt="0.0%")
    row += 2
    for b, table in (v for v in tables.values() if v[0].group == group):
        if not table or not table.get("rows"):
            continue
        ws.cell(row=row, column=1, value=escape_formula(b.label)).font = _BOLD
        row += 1
        headers = list(table["headers"])
        headers[0] = headers[0] or "项目"
        for col, header in enumerate(headers, start=2):
            _put(ws, row, col, header, header=True)
        row += 1
        for line in table["rows"]:
            _put(ws, row, 2, line["label"])
            for col, cell in enumerate(line["cells"], start=3):
                value = cell.get("value")
                if cell.get("is_rate"):
                    _put(ws, row, col, _rate(value), fmt="0.0%")
                else:
                    _put(ws, row, col, value)
            row += 1
        row += 1
    ws.freeze_panes = "C4"
    ws.print_title_rows = "1:3"
