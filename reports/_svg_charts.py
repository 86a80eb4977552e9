"""Two small static SVG charts for the service-level section, drawn by hand.

The report is one script-free page under a strict CSP (`default-src 'none'`), so a chart is inline SVG: axes, bars
or a line, the target as a dashed line, and labels. No charting library is installed for it (pygal would draw
static SVG too, but adds a dependency for two charts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 40
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
BAR, MISS, TARGET, AXIS = "#2f6fb0", "#c0392b", "#b36b00", "#444"


def _frame(title: str, body: str, y_label: str, x_label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11"><title>{escape(title)}</title>'
        f'<line x1="{LEFT}" y1="{TOP + PLOT_H}" x2="{LEFT + PLOT_W}" y2="{TOP + PLOT_H}" stroke="{AXIS}"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + PLOT_H}" stroke="{AXIS}"/>'
        f'<text x="{LEFT + PLOT_W / 2}" y="{HEIGHT - 4}" text-anchor="middle">{escape(x_label)}</text>'
        f'<text x="12" y="{TOP + PLOT_H / 2}" text-anchor="middle" transform="rotate(-90 12 {TOP + PLOT_H / 2})">'
        f"{escape(y_label)}</text>{body}</svg>"
    )


def histogram(bins: Sequence[Mapping[str, Any]], target_minutes: float, title: str) -> str:
    """Counts of first-reply times per bin (bins past the target in red), with the target as a dashed line."""
    if not bins:
        return ""
    top = max(1, *(int(b["count"]) for b in bins))
    width = PLOT_W / len(bins)
    last = float(bins[-1]["from"]) or 1.0
    parts = []
    for i, b in enumerate(bins):
        height = PLOT_H * int(b["count"]) / top
        color = MISS if float(b["from"]) >= target_minutes else BAR
        x = LEFT + i * width
        label = f"{float(b['from']):g}" if b["to"] is not None else f"{float(b['from']):g}+"
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{TOP + PLOT_H - height:.1f}" width="{width - 2:.1f}" height="{height:.1f}" '
            f'fill="{color}"><title>{escape(label)} min: {int(b["count"])}</title></rect>'
        )
        if i % 2 == 0 or b["to"] is None:
            parts.append(f'<text x="{x + width / 2:.1f}" y="{TOP + PLOT_H + 13}" text-anchor="middle">{label}</text>')
    # Bins are equal up to the last one (everything later), so the target's x follows the bins' scale.
    x = LEFT + PLOT_W * min(target_minutes / (last + (last / (len(bins) - 1) if len(bins) > 1 else 1)), 1)
    parts.append(
        f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + PLOT_H}" stroke="{TARGET}" stroke-dasharray="5 3" '
        f'stroke-width="2"/><text x="{x + 4:.1f}" y="{TOP + 10}" fill="{TARGET}">target {target_minutes:g} min</text>'
    )
    parts.append(f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{top}</text>')
    parts.append(f'<text x="{LEFT - 4}" y="{TOP + PLOT_H}" text-anchor="end">0</text>')
    return _frame(title, "".join(parts), "tickets", "first reply, minutes")


def weekly(weeks: Sequence[Mapping[str, Any]], target_share: float, title: str) -> str:
    """Attainment per week as points on a line (weeks below the target in red), the target as a dashed line."""
    points = [(str(w["week"]), int(w["met"]) / int(w["measured"])) for w in weeks if int(w["measured"])]
    if not points:
        return ""
    step = PLOT_W / max(1, len(points) - 1)

    def y(share: float) -> float:
        return TOP + PLOT_H * (1 - share)

    coords = [(LEFT + i * step if len(points) > 1 else LEFT + PLOT_W / 2, y(s)) for i, (_, s) in enumerate(points)]
    parts = [
        f'<polyline fill="none" stroke="{BAR}" stroke-width="1.5" points="'
        + " ".join(f"{a:.1f},{b:.1f}" for a, b in coords)
        + '"/>'
    ]
    for (week, share), (a, b) in zip(points, coords, strict=True):
        color = MISS if share < target_share else BAR
        parts.append(
            f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{color}"><title>week of {escape(week)}: '
            f"{100 * share:.0f} %</title></circle>"
        )
    for i in (0, len(points) - 1):
        parts.append(
            f'<text x="{coords[i][0]:.1f}" y="{TOP + PLOT_H + 13}" text-anchor="middle">{escape(points[i][0])}</text>'
        )
    ty = y(target_share)
    parts.append(
        f'<line x1="{LEFT}" y1="{ty:.1f}" x2="{LEFT + PLOT_W}" y2="{ty:.1f}" stroke="{TARGET}" '
        f'stroke-dasharray="5 3" stroke-width="2"/>'
        f'<text x="{LEFT + PLOT_W - 2}" y="{ty - 4:.1f}" text-anchor="end" fill="{TARGET}">'
        f"target {100 * target_share:.0f} %</text>"
    )
    for share in (0.0, 0.5, 1.0):
        parts.append(f'<text x="{LEFT - 4}" y="{y(share) + 4:.1f}" text-anchor="end">{100 * share:.0f} %</text>')
    return _frame(title, "".join(parts), "within target", "week")
