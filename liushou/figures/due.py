"""The due list of data-format §9: who still needs what today, judged by the report's standards engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from liushou import terms
from liushou.figures.metrics import (
    CARE_SPANS,
    _judge,
    _judged_incidents,
    _Log,
    _Roster,
    _row_counts,
)
from liushou.load.model import Repository, Standard
from liushou.load.schema import RISKS
from liushou.terms import Period, Term

KINDS = ("urgent", "missed", "open")  # the order of data-format §9
KIND_ZH = {"urgent": "紧急", "missed": "上期未完成", "open": "本期待完成"}
UNATTENDED = "unattended"
INCIDENT = "incident"
UNATTENDED_TITLE = "无人监护：须立即报告并落实监护"
INCIDENT_LIMIT_ZH = {"guardian": "监护人", "parents": "父母", "authority": "上级"}
# care.risk from the highest down, then children without a level
RISK_ORDER = {risk: rank for rank, risk in enumerate(reversed(RISKS))}
NO_MENTOR = "（未结对）"


@dataclass(frozen=True)
class DueItem:
    """One line of the due list: a child and what is still to do (or was not done)."""

    kind: str  # urgent | missed | open
    item: str  # unattended | incident | a standard's id
    title: str  # the standard's name, or what the urgent item is about, in Chinese
    child_id: str
    name: str | None
    grade: int | None
    klass: int | None
    mentor: str | None
    risk: str | None
    period: Period
    done: int
    at_least: int
    deadline: dt.date
    last: dt.date | None
    detail: str = ""  # for an incident: which notices are missing or late (not in the JSON)

    @property
    def remaining(self) -> int:
        return max(self.at_least - self.done, 0)

    @property
    def class_key(self) -> str:
        """ "3-2", or "" when the record lacks grade or class."""
        if self.grade is None or self.klass is None:
            return ""
        return f"{self.grade}-{self.klass}"

    def to_json(self) -> dict[str, Any]:
        """The item as data-format §9's JSON shape."""
        return {
            "kind": self.kind,
            "item": self.item,
            "child_id": self.child_id,
            "name": self.name,
            "grade": self.grade,
            "class": self.klass,
            "mentor": self.mentor,
            "risk": self.risk,
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "done": self.done,
            "at_least": self.at_least,
            "remaining": self.remaining,
            "deadline": self.deadline.isoformat(),
            "last": self.last.isoformat() if self.last else None,
        }


@dataclass
class DueList:
    """The due list for one day: items in data-format §9 order; `term` is None outside every term."""

    school: str
    today: dt.date
    term: Term | None
    items: list[DueItem]
    staff: tuple[str, ...] = ()  # the school's staff order, for grouping by mentor
    standards: tuple[Standard, ...] = ()  # the standards the list was asked for
    scope: tuple[str, ...] = ()  # the filters asked for (standard id, mentor, "G-C"), as given

    def groups(self) -> list[tuple[str, list[DueItem]]]:
        """The items grouped by mentor (staff order, other names, then the unpaired), in order."""
        grouped: dict[str | None, list[DueItem]] = {}
        for item in self.items:
            grouped.setdefault(item.mentor, []).append(item)
        rank = {name: i for i, name in enumerate(self.staff)}

        def order(name: str | None) -> tuple:
            return (name is None, rank.get(name or "", len(rank)), name or "")

        return [(name or NO_MENTOR, grouped[name]) for name in sorted(grouped, key=order)]

    def to_json(self) -> dict[str, Any]:
        """data-format §9: {"school", "today", "term", "items": [...]} with no phone, ID or address."""
        return {**self.to_json_head(), "items": [item.to_json() for item in self.items]}

    def to_json_head(self) -> dict[str, Any]:
        """The JSON object's fields before "items"."""
        return {
            "school": self.school,
            "today": self.today.isoformat(),
            "term": self.term.name if self.term else None,
        }


def current_periods(every: str, term: Term, today: dt.date) -> tuple[Period | None, Period | None]:
    """The current and the previous period of kind `every`, each None when it is not the term's.

    A period belongs to the term when its midpoint lies in [start, end] (data-format §5 with the
    term's end in place of the as-of date), so these are the periods `report` judges.

    Args:
        every: "week", "month" or "term".
        term: the term containing today.
        today: the day the list is for.

    Returns:
        (current, previous).
    """
    periods = terms.due_periods(every, term, term.end)
    if every == "term":
        return (periods[0] if periods else None), None
    if every == "week":
        calendar_start = today - dt.timedelta(days=today.weekday())
    else:
        calendar_start = today.replace(day=1)
    current = next((p for p in periods if p.start == calendar_start), None)
    before = calendar_start - dt.timedelta(days=1)
    previous = next((p for p in periods if p.end == before), None)
    return current, previous


def _latest(log: _Log, standard: Standard, n: int, today: int) -> np.ndarray:
    """Each child's latest matching row (as a day ordinal, 0 for none) at or before today."""
    latest = np.zeros(n, dtype=np.int64)
    rows = (log.day <= today) & log.matching(standard.where)
    np.maximum.at(latest, log.pos[rows], log.day[rows])
    return latest


def _day(ordinal: int) -> dt.date | None:
    return dt.date.fromordinal(int(ordinal)) if ordinal > 0 else None


def compute_due(
    repo: Repository,
    today: dt.date,
    *,
    standard_id: str | None = None,
    mentor: str | None = None,
    class_key: tuple[int, int] | None = None,
) -> DueList:
    """The due list of data-format §9 for `today`.

    Missed items come from the same `_judge` the term report uses, over the same period and
    with today as the as-of date, so a finished month's missed items are its due − done.

    Args:
        repo: the loaded repository.
        today: the clock's date or `--today`.
        standard_id: only this standard's items (urgent items are listed whatever the standard).
        mentor: only children whose care.mentor is this name.
        class_key: only children of this (grade, class).

    Returns:
        The DueList; empty, with term None, outside every term.
    """
    settings = repo.settings
    standards = tuple(s for s in settings.standards if standard_id in (None, s.id))
    scope = tuple(
        text
        for text in (
            standard_id,
            mentor,
            f"{class_key[0]}-{class_key[1]}" if class_key else None,
        )
        if text
    )
    staff = tuple(settings.staff)
    term = terms.term_containing(today, settings)
    if term is None:
        return DueList(settings.school, today, None, [], staff, standards, scope)
    roster = _Roster.of(repo, repo.facts_store)
    day = today.toordinal()
    in_care = roster.in_care_on(day)
    keep = np.ones(len(roster), dtype=bool)
    if mentor is not None:
        keep &= np.array([m == mentor for m in roster.mentor], dtype=bool)
    if class_key is not None:
        wanted = f"{class_key[0]}-{class_key[1]}"
        keep &= np.array([k == wanted for k in roster.class_key], dtype=bool)

    ids, names, mentors = roster.ids, roster.names, roster.mentor
    grades, classes = roster.facts["grade_number"], roster.facts["class_number"]
    risks = [risk if risk in RISKS else None for risk in roster.facts["risk"]]

    def item(pos: int, **values: Any) -> DueItem:
        # As DueItem(...) makes it, without the frozen dataclass's one call per field: a
        # county's list has over 100,000 items.
        entry = object.__new__(DueItem)
        entry.__dict__.update(
            kind=values["kind"],
            item=values["item"],
            title=values["title"],
            child_id=ids[pos],
            name=names[pos],
            grade=grades[pos],
            klass=classes[pos],
            mentor=mentors[pos],
            risk=risks[pos],
            period=values["period"],
            done=values["done"],
            at_least=values["at_least"],
            deadline=values["deadline"],
            last=values["last"],
            detail=values.get("detail", ""),
        )
        return entry

    items: list[DueItem] = []
    today_period = Period(today, today, today, today.isoformat())
    unattended = (
        in_care
        & keep
        & np.array([g == "无人监护" for g in roster.facts["guardianship"]], dtype=bool)
    )
    for pos in np.flatnonzero(unattended).tolist():
        items.append(
            item(
                pos,
                kind="urgent",
                item=UNATTENDED,
                title=UNATTENDED_TITLE,
                period=today_period,
                done=0,
                at_least=1,
                deadline=today,
                last=None,
            )
        )
    for incident in _judged_incidents(repo, roster, term.start.toordinal(), day):
        if incident["on_time"] or not keep[incident["pos"]]:
            continue
        occurred = incident["occurred_on"]
        parts = [
            label + "、".join(INCIDENT_LIMIT_ZH[k] for k in incident[key])
            for key, label in (("missing", "未通知/报告："), ("late", "超时："))
            if incident[key]
        ]
        late_or_missing = len(set(incident["missing"]) | set(incident["late"]))
        items.append(
            item(
                incident["pos"],
                kind="urgent",
                item=INCIDENT,
                title=f"突发事件（{occurred}）未按时通知或报告",
                period=Period(occurred, occurred, occurred, occurred.isoformat()),
                done=3 - late_or_missing,
                at_least=3,
                deadline=occurred,
                last=occurred,
                detail="；".join(parts),
            )
        )

    def add(kind: str, period: Period, positions, counts, latest, common: dict) -> None:
        """The items of one standard and period: the children at `positions` (a mask)."""
        for pos in np.flatnonzero(positions).tolist():
            items.append(
                item(
                    pos,
                    kind=kind,
                    period=period,
                    done=int(counts[pos]),
                    deadline=min(period.end, term.end),
                    last=_day(latest[pos]),
                    **common,
                )
            )

    logs: dict[str, _Log] = {}
    returns = _Log.of(repo, "returns", roster)
    for standard in standards:
        # The standard's own care rule (data-format §11: a dropout counts until it returns).
        first, stop = span = CARE_SPANS[standard.in_care](roster, returns)
        cared_for = (first <= day) & (day < stop)
        if standard.log not in logs:
            logs[standard.log] = _Log.of(repo, standard.log, roster)
        log = logs[standard.log]
        current, previous = current_periods(standard.every, term, today)
        latest = _latest(log, standard, len(roster), day)
        common = {"item": standard.id, "title": standard.name, "at_least": standard.at_least}
        if previous is not None:
            judged = _judge(standard, [previous], roster, log, day, span)
            missed = judged.due[:, 0] & ~judged.done[:, 0] & keep
            add("missed", previous, missed, judged.counts[:, 0], latest, common)
        if current is not None:
            counts = _row_counts(standard, [current], roster, log, day)[:, 0]
            open_ = (
                roster.matches(standard.applies_to)
                & cared_for
                & keep
                & (counts < standard.at_least)
            )
            add("open", current, open_, counts, latest, common)

    rank = {s.id: i for i, s in enumerate(settings.standards)}
    big = 10**9

    def order(entry: DueItem) -> tuple:
        kind = KINDS.index(entry.kind)
        return (
            kind,
            entry.deadline if entry.kind == "open" else dt.date.min,
            RISK_ORDER.get(entry.risk or "", len(RISK_ORDER)),
            big if entry.grade is None else entry.grade,
            big if entry.klass is None else entry.klass,
            entry.child_id,
            rank.get(entry.item, -1),
            entry.period.start,
        )

    items.sort(key=order)
    return DueList(settings.school, today, term, items, staff, standards, scope)
