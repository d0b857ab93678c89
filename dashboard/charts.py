"""Server-rendered SVG line charts: no JavaScript, no external library, nothing inline that
the Content Security Policy would refuse (only SVG elements and attributes)."""

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 30


def line_chart(points):
    """points: [(date, value or None)] -> dict the template draws."""
    values = [v for _, v in points if v is not None]
    top = max(values) if values else 0
    top = max(top, 1)
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points) - 1, 1)
    segments, current, dots = [], [], []
    for i, (day, value) in enumerate(points):
        if value is None:
            if current:
                segments.append(current)
                current = []
            continue
        x = round(LEFT + i * step, 1)
        y = round(TOP + inner_h - inner_h * value / top, 1)
        current.append(f"{x},{y}")
        dots.append({"x": x, "y": y, "day": day, "value": value})
    if current:
        segments.append(current)
    ticks = [{"y": round(TOP + inner_h - inner_h * f, 1), "value": round(top * f)}
             for f in (0, 0.5, 1)]
    return {
        "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": WIDTH - RIGHT,
        "bottom": TOP + inner_h, "label_y": HEIGHT - 8,
        "polylines": [" ".join(seg) for seg in segments],
        "dots": dots, "ticks": ticks,
        "first_day": points[0][0] if points else None,
        "last_day": points[-1][0] if points else None,
        "empty": not values,
        "latest": values[-1] if values else None,
    }
