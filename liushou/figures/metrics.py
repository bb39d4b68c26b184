"""The figures of one term (data-format §6) computed from a loaded repository, as plain data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from liushou import terms
from liushou.errors import TermError
from liushou.figures.facts import (
    FOREVER,
    NEVER,
    applies_fields,
    facts_of,
    field_column,
    norm,
    whole_number,
)
from liushou.load.model import Child, Repository, Standard, in_care  # noqa: F401 - re-exported
from liushou.load.schema import ENTRUSTED_GUARDIANSHIPS, GENDERS, GUARDIANSHIPS, LEFT_BEHIND_TYPES
from liushou.logspec import EVERYONE, INCIDENT_KINDS, LOGS, RETURN_ACTIONS, RETURNED
from liushou.metricspec import METRICS, Counts
from liushou.terms import Period, Term

UNFILLED = "未填"  # breakdown key for a child whose field is absent or invalid, so counts sum to N

# Only these kinds are shown: any other text in a kind cell (a check error) could hold a name
# or a phone number, so an aid row with it is left out and an activity with it reads as 其他.
AID_KINDS = LOGS["aid"].allowed("kind")
ACTIVITY_KINDS = LOGS["activities"].allowed("kind")
OTHER_KIND = "其他"
LEAVING_STATUSES = ("转出", "辍学", "休学", "毕业")
DETAIL_LOGS = tuple(name for name, spec in LOGS.items() if spec.counted)

BREAKDOWN_NAMES = (
    "by_guardianship",
    "by_type",
    "by_gender",
    "by_grade",
    "by_boarding",
    "by_class",
)


# incident_limits_minutes key -> the incidents.csv column it limits
INCIDENT_DEADLINES = {
    "guardian": "guardian_notified_at",
    "parents": "parents_notified_at",
    "authority": "reported_at",
}

_EPOCH = dt.date(1970, 1, 1).toordinal()


@dataclass
class TermFigures:
    """Everything a term report shows. Only plain data: str, int, float, None, date, lists, dicts.

    The first group of fields is what `to_json` emits (data-format §7); the rest is detail for the
    Markdown and Word reports. Rates are unrounded and None when their denominator is 0.
    Detail that names children (`standard_missing`) must only be shown when names are asked for.

    - standards: id -> {name, due, done, rate, target, log, every}
    - standard_periods: id -> [{label, start, end, due, done, rate}], one per period of the
      standard's own kind (months "2015-10", ISO weeks "2015-W41", or the term's name)
    - standard_missing: id -> [{child_id, name, class, period}], due and not done, period by period
    - class_rows / mentor_rows: [{class | mentor, children (of N), archive_rate, pairing_rate,
      standards: {id: {due, done, rate}}}]; a class row for every class with a child in care
      during the term, a mentor row for every name used as care.mentor (rates None when
      children or due is 0); classes ordered by grade then class, mentors in staff order
    - incident_list: [{occurred_on, on_time, missing, late, line}], missing and late naming the
      limits ("guardian", "parents", "authority") that were not met; no names
    - aid: kind -> {rows, children, amount}, aid_total: {rows, children, amount}; only rows
      whose kind is one of AID_KINDS
    - activities: [{date, title, kind, participants_count, everyone}] dated in [start, as-of];
      a kind outside ACTIVITY_KINDS reads as 其他
    - health_checks: {rows, children} of 体检 in [start, as-of]
    - log_counts: log name -> rows dated in [start, as-of]
    - retention: {u, out, dropped} of data-format §6; status_changes: status -> children of U whose
      status took effect in (start, as-of]; joined: children of U whose care began after the
      start; left_behind_ended: children of U whose left_behind.until fell in (start, as-of]
    - students_total: 全校学生数 for the term, or None
    - duties: the legal duties of data-format §11 (see `_duties`): counts only
    """

    school: str
    term: Term
    as_of: dt.date
    population: int
    metrics: dict[str, float | None]
    counts: dict[str, list[int]]  # metric key -> [numerator, denominator], data-format §12
    targets: dict[str, float]
    standards: dict[str, dict[str, Any]]
    incidents: dict[str, int]
    breakdowns: dict[str, dict[str, int]]
    mentors: dict[str, dict[str, Any]]

    standard_periods: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # A mapping like a dict, its lists made when first read (_MissingLists)
    standard_missing: Mapping[str, list[dict[str, Any]]] = field(default_factory=dict)
    class_rows: list[dict[str, Any]] = field(default_factory=list)
    mentor_rows: list[dict[str, Any]] = field(default_factory=list)
    incident_list: list[dict[str, Any]] = field(default_factory=list)
    aid: dict[str, dict[str, Any]] = field(default_factory=dict)
    aid_total: dict[str, Any] = field(default_factory=dict)
    activities: list[dict[str, Any]] = field(default_factory=list)
    health_checks: dict[str, int] = field(default_factory=dict)
    log_counts: dict[str, int] = field(default_factory=dict)
    retention: dict[str, int] = field(default_factory=dict)
    status_changes: dict[str, int] = field(default_factory=dict)
    joined: int = 0
    left_behind_ended: int = 0
    students_total: int | None = None
    duties: dict[str, Any] = field(default_factory=lambda: empty_duties())

    def to_json(self) -> dict[str, Any]:
        """The machine-readable object of data-format §7 (no phones, ID numbers, addresses or names).

        Returns:
            A dict ready for `json.dumps`, keys exactly as in data-format §7.
        """
        return {
            "school": self.school,
            "term": self.term.name,
            "start": self.term.start.isoformat(),
            "end": self.term.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "population": self.population,
            "metrics": {m.key: self.metrics.get(m.key) for m in METRICS},
            "targets": dict(self.targets),
            "standards": {
                sid: {key: entry[key] for key in ("name", "due", "done", "rate", "target")}
                for sid, entry in self.standards.items()
            },
            "incidents": {"count": self.incidents["count"], "on_time": self.incidents["on_time"]},
            "breakdowns": {name: dict(self.breakdowns.get(name, {})) for name in BREAKDOWN_NAMES},
            "mentors": {
                name: {"children": entry["children"], "standards": dict(entry["standards"])}
                for name, entry in self.mentors.items()
            },
            "counts": {m.key: list(self.counts[m.key]) for m in METRICS},
            "duties": {
                "notice": list(self.duties["notice"]),
                "unattended": self.duties["unattended"],
                "incidents_by_kind": dict(self.duties["incidents_by_kind"]),
                "dropouts": self.duties["dropouts"],
                "returned": self.duties["returned"],
            },
        }


# ---------------------------------------------------------------------------- all children


class _Roster:
    """The children as parallel arrays in id order, so that masks replace loops."""

    def __init__(
        self, children: Mapping[str, Child], store: Any = None, fields: Sequence[str] = ()
    ):
        """`store`: the repository's facts cache (load.cache.FactsStore), or None; `fields`:
        the dotted fields the standards' applies_to read, kept with the facts."""
        self.ids, facts = facts_of(children, store, fields)
        self.index = pd.Index(self.ids)
        self.facts = facts
        self.first = np.array(self.facts["first"], dtype=np.int64)
        self.stop = np.array(self.facts["stop"], dtype=np.int64)
        self.status_day = np.array(self.facts["status_day"], dtype=np.int64)
        self.until_day = np.array(self.facts["until_day"], dtype=np.int64)
        self.archived = np.array(self.facts["archived"], dtype=bool)
        self.vaccinated = np.array(self.facts["vaccinated"], dtype=bool)
        self.status = np.array(self.facts["status"], dtype=object)
        self.names = self.facts["name"]
        self.mentor = self.facts["mentor"]
        self.paired = np.array([m is not None for m in self.mentor], dtype=bool)
        self.class_key = self.facts["class"]
        self.guardianship = np.array(self.facts["guardianship"], dtype=object)
        self.notice_day = np.array(self.facts["notice_day"], dtype=np.int64)
        self._fields: dict[str, pd.Series] = {
            dotted: pd.Series(facts[field_column(dotted)], dtype=object) for dotted in fields
        }

    @classmethod
    def of(cls, repo: Repository, store: Any = None) -> _Roster:
        """The roster of `repo`, with the fields its standards' applies_to read."""
        return cls(repo.children, store, applies_fields(repo.settings))

    def __len__(self) -> int:
        return len(self.ids)

    def in_care_on(self, day: int) -> np.ndarray:
        return (self.first <= day) & (day < self.stop)

    def in_care_during(self, start: int, end: int) -> np.ndarray:
        """In care on at least one day of [start, end]: max(first, start) is such a day."""
        if end < start:
            return np.zeros(len(self), dtype=bool)
        return (self.first <= end) & (self.first < self.stop) & (start < self.stop)

    def matches(self, applies_to: dict[str, list[Any]]) -> np.ndarray:
        """Which children a standard's applies_to lets in (every listed field must match)."""
        mask = np.ones(len(self), dtype=bool)
        for dotted, allowed in (applies_to or {}).items():
            values = allowed if isinstance(allowed, (list, tuple, set)) else [allowed]
            mask &= self._fields[dotted].isin([norm(v) for v in values]).to_numpy()
        return mask


# ---------------------------------------------------------------------------- logs


def _ordinals(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Day ordinals of a date or datetime column, and which rows hold a readable date."""
    if not pd.api.types.is_datetime64_any_dtype(column):
        column = pd.to_datetime(column, errors="coerce")
    if getattr(column.dt, "tz", None) is not None:
        column = column.dt.tz_localize(None)
    days = column.to_numpy().astype("datetime64[D]")
    valid = ~np.isnat(days)
    return np.where(valid, days.astype(np.int64), 0) + _EPOCH, valid


def _strings(frame: pd.DataFrame, column: str) -> pd.Series:
    # The loader already strips every cell; stripping a million cells again costs a second.
    if column not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[column].fillna("").astype(str)


@dataclass
class _Log:
    """A log's rows that name a known child and carry a readable date."""

    frame: pd.DataFrame
    pos: np.ndarray  # the child's position in the roster
    day: np.ndarray  # the date as a day ordinal

    @classmethod
    def of(cls, repo: Repository, name: str, roster: _Roster) -> _Log:
        """The rows of log `name`, dated by its main date (incidents: occurred_at)."""
        date_column = LOGS[name].main_date
        frame = repo.logs.get(name)
        if frame is None or not {"child_id", date_column} <= set(frame.columns):
            return cls(pd.DataFrame(), np.zeros(0, np.int64), np.zeros(0, np.int64))
        # Each distinct id looked up once (a county's talks name 50,000 children a million times)
        codes, distinct = pd.factorize(_strings(frame, "child_id"), use_na_sentinel=False)
        pos = roster.index.get_indexer(distinct)[codes]
        day, valid = _ordinals(frame[date_column])
        keep = (pos >= 0) & valid
        return cls(frame[keep], pos[keep].astype(np.int64), day[keep])

    def within(self, start: int, end: int) -> np.ndarray:
        return (start <= self.day) & (self.day <= end)

    def column(self, name: str) -> pd.Series:
        return _strings(self.frame, name)

    def matching(self, where: dict[str, Any]) -> np.ndarray:
        """Rows whose every `where` column holds the wanted value (or one of the wanted list)."""
        mask = np.ones(len(self.frame), dtype=bool)
        for column, wanted in (where or {}).items():
            if column not in self.frame.columns:
                return np.zeros(len(self.frame), dtype=bool)
            values = wanted if isinstance(wanted, (list, tuple, set)) else [wanted]
            wanted_texts = {norm(v) for v in values} - {None}
            texts = self.column(column)
            if wanted_texts & {"true", "false"}:
                texts = texts.str.lower()  # a CSV cell may say TRUE where the settings say true
            mask &= texts.isin(wanted_texts).to_numpy()
        return mask


def _rate(done: int | float, due: int | float) -> float | None:
    return float(done) / float(due) if due else None


# ---------------------------------------------------------------------------- care spans


def _left_behind_span(roster: _Roster, returns: _Log) -> tuple[np.ndarray, np.ndarray]:
    """data-format §6: in care as a left-behind child."""
    return roster.first, roster.stop


def _return_days(roster: _Roster, returns: _Log) -> np.ndarray:
    """Per child, the first 复学 row dated after its status_date (FOREVER when none)."""
    back = np.full(len(roster), FOREVER, dtype=np.int64)
    rows = returns.column("action").to_numpy() == RETURNED
    pos, day = returns.pos[rows], returns.day[rows]
    after = day > roster.status_day[pos]
    np.minimum.at(back, pos[after], day[after])
    return back


def _dropout_span(roster: _Roster, returns: _Log) -> tuple[np.ndarray, np.ndarray]:
    """data-format §11: a 辍学 child counts from its status_date until its first later 复学 row."""
    dropped = (roster.status == "辍学") & (roster.status_day > -FOREVER)
    first = np.where(dropped, roster.status_day, NEVER[0])
    stop = np.where(dropped, _return_days(roster, returns), NEVER[1])
    return first, stop


# Standard.in_care -> the care span that makes a child due under that standard.
CARE_SPANS = {"left_behind": _left_behind_span, "dropout": _dropout_span}


# ---------------------------------------------------------------------------- standards


@dataclass
class _Judged:
    """One standard's child-periods as children × periods matrices."""

    periods: list[Period]
    due: np.ndarray
    done: np.ndarray  # done and due
    counts: np.ndarray  # matching rows per child and period


def _row_counts(
    standard: Standard, periods: Sequence[Period], roster: _Roster, log: _Log, as_of_day: int
) -> np.ndarray:
    """Matching rows per child and period (children × periods), dated not after `as_of_day`."""
    n, count = len(roster), len(periods)
    if count == 0 or n == 0:
        return np.zeros((n, count), dtype=np.int64)
    # Place each row in the period containing its date; periods are sorted and disjoint.
    rows = (log.day <= as_of_day) & log.matching(standard.where)
    day, pos = log.day[rows], log.pos[rows]
    starts = np.array([p.start.toordinal() for p in periods], dtype=np.int64)
    ends = np.array([p.end.toordinal() for p in periods], dtype=np.int64)
    which = np.searchsorted(starts, day, side="right") - 1
    inside = (which >= 0) & (day <= ends[np.clip(which, 0, None)])
    counts = np.bincount(pos[inside] * count + which[inside], minlength=n * count)
    return counts.reshape(n, count)


def _judge(
    standard: Standard,
    periods: Sequence[Period],
    roster: _Roster,
    log: _Log,
    as_of_day: int,
    span: tuple[np.ndarray, np.ndarray] | None = None,
) -> _Judged:
    """Due and done child-periods of one standard (§6.4), with no loop over log rows.

    `span` is the (first, stop) care range per child that makes a child due (the standard's
    CARE_SPANS rule); by default the left-behind care of §6.
    """
    first, stop = span if span is not None else (roster.first, roster.stop)
    n, count = len(roster), len(periods)
    if count == 0 or n == 0:
        empty = np.zeros((n, count), bool)
        return _Judged(list(periods), empty, empty, np.zeros((n, count), np.int64))
    midpoints = np.array([p.midpoint.toordinal() for p in periods], dtype=np.int64)
    due = (
        roster.matches(standard.applies_to)[:, None]
        & (first[:, None] <= midpoints[None, :])
        & (midpoints[None, :] < stop[:, None])
    )
    counts = _row_counts(standard, periods, roster, log, as_of_day)
    done = due & (counts >= standard.at_least)
    return _Judged(list(periods), due, done, counts)


def _standard_series(judged: _Judged) -> list[dict[str, Any]]:
    """Per-period due, done and rate of one standard."""
    period_due, period_done = judged.due.sum(axis=0), judged.done.sum(axis=0)
    return [
        {
            "label": period.label,
            "start": period.start,
            "end": period.end,
            "due": int(period_due[j]),
            "done": int(period_done[j]),
            "rate": _rate(int(period_done[j]), int(period_due[j])),
        }
        for j, period in enumerate(judged.periods)
    ]


def _missing(judged: _Judged, roster: _Roster) -> list[dict[str, Any]]:
    """The due-but-not-done child-periods of one standard, period by period, children in id
    order within a period."""
    which, child = np.nonzero((judged.due & ~judged.done).T)
    labels = [period.label for period in judged.periods]
    ids, names, classes = roster.ids, roster.names, roster.class_key
    return [
        {"child_id": ids[c], "name": names[c], "class": classes[c], "period": labels[p]}
        for p, c in zip(which.tolist(), child.tolist())
    ]


class _MissingLists(Mapping[str, list]):
    """standard_missing, each standard's list made when first read: a county has over 100,000
    missed child-periods, and only a document that names children (with_names) reads them."""

    def __init__(self, roster: _Roster):
        self._roster = roster
        self._judged: dict[str, _Judged] = {}
        self._made: dict[str, list[dict[str, Any]]] = {}

    def add(self, standard_id: str, judged: _Judged) -> None:
        self._judged[standard_id] = judged

    def __getitem__(self, standard_id: str) -> list[dict[str, Any]]:
        if standard_id not in self._made:
            self._made[standard_id] = _missing(self._judged[standard_id], self._roster)
        return self._made[standard_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._judged)

    def __len__(self) -> int:
        return len(self._judged)


def _groups(
    keys: list[str | None],
    population: np.ndarray,
    include: np.ndarray,
    roster: _Roster,
    judged: dict[str, _Judged],
) -> dict[str, dict[str, Any]]:
    """Per-class or per-mentor figures over the included children that have a key, the
    groups in the order their keys first appear in id order."""
    keyed = include & np.array([k is not None for k in keys], dtype=bool)
    where = np.flatnonzero(keyed)
    codes, uniques = pd.factorize(np.array(keys, dtype=object)[where], sort=False)
    count = len(uniques)

    def sums(values: np.ndarray) -> list[int]:
        return np.bincount(codes, weights=values[where], minlength=count).astype(np.int64).tolist()

    children = sums(population)
    archived = sums(population & roster.archived)
    paired = sums(population & roster.paired)
    per_standard = {
        sid: (sums(one.due.sum(axis=1)), sums(one.done.sum(axis=1))) for sid, one in judged.items()
    }
    groups = {}
    for g, key in enumerate(uniques.tolist()):
        groups[str(key)] = {
            "children": children[g],
            "archive_rate": _rate(archived[g], children[g]),
            "pairing_rate": _rate(paired[g], children[g]),
            "standards": {
                sid: {"due": due[g], "done": done[g], "rate": _rate(done[g], due[g])}
                for sid, (due, done) in per_standard.items()
            },
        }
    return groups


# ---------------------------------------------------------------------------- breakdowns


def _grade_class_order(key: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 10**9 for part in key.split("-")), key


def _counted(values: Iterable[Any], order: Sequence[str] | None = None) -> dict[str, int]:
    """Counts in the data format's enumeration order (or by grade-class), then the rest, 未填 last."""
    counter = Counter(UNFILLED if value is None else value for value in values)
    known = [key for key in counter if key != UNFILLED]
    if order is None:
        keys = sorted(known, key=_grade_class_order)
    else:
        keys = [*[k for k in order if k in counter], *sorted(k for k in known if k not in order)]
    keys += [UNFILLED] if UNFILLED in counter else []
    return {key: int(counter[key]) for key in keys}


def _breakdowns(roster: _Roster, population: np.ndarray) -> dict[str, dict[str, int]]:
    def of(fact: str) -> list[Any]:
        return [v for v, inside in zip(roster.facts[fact], population) if inside]

    return {
        "by_guardianship": _counted(of("guardianship"), GUARDIANSHIPS),
        "by_type": _counted(of("type"), LEFT_BEHIND_TYPES),
        "by_gender": _counted(of("gender"), GENDERS),
        "by_grade": _counted(of("grade")),
        "by_boarding": _counted(of("boarding"), ("true", "false")),
        "by_class": _counted(of("class")),
    }


# ---------------------------------------------------------------------------- other logs


def _incidents(
    repo: Repository, roster: _Roster, start: int, end: int
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Incidents that occurred in [start, as-of] and whether each was notified in time (§6.3)."""
    entries = _judged_incidents(repo, roster, start, end)
    for entry in entries:
        del entry["pos"]  # the report's list names no child
    return {"count": len(entries), "on_time": sum(e["on_time"] for e in entries)}, entries


def _judged_incidents(
    repo: Repository, roster: _Roster, start: int, end: int
) -> list[dict[str, Any]]:
    """Each incident of [start, end] judged against its limits, with the child's roster `pos`."""
    log = _Log.of(repo, "incidents", roster)
    inside = log.within(start, end)
    frame = log.frame[inside]
    limits = repo.settings.incident_limits_minutes  # complete: settings fill in the defaults
    entries = []
    for pos, (_, row) in zip(log.pos[inside].tolist(), frame.iterrows()):
        occurred = pd.Timestamp(row["occurred_at"])
        missing, late = [], []
        for key, column in INCIDENT_DEADLINES.items():
            when = pd.to_datetime(row.get(column), errors="coerce")
            if pd.isna(when):
                missing.append(key)
                continue
            minutes = (when - occurred).total_seconds() / 60
            # A time before the incident is a data error (check reports it), not proof of notice.
            if not 0 <= minutes <= limits[key]:
                late.append(key)
        line = row.get("_line")
        kind = row.get("kind")
        entries.append(
            {
                "occurred_on": occurred.date(),
                # A row without kind, or with text outside the enumeration, counts as 其他.
                "kind": kind if kind in INCIDENT_KINDS else OTHER_KIND,
                "on_time": not missing and not late,
                "missing": missing,
                "late": late,
                "line": None if pd.isna(line) else int(line),
                "pos": pos,
            }
        )
    entries.sort(key=lambda entry: (entry["occurred_on"], entry["line"] or 0))
    return entries


def _activities(repo: Repository, roster: _Roster, start: int, end: int) -> list[dict[str, Any]]:
    """Care activities dated in [start, as-of] with how many children took part."""
    frame = repo.logs.get("activities")
    if frame is None or "date" not in frame.columns:
        return []
    day, valid = _ordinals(frame["date"])
    keep = valid & (start <= day) & (day <= end)
    frame, day = frame[keep], day[keep]
    titles, kinds = _strings(frame, "title").tolist(), _strings(frame, "kind").tolist()
    spec = LOGS["activities"]
    texts = _strings(frame, spec.id_column).tolist()
    named = spec.ids_of(frame.assign(**{spec.id_column: _strings(frame, spec.id_column)}))
    known_per_row = named[named.isin(set(roster.ids))].groupby(level=0).nunique()
    rows = []
    for i, (index, text) in enumerate(zip(frame.index, texts)):
        everyone = text.strip() == EVERYONE
        if everyone:  # 全体: every left-behind child in care that day
            count = int(roster.in_care_on(int(day[i])).sum())
        else:
            count = int(known_per_row.get(index, 0))
        rows.append(
            {
                "date": dt.date.fromordinal(int(day[i])),
                "title": titles[i],
                "kind": kinds[i] if kinds[i] in ACTIVITY_KINDS else OTHER_KIND,
                "participants_count": count,
                "everyone": everyone,
            }
        )
    rows.sort(key=lambda row: row["date"])
    return rows


def _aid(log: _Log, rows: np.ndarray) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Aid rows, distinct children and yuan by kind; an empty or unreadable amount counts 0.

    Rows whose kind is not one of AID_KINDS are left out of both the groups and the total.
    """
    kinds = log.column("kind")
    rows = rows & kinds.isin(AID_KINDS).to_numpy()
    amounts = pd.to_numeric(log.column("amount"), errors="coerce").fillna(0.0).to_numpy()
    frame = pd.DataFrame(
        {"kind": kinds.to_numpy()[rows], "pos": log.pos[rows], "yuan": amounts[rows]}
    )

    def summary(part: pd.DataFrame) -> dict[str, Any]:
        return {
            "rows": int(len(part)),
            "children": int(part["pos"].nunique()),
            "amount": float(part["yuan"].sum()),
        }

    groups = {kind: part for kind, part in frame.groupby("kind", sort=False)}
    return {kind: summary(groups[kind]) for kind in AID_KINDS if kind in groups}, summary(frame)


# ---------------------------------------------------------------------------- duties (§11)

EFFORTS = tuple(action for action in RETURN_ACTIONS if action != RETURNED)  # 复学 is the outcome


def empty_duties() -> dict[str, Any]:
    """The duties block of a term with nothing in it (every key the templates read)."""
    return {
        "notice": [0, 0],
        "unattended": 0,
        "incidents_by_kind": {},
        "dropouts": 0,
        "returned": 0,
        "agreements": 0,
        "unattended_paired": 0,
        "incident_kinds": [],
        "efforts": {},
        "effort_rows": 0,
        "effort_children": 0,
        "pursued": 0,
    }


def _duties(
    roster: _Roster,
    population: np.ndarray,
    dropped: np.ndarray,
    returns: _Log,
    incident_list: list[dict[str, Any]],
    start: int,
    end: int,
) -> dict[str, Any]:
    """The legal duties of data-format §11 for the term: counts only, never who.

    Besides the JSON keys (notice, unattended, incidents_by_kind, dropouts, returned) it holds
    detail for the summary: agreements (of the notices, 委托照护协议 signed), unattended_paired
    (unattended children with a mentor), incident_kinds [{kind, count, on_time, reported}] where
    reported counts those reported to the authorities within the limit, efforts (action -> rows
    of returns.csv dated in [start, as-of], 复学 aside), effort_rows, effort_children (distinct
    children of those rows) and pursued (dropouts still out at the as-of date: 辍学 with no 复学 yet).
    """
    entrusted = population & np.isin(roster.guardianship, ENTRUSTED_GUARDIANSHIPS)
    noticed = entrusted & (roster.notice_day <= end)
    agreement = np.array(roster.facts["agreement"], dtype=bool)
    unattended = population & (roster.guardianship == "无人监护")
    back = _return_days(roster, returns)
    returned = dropped & (back <= end)
    still_out = (
        (roster.status == "辍学")
        & (roster.status_day > -FOREVER)
        & (roster.status_day <= end)
        & ~(back <= end)
    )
    kinds: dict[str, dict[str, int]] = {}
    for incident in incident_list:
        entry = kinds.setdefault(incident["kind"], {"count": 0, "on_time": 0, "reported": 0})
        entry["count"] += 1
        entry["on_time"] += int(incident["on_time"])
        reported = "authority" not in incident["missing"] + incident["late"]
        entry["reported"] += int(reported)
    order = [kind for kind in INCIDENT_KINDS if kind in kinds]
    actions_all = returns.column("action").to_numpy()
    efforts_rows = returns.within(start, end) & np.isin(actions_all, EFFORTS)
    actions = actions_all[efforts_rows]
    efforts = Counter(actions.tolist())
    return {
        "notice": [int(noticed.sum()), int(entrusted.sum())],
        "unattended": int(unattended.sum()),
        "incidents_by_kind": {kind: kinds[kind]["count"] for kind in order},
        "dropouts": int(dropped.sum()),
        "returned": int(returned.sum()),
        "agreements": int((noticed & agreement).sum()),
        "unattended_paired": int((unattended & roster.paired).sum()),
        "incident_kinds": [{"kind": kind, **kinds[kind]} for kind in order],
        "efforts": {a: int(efforts[a]) for a in EFFORTS if efforts[a]},
        "effort_rows": int(sum(efforts[a] for a in EFFORTS)),
        "effort_children": len(set(returns.pos[efforts_rows].tolist())),
        "pursued": int(still_out.sum()),
    }


def open_duties(repo: Repository, day: dt.date) -> dict[str, int]:
    """The legal duties still open on `day` (data-format §11), for the next plan's first items.

    Returns:
        {"notice_missing": children in care with an entrusted guardianship and no written
        notice by `day`, "unattended": children in care with 无人监护, "dropouts_out": 辍学
        children whose status_date is ≤ `day` with no later 复学 row by `day`}; counts only.
    """
    roster = _Roster.of(repo, repo.facts_store)
    today = day.toordinal()
    population = roster.in_care_on(today)
    entrusted = population & np.isin(roster.guardianship, ENTRUSTED_GUARDIANSHIPS)
    back = _return_days(roster, _Log.of(repo, "returns", roster))
    out = (
        (roster.status == "辍学")
        & (roster.status_day > -FOREVER)
        & (roster.status_day <= today)
        & ~(back <= today)
    )
    return {
        "notice_missing": int((entrusted & ~(roster.notice_day <= today)).sum()),
        "unattended": int((population & (roster.guardianship == "无人监护")).sum()),
        "dropouts_out": int(out.sum()),
    }


# ---------------------------------------------------------------------------- compute


def compute(repo: Repository, term: Term, today: dt.date) -> TermFigures:
    """Compute every figure of data-format §6 for one term.

    Detail beyond data-format §7 (log_counts, aid, health_checks) counts the rows of children in care on
    at least one day of the term (U of §6.2) dated in [start, as-of], since that is the
    left-behind work of the term; activities are listed whoever took part.

    Args:
        repo: the loaded repository; absent logs count as empty, rows naming no child are ignored.
        term: the term reported on (see `terms.term_for`).
        today: the clock's date or `--today`; decides the as-of date.

    Returns:
        The TermFigures.
    """
    settings = repo.settings
    as_of_date = terms.as_of(term, today)
    start, end = term.start.toordinal(), as_of_date.toordinal()
    roster = _Roster.of(repo, repo.facts_store)
    population = roster.in_care_on(end)  # N of data-format §6
    touched = roster.in_care_during(start, end)  # U of data-format §6
    size = int(population.sum())
    logs = {name: _Log.of(repo, name, roster) for name in DETAIL_LOGS}

    # §6.1: a 免疫接种 row counts whenever it was given, as long as it is not after as-of.
    health = logs["health"]
    health_kind = health.column("kind").to_numpy()
    vaccinated = roster.vaccinated.copy()
    vaccinated[health.pos[(health_kind == "免疫接种") & (health.day <= end)]] = True
    trained = np.zeros(len(roster), dtype=bool)
    trained[logs["trainings"].pos[logs["trainings"].within(start, end)]] = True
    students_total = whole_number((settings.students_total or {}).get(term.name))

    # §6.2
    changed = touched & (start < roster.status_day) & (roster.status_day <= end)
    out = int((changed & (roster.status == "转出")).sum())
    dropped_mask = changed & (roster.status == "辍学")
    dropped = int(dropped_mask.sum())
    u_size = int(touched.sum())

    # §6.3
    incidents, incident_list = _incidents(repo, roster, start, end)

    # §6.4
    returns = _Log.of(repo, "returns", roster)
    judged: dict[str, _Judged] = {}
    standards, standard_periods, standard_missing = {}, {}, _MissingLists(roster)
    for standard in settings.standards:
        if standard.log not in logs:
            logs[standard.log] = _Log.of(repo, standard.log, roster)
        periods = terms.due_periods(standard.every, term, as_of_date)
        span = CARE_SPANS[standard.in_care](roster, returns)
        log = logs[standard.log]
        one = judged[standard.id] = _judge(standard, periods, roster, log, end, span)
        due, done = int(one.due.sum()), int(one.done.sum())
        standards[standard.id] = {
            "name": standard.name,
            "due": due,
            "done": done,
            "rate": _rate(done, due),
            "target": float(standard.target),
            "log": standard.log,
            "every": standard.every,
        }
        standard_periods[standard.id] = _standard_series(one)
        standard_missing.add(standard.id, one)

    # §6.5: every name used as care.mentor, whether its children are in care during the term
    # or not: a mentor whose only child transferred out still answers for the periods before
    # the transfer, and one whose children all left before the term is listed with nothing due.
    everyone = np.ones(len(roster), dtype=bool)
    by_mentor = _groups(roster.mentor, population, everyone, roster, judged)
    staff_order = {name: i for i, name in enumerate(settings.staff or [])}
    mentor_names = sorted(
        by_mentor, key=lambda name: (staff_order.get(name, len(staff_order)), name)
    )
    # A dropout of an earlier term is due under the return-effort standard without being in U.
    due_any = touched.copy()
    for one in judged.values():
        due_any |= one.due.any(axis=1)
    by_class = _groups(roster.class_key, population, due_any, roster, judged)

    in_term = {name: log.within(start, end) & touched[log.pos] for name, log in logs.items()}
    aid, aid_total = _aid(logs["aid"], in_term["aid"])
    checks = in_term["health"] & (health_kind == "体检")
    counts = Counts(
        population=size,
        archived=int((population & roster.archived).sum()),
        paired=int((population & roster.paired).sum()),
        vaccinated=int((population & vaccinated).sum()),
        trained=int((population & trained).sum()),
        students_total=students_total or 0,
        in_care_during=u_size,
        transferred_out=out,
        dropped_out=dropped,
        incidents=incidents["count"],
        incidents_on_time=incidents["on_time"],
    )
    return TermFigures(
        school=settings.school,
        term=term,
        as_of=as_of_date,
        population=size,
        metrics={metric.key: metric.rate(counts) for metric in METRICS},
        counts={metric.key: list(metric.count(counts)) for metric in METRICS},
        targets=dict(settings.targets),  # complete: settings fill in the defaults
        standards=standards,
        incidents=incidents,
        breakdowns=_breakdowns(roster, population),
        mentors={
            name: {
                "children": by_mentor[name]["children"],
                "standards": {sid: e["rate"] for sid, e in by_mentor[name]["standards"].items()},
            }
            for name in mentor_names
        },
        standard_periods=standard_periods,
        standard_missing=standard_missing,
        class_rows=[
            {"class": key, **by_class[key]} for key in sorted(by_class, key=_grade_class_order)
        ],
        mentor_rows=[{"mentor": name, **by_mentor[name]} for name in mentor_names],
        incident_list=incident_list,
        aid=aid,
        aid_total=aid_total,
        activities=_activities(repo, roster, start, end),
        health_checks={"rows": int(checks.sum()), "children": len(set(health.pos[checks]))},
        log_counts={name: int(in_term[name].sum()) for name in DETAIL_LOGS},
        retention={"u": u_size, "out": out, "dropped": dropped},
        status_changes={s: int((changed & (roster.status == s)).sum()) for s in LEAVING_STATUSES},
        joined=int((touched & (roster.first > start)).sum()),
        left_behind_ended=int(
            (touched & (start < roster.until_day) & (roster.until_day <= end)).sum()
        ),
        students_total=students_total,
        duties=_duties(roster, population, dropped_mask, returns, incident_list, start, end),
    )


def term_figures(repo: Repository, term: Term, today: dt.date) -> TermFigures:
    """Compute a term's figures; a term in which no child was ever in care is a TermError."""
    figures = compute(repo, term, today)
    if not figures.retention.get("u"):
        raise TermError(
            f"学期 {term.name}（{term.start} 至 {term.end}）没有在册的留守儿童，无法生成报告；"
            "请检查学期名称和儿童档案的入学日期"
        )
    return figures
