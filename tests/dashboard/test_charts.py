"""Chart geometry: bars and points where the numbers say, and a missing figure never drawn as zero."""

from __future__ import annotations

from webapp.dashboard import charts


def test_bars_are_proportional_and_a_missing_value_is_a_dash_not_a_zero_bar():
    chart = charts.bar_chart("Titel", "Uitleg", ["a", "b", "c"], [("2025-2026", [50, None, 100]), ("2026-2027", [25, 0, 75])], percent=True)
    first, second = chart.series
    assert [b.text for b in first.bars] == ["50%", "100%"] and len(first.gaps) == 1
    assert first.bars[1].height == 2 * first.bars[0].height == chart.bottom - chart.top
    assert second.bars[1].height == 0 and second.bars[1].text == "0%"
    assert [t.label for t in chart.ticks] == ["0%", "25%", "50%", "75%", "100%"]
    assert "2025-2026: a 50%, b –, c 100%" in chart.summary
    counts = charts.bar_chart("Aantallen", "", ["a"], [("x", [37])])
    assert counts.ticks[-1].label == "50" and abs(counts.series[0].bars[0].height - (counts.bottom - counts.top) * 37 / 50) < 0.1


def test_trend_lines_break_at_missing_values_and_end_labels_do_not_overlap():
    chart = charts.line_chart("Trend", "", ["2023", "2024", "2025", "2026"],
                              [("a", [10, None, 30, 31]), ("b", [12, 14, 30, 30]), ("c", [None, None, None, None])])
    a, b, c = chart.series
    assert len(a.lines) == 2 and len(b.lines) == 1 and not c.lines and len(c.gaps) == 4
    assert len(a.points) == 3 and a.points[-1].name == "a, 2026: 31%"
    ends = sorted(e.y for s in chart.series for e in s.ends)
    assert len(ends) == 2 and ends[1] - ends[0] >= 20
    high = charts.line_chart("Behoud", "", ["x", "y"], [("a", [92, 97])])
    assert high.ticks[0].label == "60%" and high.ticks[-1].label == "100%"


def test_horizontal_bars_for_many_schools():
    names = [f"School {i}" for i in range(30)] + ["Een school met een heel erg lange naam die niet past"]
    chart = charts.hbar_chart("Per school", "", names, [i * 3 for i in range(30)] + [None])
    assert len(chart.series[0].bars) == 30 and len(chart.series[0].gaps) == 1
    assert chart.height > 30 * 20 and chart.categories[-1].lines[0].endswith("…")
