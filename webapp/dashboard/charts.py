"""Chart geometry for server-side SVG: grouped bars, horizontal bars and trend lines.

The functions compute coordinates only; templates/dashboard/_charts.html draws them with SVG
presentation attributes (x, y, width, height, points) and CSS classes for the colours, so the strict
Content-Security-Policy (no inline styles) holds. A missing value (None: no figure, e.g. a group
smaller than five) draws no bar or point, but a dash, so it is never mistaken for zero.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

WIDTH = 640
SERIES_CLASSES = 4  # CSS classes series-0 .. series-3 (static/css/dashboard.css)


@dataclass
class Tick:
    label: str
    y: float


@dataclass
class Label:
    x: float
    y: float
    lines: list[str]


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float | None
    text: str
    text_x: float
    text_y: float
    name: str  # series and category, for the bar's tooltip


@dataclass
class Point:
    x: float
    y: float
    text: str
    name: str


@dataclass
class Series:
    name: str
    css: str
    bars: list[Bar] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # polyline "points" strings (breaks at missing values)
    points: list[Point] = field(default_factory=list)
    gaps: list[Label] = field(default_factory=list)  # where a value is missing
    ends: list[Label] = field(default_factory=list)  # a line's last value, right of the plot


@dataclass
class Chart:
    kind: str
    id: str
    title: str
    desc: str
    summary: str
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    ticks: list[Tick]
    categories: list[Label]
    series: list[Series]
    empty: bool


def _chart_id(title: str, kind: str) -> str:
    return "chart-" + hashlib.sha1(f"{kind}:{title}".encode()).hexdigest()[:10]


def nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above value (at least 4)."""
    if value <= 4:
        return 4
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover


def _format(value: float | None, percent: bool) -> str:
    if value is None:
        return "–"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text}%" if percent else text


def _wrap(text: str, width: int = 14) -> list[str]:
    """Split a category label into at most two lines at a space."""
    if len(text) <= width or " " not in text:
        return [text]
    middle = len(text) // 2
    spaces = [i for i, c in enumerate(text) if c == " "]
    cut = min(spaces, key=lambda i: abs(i - middle))
    return [text[:cut], text[cut + 1 :]]


def _ticks(maximum: float, top: float, plot_h: float, percent: bool, minimum: float = 0.0) -> list[Tick]:
    ticks = []
    for k in range(5):
        value = minimum + (maximum - minimum) * k / 4
        value = int(value) if float(value).is_integer() else round(value, 1)
        ticks.append(Tick(_format(value, percent), top + plot_h - plot_h * k / 4))
    return ticks


def _summary(categories: list[str], series: list[tuple[str, list]], percent: bool) -> str:
    parts = []
    for name, values in series:
        parts.append(f"{name}: " + ", ".join(f"{c} {_format(v, percent)}" for c, v in zip(categories, values)))
    return "; ".join(parts) + "."


def bar_chart(title: str, desc: str, categories: list[str], series: list[tuple[str, list]], percent: bool = False) -> Chart:
    """Vertical grouped bars: one group per category, one bar per series."""
    left, right, top, bottom = 58.0, 12.0, 28.0, 56.0
    height = 300
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    values = [v for _name, vs in series for v in vs if v is not None]
    maximum = 100.0 if percent else nice_max(max(values, default=0))
    group_w = plot_w / max(1, len(categories))
    bar_w = group_w * 0.7 / max(1, len(series))
    out_series = []
    for si, (name, vs) in enumerate(series):
        s = Series(str(name), f"series-{si % SERIES_CLASSES}")
        for ci, value in enumerate(vs):
            x = left + ci * group_w + group_w * 0.15 + si * bar_w
            centre = x + bar_w / 2
            if value is None:
                s.gaps.append(Label(round(centre, 1), round(top + plot_h - 4, 1), ["–"]))
                continue
            h = plot_h * min(value, maximum) / maximum
            y = top + plot_h - h
            s.bars.append(
                Bar(round(x, 1), round(y, 1), round(bar_w - 2, 1), round(h, 1), value, _format(value, percent),
                    round(centre, 1), round(y - 4, 1), f"{name}, {categories[ci]}: {_format(value, percent)}")
            )
        out_series.append(s)
    labels = [Label(round(left + (i + 0.5) * group_w, 1), top + plot_h + 18, _wrap(str(c))) for i, c in enumerate(categories)]
    return Chart(
        "bar", _chart_id(str(title), "bar"), str(title), str(desc), _summary([str(c) for c in categories], series, percent),
        WIDTH, height, left, top, WIDTH - right, top + plot_h, _ticks(maximum, top, plot_h, percent), labels, out_series,
        empty=not values,
    )


def hbar_chart(title: str, desc: str, labels: list[str], values: list, percent: bool = True) -> Chart:
    """Horizontal bars, one per label (e.g. per school), for long lists."""
    left, right, top, bottom = 230.0, 56.0, 28.0, 8.0
    row_h = 22.0
    height = int(top + bottom + row_h * max(1, len(labels)))
    plot_w = WIDTH - left - right
    present = [v for v in values if v is not None]
    maximum = 100.0 if percent else nice_max(max(present, default=0))
    s = Series("", "series-0")
    names = []
    for i, (label, value) in enumerate(zip(labels, values)):
        y = top + i * row_h
        short = label if len(label) <= 32 else label[:31] + "…"
        names.append(Label(left - 8, round(y + row_h * 0.7, 1), [short]))
        if value is None:
            s.gaps.append(Label(left + 4, round(y + row_h * 0.7, 1), ["–"]))
            continue
        w = plot_w * min(value, maximum) / maximum
        s.bars.append(
            Bar(left, round(y + 3, 1), round(w, 1), row_h - 6, value, _format(value, percent),
                round(left + w + 4, 1), round(y + row_h * 0.7, 1), f"{label}: {_format(value, percent)}")
        )
    ticks = []
    for k in range(5):
        value = maximum * k / 4
        value = int(value) if float(value).is_integer() else round(value, 1)
        ticks.append(Tick(_format(value, percent), round(left + plot_w * k / 4, 1)))
    return Chart(
        "hbar", _chart_id(str(title), "hbar"), str(title), str(desc), _summary(labels, [("", values)], percent).lstrip(": "),
        WIDTH, height, left, top, left + plot_w, height - bottom, ticks, names, [s], empty=not present,
    )


def line_chart(title: str, desc: str, x_labels: list[str], series: list[tuple[str, list]], percent: bool = True) -> Chart:
    """Trend lines over school years; a missing value breaks the line.

    Only the last value of each line carries a label (right of the plot, moved apart so labels never
    overlap); every point has a tooltip, and the table under the chart has all the numbers.
    """
    left, right, top, bottom = 58.0, 64.0, 24.0, 40.0
    height = 280
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    values = [v for _name, vs in series for v in vs if v is not None]
    maximum = 100.0 if percent else nice_max(max(values, default=0))
    # Percentages that all lie high (retention) get an axis from a round number below them, so a
    # change is visible; the axis says where it starts.
    minimum = 0.0
    if percent and values and min(values) >= 40:
        minimum = float(min(60, int((min(values) - 10) // 20 * 20)))
    span = maximum - minimum
    step = plot_w / max(1, len(x_labels))
    xs = [left + step * (i + 0.5) for i in range(len(x_labels))]
    out_series = []
    last_labels: list[tuple[float, Series, str]] = []
    for si, (name, vs) in enumerate(series):
        s = Series(str(name), f"series-{si % SERIES_CLASSES}")
        run: list[str] = []
        for i, value in enumerate(vs):
            if value is None:
                if run:
                    s.lines.append(" ".join(run))
                run = []
                s.gaps.append(Label(round(xs[i], 1), round(top + plot_h - 4, 1), ["–"]))
                continue
            y = top + plot_h - plot_h * (min(value, maximum) - minimum) / span
            run.append(f"{xs[i]:.1f},{y:.1f}")
            s.points.append(Point(round(xs[i], 1), round(y, 1), "", f"{name}, {x_labels[i]}: {_format(value, percent)}"))
        if run:
            s.lines.append(" ".join(run))
        if s.points:
            last = s.points[-1]
            last_labels.append((last.y, s, _format(vs[len(vs) - 1 - [v is not None for v in reversed(vs)].index(True)], percent)))
        out_series.append(s)
    # Spread the end labels at least 20 units apart (the text is 12-20 units high), keeping their order.
    last_labels.sort(key=lambda item: item[0])
    placed: list[float] = []
    for y, _s, _text in last_labels:
        placed.append(max(y + 4, placed[-1] + 20) if placed else y + 4)
    overflow = (placed[-1] - (height - 6)) if placed else 0
    if overflow > 0:
        placed = [y - overflow for y in placed]
    for (y, s, text), label_y in zip(last_labels, placed):
        s.ends.append(Label(round(WIDTH - right + 8, 1), round(label_y, 1), [text]))
    labels = [Label(round(x, 1), top + plot_h + 20, [str(label)]) for x, label in zip(xs, x_labels)]
    return Chart(
        "line", _chart_id(str(title), "line"), str(title), str(desc), _summary([str(x) for x in x_labels], series, percent),
        WIDTH, height, left, top, WIDTH - right, top + plot_h, _ticks(maximum, top, plot_h, percent, minimum), labels, out_series,
        empty=not values,
    )
