"""What a case's page shows besides the case itself: its parties, its stays at each level,
its agreements (to print), the push it came from and its timeline. Sessions and follow-ups
are in the timeline; the push's receipts and the attachments load when the user reaches
them (cases.views.case_referral, case_attachments)."""

from cases.models import Level, Referral, ReferralReceipt
from pingxiang.audit import timeline_list


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
    return {
        "parties": case.party_links.select_related("resident").order_by("pk"),
        "stints": case.stints.all(),
        "agreements": case.agreements.all(),
        "referral": referral,
        "my_receipt": my_receipt,
        "timeline": _level_moves_named(timeline_list(case)),
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
