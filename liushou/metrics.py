"""The figures of one term (SPEC §6) computed from a loaded repository, as plain data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from liushou import terms
from liushou.model import DEFAULT_INCIDENT_LIMITS, DEFAULT_TARGETS, Child, Repository, Standard
from liushou.terms import Period, Term

IN_SCHOOL = "在校"
NO_GUARDIAN = "无人监护"
UNFILLED = "未填"  # breakdown key for a child whose field is absent or invalid, so counts sum to N
EVERYONE = "全体"

GENDERS = ("男", "女")
GUARDIANSHIPS = ("隔代监护", "寄养监护", "单亲监护", "无人监护", "其他")
LEFT_BEHIND_TYPES = ("父母均外出", "父亲外出", "母亲外出", "一方外出另一方无监护能力")
AID_KINDS = ("物质资助", "助学金", "保险", "其他")
LEAVING_STATUSES = ("转出", "辍学", "休学", "毕业")

METRIC_NAMES = (
    "archive_rate",
    "pairing_rate",
    "vaccination_rate",
    "training_rate",
    "retention_rate",
    "left_behind_share",
    "incident_on_time_rate",
)
BREAKDOWN_NAMES = (
    "by_guardianship",
    "by_type",
    "by_gender",
    "by_grade",
    "by_boarding",
    "by_class",
)

# Boolean fields whose absence means false (SPEC §3), so applies_to: {care.focus: [false]}
# also matches children whose record does not mention focus.
FIELD_DEFAULTS: dict[str, Any] = {"boarding": False, "care.focus": False}

PARENT_ARCHIVE_FIELDS = ("name", "phone", "work_place")
GUARDIAN_ARCHIVE_FIELDS = ("name", "relation", "age", "occupation", "address", "phone", "health")

# incident_limits_minutes key -> incidents.csv column it limits
INCIDENT_DEADLINES = {
    "guardian": "guardian_notified_at",
    "parents": "parents_notified_at",
    "authority": "reported_at",
}

_EPOCH = dt.date(1970, 1, 1).toordinal()
_FOREVER = 10**9  # an ordinal beyond any date: "no end" of a care span
_NEVER = (_FOREVER, -_FOREVER)  # an empty care span


@dataclass
class TermFigures:
    """Everything a term report shows. Only plain data: str, int, float, None, date, lists, dicts.

    The first group of fields is what `to_json` emits (SPEC §7); the rest is detail for the
    Markdown and Word reports. Rates are unrounded and None when their denominator is 0.
    Detail that names children (`standard_missing`) must only be shown when names are asked for.

    - standards: id -> {name, due, done, rate, target, log, every}
    - standard_periods: id -> [{label, start, end, due, done, rate}], one per period of the
      standard's own kind (months "2015-10", ISO weeks "2015-W41", or the term's name)
    - standard_missing: id -> [{child_id, name, class, period}], due and not done, period by period
    - class_rows / mentor_rows: [{class | mentor, children (of N), archive_rate, pairing_rate,
      standards: {id: {due, done, rate}}}], over every child of the class / mentor in care
      during the term; classes ordered by grade then class, mentors in staff order
    - incident_list: [{occurred_on, on_time, missing, late, line}], missing and late naming the
      limits ("guardian", "parents", "authority") that were not met; no names
    - aid: kind -> {rows, children, amount}, aid_total: {rows, children, amount}
    - activities: [{date, title, kind, participants_count, everyone}] dated in [start, as-of]
    - health_checks: {rows, children} of 体检 in [start, as-of]
    - log_counts: log name -> rows dated in [start, as-of]
    - retention: {u, out, dropped} of SPEC §6.2; status_changes: status -> children of U whose
      status took effect in (start, as-of]; joined: children of U whose care began after the
      start; left_behind_ended: children of U whose left_behind.until fell in (start, as-of]
    - students_total: 全校学生数 for the term, or None
    """

    school: str
    term: Term
    as_of: dt.date
    population: int
    metrics: dict[str, float | None]
    targets: dict[str, float]
    standards: dict[str, dict[str, Any]]
    incidents: dict[str, int]
    breakdowns: dict[str, dict[str, int]]
    mentors: dict[str, dict[str, Any]]

    standard_periods: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    standard_missing: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
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

    def to_json(self) -> dict[str, Any]:
        """The machine-readable object of SPEC §7 (no phones, ID numbers, addresses or names).

        Returns:
            A dict ready for `json.dumps`, keys exactly as in SPEC §7.
        """
        return {
            "school": self.school,
            "term": self.term.name,
            "start": self.term.start.isoformat(),
            "end": self.term.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "population": self.population,
            "metrics": {name: self.metrics.get(name) for name in METRIC_NAMES},
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
        }


# ---------------------------------------------------------------------------- children


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def in_care(child: Child, day: dt.date) -> bool:
    """Whether the child counts as a left-behind child in the school's care on `day` (SPEC §6).

    A child without a valid enrolled_on, or with a status other than 在校 but no valid
    status_date, is never in care: the condition cannot be decided, and `check` reports it.

    Args:
        child: the child's record.
        day: the day in question.

    Returns:
        True when enrolled_on ≤ day; status is 在校 or day < status_date; since ≤ day when
        left_behind.since is given; day < until when left_behind.until is given.
    """
    enrolled = _date(child.get("enrolled_on"))
    if enrolled is None or day < enrolled:
        return False
    if child.get("status") != IN_SCHOOL:
        status_date = _date(child.get("status_date"))
        if status_date is None or day >= status_date:
            return False
    since = _date(child.get("left_behind.since"))
    if since is not None and day < since:
        return False
    until = _date(child.get("left_behind.until"))
    return until is None or day < until


def _care_span(child: Child) -> tuple[int, int]:
    """The child's care as a half-open ordinal range [first, stop): the same rule as in_care."""
    enrolled = _date(child.get("enrolled_on"))
    if enrolled is None:
        return _NEVER
    first = enrolled.toordinal()
    stop = _FOREVER
    if child.get("status") != IN_SCHOOL:
        status_date = _date(child.get("status_date"))
        if status_date is None:
            return _NEVER
        stop = status_date.toordinal()
    since = _date(child.get("left_behind.since"))
    if since is not None:
        first = max(first, since.toordinal())
    until = _date(child.get("left_behind.until"))
    if until is not None:
        stop = min(stop, until.toordinal())
    return first, stop


def _filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, dict, set)):
        return len(value) > 0
    return True


def archive_missing(child: Child) -> list[str]:
    """The archive fields (SPEC §3) that the child's record lacks, as dotted names.

    A missing `parents` list or `guardian` mapping is named once ("parents", "guardian");
    otherwise the missing sub-fields are named ("guardian.phone"). Since one complete parent is
    enough, the fields named for parents are those of the parent closest to complete
    ("parents.0.phone"). The guardian is not required for 无人监护.

    Args:
        child: the child's record.

    Returns:
        Dotted names in the order of SPEC §3; empty when the child is archive-complete.
    """
    missing = []
    if not _filled(child.get("address")):
        missing.append("address")

    parents = child.get("parents")
    gaps = [
        [f"parents.{i}.{key}" for key in PARENT_ARCHIVE_FIELDS if not _filled(parent.get(key))]
        for i, parent in enumerate(parents if isinstance(parents, list) else [])
        if isinstance(parent, dict)
    ]
    if not gaps:
        missing.append("parents")
    else:
        missing.extend(min(gaps, key=len))

    if child.get("guardianship") != NO_GUARDIAN:
        guardian = child.get("guardian")
        if not isinstance(guardian, dict) or not guardian:
            missing.append("guardian")
        else:
            missing.extend(
                f"guardian.{key}"
                for key in GUARDIAN_ARCHIVE_FIELDS
                if not _filled(guardian.get(key))
            )

    if not _filled(child.get("profile.personality")):
        missing.append("profile.personality")
    interests = child.get("profile.interests")
    if isinstance(interests, list):
        interests = [item for item in interests if _filled(item)]
    if not _filled(interests):
        missing.append("profile.interests")
    if not _filled(child.get("profile.health")):
        missing.append("profile.health")
    if not _filled(child.get("care.mentor")):
        missing.append("care.mentor")
    return missing


def _norm(value: Any) -> str | None:
    """A comparable form of a YAML or CSV value, so that true, "true", 3 and "3" compare equal."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text.lower() if text.lower() in ("true", "false") else text


def _field(child: Child, dotted: str) -> Any:
    return child.get(dotted, FIELD_DEFAULTS.get(dotted))


def _class_key(child: Child) -> str | None:
    grade, klass = child.get("grade"), child.get("class")
    if isinstance(grade, bool) or isinstance(klass, bool):
        return None
    if isinstance(grade, int) and isinstance(klass, int):
        return f"{grade}-{klass}"
    return None


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


class _Roster:
    """The children as parallel arrays, in id order, so that masks replace loops."""

    def __init__(self, children: dict[str, Child]):
        self.ids = sorted(children)
        self.children = [children[cid] for cid in self.ids]
        self.index = pd.Index(self.ids)
        spans = [_care_span(child) for child in self.children]
        self.first = np.array([span[0] for span in spans], dtype=np.int64)
        self.stop = np.array([span[1] for span in spans], dtype=np.int64)
        self.mentor = [_text(child.get("care.mentor")) for child in self.children]
        self.class_key = [_class_key(child) for child in self.children]
        self.archive_ok = np.array(
            [not archive_missing(child) for child in self.children], dtype=bool
        )
        self.paired = np.array([m is not None for m in self.mentor], dtype=bool)
        self._fields: dict[str, pd.Series] = {}

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
        mask = np.ones(len(self), dtype=bool)
        for dotted, allowed in (applies_to or {}).items():
            if dotted not in self._fields:
                self._fields[dotted] = pd.Series(
                    [_norm(_field(child, dotted)) for child in self.children], dtype=object
                )
            values = allowed if isinstance(allowed, (list, tuple, set)) else [allowed]
            mask &= self._fields[dotted].isin([_norm(v) for v in values]).to_numpy()
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
    ordinals = np.where(valid, days.astype(np.int64), 0) + _EPOCH
    return ordinals, valid


def _strings(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[column].fillna("").astype(str).str.strip()


@dataclass
class _Log:
    """A log's rows that name a known child and carry a readable date."""

    frame: pd.DataFrame
    pos: np.ndarray  # the child's position in the roster
    day: np.ndarray  # the date as a day ordinal

    @classmethod
    def of(cls, repo: Repository, name: str, roster: _Roster, date_column: str = "date") -> _Log:
        frame = repo.logs.get(name)
        if (
            frame is None
            or len(frame) == 0
            or "child_id" not in frame.columns
            or date_column not in frame.columns
        ):
            return cls(pd.DataFrame(), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        pos = roster.index.get_indexer(_strings(frame, "child_id"))
        day, valid = _ordinals(frame[date_column])
        keep = (pos >= 0) & valid
        return cls(frame[keep], pos[keep].astype(np.int64), day[keep])

    def within(self, start: int, end: int) -> np.ndarray:
        return (start <= self.day) & (self.day <= end)

    def column(self, name: str) -> pd.Series:
        return _strings(self.frame, name)

    def matching(self, where: dict[str, Any]) -> np.ndarray:
        mask = np.ones(len(self.frame), dtype=bool)
        for column, wanted in (where or {}).items():
            if column not in self.frame.columns:
                return np.zeros(len(self.frame), dtype=bool)
            values = wanted if isinstance(wanted, (list, tuple, set)) else [wanted]
            wanted_texts = {_norm(v) for v in values} - {None}
            texts = self.column(column)
            if wanted_texts & {"true", "false"}:
                # A CSV cell may say TRUE or True where the settings say true.
                texts = texts.str.lower()
            mask &= texts.isin(wanted_texts).to_numpy()
        return mask


def _rate(done: int | float, due: int | float) -> float | None:
    return float(done) / float(due) if due else None


# ---------------------------------------------------------------------------- standards


@dataclass
class _StandardResult:
    due: np.ndarray  # children x periods: due child-periods
    done: np.ndarray  # children x periods: done and due


def _judge_standard(
    standard: Standard, periods: Sequence[Period], roster: _Roster, log: _Log, as_of_day: int
) -> _StandardResult:
    """Due and done child-periods of one standard, with no loop over log rows."""
    n, count = len(roster), len(periods)
    if count == 0 or n == 0:
        empty = np.zeros((n, count), dtype=bool)
        return _StandardResult(empty, empty.copy())
    midpoints = np.array([p.midpoint.toordinal() for p in periods], dtype=np.int64)
    due = (
        roster.matches(standard.applies_to)[:, None]
        & (roster.first[:, None] <= midpoints[None, :])
        & (midpoints[None, :] < roster.stop[:, None])
    )

    # Place each row in the period that contains its date; periods are sorted and disjoint.
    rows = (log.day <= as_of_day) & log.matching(standard.where)
    day, pos = log.day[rows], log.pos[rows]
    starts = np.array([p.start.toordinal() for p in periods], dtype=np.int64)
    ends = np.array([p.end.toordinal() for p in periods], dtype=np.int64)
    which = np.searchsorted(starts, day, side="right") - 1
    inside = (which >= 0) & (day <= ends[np.clip(which, 0, None)])
    counts = np.bincount(pos[inside] * count + which[inside], minlength=n * count)
    done = due & (counts.reshape(n, count) >= standard.at_least)
    return _StandardResult(due, done)


# ---------------------------------------------------------------------------- helpers


def _ordered(counter: Counter, order: Iterable[str] = ()) -> dict[str, int]:
    """Counts in the SPEC's enumeration order, then the rest sorted, 未填 last; zeros dropped."""
    order = list(order)
    rest = sorted(key for key in counter if key not in order and key != UNFILLED)
    keys = [*order, *rest, UNFILLED]
    return {key: int(counter[key]) for key in keys if counter.get(key)}


def _numeric_key(key: str) -> tuple:
    parts = key.split("-")
    return tuple(int(p) if p.isdigit() else 10**9 for p in parts), key


def _breakdowns(children: list[Child]) -> dict[str, dict[str, int]]:
    def count(values: Iterable[Any]) -> Counter:
        return Counter(UNFILLED if v is None else str(v) for v in values)

    grades = [
        g if isinstance(g, int) and not isinstance(g, bool) else None
        for g in (c.get("grade") for c in children)
    ]
    grade_counts = count(grades)
    class_counts = count(_class_key(c) for c in children)
    boarding = [_field(c, "boarding") for c in children]
    return {
        "by_guardianship": _ordered(
            count(_text(c.get("guardianship")) for c in children), GUARDIANSHIPS
        ),
        "by_type": _ordered(
            count(_text(c.get("left_behind.type")) for c in children), LEFT_BEHIND_TYPES
        ),
        "by_gender": _ordered(count(_text(c.get("gender")) for c in children), GENDERS),
        "by_grade": _ordered(
            grade_counts, sorted((k for k in grade_counts if k != UNFILLED), key=_numeric_key)
        ),
        "by_boarding": _ordered(
            count(_norm(b) if isinstance(b, bool) else None for b in boarding), ("true", "false")
        ),
        "by_class": _ordered(
            class_counts, sorted((k for k in class_counts if k != UNFILLED), key=_numeric_key)
        ),
    }


def _incidents(
    repo: Repository, roster: _Roster, start: int, end: int
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Incidents that occurred in [start, as-of] and whether each was notified in time (§6.3)."""
    log = _Log.of(repo, "incidents", roster, date_column="occurred_at")
    in_term = log.within(start, end)
    frame = log.frame[in_term]
    limits = {**DEFAULT_INCIDENT_LIMITS, **(repo.settings.incident_limits_minutes or {})}
    occurred = pd.to_datetime(frame["occurred_at"], errors="coerce") if len(frame) else None
    entries = []
    for i in range(len(frame)):
        missing, late = [], []
        for key, column in INCIDENT_DEADLINES.items():
            when = frame[column].iloc[i] if column in frame.columns else None
            when = pd.to_datetime(when, errors="coerce") if when is not None else pd.NaT
            if pd.isna(when):
                missing.append(key)
                continue
            minutes = (when - occurred.iloc[i]).total_seconds() / 60
            # A time before the incident is a data error (check reports it): not proof of notice.
            if not 0 <= minutes <= limits[key]:
                late.append(key)
        entries.append(
            {
                "occurred_on": occurred.iloc[i].date(),
                "on_time": not missing and not late,
                "missing": missing,
                "late": late,
                "line": int(frame["_line"].iloc[i]) if "_line" in frame.columns else None,
            }
        )
    entries.sort(key=lambda entry: (entry["occurred_on"], entry["line"] or 0))
    summary = {"count": len(entries), "on_time": sum(entry["on_time"] for entry in entries)}
    return summary, entries


def _activities(repo: Repository, roster: _Roster, start: int, end: int) -> list[dict[str, Any]]:
    frame = repo.logs.get("activities")
    if frame is None or len(frame) == 0 or "date" not in frame.columns:
        return []
    day, valid = _ordinals(frame["date"])
    keep = valid & (start <= day) & (day <= end)
    frame, day = frame[keep], day[keep]
    titles, kinds = _strings(frame, "title"), _strings(frame, "kind")
    participants = _strings(frame, "participants")
    known = set(roster.ids)
    rows = []
    for i in range(len(frame)):
        text = participants.iloc[i]
        everyone = text == EVERYONE
        if everyone:
            # 全体 means every left-behind child in care that day.
            count = int(roster.in_care_on(int(day[i])).sum())
        else:
            ids = {part.strip() for part in text.replace("；", ";").split(";")}
            count = len(ids & known)
        rows.append(
            {
                "date": dt.date.fromordinal(int(day[i])),
                "title": titles.iloc[i],
                "kind": kinds.iloc[i],
                "participants_count": count,
                "everyone": everyone,
            }
        )
    rows.sort(key=lambda row: row["date"])
    return rows


def _aid(log: _Log, rows: np.ndarray) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    frame = pd.DataFrame(
        {
            "kind": log.column("kind").to_numpy()[rows],
            "pos": log.pos[rows],
            "amount": pd.to_numeric(log.column("amount"), errors="coerce")
            .fillna(0.0)
            .to_numpy()[rows],
        }
    )
    by_kind = {}
    groups = dict(tuple(frame.groupby("kind", sort=False))) if len(frame) else {}
    for kind in [*AID_KINDS, *sorted(k for k in groups if k not in AID_KINDS)]:
        if kind in groups:
            group = groups[kind]
            by_kind[kind or UNFILLED] = {
                "rows": int(len(group)),
                "children": int(group["pos"].nunique()),
                "amount": float(group["amount"].sum()),
            }
    total = {
        "rows": int(len(frame)),
        "children": int(frame["pos"].nunique()) if len(frame) else 0,
        "amount": float(frame["amount"].sum()) if len(frame) else 0.0,
    }
    return by_kind, total


def _group_rows(
    keys: list[str | None],
    population: np.ndarray,
    roster: _Roster,
    results: dict[str, _StandardResult],
    include: np.ndarray,
) -> dict[str, dict[str, Any]]:
    """Per-class or per-mentor sums: children of N, archive/pairing among them, standards."""
    data = {
        "key": keys,
        "children": population.astype(np.int64),
        "archived": (population & roster.archive_ok).astype(np.int64),
        "paired": (population & roster.paired).astype(np.int64),
    }
    for sid, result in results.items():
        data[f"due:{sid}"] = result.due.sum(axis=1)
        data[f"done:{sid}"] = result.done.sum(axis=1)
    frame = pd.DataFrame(data)[include & np.array([k is not None for k in keys], dtype=bool)]
    sums = frame.groupby("key", sort=False).sum()
    groups = {}
    for key, row in sums.iterrows():
        children = int(row["children"])
        standards = {}
        for sid in results:
            due, done = int(row[f"due:{sid}"]), int(row[f"done:{sid}"])
            standards[sid] = {"due": due, "done": done, "rate": _rate(done, due)}
        groups[str(key)] = {
            "children": children,
            "archive_rate": _rate(int(row["archived"]), children),
            "pairing_rate": _rate(int(row["paired"]), children),
            "standards": standards,
        }
    return groups


# ---------------------------------------------------------------------------- compute


def compute(repo: Repository, term: Term, today: dt.date) -> TermFigures:
    """Compute every figure of SPEC §6 for one term.

    Detail beyond SPEC §7 (log_counts, aid, health_checks) counts the rows of children in care on
    at least one day of the term (U of §6.2) dated in [start, as-of], because that is the
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
    roster = _Roster(repo.children)
    population = roster.in_care_on(end)
    touched = roster.in_care_during(start, end)  # U of SPEC §6.2
    size = int(population.sum())

    # §6.1 rates over N
    health = _Log.of(repo, "health", roster)
    health_kind = health.column("kind").to_numpy()
    immunised = np.zeros(len(roster), dtype=bool)
    immunised[health.pos[(health_kind == "免疫接种") & (health.day <= end)]] = True
    vaccinated = immunised | np.array(
        [child.get("care.vaccinated") is True for child in roster.children], dtype=bool
    )
    trainings = _Log.of(repo, "trainings", roster)
    trained = np.zeros(len(roster), dtype=bool)
    trained[trainings.pos[trainings.within(start, end)]] = True
    students_total = (settings.students_total or {}).get(term.name)
    if isinstance(students_total, bool) or not isinstance(students_total, int):
        students_total = None

    # §6.2 retention
    status = np.array([child.get("status") for child in roster.children], dtype=object)
    status_day = np.array(
        [
            d.toordinal() if (d := _date(child.get("status_date"))) else -_FOREVER
            for child in roster.children
        ],
        dtype=np.int64,
    )
    changed = touched & (start < status_day) & (status_day <= end)
    out = int((changed & (status == "转出")).sum())
    dropped = int((changed & (status == "辍学")).sum())
    retained = _rate(int(touched.sum()) - out - dropped, int(touched.sum()) - out)

    # §6.3 incidents
    incidents, incident_list = _incidents(repo, roster, start, end)

    # §6.4 care standards
    logs: dict[str, _Log] = {}
    results: dict[str, _StandardResult] = {}
    standards: dict[str, dict[str, Any]] = {}
    standard_periods: dict[str, list[dict[str, Any]]] = {}
    standard_missing: dict[str, list[dict[str, Any]]] = {}
    for standard in settings.standards:
        periods = terms.due_periods(standard.every, term, as_of_date)
        if standard.log not in logs:
            logs[standard.log] = _Log.of(repo, standard.log, roster)
        result = _judge_standard(standard, periods, roster, logs[standard.log], end)
        results[standard.id] = result
        due, done = int(result.due.sum()), int(result.done.sum())
        standards[standard.id] = {
            "name": standard.name,
            "due": due,
            "done": done,
            "rate": _rate(done, due),
            "target": float(standard.target),
            "log": standard.log,
            "every": standard.every,
        }
        period_due, period_done = result.due.sum(axis=0), result.done.sum(axis=0)
        standard_periods[standard.id] = [
            {
                "label": period.label,
                "start": period.start,
                "end": period.end,
                "due": int(period_due[j]),
                "done": int(period_done[j]),
                "rate": _rate(int(period_done[j]), int(period_due[j])),
            }
            for j, period in enumerate(periods)
        ]
        # Transposed so the list runs period by period, children in id order within a period.
        which, child = np.nonzero((result.due & ~result.done).T)
        standard_missing[standard.id] = [
            {
                "child_id": roster.ids[c],
                "name": roster.children[c].get("name"),
                "class": roster.class_key[c],
                "period": periods[p].label,
            }
            for p, c in zip(which.tolist(), child.tolist())
        ]

    # §6.5 breakdowns and mentors
    in_population = [child for child, inside in zip(roster.children, population) if inside]
    breakdowns = _breakdowns(in_population)
    mentor_groups = _group_rows(roster.mentor, population, roster, results, touched)
    staff_order = {name: i for i, name in enumerate(settings.staff or [])}
    mentor_names = sorted(mentor_groups, key=lambda name: (staff_order.get(name, 10**9), name))
    mentors = {
        name: {
            "children": mentor_groups[name]["children"],
            "standards": {
                sid: entry["rate"] for sid, entry in mentor_groups[name]["standards"].items()
            },
        }
        for name in mentor_names
    }
    mentor_rows = [{"mentor": name, **mentor_groups[name]} for name in mentor_names]
    class_groups = _group_rows(roster.class_key, population, roster, results, touched)
    class_rows = [
        {"class": key, **class_groups[key]} for key in sorted(class_groups, key=_numeric_key)
    ]

    # Detail for the written reports
    log_counts = {}
    for name in ("talks", "visits", "contacts", "trainings", "health", "aid"):
        if name not in logs:
            logs[name] = _Log.of(repo, name, roster)
        log = logs[name]
        log_counts[name] = int((log.within(start, end) & touched[log.pos]).sum())
    aid_log = logs["aid"]
    aid, aid_total = _aid(aid_log, aid_log.within(start, end) & touched[aid_log.pos])
    checks = (health_kind == "体检") & health.within(start, end) & touched[health.pos]
    until_day = np.array(
        [
            d.toordinal() if (d := _date(child.get("left_behind.until"))) else -_FOREVER
            for child in roster.children
        ],
        dtype=np.int64,
    )

    return TermFigures(
        school=settings.school,
        term=term,
        as_of=as_of_date,
        population=size,
        metrics={
            "archive_rate": _rate(int((population & roster.archive_ok).sum()), size),
            "pairing_rate": _rate(int((population & roster.paired).sum()), size),
            "vaccination_rate": _rate(int((population & vaccinated).sum()), size),
            "training_rate": _rate(int((population & trained).sum()), size),
            "retention_rate": retained,
            "left_behind_share": _rate(size, students_total or 0),
            "incident_on_time_rate": _rate(incidents["on_time"], incidents["count"]),
        },
        targets={**DEFAULT_TARGETS, **(settings.targets or {})},
        standards=standards,
        incidents=incidents,
        breakdowns=breakdowns,
        mentors=mentors,
        standard_periods=standard_periods,
        standard_missing=standard_missing,
        class_rows=class_rows,
        mentor_rows=mentor_rows,
        incident_list=incident_list,
        aid=aid,
        aid_total=aid_total,
        activities=_activities(repo, roster, start, end),
        health_checks={
            "rows": int(checks.sum()),
            "children": int(len(np.unique(health.pos[checks]))),
        },
        log_counts=log_counts,
        retention={"u": int(touched.sum()), "out": out, "dropped": dropped},
        status_changes={s: int((changed & (status == s)).sum()) for s in LEAVING_STATUSES},
        joined=int((touched & (roster.first > start)).sum()),
        left_behind_ended=int((touched & (start < until_day) & (until_day <= end)).sum()),
        students_total=students_total,
    )
