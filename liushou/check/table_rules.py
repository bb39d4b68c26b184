"""The cross-file log checks of rules.py over plain-column logs (smalllog.Table), row by row.

Each function gives exactly the findings its DataFrame twin in rules.py gives for the same rows;
tests/test_small_logs.py checks both readers on the same repositories.
"""

from __future__ import annotations

import datetime as dt

from liushou.check.hints import ReferenceHints
from liushou.findings import Finding, finding, shown
from liushou.load.smalllog import Table, ids_of
from liushou.logspec import LogSpec


def log_references(
    table: Table,
    spec: LogSpec,
    ids: set[str],
    staff: set[str],
    file: str,
    column_no: dict[str, int],
    hints: ReferenceHints,
) -> list[Finding]:
    """LS201 every child_id (and activity participant) names a record; LS202 staff is known."""
    out = []
    if spec.id_column in table:
        out += [
            finding(
                "LS201",
                file,
                line,
                column_no[spec.id_column],
                column=spec.id_column,
                id=shown(child_id),
                hint=hints.child(child_id),
            )
            for line, child_id in ids_of(spec, table)
            if child_id != "" and child_id not in ids
        ]
    if "staff" in table:
        out += [
            finding(
                "LS202",
                file,
                line,
                column_no["staff"],
                column="staff",
                name=shown(name),
                hint=hints.staff(name),
            )
            for line, name in zip(table["_line"], table["staff"])
            if name != "" and name not in staff
        ]
    return out


def future_dates(
    table: Table, spec: LogSpec, today: dt.date, file: str, column_no: dict[str, int]
) -> list[Finding]:
    """LS304: nothing in a log may be dated after today."""
    limit = dt.datetime.combine(today, dt.time()) + dt.timedelta(days=1)
    out = []
    for column in spec.dates + spec.datetimes:
        if column not in table:
            continue
        out += [
            finding("LS304", file, line, column_no[column], column=column, today=today.isoformat())
            for line, when in zip(table["_line"], table[column])
            if when is not None and when >= limit
        ]
    return out


# How LS306 says which end of the care window a row lies beyond (the pandas twin in rules.py too)
BEFORE_ENROLMENT = "入学（enrolled_on）之前"
AFTER_LEAVING = "离校（status_date）之后"


def care_window(
    table: Table,
    spec: LogSpec,
    enrolled: dict[str, dt.date],
    left: dict[str, dt.date],
    file: str,
    column_no: dict[str, int],
) -> list[Finding]:
    """LS306: a care log row dated before the child enrolled or after the child left."""
    column = spec.main_date
    out = []
    for line, when, child_id in zip(table["_line"], table[column], table["child_id"]):
        if when is None:
            continue
        day = when.date()
        start, end = enrolled.get(child_id), left.get(child_id)
        outside = (start is not None and day < start, end is not None and day > end)
        for hit, when in zip(outside, (BEFORE_ENROLMENT, AFTER_LEAVING)):
            if hit:
                out.append(
                    finding("LS306", file, line, column_no[column], column=column, when=when)
                )
    return out
