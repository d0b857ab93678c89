"""Dashboard figures of petitions (信访): per channel received, accepted, closed, 办结率,
按期办结率 and 双满意率, using the same STAGES filters as the list (petitions/stats.py)."""

from django.db.models import Count, F
from django.utils import timezone

from petitions.models import Petition
from petitions.stats import STAGES, percent
from pingxiang.metrics import Kind, breakdown, grouped, list_url, metric, ratio

GROUP = "信访"
ONLINE, PLATFORM = Petition.Channel.ONLINE, Petition.Channel.LIVELIHOOD


def _received(area, period, channel=None):
    # A withdrawn petition counts nowhere (the list leaves it out too).
    qs = Petition.objects.counted().filter(village__path__startswith=area.path,
                                           **period.datetime_filter("received_at"))
    return qs.filter(channel=channel) if channel else qs


def _url(area, period, **extra):
    return list_url("petitions:list", area, period, **extra)


def _define(code, label, stage, *, channel=None, order, unit="件", **kwargs):
    def count(area, period):
        return grouped(_received(area, period, channel).filter(STAGES[stage][1]),
                       F("village_id"))

    extra = {"stage": stage if stage != "received" else None, "channel": channel}
    # Petitions received within the period, in their stage now: a sum of the days received.
    metric(code, label, group=GROUP, unit=unit, order=order, kind=Kind.FLOW,
           dated_by=(Petition, "received_at"),
           drill=lambda a, p: _url(a, p, **extra), **kwargs)(count)


_define("petitions_received", "收到信访", "received", order=40)
_define("petitions_accepted", "受理", "accepted", order=41)
_define("petitions_closed", "办结", "closed", order=42)
_define("petitions_ontime", "按期办结", "ontime", order=43)
_define("petitions_rated", "参评", "rated", order=44)
_define("petitions_satisfied", "双满意", "satisfied", order=45)
ratio("petition_closure_rate", "办结率", numerator="petitions_closed",
      denominator="petitions_accepted", group=GROUP, order=46)
ratio("petition_ontime_rate", "按期办结率", numerator="petitions_ontime",
      denominator="petitions_closed", group=GROUP, order=47)
ratio("petition_satisfaction_rate", "双满意率", numerator="petitions_satisfied",
      denominator="petitions_rated", group=GROUP, order=48)

_define("petitions_online", "网上信访", "received", channel=ONLINE, order=50)
_define("petitions_online_accepted", "网上信访受理", "accepted", channel=ONLINE, order=51)
_define("petitions_online_closed", "网上信访办结", "closed", channel=ONLINE, order=52)
ratio("online_closure_rate", "网上信访办结率", numerator="petitions_online_closed",
      denominator="petitions_online_accepted", group=GROUP, order=53)
_define("petitions_platform", "民生信息平台", "received", channel=PLATFORM, order=54)
_define("petitions_platform_accepted", "民生平台受理", "accepted", channel=PLATFORM, order=55)
_define("petitions_platform_closed", "民生平台办结", "closed", channel=PLATFORM, order=56)
_define("petitions_platform_rated", "民生平台参评", "rated", channel=PLATFORM, order=57)
_define("petitions_platform_satisfied", "民生平台双满意", "satisfied", channel=PLATFORM, order=58)
ratio("platform_closure_rate", "民生平台办结率", numerator="petitions_platform_closed",
      denominator="petitions_platform_accepted", group=GROUP, order=59)
ratio("platform_satisfaction_rate", "民生平台双满意率", numerator="petitions_platform_satisfied",
      denominator="petitions_platform_rated", group=GROUP, order=60)


@metric("petitions_overdue", "信访逾期", group=GROUP, unit="件", order=61, bad_when_high=True,
        kind=Kind.NOW,  # overdue: the clock moves it
        drill=lambda a, p: _url(a, p, due="overdue"))
def petitions_overdue(area, period):
    return grouped(_received(area, period).overdue(timezone.now()), F("village_id"))


@breakdown("petitions_by_channel", "按渠道", group=GROUP, order=62, records=_received,
           owner=F("village_id"), by="channel",
           counts={key: Count("pk", filter=q) for key, (_label, q) in STAGES.items()})
def by_channel(area, period, counts):
    rows = []
    for channel, label in Petition.Channel.choices:
        if channel not in counts:
            continue
        row = dict(zip(STAGES, counts[channel], strict=True))
        cells = [{"value": row[stage], "url": _url(area, period, channel=channel,
                                                    stage=None if stage == "received" else stage)}
                 for stage in ("received", "accepted", "closed")]
        cells += [
            {"value": percent(row["closed"], row["accepted"]), "is_rate": True},
            {"value": percent(row["ontime"], row["closed"]), "is_rate": True},
            {"value": percent(row["satisfied"], row["rated"]), "is_rate": True},
        ]
        rows.append({"label": label, "cells": cells})
    return {"headers": ["渠道", "收到", "受理", "办结", "办结率", "按期办结率", "双满意率"],
            "rows": rows}
