"""The term calendar of data-format §5: term names, dates, the as-of date and the periods of a term."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from liushou.errors import TermError

TERM_NAME = re.compile(r"(\d{4})-(autumn|spring)")

SEASONS = ("autumn", "spring")
PERIOD_KINDS = ("week", "month", "term")


@dataclass(frozen=True)
class Term:
    """One school term (学期) with its first and last day, both inclusive."""

    name: str
    start: dt.date
    end: dt.date

    @property
    def midpoint(self) -> dt.date:
        """start + ⌊(end − start)/2⌋ days (data-format §5)."""
        return self.start + dt.timedelta(days=(self.end - self.start).days // 2)


@dataclass(frozen=True)
class Period:
    """A week, month or term over which a care standard is judged.

    `start` and `end` are inclusive. `label` names the period in reports: "2015-10" for a month,
    the ISO week "2015-W41" for a week, the term's name for a term.
    """

    start: dt.date
    end: dt.date
    midpoint: dt.date
    label: str


def parse_term_name(name: str) -> tuple[int, str]:
    """Split a term name such as "2015-autumn".

    Args:
        name: the term name as written by the school.

    Returns:
        (year, season) with season "autumn" or "spring".

    Raises:
        ValueError: with a Chinese message when the name is not `YYYY-autumn` / `YYYY-spring`.
    """
    match = TERM_NAME.fullmatch(name.strip()) if isinstance(name, str) else None
    # Year 9999 is refused because its autumn term would end in year 10000.
    if match is None or not 1 <= int(match.group(1)) <= 9998:
        raise ValueError(
            f"学期名称 {name!r} 格式不对：应为 YYYY-autumn（秋季学期）或 YYYY-spring（春季学期），"
            "例如 2015-autumn"
        )
    return int(match.group(1)), match.group(2)


def default_term(name: str) -> Term:
    """The term of the default calendar (autumn 09-01..01-31, spring 02-15..07-10).

    Args:
        name: a term name such as "2015-autumn".

    Returns:
        The Term without any school override.
    """
    year, season = parse_term_name(name)
    if season == "autumn":
        return Term(name.strip(), dt.date(year, 9, 1), dt.date(year + 1, 1, 31))
    return Term(name.strip(), dt.date(year, 2, 15), dt.date(year, 7, 10))


def term_for(name: str, settings: Any) -> Term:
    """The term named `name`, with liushou.yaml `terms` overrides applied.

    Args:
        name: a term name such as "2015-autumn".
        settings: the school's Settings (only `settings.terms` is read; None means no overrides).

    Returns:
        The Term.

    Raises:
        ValueError: for a malformed name, or an override whose end is before its start.
    """
    term = default_term(name)
    overrides: Mapping[str, Any] = getattr(settings, "terms", None) or {}
    if term.name in overrides:
        start, end = overrides[term.name]
        if end < start:
            raise ValueError(f"学期 {term.name} 的结束日期 {end} 早于开始日期 {start}")
        term = Term(term.name, start, end)
    return term


def as_of(term: Term, today: dt.date) -> dt.date:
    """The as-of date: the term's end, or today if the term has not ended yet.

    For a term that has not begun this is before the term's start, so nothing of the term counts.

    Args:
        term: the term reported on.
        today: the clock's date or `--today`.

    Returns:
        The last day whose records count.
    """
    return min(term.end, today)


def term_containing(day: dt.date, settings: Any) -> Term | None:
    """The term whose [start, end] contains `day`, or None between terms.

    Args:
        day: any date.
        settings: the school's Settings (its `terms` overrides are honoured).

    Returns:
        The Term, or None (e.g. in the summer holiday). If overrides make two terms overlap,
        the one that started later wins, since it is the one the school is now in.
    """
    names = {f"{year}-{season}" for year in range(day.year - 2, day.year + 2) for season in SEASONS}
    for name in getattr(settings, "terms", None) or {}:
        try:
            parse_term_name(name)
        except ValueError:
            continue
        names.add(name.strip())
    found: Term | None = None
    for name in sorted(names):
        try:
            term = term_for(name, settings)
        except ValueError:
            continue
        if term.start <= day <= term.end and (found is None or term.start > found.start):
            found = term
    return found


def months(term: Term, as_of_date: dt.date) -> list[Period]:
    """The calendar months that belong to the term: their 15th lies in [start, as-of].

    Args:
        term: the term.
        as_of_date: the term's as-of date.

    Returns:
        The months in order, each as a Period from its 1st to its last day.
    """
    periods = []
    year, month = term.start.year, term.start.month
    while True:
        first = dt.date(year, month, 1)
        if first > as_of_date:
            break
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        last = dt.date(year, month, 1) - dt.timedelta(days=1)
        midpoint = first.replace(day=15)
        if term.start <= midpoint <= as_of_date:
            periods.append(Period(first, last, midpoint, f"{first:%Y-%m}"))
    return periods


def weeks(term: Term, as_of_date: dt.date) -> list[Period]:
    """The Monday–Sunday weeks that belong to the term: their Thursday lies in [start, as-of].

    Args:
        term: the term.
        as_of_date: the term's as-of date.

    Returns:
        The weeks in order, labelled by ISO week ("2015-W37").
    """
    periods = []
    monday = term.start - dt.timedelta(days=term.start.weekday())
    while True:
        thursday = monday + dt.timedelta(days=3)
        if thursday > as_of_date:
            break
        if thursday >= term.start:
            iso_year, iso_week, _ = thursday.isocalendar()
            sunday = monday + dt.timedelta(days=6)
            periods.append(Period(monday, sunday, thursday, f"{iso_year}-W{iso_week:02d}"))
        monday += dt.timedelta(days=7)
    return periods


def due_periods(every: str, term: Term, as_of_date: dt.date) -> list[Period]:
    """The periods of kind `every` that belong to the term (data-format §5, §6.4).

    For `term` the single period is [start, as-of] with the term's midpoint; it belongs only once
    the as-of date has reached that midpoint, so a young term has no term-period yet.

    Args:
        every: "week", "month" or "term" (a care standard's `every`).
        term: the term.
        as_of_date: the term's as-of date.

    Returns:
        The periods in order; empty when none belongs yet.

    Raises:
        ValueError: for an unknown kind.
    """
    if every == "month":
        return months(term, as_of_date)
    if every == "week":
        return weeks(term, as_of_date)
    if every == "term":
        if term.start <= term.midpoint <= as_of_date:
            return [Period(term.start, as_of_date, term.midpoint, term.name)]
        return []
    raise ValueError(f"关爱制度的周期 every 应为 week、month 或 term，而不是 {every!r}")


def resolve_term(name: str | None, settings: Any, today: dt.date) -> Term:
    """The term to report on: `name`, or the term containing today, or the latest one ended.

    Raises:
        TermError: the name is malformed.
    """
    if name is None:
        term = term_containing(today, settings)
        if term is not None:
            return term
        # Between terms (winter or summer break) the summary being written is the last term's.
        year = today.year
        candidates = [f"{y}-{s}" for y in (year - 1, year) for s in ("spring", "autumn")]
        ended = [t for t in (term_for(n, settings) for n in candidates) if t.end < today]
        return max(ended, key=lambda t: t.end)
    try:
        return term_for(name, settings)
    except ValueError as exc:
        raise TermError(str(exc)) from None
