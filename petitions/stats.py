"""办结率, 按期办结率, 双满意率, 重复信访率 per channel, village and period.

Each count is a STAGES filter over the petitions received in the period; the list page
applies the very same filter (?stage=...), so a number and the list behind it agree.

- 受理 (accepted): the petition was accepted (受理) — not-accepted and transferred ones are
  received but not accepted.
- 办结率 = 办结 ÷ 受理.
- 按期办结率 = 按期办结 (closed on or before its handling deadline, extension included) ÷ 办结.
- 双满意率 = 双满意 ÷ 参评: rated 满意 or 基本满意 on both the handling and the result,
  over petitions with a rating (models.SATISFIED_VALUES).
- 重复信访率 = 重复信访 (registered as the same matter as an earlier petition) ÷ 收到.
"""

from django.db.models import Count, Q

from petitions.models import SATISFIED_VALUES

STAGES = {
    "received": ("收到", Q()),
    "accepted": ("受理", Q(accepted_at__isnull=False)),
    "closed": ("办结", Q(closed_at__isnull=False)),
    "ontime": ("按期办结", Q(closed_on_time=True)),
    "rated": ("参评", Q(rated_at__isnull=False)),
    "satisfied": ("双满意", Q(rating_handling__in=SATISFIED_VALUES,
                           rating_result__in=SATISFIED_VALUES)),
    "repeat": ("重复信访", Q(repeat_of__isnull=False)),
}

RATES = [
    ("close_rate", "办结率", "closed", "accepted"),
    ("ontime_rate", "按期办结率", "ontime", "closed"),
    ("satisfied_rate", "双满意率", "satisfied", "rated"),
    ("repeat_rate", "重复信访率", "repeat", "received"),
]


def _aggregates():
    return {key: Count("pk", filter=q) if q else Count("pk")
            for key, (_label, q) in STAGES.items()}


def percent(numerator, denominator):
    if not denominator:
        return None
    value = round(100 * numerator / denominator, 1)
    return int(value) if value == int(value) else value


def with_rates(row):
    for key, _label, num, den in RATES:
        row[key] = percent(row[num], row[den])
    return row


def totals(qs):
    return with_rates(qs.aggregate(**_aggregates()))


def by(qs, field):
    """Rows of counts and rates grouped by a column (channel, village_id...)."""
    rows = qs.order_by().values(field).annotate(**_aggregates()).order_by(field)
    return [with_rates(dict(r)) for r in rows]
