"""Charts for the reports, drawn by pygal (the library pytest-benchmark's histograms use).

One function, :func:`bar_chart`, draws every chart: horizontal bars, one row per label, one bar per
series in each row, with optional dashed guide lines (a baseline, a goal, a reference rate).  The
result is a standalone SVG document that loads nothing from the network (pygal's tooltip script is
left out), so it works from ``file://``, in an ``<img>`` and on GitHub.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pygal
from pygal.style import Style


@dataclass(frozen=True)
class Series:
    """One bar per label; ``colours`` (one per value, ``None`` for the series colour) marks verdicts."""

    name: str
    values: Sequence[float | None]
    colour: str = "#1565c0"
    colours: Sequence[str | None] = ()


@dataclass(frozen=True)
class Guide:
    """A dashed vertical line across the plot at ``value``, named on the value axis."""

    value: float
    label: str


def guide_legend(guides: Sequence[Guide]) -> list[str]:
    """The title's second line naming the dashed lines, so that close ones stay readable."""
    return ["dashed: " + ", ".join(g.label for g in guides)] if guides else []


def axis_labels(guides: Sequence[Guide], top: float, value_format: Callable[[float], str]) -> list[dict[str, object]]:
    """0 and every guide on the value axis; a guide too close to a labelled one keeps its line, not its text."""
    labels: list[dict[str, object]] = [{"value": 0.0, "label": value_format(0.0)}]
    for guide in sorted(guides, key=lambda g: g.value):
        crowded = any(abs(guide.value - float(str(other["value"]))) < top * 0.12 for other in labels if other["label"])
        labels.append({"value": guide.value, "label": "" if crowded else value_format(guide.value)})
    return labels


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    guides: Sequence[Guide] = (),
    value_format: Callable[[float], str] = "{:,.0f}".format,
    guide_colour: str = "#c62828",
    no_data: str = "no data",
    stacked: bool = False,
) -> str:
    """The SVG text of a horizontal bar chart; rows read top-down in the order of ``labels``.

    ``stacked``: the series of a row are drawn end to end in one bar (parts of a whole).
    """
    values = [v for s in series for v in s.values if v is not None] + [g.value for g in guides]
    if stacked:
        values += [sum(v or 0.0 for v in row) for row in zip(*(s.values for s in series), strict=True)]
    top = max([*values, 1.0]) * 1.18  # room for the value printed after the longest bar
    style = Style(
        background="#fff",
        plot_background="#fff",
        font_family="DejaVu Sans, sans-serif",
        colors=tuple(s.colour for s in series),
        value_font_size=12,
        label_font_size=12,
        major_label_font_size=12,
        title_font_size=15,
        no_data_font_size=14,
        major_guide_stroke_color=guide_colour,
        major_guide_stroke_dasharray="5,3",
        guide_stroke_color="#e0e0e0",
    )
    bars_per_row = 1 if stacked else len(series)
    chart = (pygal.HorizontalStackedBar if stacked else pygal.HorizontalBar)(
        style=style,
        title="\n".join([title, *guide_legend(guides)]),
        js=[],  # pygal's tooltips come from a CDN: a report must load nothing from the network
        disable_xml_declaration=True,
        width=900,
        height=90 + 24 * len(guide_legend(guides)) + 26 * max(1, len(labels)) * bars_per_row + 30 * (len(series) > 1),
        range=(0, top),
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        print_values=True,
        print_values_position="top",
        value_formatter=value_format,
        truncate_label=60,
        no_data_text=no_data,
        y_labels_major=[g.value for g in guides],
        show_minor_y_labels=True,
    )
    # pygal draws the first label at the bottom; reverse so the chart reads like its table
    chart.x_labels = list(reversed(labels))
    chart.y_labels = axis_labels(guides, top, value_format)
    for one in series:
        points = [
            {"value": value, "color": colour} if colour else value
            for value, colour in zip(one.values, one.colours or [None] * len(one.values), strict=True)
        ]
        chart.add(one.name, list(reversed(points)))
    return str(chart.render(is_unicode=True))
