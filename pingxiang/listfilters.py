"""The filters every drill-down list understands, so a dashboard number and the list
behind it are the same query: ?area=<Area id> (everything under it, checked against the
user's areas: 404 outside them) and ?from=&to= (inclusive dates, Asia/Shanghai).

A list view calls `narrow(request, qs, area_field=..., date_field=...)` after its own
filters; the dashboard's metric builds the URL with `drill_params(area, period)`."""

import datetime as dt

from django.http import Http404
from django.utils import timezone


def _date(raw):
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise Http404("日期格式应为 2026-11-29。") from None


def requested_area(request):
    from grids.access import areas_visible_to

    raw = request.GET.get("area", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    area = areas_visible_to(request.user).filter(pk=int(raw)).first()
    if area is None:
        raise Http404("不在您的辖区内。")
    return area


def narrow(request, qs, *, area_field, date_field=None, datetime_field=None, upto_field=None,
           upto_date_field=None):
    """Apply ?area, ?from, ?to. `date_field` for a DateField, `datetime_field` for a
    DateTimeField; `upto_field` counts everything up to ?to (cumulative figures)."""
    area = requested_area(request)
    if area is not None:
        qs = qs.filter(**{f"{area_field}__path__startswith": area.path})
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    tz = timezone.get_current_timezone()
    if date_field:
        if start:
            qs = qs.filter(**{f"{date_field}__gte": start})
        if end:
            qs = qs.filter(**{f"{date_field}__lte": end})
    if datetime_field:
        if start:
            qs = qs.filter(**{f"{datetime_field}__gte": dt.datetime.combine(start, dt.time(),
                                                                             tz)})
        if end:
            qs = qs.filter(**{f"{datetime_field}__lt": dt.datetime.combine(
                end + dt.timedelta(days=1), dt.time(), tz)})
    if upto_date_field and end:
        qs = qs.filter(**{f"{upto_date_field}__lte": end})
    if upto_field and end:
        qs = qs.filter(**{f"{upto_field}__lt": dt.datetime.combine(
            end + dt.timedelta(days=1), dt.time(), tz)})
    return qs


def drill_params(area, period, **extra):
    params = {"area": area.pk}
    if period.start:
        params["from"] = period.start.isoformat()
    if period.end:
        params["to"] = period.end.isoformat()
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return params
