"""Plan and carry out `import roster` (data-format §10): a school's 花名册 sheet into child records."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liushou import fsguard
from liushou.documents.roster import coarse_place, mask_id_number, mask_phone
from liushou.edit.importvalues import (
    CellError,
    cell_text,
    is_empty,
    parse_age,
    parse_bool,
    parse_class,
    parse_date,
    parse_enum,
    parse_grade,
    parse_id,
    parse_id_number,
    parse_phone,
    split_interests,
)
from liushou.edit.recordfile import (
    RecordWriteError,
    new_record_text,
    record_path,
)
from liushou.edit.sheets import (
    Table,
    header_candidates,
    header_key,
    read_table,
)
from liushou.edit.yamledit import EditError, edit_record
from liushou.errors import os_reason
from liushou.findings import ERROR
from liushou.load.model import Repository
from liushou.load.schema import GENDERS, GUARDIANSHIPS, LEFT_BEHIND_TYPES, STATUSES, validate_child
from liushou.load.yamlsource import ParsedYaml
from liushou.records.files import write_atomic


@dataclass(frozen=True)
class Column:
    """One key a roster can fill: its Chinese headers, title and how a cell becomes a value."""

    key: str  # dotted; parents as "parents.父亲.phone"
    headers: tuple[str, ...]
    parse: Callable[[Any], Any]

    @property
    def title(self) -> str:
        return self.headers[0]


def _enum(allowed: tuple[str, ...]) -> Callable[[Any], str]:
    return lambda cell: parse_enum(cell, allowed)


def _parent_columns(relation: str) -> list[Column]:
    return [
        Column(f"parents.{relation}.name", (f"{relation}姓名",), cell_text),
        Column(f"parents.{relation}.phone", (f"{relation}电话",), parse_phone),
        Column(f"parents.{relation}.work_place", (f"{relation}务工地点",), cell_text),
        Column(f"parents.{relation}.employer", (f"{relation}务工单位",), cell_text),
    ]


# The header table of data-format §10, in the order of data-format §3 (plus 状态/状态日期, which a roster of
# transfers may hold).
ROSTER_COLUMNS: tuple[Column, ...] = (
    Column("id", ("学号", "编号"), parse_id),
    Column("name", ("姓名",), cell_text),
    Column("gender", ("性别",), _enum(GENDERS)),
    Column("birth_date", ("出生日期", "出生年月日"), parse_date),
    Column("id_number", ("身份证号", "公民身份号码", "身份证号码"), parse_id_number),
    Column("grade", ("年级",), parse_grade),
    Column("class", ("班级", "班"), parse_class),
    Column("boarding", ("寄宿", "是否寄宿"), parse_bool),
    Column("address", ("家庭住址", "家庭地址", "居住地址"), cell_text),
    Column("enrolled_on", ("入学日期", "转入日期"), parse_date),
    Column("status", ("状态",), _enum(STATUSES)),
    Column("status_date", ("状态日期", "变动日期"), parse_date),
    Column("left_behind.type", ("留守类型",), _enum(LEFT_BEHIND_TYPES)),
    Column("guardianship", ("监护类型", "监护情况", "监护方式"), _enum(GUARDIANSHIPS)),
    *_parent_columns("父亲"),
    *_parent_columns("母亲"),
    Column("guardian.name", ("监护人姓名",), cell_text),
    Column("guardian.relation", ("与儿童关系",), cell_text),
    Column("guardian.age", ("监护人年龄",), parse_age),
    Column("guardian.occupation", ("监护人职业",), cell_text),
    Column("guardian.address", ("监护人住址",), cell_text),
    Column("guardian.phone", ("监护人电话",), parse_phone),
    Column("guardian.health", ("监护人健康状况",), cell_text),
    Column("profile.personality", ("性格", "性格特征"), cell_text),
    Column("profile.interests", ("兴趣爱好", "爱好"), split_interests),
    Column("profile.health", ("健康状况", "身体状况"), cell_text),
    Column("care.mentor", ("帮扶教师", "代理家长", "结对教师"), cell_text),
)
ROSTER_HEADERS: dict[str, Column] = {
    header_key(h): column for column in ROSTER_COLUMNS for h in column.headers
}
TITLES = {column.key: column.title for column in ROSTER_COLUMNS}
# Keys a new record must have (data-format §3 "required"; status defaults to 在校, id is generated).
NEW_REQUIRED = (
    "name",
    "gender",
    "birth_date",
    "grade",
    "class",
    "enrolled_on",
    "left_behind.type",
    "guardianship",
)


@dataclass(frozen=True)
class Problem:
    """Why a row (or, with row None, the whole sheet) cannot be imported."""

    row: int | None
    message: str


@dataclass
class NewRecord:
    """A child the roster adds: sheet row, id, path relative to the root, nested fields."""

    row: int
    id: str
    path: str
    fields: dict[str, Any]


@dataclass
class Change:
    """One field of an existing record that the roster changes."""

    key: str
    old: Any
    new: Any


@dataclass
class ChangedRecord:
    """An existing record the roster changes."""

    row: int
    id: str
    name: str
    path: str
    changes: list[Change]


@dataclass
class RosterPlan:
    """What `import roster` would do; `--write` carries out exactly this."""

    source: str
    sheet: str
    header_row: int
    new: list[NewRecord] = field(default_factory=list)
    changed: list[ChangedRecord] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when every row can be imported, 1 when some row is refused."""
        return 1 if self.problems else 0

    @property
    def empty(self) -> bool:
        return not self.new and not self.changed


def is_roster_header(keys: list[str]) -> bool:
    """The roster's header row is the first holding 姓名."""
    return any("姓名" in header_candidates(k) for k in keys)


def read_roster(path: Path, sheet: str | None = None) -> Table:
    """Read the roster table of a file. Raises SheetError."""
    return read_table(path, is_roster_header, sheet)


def plan_roster(table: Table, repo: Repository) -> RosterPlan:
    """Plan the import of a roster table into a loaded repository.

    Args:
        table: from read_roster().
        repo: the repository as loaded (records with errors keep their valid fields).

    Returns:
        The RosterPlan: new records, changed fields, unchanged count and row problems.
    """
    plan = RosterPlan(table.source, table.sheet, table.header_row)
    columns: list[tuple[int, Column]] = []
    seen_keys: dict[str, str] = {}
    for index, header in enumerate(table.header):
        key = header_key(header)
        if not key:
            continue
        column = next(
            (ROSTER_HEADERS[k] for k in header_candidates(key) if k in ROSTER_HEADERS), None
        )
        if column is None:
            plan.unknown_headers.append(header)
        elif column.key in seen_keys:
            plan.problems.append(
                Problem(
                    table.header_row, f"“{header}”和“{seen_keys[column.key]}”是同一项，只能保留一列"
                )
            )
        else:
            seen_keys[column.key] = header
            columns.append((index, column))
    if plan.problems:
        return plan
    matcher = _Matcher(repo)
    for row, cells in table.rows:
        values, problems = _row_values(row, cells, columns)
        if problems:
            plan.problems += problems
            continue
        _plan_row(plan, row, values, repo, matcher)
    return plan


def _row_values(
    row: int, cells: list[Any], columns: list[tuple[int, Column]]
) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {}
    problems = []
    for index, column in columns:
        cell = cells[index] if index < len(cells) else None
        if is_empty(cell):
            continue
        try:
            value = column.parse(cell)
        except CellError as error:
            problems.append(Problem(row, f"{column.title}：{error}"))
            continue
        if column.key == "class":
            grade, value = value
            if grade is not None:
                if "grade" in values and values["grade"] != grade:
                    problems.append(Problem(row, "年级与班级中写的年级不一致"))
                    continue
                values["grade"] = grade
        elif column.key == "grade" and values.get("grade", value) != value:
            problems.append(Problem(row, "年级与班级中写的年级不一致"))
            continue
        if value in ("", []):
            continue
        values[column.key] = value
    return values, problems


class _Matcher:
    """Finds the record a row means: by id, else id_number, else name + birth_date."""

    def __init__(self, repo: Repository):
        self.ids = set(repo.children) | set(repo.unreadable_ids)
        self.by_number: dict[str, list[str]] = {}
        self.by_name: dict[tuple[str, dt.date], list[str]] = {}
        for child in repo.children.values():
            self._index(child.id, child.record)
        self.rows: dict[str, int] = {}  # id -> the sheet row that already took it

    def _index(self, child_id: str, record: dict[str, Any]) -> None:
        number = record.get("id_number")
        if isinstance(number, str):
            self.by_number.setdefault(number.upper(), []).append(child_id)
        name, birth = record.get("name"), record.get("birth_date")
        if isinstance(name, str) and isinstance(birth, dt.date):
            self.by_name.setdefault((name.strip(), birth), []).append(child_id)

    def add(self, child_id: str, values: dict[str, Any], row: int) -> None:
        self.ids.add(child_id)
        self._index(child_id, {k: values.get(k) for k in ("id_number", "name", "birth_date")})
        self.rows[child_id] = row

    def match(self, values: dict[str, Any]) -> tuple[str | None, str | None]:
        """(matched id or None, problem or None)."""
        child_id = values.get("id")
        number = values.get("id_number")
        key = (values.get("name"), values.get("birth_date"))
        by_number = self.by_number.get(number, []) if number else []
        by_name = self.by_name.get(key, []) if None not in key else []
        if child_id is not None:
            if child_id in self.ids:
                return child_id, None
            other = by_number or by_name
            if other:
                how = "身份证号" if by_number else "姓名和出生日期"
                return None, f"{how}与已有档案 {other[0]} 相符，但学号不同；请核对学号"
            return None, None
        for how, found in (("身份证号", by_number), ("姓名和出生日期", by_name)):
            if len(found) > 1:
                return (
                    None,
                    f"{how}与多份档案相符（{'、'.join(sorted(found))}），无法确定是哪一名儿童，请填写学号",
                )
            if found:
                return found[0], None
        return None, None


def _plan_row(
    plan: RosterPlan, row: int, values: dict[str, Any], repo: Repository, matcher: _Matcher
) -> None:
    if "name" not in values and "id" not in values:
        plan.problems.append(Problem(row, "缺少姓名"))
        return
    matched, problem = matcher.match(values)
    if problem:
        plan.problems.append(Problem(row, problem))
        return
    if matched is not None and matched in matcher.rows:
        plan.problems.append(
            Problem(row, f"与第 {matcher.rows[matched]} 行是同一名儿童，只导入一次")
        )
        return
    mentor = values.get("care.mentor")
    if mentor is not None and mentor not in repo.settings.staff:
        plan.problems.append(Problem(row, f"帮扶教师 {mentor} 不在 liushou.yaml 的 staff 名单中"))
        return
    if matched is not None:
        if matched in repo.unreadable_ids and matched not in repo.children:
            plan.problems.append(
                Problem(row, f"档案 {matched} 无法读取，请先运行 liushou check 修正")
            )
            return
        _plan_change(plan, row, values, repo, matched)
        matcher.rows[matched] = row
        return
    _plan_new(plan, row, values, matcher)


def _get(record: dict[str, Any], key: str) -> Any:
    parts = key.split(".")
    if parts[0] == "parents":
        for parent in record.get("parents") or []:
            if parent.get("relation") == parts[1]:
                return parent.get(parts[2])
        return None
    value: Any = record
    for part in parts:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _put(record: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    if parts[0] == "parents":
        parents = record.setdefault("parents", [])
        for parent in parents:
            if parent.get("relation") == parts[1]:
                break
        else:
            parent = {"relation": parts[1]}
            parents.append(parent)
        parent[parts[2]] = value
        return
    target = record
    for part in parts[:-1]:
        if not isinstance(target.get(part), dict):
            target[part] = {}
        target = target[part]
    target[parts[-1]] = value


def _errors(record: dict[str, Any], child_id: str) -> list[str]:
    """The messages of the errors `check` would report for one record (archive gaps aside)."""
    _, findings = validate_child(ParsedYaml(value=record), "", child_id)
    return [f.message for f in findings if f.severity == ERROR]


def _plan_change(
    plan: RosterPlan, row: int, values: dict[str, Any], repo: Repository, child_id: str
) -> None:
    child = repo.children[child_id]
    merged = copy.deepcopy(child.record)
    changes = []
    for key, new in values.items():
        if key == "id":
            continue
        old = _get(child.record, key)
        if old != new:
            changes.append(Change(key, old, new))
            _put(merged, key, new)
    if not changes:
        plan.unchanged += 1
        return
    errors = _errors(merged, child_id)
    if errors:
        plan.problems.append(Problem(row, f"修改后档案 {child_id} 将出错：{errors[0]}"))
        return
    plan.changed.append(
        ChangedRecord(row, child_id, str(child.record.get("name", "")), child.path, changes)
    )


def _plan_new(plan: RosterPlan, row: int, values: dict[str, Any], matcher: _Matcher) -> None:
    missing = [TITLES[k] for k in NEW_REQUIRED if k not in values]
    if missing:
        plan.problems.append(Problem(row, f"新儿童缺少必填项：{'、'.join(missing)}"))
        return
    fields: dict[str, Any] = {"status": "在校"}
    for key, value in values.items():
        _put(fields, key, value)
    child_id = values.get("id") or generate_id(
        values["enrolled_on"], values["grade"], values["class"], matcher.ids
    )
    fields["id"] = child_id
    errors = _errors(fields, child_id)
    if errors:
        plan.problems.append(Problem(row, errors[0]))
        return
    path = record_path(values["grade"], values["class"]) / f"{child_id}.yaml"
    matcher.add(child_id, values, row)
    plan.new.append(NewRecord(row, child_id, path.as_posix(), fields))


def generate_id(enrolled_on: dt.date, grade: int, class_: int, taken: set[str]) -> str:
    """`<enrolment year>-<grade><class, 2 digits>-<2-digit sequence>`, e.g. 2015-302-07.

    The sequence is one past the highest already used with the same prefix, so an id is never
    reused. Never derived from the ID number.
    """
    prefix = f"{enrolled_on.year}-{grade}{class_:02d}-"
    used = [
        int(t[len(prefix) :]) for t in taken if t.startswith(prefix) and t[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(used, default=0) + 1:02d}"


def shown(key: str, value: Any) -> str:
    """A value as the plan shows it: phones and ID numbers masked, addresses hidden, work places
    cut to province and city (a dry run's output may end up in a CI log)."""
    if value is None or value == "" or value == []:
        return "（空）"
    last = key.rsplit(".", 1)[-1]
    if last in ("phone", "employer_phone"):
        return mask_phone(value)
    if last == "id_number":
        return mask_id_number(value)
    if last == "address":
        return "****"
    if last == "work_place":
        return coarse_place(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _title(key: str) -> str:
    return TITLES.get(key, key)


def format_roster_plan(plan: RosterPlan, written: bool = False) -> str:
    """The plan as Chinese text, one item per line, ending with what happens next."""
    lines = [f"花名册：{plan.source}（工作表“{plan.sheet}”，表头在第 {plan.header_row} 行）"]
    if plan.unknown_headers:
        lines.append(f"未识别的列（已忽略）：{'、'.join(plan.unknown_headers)}")
    lines.append(f"新建档案：{len(plan.new)} 份")
    for new in plan.new:
        name = new.fields.get("name", "")
        lines.append(f"  第 {new.row} 行  {new.id}  {name}  → {new.path}")
    lines.append(f"修改档案：{len(plan.changed)} 份")
    for record in plan.changed:
        lines.append(f"  第 {record.row} 行  {record.id}  {record.name}")
        for change in record.changes:
            old, new = shown(change.key, change.old), shown(change.key, change.new)
            lines.append(f"    {_title(change.key)}：{old} → {new}")
    lines.append(f"没有变化：{plan.unchanged} 份")
    lines += _problem_lines(plan.problems)
    lines.append(_closing(plan.empty, written))
    return "\n".join(lines) + "\n"


def _problem_lines(problems: list[Problem]) -> list[str]:
    if not problems:
        return ["问题：无"]
    lines = [f"问题：{len(problems)} 处（这些行不导入，其余行照常导入）"]
    for problem in problems:
        where = f"第 {problem.row} 行" if problem.row is not None else "整个表格"
        lines.append(f"  {where}：{problem.message}")
    return lines


def _closing(empty: bool, written: bool) -> str:
    if empty:
        return "没有需要写入的内容。"
    if written:
        return "已写入。"
    return "这是预览，没有写入任何文件；确认无误后加 --write 写入。"


def write_roster_plan(plan: RosterPlan, root: Path) -> list[Path]:
    """Carry out a plan: new records as `liushou new` writes them, changed fields edited in place.

    Returns:
        The files written. Raises RecordWriteError (a file in the way, or a failed write).
    """
    written = []
    for new in plan.new:
        target = root / new.path
        write_atomic(target, new_record_text(new.fields).encode("utf-8"), root=root, exclusive=True)
        written.append(target)
    for record in plan.changed:
        target = root / record.path
        try:
            data = fsguard.safe_read_bytes(root, target)
        except OSError as error:
            raise RecordWriteError(f"无法读取 {record.path}：{os_reason(error)}") from None
        # Written back as it came: UTF-8 (with its BOM if it had one) or GB18030, CRLF kept.
        bom = data.startswith(b"\xef\xbb\xbf")
        encoding = "utf-8-sig" if bom else "utf-8"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("gb18030"), "gb18030"
            except UnicodeDecodeError:
                raise RecordWriteError(
                    f"无法修改 {record.path}：文件编码不是 UTF-8 或 GB18030，请先另存为 UTF-8"
                ) from None
        crlf = "\r\n" in text
        try:
            edited = edit_record(text.replace("\r\n", "\n"), {c.key: c.new for c in record.changes})
        except EditError as error:
            raise RecordWriteError(f"无法修改 {record.path}：{error}") from None
        if crlf:
            edited = edited.replace("\n", "\r\n")
        write_atomic(target, edited.encode(encoding), root=root)
        written.append(target)
    return written
