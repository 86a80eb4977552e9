"""The one pygal setup behind every chart vendor-audit draws: report.html's and `vendor-audit load`'s latency.svg.

Why pygal: it writes static SVG from Python with no JavaScript runtime (the report is one script-free page under
`default-src 'none'`), it is small (pure Python, no compiled stack), and it is maintained (Kozea, 3.x in 2025).
matplotlib would draw the same SVG but weighs tens of megabytes with numpy for a handful of bar and line charts;
altair (Vega-Lite) renders in a browser's JavaScript, or needs vl-convert's embedded V8, to become SVG.

pygal always writes a `<script>` holding its tooltip configuration and comments naming its web site, whatever
`js=[]` says (pygal/svg.py `add_scripts`); `render` drops both, and refuses a chart that would still act or
load anything, so a chart is inert wherever it is embedded. Both the reports and the load tests draw through here:
it is the core, which both may import.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pygal
from pygal.style import Style

# pygal appends a sys.meta_path finder for its map plugins (pygal/__init__.py `PluginImportFixer`) that has
# find_module but no find_spec: every later import that reaches it warns ImportWarning, an error under
# `-W error` (pytest's filterwarnings = error in pytester runs). We draw no maps: it is taken out again.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

__all__ = [
    "DASHED",
    "FONT",
    "StaticChartError",
    "config",
    "count_ticks",
    "legend_columns",
    "render",
    "step_outline",
    "style",
    "vertical_line",
    "xy",
]

FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
DASHED = {"dasharray": "7,4", "width": 2.5}  # targets and SLOs, told apart from measured series by their dashes
_LOADS = re.compile(r"@import|url\(", re.IGNORECASE)


class StaticChartError(RuntimeError):
    """A chart's SVG would run a script or load something: it is not embedded."""


def style(colors: Sequence[str]) -> Style:
    """The reports' look, with one colour per series in the order they are added."""
    return Style(
        background="white",
        plot_background="white",
        foreground="#1d1d22",
        foreground_strong="#1d1d22",
        foreground_subtle="#6b6b75",
        font_family=FONT,
        title_font_size=15,
        label_font_size=11,
        major_label_font_size=11,
        legend_font_size=12,
        value_font_size=11,
        opacity=".85",
        opacity_hover=".85",  # no hover effect: nothing reacts on a static page
        transition="none",
        guide_stroke_color="#d9d9de",
        major_guide_stroke_color="#b9b9c0",
        guide_stroke_dasharray="2,3",
        major_guide_stroke_dasharray="2,3",
        stroke_opacity="1",
        stroke_opacity_hover="1",
        colors=tuple(colors),
    )


def legend_columns(labels: Sequence[str], room: int) -> int:
    """As many legend columns as the longest label leaves room for in `room` pixels, the plot's width.

    pygal lays the legend out under the plot in columns of equal width, so a label longer than its column runs into
    the next one.
    """
    longest = max((len(label) for label in labels), default=1)
    return max(1, min(len(labels), room // (7 * longest + 28)))  # ~7 px a character at 12 px, and the colour box


def config(
    *,
    uid: str,
    title: str,
    width: int,
    height: int,
    colors: Sequence[str],
    legend: Sequence[str],
    label_room: int = 100,
    **more: Any,
) -> dict[str, Any]:
    """Keyword arguments every chart shares: explicit size, nothing truncated, the legend under the plot.

    `legend` is the series' labels and `label_room` the width left of the plot (y title and labels): with them the
    legend is laid out in columns that do not overlap.
    """
    return {
        "title": title,
        "width": width,
        "height": height,
        "explicit_size": True,
        "style": style(colors),
        "js": [],
        "disable_xml_declaration": True,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": legend_columns(legend, width - label_room),
        "truncate_legend": -1,
        "truncate_label": -1,
        "classes": ["pygal-chart", "chart", f"chart-{uid}"],
        "print_values": False,
        # pygal places a bottom legend one row too low for the default 20 px margin, past the chart's edge
        "margin_bottom": 32,
        **more,
    }


def xy(
    *, uid: str, title: str, x_title: str, y_title: str, colors: Sequence[str], legend: Sequence[str], **more: Any
) -> pygal.XY:
    """An XY chart: numeric x and y axes with titles, lines without dots unless asked for."""
    chart = pygal.XY(
        **config(
            uid=uid,
            title=title,
            legend=legend,
            width=more.pop("width", 760),
            height=more.pop("height", 340),
            colors=colors,
            x_title=x_title,
            y_title=y_title,
            show_dots=more.pop("show_dots", False),
            **more,
        )
    )
    chart.uuid = uid
    return chart


def step_outline(bins: Iterable[tuple[float, float, float]]) -> list[tuple[float | None, float | None]]:
    """A histogram's outline as XY points: for each (from, to, count) bin its top edge, closed down to zero.

    Drawn filled, it is the bars of a histogram on a true numeric axis, where a threshold can stand at its value.
    """
    points: list[tuple[float | None, float | None]] = []
    for start, end, count in bins:
        if not points:
            points.append((start, 0.0))
        points += [(start, count), (end, count)]
    if points:
        points.append((points[-1][0], 0.0))
    return points


def count_ticks(top: float, most: int = 6) -> list[int]:
    """Whole-number ticks from 0 to at least `top` (counts have no half tickets), in 1-2-5 steps, at most `most`."""
    step = 1
    while top / step > most:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2  # 1, 2, 5, 10, 20, 50, ...
    return list(range(0, math.ceil(top) + step, step)) if top > 0 else [0, 1]


def vertical_line(x: float, top: float) -> list[tuple[float | None, float | None]]:
    return [(x, 0.0), (x, top)]


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _static(root: Any) -> Any:
    """The chart without its script and comments, labelled for screen readers; refused if it would load anything.

    Checked on the tree, not the text: a vendor's name in a title may read `onload=` and is only text.
    """
    for parent in list(root.iter()):
        for child in list(parent):
            if not isinstance(child.tag, str) or _local(child.tag) == "script":  # comments are not str-tagged
                parent.remove(child)
    for element in root.iter():
        for name, value in element.attrib.items():
            local = _local(name)
            if local.startswith("on") or (local in ("href", "src") and not str(value).startswith("#")):
                raise StaticChartError(f"pygal wrote {local}={str(value)[:40]!r}: the chart would act or load")
        if _local(element.tag) == "style" and _LOADS.search(element.text or ""):
            raise StaticChartError("pygal's CSS would load something (@import or url())")
    root.set("role", "img")
    return root


def render(chart: Any, *, uid: str, attributes: Mapping[str, str] | None = None) -> str:
    """The chart as one static `<svg>` element, its CSS scoped to `#chart-<uid>` (unique per page, stable)."""
    chart.uuid = uid
    chart.add_xml_filter(_static)
    if attributes:
        chart.add_xml_filter(lambda root: _set(root, attributes))
    return str(chart.render(is_unicode=True))


def _set(root: Any, attributes: Mapping[str, str]) -> Any:
    for name, value in attributes.items():
        root.set(name, value)
    return root
