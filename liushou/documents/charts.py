"""Charts of a term's figures as PNG bytes: care standards month by month, guardianship types.

Charts use matplotlib's object API with the Agg canvas (no pyplot, no global state). Labels are
Chinese when a CJK font is installed; otherwise ASCII, so a chart never shows missing-glyph boxes.
The PNG carries no software or date metadata: the same figures give the same bytes.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable

from matplotlib import font_manager, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from liushou.figures.metrics import TermFigures
from liushou.terms import months

# Preferred first: simplified-Chinese sans-serif faces, then any CJK face that covers hanzi.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "STHeiti",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "AR PL UMing CN",
    "Droid Sans Fallback",
)
GUARDIANSHIP_ASCII = {
    "隔代监护": "Grandparents",
    "寄养监护": "Relatives / foster",
    "单亲监护": "One parent",
    "无人监护": "No guardian",
    "其他": "Other",
    "未填": "Not filled in",
}
DPI = 150
SIZE_INCHES = (6.0, 3.2)


@functools.cache
def cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs, or None."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


class _Labels:
    """Chinese labels, or ASCII stand-ins when no CJK font is installed."""

    def __init__(self, chinese: bool):
        self.chinese = chinese

    def pick(self, chinese: str, ascii_text: str) -> str:
        return chinese if self.chinese else ascii_text

    def text(self, value: str, fallback: str) -> str:
        """`value` itself when it can be drawn, else `fallback`."""
        return value if self.chinese or value.isascii() else fallback

    def month(self, label: str) -> str:
        """ "2015-09" -> "9月" (or "2015-09" without CJK glyphs)."""
        return f"{int(label[5:])}月" if self.chinese else label


def _draw(paint: Callable[[Figure, _Labels], None]) -> bytes:
    font = cjk_font()
    labels = _Labels(font is not None)
    rc = {"axes.unicode_minus": False, "font.size": 10}
    if font:
        rc["font.family"] = "sans-serif"
        rc["font.sans-serif"] = [font, "DejaVu Sans"]
    with rc_context(rc):
        figure = Figure(figsize=SIZE_INCHES, dpi=DPI)
        FigureCanvasAgg(figure)
        paint(figure, labels)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def standard_chart(figures: TermFigures, title: bool = True) -> bytes:
    """Each care standard's completion rate month by month, with the target as a dashed line.

    Weekly periods are summed into the month they end in; a once-a-term standard is one point
    at the last month.

    Args:
        figures: the term's figures (uses standards and standard_periods).
        title: draw a title inside the image (off when the document has its own caption).

    Returns:
        PNG bytes.
    """
    month_labels = [period.label for period in months(figures.term, figures.as_of)]

    def paint(figure: Figure, labels: _Labels) -> None:
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
            name = labels.text(entry["name"], labels.text(sid, f"standard {index + 1}"))
            once = entry.get("every") == "term"
            if once:
                name += labels.pick("（全学期）", " (whole term)")
            axes.plot(
                xs,
                ys,
                marker="s" if once else "o",
                linestyle="none" if once else "-",
                linewidth=1.6,
                markersize=6 if once else 4.5,
                label=name,
            )
        for target in sorted({entry["target"] for entry in figures.standards.values()}):
            axes.axhline(
                target,
                color="#c0392b",
                linestyle="--",
                linewidth=1,
                label=labels.pick("目标", "target") + f" {target * 100:.0f}%",
            )
        axes.set_ylim(0, 1.05)
        axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        axes.set_xticks(range(len(month_labels)), [labels.month(m) for m in month_labels])
        axes.set_xlim(-0.4, max(len(month_labels) - 0.6, 0.6))
        axes.grid(axis="y", color="#dddddd", linewidth=0.6)
        axes.spines[["top", "right"]].set_visible(False)
        if title:
            axes.set_title(
                labels.pick("各项关爱制度逐月完成率", "Care standards: completion by month")
            )
        if figures.standards:
            axes.legend(loc="lower left", fontsize=9, frameon=True, framealpha=0.9)

    return _draw(paint)


def guardianship_chart(figures: TermFigures, title: bool = True) -> bytes:
    """Horizontal bars: how many left-behind children live under each kind of guardianship.

    Args:
        figures: the term's figures (uses breakdowns["by_guardianship"]).
        title: draw a title inside the image.

    Returns:
        PNG bytes.
    """
    counts = figures.breakdowns.get("by_guardianship", {})

    def paint(figure: Figure, labels: _Labels) -> None:
        axes = figure.add_subplot()
        names = [
            labels.text(key, GUARDIANSHIP_ASCII.get(key, f"type {i + 1}"))
            for i, key in enumerate(counts)
        ]
        values = list(counts.values())
        # Largest group on top: barh draws the first item at the bottom.
        bars = axes.barh(names[::-1], values[::-1], color="#4a7ebb", height=0.6)
        unit = labels.pick(" 人", "")
        axes.bar_label(bars, labels=[f"{v}{unit}" for v in values[::-1]], padding=3)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlim(0, max(values, default=1) * 1.15 or 1)
        axes.set_xlabel(labels.pick("人数", "children"))
        axes.spines[["top", "right"]].set_visible(False)
        if not counts:
            axes.text(0.5, 0.5, labels.pick("没有数据", "no data"), transform=axes.transAxes)
        if title:
            axes.set_title(labels.pick("留守儿童监护类型", "Left-behind children by guardianship"))

    return _draw(paint)
