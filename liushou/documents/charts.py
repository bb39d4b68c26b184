"""Charts of a term's figures as PNG bytes: care standards month by month, guardianship types.

Charts use matplotlib's object API with the Agg canvas (no pyplot, no global state). Labels are
always Chinese, drawn with the font bundled in liushou/fonts (a subset of Noto Sans CJK SC under
the SIL OFL), registered with matplotlib by file path: a machine without any Chinese font, or
with a font cache that has never seen one, draws the same chart. Lines differ by marker and
dash style, not by colour alone, so the chart reads in black-and-white print.
The PNG carries no software or date metadata: the same figures give the same bytes.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from matplotlib import font_manager, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from liushou.figures.metrics import TermFigures
from liushou.terms import months

FONT_FILE_NAME = "LiushouSansSC-Regular.otf"
DPI = 150
SIZE_INCHES = (6.0, 3.2)
# One (marker, dash style, grey) per standard, in order: distinguishable in black and white.
LINE_STYLES = (
    ("o", "-", "#000000"),
    ("s", "--", "#404040"),
    ("^", "-.", "#606060"),
    ("D", ":", "#202020"),
    ("v", (0, (5, 1, 1, 1, 1, 1)), "#505050"),
    ("x", (0, (1, 1)), "#303030"),
)


def font_file() -> Path:
    """The bundled chart font's path inside the installed package."""
    return Path(str(resources.files("liushou") / "fonts" / FONT_FILE_NAME))


@functools.cache
def chart_font() -> str:
    """Register the bundled font with matplotlib's font manager by file path; its family name.

    Registering by path needs no system font and no rebuilt font cache; done once per process.
    """
    path = font_file()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _month(label: str) -> str:
    """ "2015-09" -> "9月"."""
    return f"{int(label[5:])}月"


def _rc() -> dict:
    # DejaVu Sans after the bundled font: matplotlib falls back glyph by glyph to it for the
    # rare sign outside GB 2312 (the bundled subset covers every hanzi a label normally needs).
    return {
        "axes.unicode_minus": False,
        "font.size": 10,
        "font.family": [chart_font(), "DejaVu Sans"],
    }


def _figure(paint: Callable[[Figure], None]) -> Figure:
    """A drawn figure: text artists (tick labels too) exist and carry the bundled font."""
    with rc_context(_rc()):
        figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
        FigureCanvasAgg(figure)
        paint(figure)
        figure.tight_layout()
        figure.canvas.draw()
    return figure


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    with rc_context(_rc()):
        figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def standard_figure(figures: TermFigures, title: bool = True) -> Figure:
    """The drawn figure behind `standard_chart` (for tests that look at its text)."""
    month_labels = [period.label for period in months(figures.term, figures.as_of)]

    def paint(figure: Figure) -> None:
        axes = figure.add_subplot()
        positions = {label: i for i, label in enumerate(month_labels)}
        for index, (sid, entry) in enumerate(figures.standards.items()):
            due = [0] * len(month_labels)
            done = [0] * len(month_labels)
            for period in figures.standard_periods.get(sid, []):
                if not month_labels:
                    break
                key = f"{period['end']:%Y-%m}"
                slot = positions.get(key, len(month_labels) - 1 if key > month_labels[-1] else 0)
                due[slot] += period["due"]
                done[slot] += period["done"]
            xs = [i for i, n in enumerate(due) if n]
            ys = [done[i] / due[i] for i in xs]
            marker, dashes, colour = LINE_STYLES[index % len(LINE_STYLES)]
            name = entry["name"]
            once = entry.get("every") == "term"
            if once:
                name += "（全学期）"
            axes.plot(
                xs,
                ys,
                marker=marker,
                linestyle="none" if once else dashes,
                color=colour,
                linewidth=1.4,
                markersize=7 if once else 5,
                markerfacecolor="white" if index % 2 else colour,
                label=name,
            )
        for target in sorted({entry["target"] for entry in figures.standards.values()}):
            axes.axhline(
                target,
                color="#888888",
                linestyle=(0, (2, 2)),
                linewidth=1,
                label=f"目标 {target * 100:.0f}%",
            )
        axes.set_ylim(0, 1.05)
        axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        axes.set_xticks(range(len(month_labels)), [_month(m) for m in month_labels])
        axes.set_xlim(-0.4, max(len(month_labels) - 0.6, 0.6))
        axes.grid(axis="y", color="#dddddd", linewidth=0.6)
        axes.spines[["top", "right"]].set_visible(False)
        if title:
            axes.set_title("各项关爱制度逐月完成率")
        if figures.standards:
            axes.legend(loc="lower left", fontsize=8.5, frameon=True, framealpha=0.9)

    return _figure(paint)


def standard_chart(figures: TermFigures, title: bool = True) -> bytes:
    """Each care standard's completion rate month by month, with the target as a dotted line.

    Weekly periods are summed into the month they end in; a once-a-term standard is one point
    at the last month.

    Args:
        figures: the term's figures (uses standards and standard_periods).
        title: draw a title inside the image (off when the document has its own caption).

    Returns:
        PNG bytes.
    """
    return _png(standard_figure(figures, title))


def guardianship_figure(figures: TermFigures, title: bool = True) -> Figure:
    """The drawn figure behind `guardianship_chart` (for tests that look at its text)."""
    counts = figures.breakdowns.get("by_guardianship", {})

    def paint(figure: Figure) -> None:
        axes = figure.add_subplot()
        names = list(counts)
        values = list(counts.values())
        # Largest group on top: barh draws the first item at the bottom.
        bars = axes.barh(
            names[::-1], values[::-1], color="#9a9a9a", edgecolor="#000000", height=0.6
        )
        axes.bar_label(bars, labels=[f"{v}人" for v in values[::-1]], padding=3)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlim(0, max(values, default=1) * 1.15 or 1)
        axes.set_xlabel("人数")
        axes.spines[["top", "right"]].set_visible(False)
        if not counts:
            axes.text(0.5, 0.5, "没有数据", transform=axes.transAxes)
        if title:
            axes.set_title("留守儿童监护类型")

    return _figure(paint)


def guardianship_chart(figures: TermFigures, title: bool = True) -> bytes:
    """Horizontal bars: how many left-behind children live under each kind of guardianship.

    Args:
        figures: the term's figures (uses breakdowns["by_guardianship"]).
        title: draw a title inside the image.

    Returns:
        PNG bytes.
    """
    return _png(guardianship_figure(figures, title))
