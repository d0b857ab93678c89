"""矛盾纠纷交办单: the notice a centre hands to whoever must resolve a dispute at its level,
as the initial content of the notice form (pingxiang.gongwen), filled from the case."""

import datetime as dt

from django.utils import timezone

from grids.access import centre_name
from pingxiang.gongwen import chinese_date
from pingxiang.people import display_name


def case_notice(case, *, user, party_names=""):
    """The 交办单's fields: what the dispute is, who the parties are, at which level it is
    handled, by whom and by when."""
    received = timezone.localtime(case.received_at).date()
    # the deadline is the midnight that ends the last day: that day is the one to state
    last_day = (timezone.localtime(case.deadline).date() - dt.timedelta(days=1)
                if case.deadline else None)
    lines = [
        f"{chinese_date(received)}登记的矛盾纠纷（编号{case.number}，{case.category.name}类，"
        f"{case.get_risk_display()}），当事人：{party_names or '见案卷'}，"
        f"发生地：{case.village.name}{'' if case.area_id == case.village_id else case.area.name}。",
        f"简要情况：{case.description}",
    ]
    if case.level:
        lines.append(f"现交由第{case.level}级调处化解"
                     + (f"，承办人：{display_name(case.handler)}" if case.handler_id else "")
                     + "。")
    if case.instructions:
        lines.append(f"交办意见：{case.instructions}")
    lines.append(("请于" + chinese_date(last_day) + "前" if last_day else "请在规定期限内")
                 + "调处化解，并将化解情况（调解协议、回访记录等）报送镇综治中心；"
                 "本级无法化解的，及时报告，逐级上报。")
    return {
        "title": "矛盾纠纷交办单",
        "number": case.number,
        "recipient": case.village.name,
        "body": "\n".join(lines),
        "issuer": centre_name(user),
        "date": timezone.localdate(),
    }
