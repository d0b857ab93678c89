"""What a case's page shows besides the case itself: its parties, its stays at each level,
mediation sessions, agreements, follow-ups, attachments, the push it came from and its
timeline.

Each list is a prepared query (compiled to SQL once per process, see pingxiang.prepared):
compiling the dozen small queries of this page cost more than running them. The people
they name (mediators, visitors, recipients) come in one query by key."""

from cases.models import (
    Agreement,
    Attachment,
    CaseParty,
    FollowUp,
    Level,
    LevelStint,
    MediationSession,
    PauseRequest,
    Referral,
    ReferralReceipt,
)
from pingxiang.audit import timeline_list
from pingxiang.prepared import prepared
from pingxiang.related import attach_related_many

pending_pause_of = prepared(
    lambda case_id: PauseRequest.objects.filter(case_id=case_id, state="pending")[:1])
referral_of = prepared(lambda case_id: Referral.objects.filter(case_id=case_id).order_by("pk")[:1])
receipts_of = prepared(
    lambda referral_id: ReferralReceipt.objects.filter(referral_id=referral_id).order_by("pk"))
parties_of = prepared(lambda case_id: CaseParty.objects.filter(case_id=case_id).order_by("pk"))
stints_of = prepared(lambda case_id: LevelStint.objects.filter(case_id=case_id))
sessions_of = prepared(lambda case_id: MediationSession.objects.filter(case_id=case_id))
agreements_of = prepared(lambda case_id: Agreement.objects.filter(case_id=case_id))
followups_of = prepared(lambda case_id: FollowUp.objects.filter(case_id=case_id))
attachments_of = prepared(lambda case_id: Attachment.objects.filter(case_id=case_id))


def pending_pause(case):
    """The pause request waiting for the centre's decision, if any."""
    return next(iter(pending_pause_of(case.pk)), None)


def records(case, user):
    """The lists the case page shows, with the people they name loaded."""
    referral = next(iter(referral_of(case.pk)), None)
    receipts = list(receipts_of(referral.pk)) if referral else []
    parties = list(parties_of(case.pk))
    sessions = list(sessions_of(case.pk))
    agreements = list(agreements_of(case.pk))
    followups = list(followups_of(case.pk))
    attach_related_many([
        *((p, "resident") for p in parties),
        *((m, "mediator") for m in sessions),
        *((a, "mediator") for a in agreements),
        *((v, "visitor") for v in followups),
        *((r, "recipient") for r in receipts),
    ])
    return {
        "parties": parties, "stints": list(stints_of(case.pk)), "sessions": sessions,
        "agreements": agreements, "followups": followups,
        "attachments": list(attachments_of(case.pk)),
        "referral": referral, "receipts": receipts,
        "my_receipt": next((r for r in receipts
                            if r.recipient_id == user.pk and r.acted_at is None), None),
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

