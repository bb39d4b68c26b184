"""The table of term metrics (data-format §6–6.3): key, Chinese label, default target and counts.

Each metric is a numerator over a denominator taken from the term's `Counts`; the figures,
the JSON `counts`, the settings' known targets, the report's lines and the templates' sample
figures all read this table. Adding a rate is one `Metric` here (plus a new field of `Counts`
and the code that fills it in figures/metrics.py when no existing count serves).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Counts:
    """What the term's rates are made of: children counted on the as-of date unless named."""

    population: int  # N(T)
    archived: int  # of N, archive-complete
    paired: int  # of N, with care.mentor
    vaccinated: int
    trained: int
    students_total: int  # 全校学生数 for the term (0 when unknown)
    in_care_during: int  # U of §6.2
    transferred_out: int
    dropped_out: int
    incidents: int
    incidents_on_time: int


@dataclass(frozen=True)
class Metric:
    """One rate of the term report."""

    key: str
    label: str
    count: Callable[[Counts], tuple[int, int]]  # (numerator, denominator)
    target: float | None = None  # the default target; None: none unless the school sets one
    settable: bool = True  # whether liushou.yaml `targets` may name it
    listed: bool = True  # whether the report lists it among the rates with their targets

    def rate(self, counts: Counts) -> float | None:
        """numerator / denominator, or None when the denominator is 0."""
        numerator, denominator = self.count(counts)
        return float(numerator) / float(denominator) if denominator else None


METRICS: tuple[Metric, ...] = (
    Metric("archive_rate", "建档率", lambda c: (c.archived, c.population), 1.0),
    Metric("pairing_rate", "结对帮扶率", lambda c: (c.paired, c.population), 1.0),
    Metric("vaccination_rate", "免疫接种率", lambda c: (c.vaccinated, c.population), 0.95),
    Metric(
        "training_rate", "家教知识普及率（监护人培训）", lambda c: (c.trained, c.population), 0.95
    ),
    Metric(
        "retention_rate",
        "巩固率",
        lambda c: (
            c.in_care_during - c.transferred_out - c.dropped_out,
            c.in_care_during - c.transferred_out,
        ),
        1.0,
    ),
    Metric(
        "left_behind_share",
        "留守儿童占在校生比例",
        # Unknown students_total counts as 0 / 0, so a county's sum is not inflated by it.
        lambda c: (c.population if c.students_total else 0, c.students_total),
        settable=False,
        listed=False,
    ),
    Metric(
        "incident_on_time_rate",
        "突发事件按时处置率",
        lambda c: (c.incidents_on_time, c.incidents),
    ),
)

METRIC_BY_KEY = {metric.key: metric for metric in METRICS}
DEFAULT_TARGETS = {m.key: m.target for m in METRICS if m.target is not None}
TARGET_KEYS = tuple(m.key for m in METRICS if m.settable)
