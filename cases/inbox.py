"""What waits on each role (我的待办): the sections of the cases inbox and the home panels.

Each section is a queryset already limited to what the user may see through the role
that makes it theirs (cases.access.q_visible with that role)."""

from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cases.access import q_visible
from cases.models import ACTIVE_STATUSES, Case, PauseRequest, Policy, Risk, Status
from grids.models import Role
from pingxiang.context_processors import active_role

LIMIT = 50


@dataclass
class Section:
    key: str
    title: str
    cases: list
    more_url: str = ""
    empty: str = "暂无。"


def _rows(qs):
    return list(qs.select_related("village", "category", "took_charge_by")
                .order_by("deadline", "received_at", "pk")[:LIMIT])


def _base(user, roles):
    return Case.objects.filter(q_visible(user, roles=roles))


def querysets_for(user, role, now=None):
    """[(key, title, queryset, more_query)] for the role."""
    now = now or timezone.now()
    warn = Policy.current().warn_hours
    pushed = Case.objects.filter(referral__receipts__recipient=user,
                                 referral__receipts__acted_at__isnull=True).filter(
        q_visible(user))
    followups = Q(status=Status.RESOLVED, followup_due_on__lte=timezone.localdate(now))
    out = [("pushed", "推送待签收", pushed, "")]
    if role == Role.GRID_WORKER:
        mine = _base(user, [Role.GRID_WORKER])
        out += [
            ("new", "待受理（本网格）", mine.filter(status=Status.REGISTERED), "status=registered"),
            ("level", "一级待调处（随手调）", mine.open().filter(level=1), "level=1&status=active"),
            ("followup", "待回访", mine.filter(followups), "status=resolved"),
        ]
    elif role == Role.VILLAGE_CADRE:
        mine = _base(user, [Role.VILLAGE_CADRE])
        out += [
            ("new", "待受理（本村）", mine.filter(status=Status.REGISTERED), "status=registered"),
            ("level", "二级待调处（村调委会）", mine.open().filter(level=2), "level=2&status=active"),
            ("level1", "本村一级案件", mine.open().filter(level=1), "level=1&status=active"),
            ("followup", "待回访", mine.filter(followups), "status=resolved"),
        ]
    elif role == Role.CENTRE_STAFF:
        mine = _base(user, [Role.CENTRE_STAFF])
        out += [
            ("new", "新登记待分流", mine.filter(status=Status.REGISTERED), "status=registered"),
            ("pause", "暂停计时待审批",
             mine.filter(pauses__state=PauseRequest.State.PENDING), ""),
            ("overdue", "已逾期", mine.overdue(now), "status=overdue"),
            ("due", f"临期（{warn}小时内到期）", mine.due_soon(now, warn), ""),
            ("red", "红色风险办理中", mine.filter(risk=Risk.RED, status__in=ACTIVE_STATUSES),
             "risk=red&status=active"),
            ("level", "三、四级调处中", mine.open().filter(level__in=[3, 4]), "status=active"),
            ("followup", "待回访", mine.filter(followups), "status=resolved"),
        ]
    elif role == Role.LEADER:
        mine = _base(user, [Role.LEADER])
        out += [
            ("charge", "我包案的案件", Case.objects.filter(took_charge_by=user,
                                                       status__in=ACTIVE_STATUSES), ""),
            ("level", "四、五级调处中", mine.open().filter(level__in=[4, 5]), "status=active"),
            ("overdue", "全镇逾期案件", mine.overdue(now), "status=overdue"),
        ]
    return out


def sections_for(request, now=None):
    role = active_role(request)
    base = reverse("cases:case_list")
    return [Section(key, title, _rows(qs), f"{base}?{more}" if more else "")
            for key, title, qs, more in querysets_for(request.user, role, now)]


def counts_for(user, role, now=None):
    from pingxiang.metrics import counts

    sections = querysets_for(user, role, now)
    numbers = counts(qs for _key, _title, qs, _more in sections)
    return [(title, n) for (_key, title, _qs, _more), n in zip(sections, numbers, strict=True)]
