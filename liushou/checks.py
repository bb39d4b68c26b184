"""Checks across files: references between logs, records and staff, and date policy.

Checks that need a single file run while it is read (schema.py, logs.py); those here need the
whole repository. Each is a small named function registered in CHECKS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from .findings import Finding, finding, shown
from .logs import LOG_SPECS, MAIN_DATE
from .model import Repository

# Logs that record something the school did for a child while in its care.
CARE_LOGS = ("talks", "visits", "contacts", "trainings", "incidents")


def check_duplicate_ids(repo: Repository, today: dt.date) -> list[Finding]:
    """LS106: the same id in two files (any subfolders)."""
    return [
        finding("LS106", path, line, col, id=shown(child_id), other=first)
        for child_id, first, path, (line, col) in repo.duplicates
    ]


def check_mentors(repo: Repository, today: dt.date) -> list[Finding]:
    """LS203: care.mentor must be a name in liushou.yaml staff."""
    staff = set(repo.settings.staff)
    out = []
    for child in repo.children.values():
        mentor = child.get("care.mentor")
        if isinstance(mentor, str) and mentor.strip() and mentor.strip() not in staff:
            line, col = child.positions.get("care.mentor", (1, None))
            out.append(finding("LS203", child.path, line, col, name=shown(mentor.strip())))
    return out


def check_log_references(repo: Repository, today: dt.date) -> list[Finding]:
    """LS201 every child_id (and activity participant) names a record; LS202 staff is known."""
    ids = set(repo.children) | repo.unreadable_ids
    staff = set(repo.settings.staff)
    out = []
    for name, frame in repo.logs.items():
        file, column_no = _where(repo, name)
        if "child_id" in frame:
            out += _not_in(frame, "child_id", ids, "LS201", file, column_no, "id")
        if "staff" in frame:
            out += _not_in(frame, "staff", staff, "LS202", file, column_no, "name")
        if name == "activities":
            parts = participants(frame)
            unknown = parts[(parts != "全体") & ~parts.isin(ids)]
            for index, child_id in unknown.items():
                out.append(
                    finding(
                        "LS201",
                        file,
                        int(frame.at[index, "_line"]),
                        column_no["participants"],
                        column="participants",
                        id=shown(child_id),
                    )
                )
    return out


def check_future_dates(repo: Repository, today: dt.date) -> list[Finding]:
    """LS304: nothing in a log may be dated after today."""
    limit = pd.Timestamp(today) + pd.Timedelta(days=1)
    out = []
    for name, frame in repo.logs.items():
        file, column_no = _where(repo, name)
        spec = LOG_SPECS[name]
        for column in spec.dates + spec.datetimes:
            if column not in frame:
                continue
            for line in frame.loc[frame[column] >= limit, "_line"]:
                out.append(
                    finding(
                        "LS304",
                        file,
                        int(line),
                        column_no[column],
                        column=column,
                        today=today.isoformat(),
                    )
                )
    return out


def check_care_window(repo: Repository, today: dt.date) -> list[Finding]:
    """LS306: a care log row dated before the child enrolled or after the child left."""
    enrolled = {}
    left = {}
    for child in repo.children.values():
        if child.get("enrolled_on"):
            enrolled[child.id] = pd.Timestamp(child.get("enrolled_on"))
        if child.get("status", "在校") != "在校" and child.get("status_date"):
            left[child.id] = pd.Timestamp(child.get("status_date"))
    out = []
    for name in CARE_LOGS:
        frame = repo.logs.get(name)
        if frame is None:
            continue
        file, column_no = _where(repo, name)
        column = MAIN_DATE[name]
        day = frame[column].dt.normalize()
        before = day < pd.to_datetime(frame["child_id"].map(enrolled))
        after = day > pd.to_datetime(frame["child_id"].map(left))
        for mask, when in ((before, "入学（enrolled_on）之前"), (after, "离校（status_date）之后")):
            for line in frame.loc[mask, "_line"]:
                out.append(
                    finding("LS306", file, int(line), column_no[column], column=column, when=when)
                )
    return out


CHECKS: list[Callable[[Repository, dt.date], list[Finding]]] = [
    check_duplicate_ids,
    check_mentors,
    check_log_references,
    check_future_dates,
    check_care_window,
]


def run_checks(repo: Repository, today: dt.date) -> list[Finding]:
    """Run every repository-wide check; a check that crashes becomes a finding, not a crash."""
    out: list[Finding] = []
    for check in CHECKS:
        try:
            out.extend(check(repo, today))
        except Exception as exc:  # noqa: BLE001 - one broken rule must not hide the others
            out.append(
                finding("LS990", "liushou.yaml", 1, check=check.__name__, error=type(exc).__name__)
            )
    return out


def _not_in(
    frame: pd.DataFrame,
    column: str,
    known: set[str],
    code: str,
    file: str,
    column_no: dict[str, int],
    value_key: str,
) -> list[Finding]:
    """One finding per row whose non-empty `column` holds a value outside `known`."""
    unknown = (frame[column] != "") & ~frame[column].isin(known)
    return [
        finding(code, file, int(line), column_no[column], column=column, **{value_key: shown(v)})
        for line, v in zip(frame.loc[unknown, "_line"], frame.loc[unknown, column])
    ]


def participants(frame: pd.DataFrame) -> pd.Series:
    """The activity participants, one per row of the result, indexed by the activity's row."""
    parts = frame["participants"].str.replace("；", ";").str.split(";").explode().str.strip()
    return parts[parts.notna() & (parts != "")]


def _where(repo: Repository, name: str) -> tuple[str, dict[str, int]]:
    header = repo.log_headers.get(name, ())
    file = repo.log_files.get(name, f"logs/{name}.csv")
    return file, {col: i + 1 for i, col in enumerate(header)}
