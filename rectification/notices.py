"""The notices rectification prints (pingxiang.gongwen): 隐患整改通知书 (交办单) for a hazard,
督导问题交办单 and 督办单 for a supervision item. Each is the initial content of the notice
form, filled from the record; the user may edit it before the .docx is made."""

from grids.access import centre_name

from .models import today


def _dash(value):
    return value or "＿＿＿＿"


def _date(day):
    return f"{day.year}年{day.month}月{day.day}日" if day else "＿＿年＿＿月＿＿日"


def hazard_notice(hazard, *, user):
    """隐患整改通知书 (交办单): what was found, where, what to do, by when, whom to report to."""
    place = " ".join(x for x in (getattr(hazard.place, "name", ""), hazard.location) if x)
    # a hazard of the town itself has no village: its area names where it is
    where = (hazard.village or hazard.area).name
    lines = [
        f"经{hazard.get_source_display()}，{_date(hazard.found_date)}在{where}"
        f"{place}发现{hazard.category.name}类{hazard.get_grade_display()}隐患"
        f"（编号{_dash(hazard.number)}）：{hazard.description}",
        f"请你单位（责任人：{_dash(hazard.responsible_person)}）按照以下要求落实整改："
        f"{hazard.measures or '立即制定整改方案，落实整改措施、责任、资金、时限和预案。'}",
        f"整改时限：{_date(hazard.deadline)}前整改到位，并将整改情况书面报送镇综治中心，"
        "逾期未整改或整改不到位的，将按有关规定督办问责。",
        "整改期间，应当采取必要的安全防范措施，防止发生事故。",
    ]
    return {
        "title": "隐患整改通知书",
        "number": hazard.order_no or (f"隐患编号 {hazard.number}" if hazard.number else ""),
        "recipient": hazard.responsible_unit or where,
        "body": "\n".join(lines),
        "issuer": centre_name(user),
        "date": today(),
    }


def issue_notice(item, *, user, urge=False):
    """督导问题交办单, or with urge=True the 督办单 for an item not rectified in time."""
    visit = item.visit
    target = visit.department or visit.area.name
    found = (f"{_date(visit.date)}，{visit.round.team.name}在{visit.round.name}督导"
             f"{target}时发现以下问题（{item.category.name}，第{item.number}项）："
             f"{item.description}")
    if urge:
        lines = [
            found,
            f"该问题已于{_date(item.assigned_at and item.assigned_at.date())}交办，"
            f"整改时限为{_date(item.deadline)}，至今未整改到位。",
            f"现予督办，请你单位（责任人：{_dash(item.responsible_person)}）高度重视，"
            f"于收到本督办单之日起限期整改到位：{item.requirement or '按原交办要求整改。'}",
            "整改完成后，请将整改情况及佐证材料报送督导组复核；逾期仍未整改的，将按规定问责。",
        ]
        title = "督办单"
    else:
        lines = [
            found,
            f"整改要求：{item.requirement or '举一反三，全面整改。'}",
            f"请你单位（责任人：{_dash(item.responsible_person)}）于{_date(item.deadline)}前"
            "整改到位，并将整改情况及佐证材料报送督导组复核。",
        ]
        title = "督导问题交办单"
    return {
        "title": title,
        "number": f"{visit.round.team.name}{visit.round.name} 第{item.number}项",
        "recipient": item.responsible_unit or target,
        "body": "\n".join(lines),
        "issuer": visit.round.team.name or centre_name(user),
        "date": today(),
    }
