"""Positions recorded in the field (issue 21 §3): a phone's latitude/longitude (WGS-84, as the
browser's Geolocation API gives them) and its accuracy in metres.

- `PositionFormMixin`: the hidden fields a form carries (filled by static/js/geo.js only when
  the user ticks "记录本次位置" and the browser grants it). Without consent, or with no fix,
  the form is still valid and the position is None: a visit never waits for a GPS fix.
- `distance_m` (Python) and `distance_expression` (SQL) for "how far from the household".
- `map_tiles`: the few tiles of a county's intranet tile server (settings.MAP_TILE_URL, off by
  default) drawn around a point; nothing is ever loaded from outside.

Positions are personal data: who sees them is decided by the apps' access modules."""

import math
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F, FloatField
from django.db.models.functions import Cos, Power, Radians, Sqrt

EARTH_RADIUS_M = 6_371_000
# A fix worse than this says nothing about where a household is (a phone without GPS
# reports its cell tower, often several kilometres off).
MAX_ACCURACY_M = 2000


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    accuracy: float | None = None

    def distance_to(self, other):
        if other is None:
            return None
        return distance_m(self.latitude, self.longitude, other.latitude, other.longitude)


def position_of(obj, prefix=""):
    """The Position stored on a model row (fields <prefix>latitude/longitude/accuracy), or None."""
    lat = getattr(obj, f"{prefix}latitude", None)
    lon = getattr(obj, f"{prefix}longitude", None)
    if lat is None or lon is None:
        return None
    return Position(lat, lon, getattr(obj, f"{prefix}accuracy", None))


def distance_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def distance_expression(lat1, lon1, lat2, lon2):
    """The distance in metres between two stored positions, as a database expression
    (equirectangular: within 0.1 % of the haversine below a few tens of kilometres, which is
    all a "far from the household" filter needs). NULL when either position is missing."""
    dy = Radians(F(lat2) - F(lat1))
    dx = Radians(F(lon2) - F(lon1)) * Cos(Radians((F(lat1) + F(lat2)) / 2))
    return Sqrt(Power(dx, 2) + Power(dy, 2), output_field=FloatField()) * EARTH_RADIUS_M


class PositionFormMixin(forms.Form):
    """Hidden position fields with their consent box. `cleaned_data["position"]` is a
    Position or None."""

    position_consent = forms.BooleanField(
        label="记录本次位置", required=False,
        help_text="勾选后手机会询问是否允许定位；位置只用于核对走访地点，不勾选也能保存。")
    latitude = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput,
        error_messages={"min_value": "纬度应在 -90 到 90 之间。",
                        "max_value": "纬度应在 -90 到 90 之间。",
                        "invalid": "纬度不是数字。"})
    longitude = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput,
        error_messages={"min_value": "经度应在 -180 到 180 之间。",
                        "max_value": "经度应在 -180 到 180 之间。",
                        "invalid": "经度不是数字。"})
    accuracy = forms.FloatField(
        required=False, min_value=0, widget=forms.HiddenInput,
        error_messages={"min_value": "定位精度不能为负数。", "invalid": "定位精度不是数字。"})

    def clean(self):
        data = super().clean()
        data["position"] = None
        if not data.get("position_consent"):
            # No consent: whatever the hidden fields hold is dropped, errors included.
            for name in ("latitude", "longitude", "accuracy"):
                self.errors.pop(name, None)
                data.pop(name, None)
            return data
        if any(name in self.errors for name in ("latitude", "longitude", "accuracy")):
            return data
        lat, lon, acc = data.get("latitude"), data.get("longitude"), data.get("accuracy")
        if lat is None and lon is None:
            return data  # consent given but the phone had no fix (or refused): saved without
        if lat is None or lon is None:
            self.add_error("position_consent", "位置只收到一半（缺经度或纬度），请重新定位或取消勾选。")
            return data
        if acc is not None and acc > MAX_ACCURACY_M:
            self.add_error("position_consent",
                           ValidationError("定位精度约 %(acc)d 米，太粗，不能用来核对地点；"
                                           "请到空旷处重新定位，或取消勾选后保存。",
                                           params={"acc": acc}))
            return data
        data["position"] = Position(lat, lon, acc)
        return data


def position_fields(form):
    """The bound fields templates/includes/location.html draws."""
    return [form[name] for name in ("latitude", "longitude", "accuracy")]


# --- A small map from the county's own tile server -------------------------------------
TILE = 256


def tiles_enabled():
    return bool(getattr(settings, "MAP_TILE_URL", ""))


def map_tiles(position, *, zoom=None):
    """What templates/includes/position_map.html draws: a 3×3 block of tiles around the
    point in an SVG and the point's pixel position, or None when no tile server is set."""
    if position is None or not tiles_enabled():
        return None
    zoom = zoom or settings.MAP_TILE_ZOOM
    n = 2 ** zoom
    x = (position.longitude + 180) / 360 * n
    lat = math.radians(max(-85.0511, min(85.0511, position.latitude)))
    y = (1 - math.log(math.tan(lat) + 1 / math.cos(lat)) / math.pi) / 2 * n
    tx, ty = int(x), int(y)
    tiles = []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            col, row = (tx + dx) % n, ty + dy
            if 0 <= row < n:
                tiles.append({
                    "url": settings.MAP_TILE_URL.format(z=zoom, x=col, y=row),
                    "left": (dx + 1) * TILE, "top": (dy + 1) * TILE})
    px, py = (x - tx + 1) * TILE, (y - ty + 1) * TILE
    return {"tiles": tiles, "x": round(px), "y": round(py),
            "view": f"{round(px) - TILE // 2} {round(py) - TILE // 2} {TILE} {TILE}"}
