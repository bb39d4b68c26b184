"""Charts of a county roll-up as PNG bytes: schools by a care standard's rate, guardianship summed."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from liushou.documents.charts import SIZE_INCHES, _figure, _png, guardianship_chart
from liushou.figures.rollup import MAX_BARS, CountyFigures, below

BAR_INCHES = 0.24
BELOW_COLOR = "#c0392b"
AT_TARGET_COLOR = "#4a7ebb"


def standard_schools_chart(figures: CountyFigures, sid: str, title: bool = True) -> bytes:
    """Horizontal bars: each school's rate for one care standard, best on top, the county's
    target as a dashed line and bars under it in red. With more than MAX_BARS schools, only
    the MAX_BARS lowest are drawn (those are the ones the county office follows up).

    Args:
        figures: the county's figures (uses standards, schools and rankings).
        sid: the standard's id.
        title: draw a title inside the image.

    Returns:
        PNG bytes.
    """
    standard = figures.standards[sid]
    ranked = [
        figures.schools[i]
        for i in figures.rankings.get(sid, [])
        if figures.schools[i]["standards"].get(sid, {}).get("rate") is not None
    ]
    cut = len(ranked) > MAX_BARS
    shown = ranked[-MAX_BARS:] if cut else ranked
    target = standard["target"]
    height = max(SIZE_INCHES[1], 1.2 + BAR_INCHES * len(shown))

    def paint(figure: Figure) -> None:
        figure.set_size_inches(SIZE_INCHES[0], height)
        axes = figure.add_subplot()
        names = [row["school"] for row in shown]
        rates = [row["standards"][sid]["rate"] for row in shown]
        colors = [BELOW_COLOR if below(r, target) else AT_TARGET_COLOR for r in rates]
        # barh draws the first item at the bottom: reverse so the best school is on top.
        bars = axes.barh(names[::-1], rates[::-1], color=colors[::-1], height=0.6)
        axes.bar_label(bars, labels=[f"{r * 100:.1f}%" for r in rates[::-1]], padding=3)
        axes.axvline(
            target,
            color=BELOW_COLOR,
            linestyle="--",
            linewidth=1,
            label=f"目标 {target * 100:.0f}%",
        )
        axes.set_xlim(0, 1.15)
        axes.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        axes.spines[["top", "right"]].set_visible(False)
        if shown:
            axes.legend(loc="lower right", fontsize=9, frameon=True, framealpha=0.9)
        else:
            axes.text(0.5, 0.5, "没有数据", transform=axes.transAxes)
        if title:
            suffix = f"（完成率最低的 {MAX_BARS} 所）" if cut else ""
            axes.set_title(standard["name"] + "：各校完成率" + suffix)

    return _png(_figure(paint))


def county_charts(figures: CountyFigures, title: bool = True) -> dict[str, bytes]:
    """Every chart of the county summary, by the key the templates use: `guardianship`, and
    `standard-<id>` for each care standard."""
    charts = {"guardianship": guardianship_chart(figures, title=title)}  # reads only breakdowns
    for sid in figures.standards:
        charts[f"standard-{sid}"] = standard_schools_chart(figures, sid, title=title)
    return charts
