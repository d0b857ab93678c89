"""工作简报: the campaign briefing in the style of the town's published report, generated
from the same figures as the dashboard, as a page to copy and print and as a Word file."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from dashboard.figures import compute
from dashboard.views import DASHBOARD_ROLES, dashboard_filters, selected_area, selected_period
from grids.access import centre_name, require_role
from grids.models import Area
from pingxiang import gongwen
from pingxiang.access import scoped
from pingxiang.metrics import share
from pingxiang.replica import replica_reads

AREA_WORD = {Area.Kind.CITY: "全市", Area.Kind.COUNTY: "全县", Area.Kind.TOWN: "全镇",
             Area.Kind.VILLAGE: "全村"}


def _pct(value):
    if value is None:
        return "—"
    return f"{value:g}%"


def _all_or_n(done, total, unit):
    if total and done == total:
        return "已全部调处到位"
    return f"已调处化解{done}{unit}"


def briefing_paragraphs(figures):
    """The briefing as a list of paragraphs; a sentence whose figures no app provides is
    left out rather than printed with a zero."""
    t = figures.totals
    word = AREA_WORD.get(figures.area.kind, "")
    if figures.area.kind == Area.Kind.VILLAGE and figures.area.is_community:
        word = "全社区"
    out = []

    screening = []
    if "households_visited" in t:
        screening.append(f"累计走访排查群众{t['households_visited']}户")
    if "key_persons" in t and "key_places" in t:
        screening.append(f"排查重点人员{t['key_persons']}人、重点场所{t['key_places']}处")
    if "disputes_found" in t:
        found = t["disputes_found"]
        part = f"排查出矛盾纠纷{found}起"
        if "disputes_resolved" in t:
            part += "，" + _all_or_n(t["disputes_resolved"], found, "起")
        screening.append(part)
    if screening:
        out.append(f"至目前，{word}" + "，".join(screening) + "。")

    petitions = []
    if "petitions_online" in t and "petitions_online_closed" in t:
        n, closed = t["petitions_online"], t["petitions_online_closed"]
        rate = share(closed, t.get("petitions_online_accepted", n))
        petitions.append(f"处理网上信访{n}件，已办结{closed}件、办结率{_pct(rate)}")
    if "petitions_platform_closed" in t:
        closed = t["petitions_platform_closed"]
        rate = figures.rates.get("platform_closure_rate")
        sat = figures.rates.get("platform_satisfaction_rate")
        if rate is not None and rate == sat:
            petitions.append(f"办结民生信息平台信访{closed}件，办结率和双满意率均达到{_pct(rate)}")
        else:
            petitions.append(f"办结民生信息平台信访{closed}件，办结率{_pct(rate)}、"
                             f"双满意率{_pct(sat)}")
    if petitions:
        out.append("；".join(petitions) + "。")

    safety = []
    places = []
    if t.get("inspected_logistics"):
        places.append(f"物流企业{t['inspected_logistics']}家")
    if t.get("inspected_freight"):
        places.append(f"货运站{t['inspected_freight']}个")
    if places:
        safety.append("共排查" + "、".join(places))
    if t.get("inspected_schools"):
        schools, visits = t["inspected_schools"], t.get("school_inspections", 0)
        rounds = visits // schools if schools and visits % schools == 0 else None
        if rounds and rounds > 1:
            safety.append(f"先后{rounds}次全覆盖对{schools}所学校的校园周边环境进行了专项检查")
        else:
            safety.append(f"对{schools}所学校的校园周边环境进行了{visits}次专项检查")
    hazards = []
    if t.get("hazards_road"):
        hazards.append(f"道路交通安全隐患{t['hazards_road']}个")
    if t.get("hazards_fire"):
        hazards.append(f"消防隐患{t['hazards_fire']}处")
    if hazards:
        found = t.get("hazards_road", 0) + t.get("hazards_fire", 0)
        fixed = t.get("hazards_road_rectified", 0) + t.get("hazards_fire_rectified", 0)
        tail = "全部进行了整改" if fixed == found else f"已整改{fixed}处"
        safety.append("共排查发现" + "，".join(hazards) + "，" + tail)
    if safety:
        out.append("至目前，" + "，".join(safety) + "。")

    centres = []
    if t.get("centres_upgraded"):
        in_villages = sum(figures.per_village.get("centres_upgraded", {}).values())
        own = t["centres_upgraded"] - in_villages
        if figures.area.kind == Area.Kind.TOWN and own:
            centres.append(f"对镇综治中心和{in_villages}个村(社区)场所全部进行了巩固提升"
                           if in_villages == len(figures.villages)
                           else f"对镇综治中心和{in_villages}个村(社区)场所进行了巩固提升")
        else:
            centres.append(f"巩固提升综治中心{t['centres_upgraded']}处")
    if t.get("centres_demonstration"):
        centres.append(f"重点打造了{t['centres_demonstration']}处示范综治中心")
    if t.get("legal_activities"):
        centres.append(f"开展普法宣传活动{t['legal_activities']}场次")
    if centres:
        out.append("，".join(centres) + "。")
    return out


VILLAGE_COLUMNS = [
    ("households_visited", "走访户数"), ("key_persons", "重点人员"), ("key_places", "重点场所"),
    ("disputes_found", "矛盾纠纷"), ("disputes_resolved", "已化解"),
    ("hazards_found", "隐患"), ("hazards_rectified", "已整改"),
]


def village_table(figures):
    columns = [(code, label) for code, label in VILLAGE_COLUMNS if code in figures.per_village]
    rows = [(v.short_name, [figures.per_village[code].get(v.pk, 0) for code, _ in columns])
            for v in figures.villages]
    return [label for _, label in columns], rows


def _context(request):
    area = selected_area(request)
    period = selected_period(request)
    figures = compute(area, period)
    headers, rows = village_table(figures)
    # Named after the area and the campaign chosen ("平襄镇矛盾大排查…活动工作简报"), or the
    # area alone for free dates.
    campaign = period.label if period.campaign_id else ""
    return {
        "title": f"{area.short_name}{campaign}工作简报",
        "area": area, "period": period, "figures": figures,
        "paragraphs": briefing_paragraphs(figures), "headers": headers, "rows": rows,
        "filter_form": dashboard_filters(request), "period_query": period.as_query(),
        "today": timezone.localdate(),
    }


@scoped("area", model=Area)
@require_GET
@require_role(*DASHBOARD_ROLES)
@replica_reads
def briefing(request):
    return render(request, "dashboard/briefing.html", _context(request))


def briefing_document(ctx, *, issuer):
    """The briefing as a 公文 (pingxiang.gongwen): title, the period with its dates, the
    paragraphs, the per-village table, the issuing centre and the date."""
    body = list(ctx["paragraphs"])
    if ctx["headers"] and len(ctx["rows"]) > 1:
        body.append(gongwen.Paragraph("附：分村(社区)情况", level=1))
        body.append(gongwen.Table(["村(社区)", *ctx["headers"]],
                                  [[name, *values] for name, values in ctx["rows"]]))
    return gongwen.Document(title=ctx["title"], subtitle=f"统计期间：{ctx['period'].describe()}",
                            body=body, issuer=issuer, date=ctx["today"])


@scoped("area", model=Area)
@require_GET
@require_role(*DASHBOARD_ROLES)
@replica_reads
def briefing_docx(request):
    ctx = _context(request)
    document = briefing_document(ctx, issuer=centre_name(request.user))
    filename = f"工作简报-{ctx['area'].short_name}-{ctx['today']:%Y%m%d}.docx"
    return gongwen.docx_response(gongwen.build(document), filename)
