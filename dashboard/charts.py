"""Server-rendered SVG line charts: no JavaScript, no external library, nothing inline that
the Content Security Policy would refuse (only SVG elements and attributes; the hover and
tap labels are shown by the app's stylesheet, static/css/app.css).

A chart says what its points are: a flow is the day's own number (每日数: visits made that
day), a stock the running total on that day (累计: households registered by then), from the
metric's `stock` flag. Dates are marked along the axis (every week on 30 days, every
fortnight on 90), and every point carries its date and value: a tooltip on hover and a
label shown while it has focus (a tap), each point being focusable."""

WIDTH, HEIGHT = 640, 236
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 22, 40


def _date_ticks(points, x_of):
    """Dates to mark on the axis: the first and last day and every week (fortnight on long
    ranges) counted back from the last, so today is always marked."""
    n = len(points)
    if not n:
        return []
    every = 7 if n <= 45 else 14
    marks = set(range(n - 1, -1, -every)) | {0}
    # A week mark too close to the first day would print over it.
    marks = {i for i in marks if i == 0 or i >= every // 2}
    return [{"x": x_of(i), "day": points[i][0]} for i in sorted(marks)]


def line_chart(points, *, cumulative=False):
    """points: [(date, value or None)] -> dict the template draws. `cumulative`: the values
    are running totals (a stock), labelled 累计; otherwise the day's own figure (每日数)."""
    values = [v for _, v in points if v is not None]
    top = max(values) if values else 0
    top = max(top, 1)
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def x_of(i):
        return round(LEFT + i * step, 1)

    segments, current, dots = [], [], []
    for i, (day, value) in enumerate(points):
        if value is None:
            if current:
                segments.append(current)
                current = []
            continue
        x = x_of(i)
        y = round(TOP + inner_h - inner_h * value / top, 1)
        current.append(f"{x},{y}")
        # The label sits above the point, kept inside the drawing at both ends.
        label_x = min(max(x, LEFT + 40), WIDTH - RIGHT - 40)
        dots.append({"x": x, "y": y, "day": day, "value": value,
                     "label_x": label_x, "label_y": max(y - 10, 12)})
    if current:
        segments.append(current)
    ticks = [{"y": round(TOP + inner_h - inner_h * f, 1), "value": round(top * f)}
             for f in (0, 0.5, 1)]
    bottom = TOP + inner_h
    return {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT,
        "bottom": bottom, "label_y": bottom + 16, "tick_end": bottom + 4,
        "polylines": [" ".join(seg) for seg in segments],
        "dots": dots, "ticks": ticks, "dates": _date_ticks(points, x_of),
        "first_day": points[0][0] if points else None,
        "last_day": points[-1][0] if points else None,
        "empty": not values,
        "latest": values[-1] if values else None,
        "cumulative": cumulative,
        "kind_label": "累计" if cumulative else "每日数",
        "kind_note": ("每天的累计数（当日在册或累计总数）" if cumulative
                      else "每天当日新发生的数量（不累加）"),
    }
