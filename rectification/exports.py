"""Ledger-form Excel exports: the hazard ledger (隐患排查整改台账) and a supervision issue
list (督导问题清单). Each takes the same filtered queryset the page shows, streams it with
write_ledger (write-only mode) and never loads the rows into memory at once."""

from django.utils import timezone

from grids.access import home_area
from grids.exports import describe_filters
from pingxiang.excel import Column, write_ledger

from .access import get_visit_for_user
from .forms import HazardFilterForm, IssueFilterForm
from .models import Centre, ExportJob, Hazard, IssueItem, today

HAZARD_COLUMNS = [
    Column("隐患编号", 13), Column("发现日期", 11), Column("发现途径", 9), Column("村(社区)", 10),
    Column("重点场所/位置", 18), Column("隐患类别", 9), Column("等级", 6), Column("隐患描述", 30),
    Column("责任单位", 14), Column("责任人", 8), Column("整改措施", 24), Column("交办单号", 16),
    Column("交办日期", 11), Column("整改时限", 11), Column("整改情况", 24),
    Column("整改完成日期", 11), Column("验收人", 8), Column("验收日期", 11), Column("验收意见", 18),
    Column("销号日期", 11), Column("状态", 9),
]

SOURCE_LABELS = dict(Hazard.Source.choices)
HAZARD_STATUS = dict(Hazard.Status.choices)
ISSUE_STATUS = dict(IssueItem.Status.choices)


def _name(last, first):
    return f"{last or ''}{first or ''}"


def _status(status, deadline, rectifying_states, labels, on):
    label = labels[status]
    if status in rectifying_states and deadline and deadline < on:
        return f"{label}（逾期）"
    return label


def hazard_rows(qs):
    on = today()
    rows = qs.order_by("found_date", "pk").values_list(
        "number", "found_date", "source", "village__short_name", "place__name", "location",
        "category__name", "grade", "description", "responsible_unit", "responsible_person",
        "measures", "order_no", "assigned_at", "deadline", "rectification_note", "rectified_at",
        "verified_by__last_name", "verified_by__first_name", "verified_at", "verification_note",
        "closed_at", "status")
    for (number, found, source, village, place, location, category, grade, description, unit,
         person, measures, order_no, assigned_at, deadline, note, rectified_at, v_last, v_first,
         verified_at, v_note, closed_at, status) in rows.iterator(chunk_size=2000):
        yield [
            number, found, SOURCE_LABELS.get(source, source), village,
            " ".join(x for x in (place, location) if x), category, grade, description, unit,
            person, measures, order_no, assigned_at and timezone.localdate(assigned_at), deadline,
            note, rectified_at and timezone.localdate(rectified_at), _name(v_last, v_first),
            verified_at and timezone.localdate(verified_at), v_note,
            closed_at and timezone.localdate(closed_at),
            _status(status, deadline, Hazard.RECTIFYING_STATES, HAZARD_STATUS, on),
        ]


def export_hazards(qs, *, user, description="", fileobj=None, progress=None):
    """The hazard ledger of exactly the rows in qs. Returns (file, filename)."""
    stamp = timezone.localtime()
    subtitle = f"条件：{description or '全部'}"
    town = getattr(home_area(user), "name", "")
    f = write_ledger(hazard_rows(qs), title=f"{town}隐患排查整改台账", subtitle=subtitle,
                     area=town, exported_by=user, exported_at=stamp,
                     columns=HAZARD_COLUMNS, sheet_title="隐患整改台账", fileobj=fileobj,
                     progress=progress)
    return f, f"隐患整改台账-{stamp:%Y%m%d%H%M}.xlsx"


ISSUE_COLUMNS = [
    Column("督导对象", 12), Column("问题类别", 12), Column("问题描述", 30), Column("整改要求", 22),
    Column("责任单位", 14), Column("责任人", 8), Column("交办日期", 11), Column("整改时限", 11),
    Column("整改情况", 26), Column("报送日期", 11), Column("复核人", 8), Column("复核意见", 18),
    Column("销号日期", 11), Column("状态", 10),
]


def issue_rows(qs):
    on = today()
    rows = qs.order_by("visit__date", "visit_id", "number").values_list(
        "visit__department", "visit__area__short_name", "category__name", "description",
        "requirement", "responsible_unit", "responsible_person", "assigned_at", "deadline",
        "report", "reported_at", "rechecked_by__last_name", "rechecked_by__first_name",
        "recheck_note", "closed_at", "status")
    for (dept, area, category, description, requirement, unit, person, assigned_at, deadline,
         report, reported_at, r_last, r_first, r_note, closed_at, status) in rows.iterator(
            chunk_size=2000):
        yield [
            dept or area, category, description, requirement, unit, person,
            assigned_at and timezone.localdate(assigned_at), deadline, report,
            reported_at and timezone.localdate(reported_at), _name(r_last, r_first), r_note,
            closed_at and timezone.localdate(closed_at),
            _status(status, deadline, IssueItem.RECTIFYING_STATES, ISSUE_STATUS, on),
        ]


def export_issues(qs, *, visit, description="", fileobj=None, progress=None, user=None):
    """An issue list in the form a supervision team hands over: title with team, round and
    date. Returns (file, filename)."""
    rnd = visit.round
    title = f"{rnd.team.name}{rnd.name}督导问题清单"
    subtitle = (f"督导对象：{visit.target_label}　督导日期：{visit.date:%Y-%m-%d}　"
                f"参加人员：{visit.members}" + (f"　{description}" if description else ""))
    f = write_ledger(issue_rows(qs), title=title, subtitle=subtitle, columns=ISSUE_COLUMNS,
                     sheet_title="问题清单", fileobj=fileobj, progress=progress,
                     exported_by=user)
    return f, f"{rnd.team.name}{rnd.name}-{visit.target_label}-问题清单-{visit.date:%Y%m%d}.xlsx"


def build_export(user, kind, filters, *, progress=None):
    """Rebuild the page's filtered queryset for `user` and write it (used by the view for
    small exports and by the background task for large ones). Returns (file, filename)."""
    if kind == ExportJob.Kind.HAZARDS:
        form = HazardFilterForm(filters, user=user)
        qs = form.filter(Hazard.objects.visible_to(user))
        return export_hazards(qs, user=user, description=form.describe(), progress=progress)
    visit = get_visit_for_user(user, filters["visit"])
    form = IssueFilterForm(filters, user=user)
    qs = form.filter(IssueItem.objects.visible_to(user).filter(visit=visit))
    return export_issues(qs, visit=visit, progress=progress, user=user)


LEGAL_COLUMNS = [
    Column("日期", 11), Column("村(社区)/镇", 12), Column("形式", 12), Column("主题", 30),
    Column("专项整治", 20), Column("发放资料(份)", 9), Column("受众人数", 9), Column("组织人", 10),
    Column("备注", 30),
]


def export_legal(qs, *, user, form, fileobj=None):
    """普法宣传活动台账 of exactly the activities of qs (the list's filtered queryset), by date.
    Returns (file, filename)."""
    rows = (qs.order_by("date", "pk")
            .values_list("date", "area__short_name", "form", "title", "campaign__name",
                         "materials", "people_reached", "organiser", "note")
            .iterator(chunk_size=2000))
    data = form.applied
    area, period = describe_filters(form, user, start=data.get("date_from"),
                                    end=data.get("date_to"))
    if data.get("village"):
        area = data["village"].name
    f = write_ledger(rows, title=f"{area}普法宣传活动台账", area=area, period=period,
                     exported_by=user, columns=LEGAL_COLUMNS, sheet_title="普法宣传活动台账",
                     fileobj=fileobj)
    return f, f"普法宣传活动台账-{today():%Y%m%d}.xlsx"


CENTRE_COLUMNS = [
    Column("综治中心名称", 22), Column("所属", 10), Column("地址", 24), Column("面积(平方米)", 9),
    Column("对标达标项", 10), Column("巩固提升状态", 10), Column("完成提升日期", 11),
    Column("示范综治中心", 8), Column("评为示范日期", 11), Column("备注", 28),
]


def export_centres(qs, *, user, form, n_items, fileobj=None):
    """综治中心阵地建设台账 of exactly the centres of qs (the list's filtered queryset, with
    n_met annotated), in the list's order. Returns (file, filename)."""
    upgrade = dict(Centre.Upgrade.choices)
    rows = (qs.order_by("area__depth", "area__sort_order", "pk")
            .values_list("name", "area__short_name", "address", "floor_area", "n_met",
                         "upgrade_status", "upgraded_on", "is_demonstration",
                         "demonstration_on", "note")
            .iterator(chunk_size=2000))

    def lines():
        for name, area, address, floor, met, status, upgraded, demo, demo_on, note in rows:
            yield [name, area, address, floor, f"{met}/{n_items}", upgrade.get(status, status),
                   upgraded, demo, demo_on, note]

    area, period = describe_filters(form, user)
    f = write_ledger(lines(), title=f"{area}综治中心阵地建设台账", area=area, period=period,
                     exported_by=user, columns=CENTRE_COLUMNS, sheet_title="阵地建设台账",
                     fileobj=fileobj)
    return f, f"综治中心阵地建设台账-{today():%Y%m%d}.xlsx"
