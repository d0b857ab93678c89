"""The notices a petition's handling gives the petitioner (pingxiang.gongwen): 信访事项受理
告知书, 不予受理告知书 and 处理意见书, as the initial content of the notice form, filled from
the petition (《信访工作条例》's wording); the user edits it before the .docx is made."""

from django.utils import timezone

from grids.access import centre_name
from pingxiang.gongwen import chinese_date

KINDS = {"accept": "信访事项受理告知书", "refuse": "信访事项不予受理告知书",
         "opinion": "信访事项处理意见书"}


def _day(moment):
    return chinese_date(timezone.localtime(moment).date()) if moment else "＿＿年＿＿月＿＿日"


def petition_notice(petition, kind, *, user):
    """The fields of the notice `kind` (a key of KINDS) for this petition."""
    who = petition.petitioner.name if petition.petitioner_id else ""
    heard = (f"你（们）于{_day(petition.received_at)}通过{petition.get_channel_display()}"
             f"反映的“{petition.title}”的信访事项")
    if kind == "accept":
        lines = [
            f"{heard}，本机关已于{_day(petition.accepted_at or petition.decided_at)}依法受理。",
            f"根据《信访工作条例》规定，本机关将在受理之日起60日内办结，"
            f"即于{_day(petition.handle_due_at)}前出具处理意见并书面答复你（们）；"
            "情况复杂的，经批准可以适当延长办理期限，并告知你（们）延期理由。",
            "请你（们）在办理期间保持联系方式畅通，如实反映情况，依法逐级走访。",
        ]
    elif kind == "refuse":
        lines = [
            f"{heard}，经审查，不属于本机关受理范围。",
            f"理由：{petition.decision_reason or '＿＿＿＿'}",
            (f"请你（们）向{petition.transferred_to}提出。" if petition.transferred_to else
             "请你（们）依照法律、法规规定的途径向有关机关提出。"),
        ]
    else:
        lines = [
            f"{heard}，本机关已于{_day(petition.accepted_at)}受理。经调查核实，现出具处理意见如下：",
            *(petition.reply.splitlines() if petition.reply else ["＿＿＿＿"]),
            "如对本处理意见不服，可以自收到本意见书之日起30日内，书面请求本机关的上一级机关复查。",
        ]
    return {
        "title": KINDS[kind],
        "number": f"信访编号 {petition.number}" if petition.number else "",
        "recipient": who,
        "body": "\n".join(line for line in lines if line.strip()),
        "issuer": centre_name(user),
        "date": timezone.localdate(),
    }
