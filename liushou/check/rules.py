"""Checks across files: references between logs, records and staff, and date policy.

Checks that need a single file run while it is read (schema.py, logs.py); those here need the
whole repository. Each is a small named function registered in CHECKS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from liushou.check import table_rules
from liushou.check.hints import ReferenceHints
from liushou.findings import Finding, finding, shown
from liushou.load.model import Child, Repository, in_care
from liushou.load.schema import ENTRUSTED_GUARDIANSHIPS
from liushou.load.smalllog import Table
from liushou.logspec import LOGS, RETURNED


def check_duplicate_ids(repo: Repository, today: dt.date) -> list[Finding]:
    """LS106: the same id in two files (any subfolders)."""
    return [
        finding("LS106", path, line, col, id=shown(child_id), other=first)
        for child_id, first, path, (line, col) in repo.duplicates
    ]


def check_mentors(repo: Repository, today: dt.date) -> list[Finding]:
    """LS203: care.mentor must be a name in liushou.yaml staff."""
    staff = set(repo.settings.staff)
    hints = ReferenceHints(repo)
    out = []
    for child in repo.children.values():
        mentor = child.get("care.mentor")
        if isinstance(mentor, str) and mentor.strip() and mentor.strip() not in staff:
            line, col = child.positions.get("care.mentor", (1, None))
            name = mentor.strip()
            out.append(
                finding("LS203", child.path, line, col, name=shown(name), hint=hints.staff(name))
            )
    return out


def check_log_references(repo: Repository, today: dt.date) -> list[Finding]:
    """LS201 every child_id (and activity participant) names a record; LS202 staff is known."""
    ids = set(repo.children) | repo.unreadable_ids
    staff = set(repo.settings.staff)
    hints = ReferenceHints(repo)
    out = []
    for name, frame in repo.logs.items():
        spec = LOGS[name]
        file, column_no = _where(repo, name)
        if isinstance(frame, Table):
            out += table_rules.log_references(frame, spec, ids, staff, file, column_no, hints)
            continue
        if spec.id_column in frame:
            named = spec.ids_of(frame)
            unknown = named[(named != "") & ~named.isin(ids)]
            lines = frame.loc[unknown.index, "_line"]
            out += [
                finding(
                    "LS201",
                    file,
                    int(line),
                    column_no[spec.id_column],
                    column=spec.id_column,
                    id=shown(child_id),
                    hint=hints.child(child_id),
                )
                for line, child_id in zip(lines, unknown)
            ]
        if "staff" in frame:
            unknown = (frame["staff"] != "") & ~frame["staff"].isin(staff)
            out += [
                finding(
                    "LS202",
                    file,
                    int(line),
                    column_no["staff"],
                    column="staff",
                    name=shown(who),
                    hint=hints.staff(who),
                )
                for line, who in zip(frame.loc[unknown, "_line"], frame.loc[unknown, "staff"])
            ]
    return out


def check_future_dates(repo: Repository, today: dt.date) -> list[Finding]:
    """LS304: nothing in a log may be dated after today."""
    out = []
    for name, frame in repo.logs.items():
        file, column_no = _where(repo, name)
        spec = LOGS[name]
        if isinstance(frame, Table):
            out += table_rules.future_dates(frame, spec, today, file, column_no)
            continue
        import pandas as pd

        limit = pd.Timestamp(today) + pd.Timedelta(days=1)
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
            enrolled[child.id] = child.get("enrolled_on")
        if child.get("status", "在校") != "在校" and child.get("status_date"):
            left[child.id] = child.get("status_date")
    out = []
    for name, frame in repo.logs.items():
        if not LOGS[name].care:
            continue
        file, column_no = _where(repo, name)
        if isinstance(frame, Table):
            out += table_rules.care_window(frame, LOGS[name], enrolled, left, file, column_no)
            continue
        import pandas as pd

        column = LOGS[name].main_date
        day = frame[column].dt.normalize()
        before = day < pd.to_datetime(frame["child_id"].map(_timestamps(enrolled)))
        after = day > pd.to_datetime(frame["child_id"].map(_timestamps(left)))
        for mask, when in (
            (before, table_rules.BEFORE_ENROLMENT),
            (after, table_rules.AFTER_LEAVING),
        ):
            for line in frame.loc[mask, "_line"]:
                out.append(
                    finding("LS306", file, int(line), column_no[column], column=column, when=when)
                )
    return out


def _at(child: Child, dotted: str) -> tuple[int, int | None]:
    return child.positions.get(dotted, (1, None))


def check_written_notice(repo: Repository, today: dt.date) -> list[Finding]:
    """LS310: parents who entrust care must tell the school in writing (guardian.notice_on)."""
    out = []
    for child in repo.children.values():
        guardianship = child.get("guardianship")
        if guardianship not in ENTRUSTED_GUARDIANSHIPS or child.get("guardian.notice_on"):
            continue
        if in_care(child, today):
            line, col = _at(child, "guardianship")
            out.append(finding("LS310", child.path, line, col, guardianship=guardianship))
    return out


def check_unattended(repo: Repository, today: dt.date) -> list[Finding]:
    """LS312: a child in care today without any guardian (无人监护) must be reported at once."""
    out = []
    for child in repo.children.values():
        if child.get("guardianship") == "无人监护" and in_care(child, today):
            line, col = _at(child, "guardianship")
            out.append(finding("LS312", child.path, line, col))
    return out


def check_returned_dropouts(repo: Repository, today: dt.date) -> list[Finding]:
    """LS313: a 辍学 child with a 复学 row after its status_date is back: edit the record."""
    log = repo.logs.get("returns")
    if log is None or not all(c in log for c in ("action", "date", "child_id")):
        return []
    file = repo.log_files.get("returns", "logs/returns.csv")
    # A plain loop: returns.csv holds a few rows per dropout, as a DataFrame or a small Table.
    first: dict[str, tuple[dt.date, int]] = {}
    for child_id, action, when, line in zip(
        *(_values(log, c) for c in ("child_id", "action", "date", "_line"))
    ):
        child = repo.children.get(child_id)
        if action != RETURNED or child is None or child.get("status") != "辍学":
            continue
        day = _day(when)
        left = child.get("status_date")
        if day is None or not left or day <= left:
            continue
        if child_id not in first or (day, int(line)) < first[child_id]:
            first[child_id] = (day, int(line))
    out = []
    for child_id, (_, row_line) in first.items():
        child = repo.children[child_id]
        line, col = _at(child, "status")
        out.append(finding("LS313", child.path, line, col, file=file, line=row_line))
    return out


def _values(log, column: str) -> list:
    """A column as a list, from a DataFrame or a small-log Table."""
    values = log[column]
    return values.tolist() if hasattr(values, "tolist") else list(values)


def _day(value) -> dt.date | None:
    """A parsed log date (datetime, Timestamp, None or NaT) as a date."""
    if value is None or value != value:  # NaT is not equal to itself
        return None
    return value.date() if isinstance(value, dt.datetime) else value


CHECKS: list[Callable[[Repository, dt.date], list[Finding]]] = [
    check_duplicate_ids,
    check_mentors,
    check_log_references,
    check_future_dates,
    check_care_window,
    check_written_notice,
    check_unattended,
    check_returned_dropouts,
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


def _timestamps(days: dict[str, dt.date]) -> dict:
    import pandas as pd

    return {key: pd.Timestamp(day) for key, day in days.items()}


def _where(repo: Repository, name: str) -> tuple[str, dict[str, int]]:
    header = repo.log_headers.get(name, ())
    file = repo.log_files.get(name, f"logs/{name}.csv")
    return file, {col: i + 1 for i, col in enumerate(header)}
