"""Typed records of a school's repository, each remembering where it came from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # frames are built by the log reader; the model only names the type
    import pandas as pd

from liushou.metricspec import DEFAULT_TARGETS


@dataclass(frozen=True)
class Standard:
    """A care standard (关爱制度), data-format §6."""

    id: str
    name: str
    log: str
    every: str  # week | month | term
    at_least: int = 1
    where: dict[str, str] = field(default_factory=dict)
    applies_to: dict[str, list[Any]] = field(default_factory=dict)
    target: float = 1.0
    # Which care span makes a child due (a key of figures.metrics.CARE_SPANS): "left_behind" is
    # data-format §6's in-care rule; "dropout" counts a 辍学 child from status_date until a 复学 row of
    # returns.csv (data-format §11), for the return-effort standard.
    in_care: str = "left_behind"
    line: int = 1  # where liushou.yaml defines it, for settings errors found after loading


DEFAULT_STANDARDS = (
    Standard("monthly-talk", "每月谈心一次", "talks", "month"),
    Standard(
        "monthly-parent-contact", "每月与父母联系一次", "contacts", "month", where={"with": "父母"}
    ),
    Standard(
        "monthly-guardian-contact",
        "每月与监护人沟通一次",
        "contacts",
        "month",
        where={"with": "监护人"},
        applies_to={"guardianship": ["隔代监护", "寄养监护", "单亲监护", "其他"]},
    ),
    Standard("term-visit", "每学期家访一次", "visits", "term"),
    Standard(
        "monthly-return-effort",
        "每月劝返一次",
        "returns",
        "month",
        applies_to={"status": ["辍学"]},
        in_care="dropout",
    ),
)
CARE_RULES = ("left_behind", "dropout")  # the values of Standard.in_care

DEFAULT_INCIDENT_LIMITS = {"guardian": 30, "parents": 60, "authority": 120}


@dataclass
class Settings:
    """The school settings of liushou.yaml, data-format §2."""

    school: str
    staff: list[str]
    township: str | None = None
    county: str | None = None
    leader: str | None = None
    students_total: dict[str, int] = field(default_factory=dict)
    terms: dict[str, tuple[dt.date, dt.date]] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    standards: tuple[Standard, ...] = DEFAULT_STANDARDS
    incident_limits_minutes: dict[str, int] = field(
        default_factory=lambda: dict(DEFAULT_INCIDENT_LIMITS)
    )
    plan: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    staff_phones: dict[str, str] = field(default_factory=dict)  # shown on contact cards
    top_grade: int | None = None


@dataclass
class Child:
    """One child's record (children/**/<id>.yaml).

    `record` holds the values as the school wrote them, nested as in the YAML file, with dates
    as `datetime.date`. A value that failed validation is left out of `record`, so downstream
    code only ever sees well-typed values. `positions` maps the dotted keys that checks across
    files point at ("id", "care.mentor") to their (line, column), both 1-based.
    """

    id: str
    path: str  # relative to the repository root, with "/"
    record: dict[str, Any]
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    # The archive fields the record lacks (data-format §3), found once when the file is checked
    archive_gaps: tuple[str, ...] | None = None

    def missing_archive(self) -> tuple[str, ...]:
        """The archive fields this record lacks; empty when it is archive-complete."""
        if self.archive_gaps is None:
            self.archive_gaps = tuple(archive_missing(self.record))
        return self.archive_gaps

    def get(self, dotted: str, default: Any = None) -> Any:
        """Return the value at a dotted path such as "care.mentor", or `default`."""
        value: Any = self.record
        for part in dotted.split("."):
            if isinstance(value, dict) and part in value:
                value = value[part]
            else:
                return default
        return value


class LazyChildren(Mapping[str, "Child"]):
    """A repository's children known by their ids, the records read when first needed.

    A report or due list after a check of the same files reads the figures' per-child facts
    from the cache (load.cache.FactsStore) and needs no record: `ids` (sorted) come from there,
    and `fill` loads the records (and sets the repository's duplicates and unreadable ids) the
    first time anything asks for a record or iterates the children.
    """

    def __init__(self, ids: list[str], fill: Callable[[], dict[str, Child]]):
        self._ids = ids
        self._known = set(ids)
        self._fill = fill
        self._records: dict[str, Child] | None = None

    def records(self) -> dict[str, Child]:
        """The children as the loader assembles them ({id: Child}, in file order)."""
        if self._records is None:
            self._records = self._fill()
        return self._records

    def sorted_ids(self) -> list[str]:
        return self._ids if self._records is None else sorted(self._records)

    def __getitem__(self, child_id: str) -> Child:
        return self.records()[child_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.records())

    def __len__(self) -> int:
        return len(self._ids) if self._records is None else len(self._records)

    def __contains__(self, child_id: object) -> bool:
        return child_id in (self._known if self._records is None else self._records)


def sorted_ids(children: Mapping[str, Child]) -> list[str]:
    """The children's ids in order, without reading records the cache has not loaded yet."""
    return children.sorted_ids() if isinstance(children, LazyChildren) else sorted(children)


@dataclass
class Repository:
    """A loaded school repository.

    `logs` maps a log name ("talks") to a DataFrame with one row per CSV row: every column as
    text, the parsed date columns (`date`, or the datetimes of incidents.csv) as datetime64
    (NaT where unreadable), and `_line`, the row's line number in the file (header = 1).

    `children` is a dict, or, for a report or due list after a check of the same files, a
    LazyChildren that reads the records when first asked; `duplicates` and `unreadable_ids`
    are filled then too (only checks, import and promote read them, and those load records).
    """

    root: Path
    settings: Settings
    children: dict[str, Child] | LazyChildren = field(default_factory=dict)
    logs: dict[str, pd.DataFrame] = field(default_factory=dict)
    log_headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    log_files: dict[str, str] = field(default_factory=dict)  # log name -> its path, as found
    # (id, path of the first file with it, path of the repeat, (line, column) in the repeat)
    duplicates: list[tuple[str, str, str, tuple[int, int]]] = field(default_factory=list)
    # File stems of child records that exist but could not be read as a record
    unreadable_ids: set[str] = field(default_factory=set)
    # Where the figures keep their per-child facts between runs (load.cache.FactsStore), if at all
    facts_store: Any = None


def in_care(child: Child, day: dt.date) -> bool:
    """Whether the child counts as a left-behind child in the school's care on `day` (data-format §6).

    A child without a valid enrolled_on, or with a status other than 在校 but no valid
    status_date, is never in care: the condition cannot be decided, and `check` reports it.

    Args:
        child: the child's record.
        day: the day in question.

    Returns:
        True when enrolled_on ≤ day; status is 在校 or day < status_date; since ≤ day when
        left_behind.since is given; day < until when left_behind.until is given.
    """
    record = child.record
    enrolled = _as_date(record.get("enrolled_on"))
    if enrolled is None or day < enrolled:
        return False
    if record.get("status") != "在校":
        status_date = _as_date(record.get("status_date"))
        if status_date is None or day >= status_date:
            return False
    since = _as_date((record.get("left_behind") or {}).get("since"))
    if since is not None and day < since:
        return False
    until = _as_date((record.get("left_behind") or {}).get("until"))
    return until is None or day < until


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


_GUARDIAN_ARCHIVE = ("name", "relation", "age", "occupation", "address", "phone", "health")


def archive_missing(child: Child | dict[str, Any]) -> list[str]:
    """The archive fields (data-format §3 "archive-complete") a record lacks, as dotted names.

    "parents" is named once when no parent has name, phone and work_place; "guardian" when the
    guardian is absent, else each missing guardian field. No guardian is needed for 无人监护.

    Args:
        child: a child, or its validated record.

    Returns:
        Dotted field names, in the data format order; empty when the record is archive-complete.
    """

    def filled(value: Any) -> bool:
        if isinstance(value, str):
            return bool(value.strip())
        if isinstance(value, list):
            return any(filled(v) for v in value)
        return value is not None

    record = child.record if isinstance(child, Child) else child
    missing = []
    if not filled(record.get("address")):
        missing.append("address")
    if not any(
        all(filled(p.get(k)) for k in ("name", "phone", "work_place"))
        for p in record.get("parents") or []
    ):
        missing.append("parents")
    if record.get("guardianship") != "无人监护":
        guardian = record.get("guardian")
        if not guardian:
            missing.append("guardian")
        else:
            missing += [f"guardian.{k}" for k in _GUARDIAN_ARCHIVE if not filled(guardian.get(k))]
    profile = record.get("profile") or {}
    missing += [
        f"profile.{k}" for k in ("personality", "interests", "health") if not filled(profile.get(k))
    ]
    if not filled((record.get("care") or {}).get("mentor")):
        missing.append("care.mentor")
    return missing
