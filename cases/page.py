"""What a case's page shows besides the case itself: its parties, its stays at each level,
its agreements (to print), the push it came from and its timeline. Sessions and follow-ups
are in the timeline; the push's receipts and the attachments load when the user reaches
them (cases.views.case_referral, case_attachments)."""

from django.contrib.contenttypes.models import ContentType

from cases.models import Level, Referral, ReferralReceipt
from pingxiang.audit import timeline_list
from pingxiang.models import AuditEvent


def pending_pause(case):
    """The pause request waiting for the centre's decision, if any."""
    return case.pauses.filter(state="pending").first()


def records(case, user):
    """The lists the case page shows, with the people they name."""
    referral = Referral.objects.filter(case=case).first()
    my_receipt = None
    if referral is not None:
        my_receipt = (ReferralReceipt.objects.filter(referral=referral, recipient=user,
                                                     acted_at__isnull=True).first())
    merged = list(case.merged_cases.order_by("received_at", "pk").only(
        "number", "source", "source_ref", "received_at", "merged_into"))
    if merged:  # a merged duplicate's history is this case's history too: one query for all
        numbers = {str(m.pk): m.number for m in merged}
        timeline = list(AuditEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(case),
            object_id__in=[str(case.pk), *numbers]).order_by("at", "id"))
        for event in timeline:
            if event.object_id in numbers:
                event.what = (f"〔原案件 {numbers[event.object_id]}〕"
                              f"{event.action_label or event.action}")
    else:
        timeline = timeline_list(case)
    return {
        "merged_cases": merged,
        "parties": case.party_links.select_related("resident").order_by("pk"),
        "stints": case.stints.all(),
        "agreements": case.agreements.all(),
        "referral": referral,
        "my_receipt": my_receipt,
        "timeline": _corrections_said(_level_moves_named(timeline)),
    }


# Timeline lines that start a level say which one, with the ladder's name for it.
_LEVEL_MOVES = {"case.accept": "受理，由第{n}级（{name}）办理",
                "case.escalate": "上报至第{n}级（{name}）",
                "case.auto_escalate": "超时自动上报至第{n}级（{name}）",
                "case.send_down": "交办至第{n}级（{name}）",
                "case.follow_up": "回访后重新由第{n}级（{name}）办理"}


def _level_moves_named(events):
    for event in events:
        text = _LEVEL_MOVES.get(event.action)
        number = (event.data or {}).get("level")
        rung = Level.rung(number) if text and number else None
        if rung is not None:
            event.what = text.format(n=number, name=rung.name)
    return events


_CORRECTIONS = {"case.correct", "case.correct_parties", "case.regrade"}


def _corrections_said(events):
    """A correction reads "更正案件信息：类别：邻里 → 类别：婚姻家庭", not as a change of state."""
    for event in events:
        if event.action in _CORRECTIONS and event.from_state:
            prefix = getattr(event, "what", "") or event.action_label
            event.what = f"{prefix}：{event.from_state} → {event.to_state}"
            event.from_state = event.to_state = ""
    return events
