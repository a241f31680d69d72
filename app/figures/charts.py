"""Small server-side SVG charts: no JavaScript, no CDN, CSP-clean (classes, no style attributes).

Each chart is drawn in a fixed viewBox and scales to its container, so the same markup reads
on a projector and on a phone.
"""
from markupsafe import Markup, escape


def _linked(svg: str, href: str | None, count: int) -> str:
    """Wrap a chart element in a link to the cases it counts (the drill-down list)."""
    if not href:
        return svg
    return (f'<a class="figure-link chart-link" href="{escape(href)}" data-count="{count}">'
            f'{svg}</a>')


def _nice_ceiling(value: int) -> int:
    """An axis maximum at or above `value` whose four grid steps are round whole numbers."""
    step_needed = max(value, 1) / 4
    magnitude = 1
    while True:
        for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8):
            candidate = step * magnitude
            if candidate >= step_needed and candidate == int(candidate):
                return int(candidate) * 4
        magnitude *= 10


PHONE_MONTHS = 6  # what a phone-wide trend chart holds: the most recent months


def trend_charts(labels: list[str], received: list[int], closed: list[int],
                 rates: list[str | None], rate_label: str, links: list[dict] | None = None) -> Markup:
    """The whole trend, and a narrower chart of the last PHONE_MONTHS months that the stylesheet
    shows instead on a phone, where twelve months cannot fit a readable box."""
    links = links or [{} for _ in labels]
    recent = slice(-PHONE_MONTHS, None)
    return trend_chart(labels, received, closed, rates, rate_label, links) + trend_chart(
        labels[recent], received[recent], closed[recent], rates[recent], rate_label,
        links[recent], width=520, css="chart-trend-recent",
        caption=f"最近{PHONE_MONTHS}个月" if len(labels) > PHONE_MONTHS else None)


def trend_chart(labels: list[str], received: list[int], closed: list[int],
                rates: list[str | None], rate_label: str, links: list[dict] | None = None,
                width: int = 960, css: str = "chart-trend", caption: str | None = None) -> Markup:
    """Monthly bars (received, closed) with a line for a rate on a 0–100 % right axis.

    `links`, one per month, may hold the drill-down of each element: {"received": (href, n),
    "closed": (href, n), "rate": (href, numerator)}."""
    links = links or [{} for _ in labels]
    height = 320
    left, right, top, bottom = 48, 52, 36, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(labels), 1)
    slot = plot_w / n
    bar_w = min(slot * 0.34, 28)
    top_value = _nice_ceiling(max(received + closed + [0]))
    parts = [f'<svg class="chart {css}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="按月趋势{escape(caption or "")}" xmlns="http://www.w3.org/2000/svg">']
    for i in range(5):  # grid lines and left axis values
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line class="chart-grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" '
                     f'y2="{y:.1f}"/>')
        parts.append(f'<text class="chart-axis" x="{left - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{value:g}</text>')
        parts.append(f'<text class="chart-axis" x="{left + plot_w + 6}" y="{y + 4:.1f}">'
                     f'{25 * i}%</text>')
    points = []
    for i, label in enumerate(labels):
        x0 = left + slot * i + slot / 2
        for offset, value, css, key in ((-bar_w, received[i], "chart-bar", "received"),
                                        (0, closed[i], "chart-bar-2", "closed")):
            h = plot_h * value / top_value
            href, count = links[i].get(key, (None, value))
            # At least 2 px high, so that a month's zero bar can still be clicked.
            parts.append(_linked(
                f'<rect class="{css}" x="{x0 + offset:.1f}" y="{top + plot_h - max(h, 2):.1f}" '
                f'width="{bar_w:.1f}" height="{max(h, 2):.1f}"><title>{escape(label)} '
                f'{"受理" if css == "chart-bar" else "办结"} {value}</title></rect>', href, count))
        parts.append(f'<text class="chart-axis" x="{x0:.1f}" y="{height - bottom + 18}" '
                     f'text-anchor="middle">{escape(label[2:] if len(label) == 7 else label)}</text>')
        if rates[i] is not None:
            y = top + plot_h - plot_h * float(rates[i]) / 100
            points.append((x0 + bar_w / 2, y, rates[i], label, links[i].get("rate", (None, 0))))
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, *_rest in points)
        parts.append(f'<polyline class="chart-line" points="{path}"/>')
    for x, y, rate, label, (href, count) in points:
        parts.append(_linked(f'<circle class="chart-dot" cx="{x:.1f}" cy="{y:.1f}" r="5">'
                             f'<title>{escape(label)} {escape(rate_label)} {rate}%</title></circle>',
                             href, count))
    legend_y = 16
    parts.append(f'<rect class="chart-bar" x="{left}" y="{legend_y - 10}" width="12" height="12"/>'
                 f'<text class="chart-legend" x="{left + 16}" y="{legend_y}">受理量</text>'
                 f'<rect class="chart-bar-2" x="{left + 80}" y="{legend_y - 10}" width="12" '
                 f'height="12"/><text class="chart-legend" x="{left + 96}" y="{legend_y}">办结量'
                 f'</text><line class="chart-line" x1="{left + 160}" y1="{legend_y - 4}" '
                 f'x2="{left + 180}" y2="{legend_y - 4}"/><text class="chart-legend" '
                 f'x="{left + 186}" y="{legend_y}">{escape(rate_label)}（右轴）</text>')
    if caption:
        parts.append(f'<text class="chart-legend" x="{width - right}" y="{legend_y}" '
                     f'text-anchor="end">{escape(caption)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_list_chart(items: list[tuple[str, int]], label: str,
                   hrefs: list[str] | None = None) -> Markup:
    """Horizontal bars, one per (label, value), largest first as given; `hrefs`, one per item,
    link each bar and its value to the cases it counts."""
    hrefs = hrefs or [None] * len(items)
    row_h, label_w, width = 30, 120, 520
    height = max(len(items), 1) * row_h + 10
    top_value = max([v for _l, v in items] + [1])
    bar_space = width - label_w - 50
    parts = [f'<svg class="chart chart-bars" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">']
    for i, (name, value) in enumerate(items):
        y = 5 + i * row_h
        w = bar_space * value / top_value
        parts.append(f'<text class="chart-legend" x="{label_w - 8}" y="{y + 19}" '
                     f'text-anchor="end">{escape(name)}</text>')
        parts.append(_linked(
            f'<rect class="chart-bar" x="{label_w}" y="{y + 5}" width="{max(w, 1):.1f}" '
            f'height="{row_h - 10}"/><text class="chart-value" x="{label_w + w + 6:.1f}" '
            f'y="{y + 19}">{value}</text>', hrefs[i], value))
    if not items:
        parts.append(f'<text class="chart-legend" x="{width / 2}" y="24" '
                     f'text-anchor="middle">本期无数据</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
