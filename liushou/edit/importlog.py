"""Plan and carry out `import log` (data-format §10): a sheet of talks, visits... appended to logs/LOG.csv."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liushou.edit.importing import Problem, _closing, _problem_lines
from liushou.edit.importvalues import (
    CellError,
    cell_text,
    is_empty,
    parse_class,
    parse_datetime,
    parse_enum,
    parse_grade,
    parse_id,
)
from liushou.edit.recordfile import RecordWriteError
from liushou.edit.sheets import (
    SheetError,
    Table,
    decode_text,
    header_candidates,
    header_key,
    read_table,
)
from liushou.errors import os_reason
from liushou.load.model import Repository
from liushou.logspec import HEADER_ALIASES, LOGS
from liushou.records.files import write_atomic

# Chinese headers of data-format §10 and §4 -> the log column they mean. "_name", "_class" and
# "_grade" only help find the child_id (姓名 + 班级 when exactly one child matches).
LOG_HEADERS: dict[str, str] = {
    **HEADER_ALIASES,
    "姓名": "_name",
    "班级": "_class",
    "班": "_class",
    "年级": "_grade",
}
_PARTICIPANTS = re.compile(r"[;；,，、\s]+")


@dataclass
class LogPlan:
    """What `import log` would do: the rows to append (in log columns), skipped and refused rows."""

    log: str
    source: str
    sheet: str
    header_row: int
    target: str  # logs/LOG.csv
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    already: int = 0
    problems: list[Problem] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)
    dropped_columns: list[str] = field(default_factory=list)  # the file has no such column

    @property
    def exit_code(self) -> int:
        """0 when every row can be imported, 1 when some row is refused."""
        return 1 if self.problems else 0

    @property
    def empty(self) -> bool:
        return not self.rows


class LogNameError(ValueError):
    """LOG is not one of data-format §4's logs; the message is in Chinese."""


def _column(log: str, key: str) -> str | None:
    """The log column (or helper) a normalised header means for this log, or None."""
    columns = LOGS[log].columns
    for candidate in header_candidates(key):
        name = LOG_HEADERS.get(candidate, candidate)
        if name in columns:
            return name
        if name in ("_name", "_class", "_grade") and "child_id" in columns:
            return name
    return None


def read_log_sheet(log: str, path: Path) -> Table:
    """Read a log sheet; its header row is the first holding the log's date header.

    Raises:
        LogNameError: an unknown log. SheetError: the file cannot be read.
    """
    if log not in LOGS:
        raise LogNameError(f"未知的日志 {log}，应为：{'、'.join(LOGS)}")
    main = LOGS[log].main_date
    return read_table(path, lambda keys: any(_column(log, k) == main for k in keys))


def _existing(path: Path) -> tuple[list[str], list[list[str]], str, str, bytes]:
    """(header, rows, encoding, line ending, bytes) of a log file; empty when it is missing."""
    if not path.exists():
        return [], [], "utf-8-sig", "\n", b""
    data = path.read_bytes()
    text, encoding = decode_text(data, path.name)
    newline = "\r\n" if "\r\n" in text else "\n"
    rows = [row for row in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in row)]
    header = [c.strip() for c in rows[0]] if rows else []
    return header, rows[1:], encoding, newline, data


def _key_value(column: str, text: str, datetimes: tuple[str, ...]) -> str:
    """A cell as compared for "already imported": dates and amounts in one form."""
    text = text.strip()
    if not text:
        return ""
    try:
        if column in datetimes:
            return parse_datetime(text).strftime("%Y-%m-%d %H:%M")
        if column == "date" or column.endswith("_on"):
            return parse_datetime(text).date().isoformat()
        if column == "amount":
            number = float(text)
            return str(int(number)) if number == int(number) else str(number)
    except (CellError, ValueError):
        pass
    return text


def plan_log(log: str, table: Table, repo: Repository, today: dt.date) -> LogPlan:
    """Plan appending a sheet's rows to logs/LOG.csv.

    Args:
        log: a key of LOGS ("talks").
        table: from read_log_sheet().
        repo: the loaded repository (children for child_id, settings, the root).
        today: rows dated after it are refused.

    Returns:
        The LogPlan. Raises SheetError when the existing log file cannot be decoded.
    """
    spec = LOGS[log]
    target = f"logs/{log}.csv"
    plan = LogPlan(log, table.source, table.sheet, table.header_row, target)
    columns: list[tuple[int, str]] = []
    for index, header in enumerate(table.header):
        key = header_key(header)
        if not key:
            continue
        column = _column(log, key)
        if column is None:
            plan.unknown_headers.append(header)
        elif column in dict((c, i) for i, c in columns):
            plan.problems.append(
                Problem(table.header_row, f"“{header}”与前面的列是同一项，只能保留一列")
            )
        else:
            columns.append((index, column))
    mapped = {c for _, c in columns}
    if mapped & {"_name", "_class", "_grade"} and "child_id" not in mapped:
        if not {"_name", "_class"} <= mapped:
            plan.problems.append(
                Problem(table.header_row, "没有学号列时需要同时有“姓名”和“班级”两列")
            )
        mapped.add("child_id")
    missing = [c for c in spec.required if c not in mapped]
    if missing:
        plan.problems.append(
            Problem(
                table.header_row,
                f"表头缺少必需的列：{'、'.join(missing)}（需要：{'、'.join(spec.required)}）",
            )
        )
    if plan.problems:
        return plan
    header, rows, _, _, _ = _existing(repo.root / target)
    file_columns = (
        [_column(log, header_key(h)) or h for h in header] if header else list(spec.columns)
    )
    plan.dropped_columns = [c for c in spec.columns if c in mapped and c not in file_columns]
    compared = [c for c in spec.columns if c in mapped and c in file_columns]
    seen = set()
    for row in rows:
        cells = dict(zip(file_columns, row))
        seen.add(tuple(_key_value(c, cells.get(c, ""), spec.datetimes) for c in compared))
    resolver = _ChildResolver(repo)
    for number, cells in table.rows:
        values, problems = _row(log, number, cells, columns, resolver, today)
        if problems:
            plan.problems += problems
            continue
        key = tuple(_key_value(c, values.get(c, ""), spec.datetimes) for c in compared)
        if key in seen:
            plan.already += 1
            continue
        seen.add(key)
        plan.rows.append((number, values))
    return plan


class _ChildResolver:
    """Known ids, and name + class → the ids of the children who match."""

    def __init__(self, repo: Repository):
        self.ids = set(repo.children)
        self.by_name: dict[str, list[tuple[int | None, int | None, str]]] = {}
        for child in repo.children.values():
            name = child.record.get("name")
            if isinstance(name, str):
                entry = (child.record.get("grade"), child.record.get("class"), child.id)
                self.by_name.setdefault(name.strip(), []).append(entry)

    def resolve(self, name: str, grade: int | None, klass: int) -> tuple[str | None, str | None]:
        found = [
            cid
            for g, c, cid in self.by_name.get(name, [])
            if c == klass and (grade is None or g == grade)
        ]
        if len(found) == 1:
            return found[0], None
        if not found:
            return None, "找不到姓名和班级相符的儿童档案，请填写学号"
        return (
            None,
            f"姓名和班级与 {len(found)} 名儿童相符（{'、'.join(sorted(found))}），请填写学号",
        )


def _row(log, number, cells, columns, resolver, today) -> tuple[dict[str, str], list[Problem]]:
    spec = LOGS[log]
    values: dict[str, str] = {}
    helpers: dict[str, Any] = {}
    problems = []

    def refuse(message: str) -> None:
        problems.append(Problem(number, message))

    for index, column in columns:
        cell = cells[index] if index < len(cells) else None
        if is_empty(cell):
            continue
        try:
            if column in spec.datetimes:
                moment = parse_datetime(cell)
                if column == LOGS[log].main_date and moment.date() > today:
                    raise CellError(f"是将来的日期（今天是 {today.isoformat()}）")
                values[column] = moment.strftime("%Y-%m-%d %H:%M")
            elif column in spec.dates:
                day = parse_datetime(cell).date()
                if column == LOGS[log].main_date and day > today:
                    raise CellError(f"是将来的日期（今天是 {today.isoformat()}）")
                values[column] = day.isoformat()
            elif column == "child_id":
                values[column] = parse_id(cell)
            elif column == "_class":
                helpers["_grade_from_class"], helpers["_class"] = parse_class(cell)
            elif column == "_grade":
                helpers["_grade"] = parse_grade(cell)
            elif column == "_name":
                helpers["_name"] = cell_text(cell)
            elif column == "amount":
                values[column] = _amount(cell)
            elif column in dict(spec.enums):
                values[column] = parse_enum(cell, dict(spec.enums)[column])
            else:
                values[column] = cell_text(cell)
        except CellError as error:
            refuse(f"{column}：{error}")
    if problems:
        return values, problems
    if "child_id" in values:
        if values["child_id"] not in resolver.ids:
            refuse(f"学号 {values['child_id']} 没有对应的儿童档案")
    elif "_name" in helpers and "_class" in helpers:
        grade = helpers.get("_grade", helpers.get("_grade_from_class"))
        child_id, problem = resolver.resolve(helpers["_name"], grade, helpers["_class"])
        if problem:
            refuse(problem)
        else:
            values["child_id"] = child_id
    if "participants" in values and values["participants"] != "全体":
        ids = [p for p in _PARTICIPANTS.split(values["participants"]) if p]
        unknown = [p for p in ids if p not in resolver.ids]
        if unknown:
            refuse(f"参加对象中的编号 {'、'.join(unknown)} 没有对应的儿童档案")
        values["participants"] = ";".join(ids)
    for column in spec.required:
        if not values.get(column) and not problems:
            refuse(f"缺少 {column}")
    first = spec.datetimes[0] if spec.datetimes else None
    for column in spec.datetimes[1:]:
        if first in values and column in values and values[column] < values[first]:
            refuse(f"{column} 早于 {first}")
    return values, problems


def _amount(cell: Any) -> str:
    try:
        number = float(cell_text(cell).removesuffix("元"))
    except ValueError:
        raise CellError("金额应为数字（元）") from None
    if not number >= 0:
        raise CellError("金额不能为负数")
    return str(int(number)) if number == int(number) else str(number)


def format_log_plan(plan: LogPlan, written: bool = False, shown_rows: int = 20) -> str:
    """The plan as Chinese text; at most `shown_rows` of the new rows are listed."""
    lines = [
        f"日志：{plan.source}（工作表“{plan.sheet}”，表头在第 {plan.header_row} 行）→ {plan.target}"
    ]
    if plan.unknown_headers:
        lines.append(f"未识别的列（已忽略）：{'、'.join(plan.unknown_headers)}")
    if plan.dropped_columns:
        lines.append(f"{plan.target} 没有这些列，其内容不导入：{'、'.join(plan.dropped_columns)}")
    lines.append(f"新增记录：{len(plan.rows)} 行")
    main = LOGS[plan.log].main_date
    for number, values in plan.rows[:shown_rows]:
        who = values.get("child_id") or values.get("title", "")
        staff = values.get("staff", values.get("kind", ""))
        lines.append(f"  第 {number} 行  {values.get(main, '')}  {who}  {staff}".rstrip())
    if len(plan.rows) > shown_rows:
        lines.append(f"  ……另有 {len(plan.rows) - shown_rows} 行")
    lines.append(f"已导入过（跳过）：{plan.already} 行")
    lines += _problem_lines(plan.problems)
    lines.append(_closing(plan.empty, written))
    return "\n".join(lines) + "\n"


def write_log_plan(plan: LogPlan, root: Path) -> Path:
    """Append the planned rows to logs/LOG.csv in its encoding, line ending and column order.

    A missing file is created with every column of the log as header, in UTF-8 with BOM.

    Returns:
        The file. Raises RecordWriteError or SheetError (an existing file that cannot be decoded).
    """
    path = root / plan.target
    try:
        header, _, encoding, newline, data = _existing(path)
    except OSError as error:
        raise RecordWriteError(f"无法读取 {plan.target}：{os_reason(error)}") from None
    create = not header
    if create:
        header = list(LOGS[plan.log].columns)
    columns = [_column(plan.log, header_key(h)) or h for h in header]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    if create:
        writer.writerow(header)
    for _, values in plan.rows:
        writer.writerow([values.get(c, "") for c in columns])
    # The BOM of a new file comes from utf-8-sig; rows appended after one are plain UTF-8.
    body_encoding = "utf-8" if encoding == "utf-8-sig" and not create else encoding
    try:
        added = out.getvalue().encode(body_encoding)
    except UnicodeEncodeError:
        raise SheetError(f"有字符无法用 {plan.target} 的编码（{encoding}）保存") from None
    if create and not path.exists():
        write_atomic(path, added, root=root, exclusive=True)
        return path
    if data and not data.endswith(b"\n"):
        data += newline.encode("ascii")
    write_atomic(path, data + added, root=root)
    return path
