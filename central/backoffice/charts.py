"""Report charts as inline SVG drawn on the server by pygal, with no script loaded from anywhere."""

from __future__ import annotations

from collections.abc import Sequence

import pygal
from flask_babel import gettext as _
from markupsafe import Markup
from pygal.style import Style

_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#222",
    foreground_strong="#000",
    foreground_subtle="#666",
    colors=("#1f6f8b", "#e07a1f", "#3c8d2f", "#a23b72"),
    font_family="system-ui, sans-serif",
)


def bar_chart(
    title: str, labels: Sequence[str], series: dict[str, Sequence[float | None]], horizontal: bool = False
) -> Markup:
    """A bar chart as an `<svg>` element to place in a page (pygal's tooltip script left out: `js=[]`).

    Nothing to draw gives no chart at all: the table beside it already says the period holds nothing.
    """
    if not labels or all(v is None for values in series.values() for v in values):
        return Markup("")
    chart_class = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = chart_class(
        title=title,
        style=_STYLE,
        js=[],
        disable_xml_declaration=True,
        width=640,
        height=320,
        explicit_size=False,
        print_values=True,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        truncate_label=24,
        no_data_text=_("Nothing in this period"),
    )
    chart.x_labels = list(labels)
    for name, values in series.items():
        chart.add(name, list(values))
    return Markup(chart.render(is_unicode=True))
