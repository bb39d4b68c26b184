"""Write a new child record (data-format §3, every key in order with a Chinese comment) and files atomically."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from liushou.display import display_width
from liushou.labels import grade_folder
from liushou.load.schema import CHILD_FIELDS
from liushou.records.files import RecordsError, write_atomic

# (key, comment, default, nested keys) in the order of data-format §3, with §11's optional keys.
_PARENT_KEYS = (
    ("relation", "父亲 | 母亲"),
    ("name", "姓名"),
    ("phone", "电话（加引号）"),
    ("work_place", "务工地址"),
    ("employer", "务工单位（可选）"),
    ("employer_phone", "单位电话（可选，加引号）"),
)
_TEMPLATE: tuple[tuple[str, str, Any, tuple], ...] = (
    ("id", "编号（与文件名相同）", None, ()),
    ("name", "姓名", None, ()),
    ("gender", "性别：男 | 女", None, ()),
    ("birth_date", "出生日期 YYYY-MM-DD", None, ()),
    ("id_number", "身份证号（18 位，加引号，可选）", None, ()),
    ("grade", "年级：0 学前，1–6 小学，7–9 初一至初三", None, ()),
    ("class", "班", None, ()),
    ("boarding", "是否寄宿（true / false）", False, ()),
    ("address", "家庭详细地址", None, ()),
    ("enrolled_on", "入学或转入日期", None, ()),
    ("status", "在校 | 转出 | 辍学 | 休学 | 毕业", "在校", ()),
    ("status_date", "状态变动日期（状态不是在校时必填）", None, ()),
    (
        "left_behind",
        "留守情况",
        None,
        (
            ("type", "父母均外出 | 父亲外出 | 母亲外出 | 一方外出另一方无监护能力", None),
            ("since", "开始留守的日期（空：从入学日期起）", None),
            ("until", "不再留守的日期（父母返乡）", None),
        ),
    ),
    ("guardianship", "隔代监护 | 寄养监护 | 单亲监护 | 无人监护 | 其他", None, ()),
    ("parents", "父母外出务工情况", None, ()),
    (
        "guardian",
        "监护人（委托照护人）",
        None,
        (
            ("name", "姓名", None),
            ("relation", "与儿童关系（如 祖母）", None),
            ("age", "年龄", None),
            ("occupation", "职业", None),
            ("address", "住址", None),
            ("phone", "电话（加引号）", None),
            ("health", "健康状况", None),
            ("literacy", "文化程度（可选）", None),
            ("entrusted_on", "父母委托照护的日期", None),
            ("notice_on", "学校收到父母书面告知的日期", None),
            ("agreement", "是否签订委托照护协议（true / false）", None),
        ),
    ),
    (
        "profile",
        "儿童情况",
        None,
        (
            ("personality", "性格特征", None),
            ("interests", "兴趣爱好（列表）", None),
            ("health", "健康状况", None),
        ),
    ),
    (
        "care",
        "关爱帮扶",
        None,
        (
            ("mentor", "帮扶教师 / 代理家长（须在 liushou.yaml 的 staff 中）", None),
            ("buddy", "学习帮手 / 手拉手伙伴", None),
            ("focus", "是否重点帮扶对象（true / false）", False),
            ("plan", "个别教育管理方案（重点帮扶时必填）", None),
            ("vaccinated", "是否完成计划免疫（true / false）", None),
            ("insured", "是否参加平安保险（true / false）", None),
            ("risk", "风险等级：绿 | 黄 | 橙 | 红", None),
        ),
    ),
    ("consent", "监护人同意建档", None, (("by", "同意人", None), ("on", "同意日期", None))),
    ("notes", "备注", None, ()),
)
PHONE_KEYS = frozenset({"parents.phone", "parents.employer_phone", "guardian.phone", "id_number"})
_COMMENT_COLUMN = 34


class RecordWriteError(RecordsError):
    """A file that may not or could not be written; the message is in Chinese."""


def _known(dotted: str) -> bool:
    """Whether the schema in force knows a key (§11's keys may not be there yet)."""
    fields = CHILD_FIELDS
    parts = dotted.split(".")
    for part in parts[:-1]:
        spec = fields.get(part)
        if spec is None or spec.children is None:
            return False
        fields = spec.children
    return parts[-1] in fields


def _line(indent: str, key: str, value: str, comment: str, known: bool = True) -> str:
    body = f"{indent}{key}:{' ' + value if value else ''}"
    if not known:
        # A key of a newer schema than this liushou checks: kept visible, ready to uncomment.
        body = f"{indent}# {key}:"
    pad = max(_COMMENT_COLUMN - display_width(body), 2)
    return f"{body}{' ' * pad}# {comment}"


def yaml_scalar(value: Any, quote: bool = False) -> str:
    """A value as one YAML scalar that reads back as the same value ("" for None).

    Args:
        value: str, int, bool, date or None.
        quote: always double-quote a string (phones and ID numbers).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, dt.date)):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    text = str(value)
    if quote or not _plain_safe(text):
        return json.dumps(text, ensure_ascii=False)
    return text


def _plain_safe(text: str) -> bool:
    if not text or text != text.strip() or "\n" in text or "#" in text or "\t" in text:
        return False
    try:
        return yaml.safe_load(f"k: {text}") == {"k": text}
    except yaml.YAMLError:
        return False


def _list(values: list[str]) -> str:
    if not values:
        return ""
    if all(_plain_safe(v) and not any(c in v for c in ",[]{}:'\"") for v in values):
        return "[" + ", ".join(values) + "]"
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


def new_record_text(fields: dict[str, Any]) -> str:
    """The YAML text of a new child record.

    Every key of data-format §3 (and §11's optional keys) comes in the order of §3 with a short
    Chinese comment; values not given are left empty (YAML null, which `check` treats as
    absent, so only archive warnings remain). Phones and ID numbers are always quoted.

    Args:
        fields: nested values as in a record: {"id": ..., "left_behind": {"type": ...},
            "parents": [{"relation": "父亲", ...}], "profile": {"interests": [...]}, ...};
            dates as datetime.date.

    Returns:
        The file's text, ending with a newline.
    """
    lines = []
    for key, comment, default, nested in _TEMPLATE:
        if key == "parents":
            lines.append(_line("", key, "", comment))
            lines += _parent_lines(fields.get("parents") or [])
            continue
        if nested:
            given = fields.get(key) or {}
            lines.append(_line("", key, "", comment))
            for sub, sub_comment, sub_default in nested:
                value = given.get(sub, sub_default)
                text = _list(value) if isinstance(value, list) else yaml_scalar(value)
                known = _known(f"{key}.{sub}")
                lines.append(_line("  ", sub, text, sub_comment, known))
            continue
        value = fields.get(key, default)
        lines.append(_line("", key, yaml_scalar(value, quote=key in PHONE_KEYS), comment))
    return "\n".join(lines) + "\n"


def _parent_lines(parents: list[dict[str, Any]]) -> list[str]:
    by_relation = {p.get("relation"): p for p in parents}
    lines = []
    for relation in ("父亲", "母亲"):
        parent = {**by_relation.get(relation, {}), "relation": relation}
        for index, (key, comment) in enumerate(_PARENT_KEYS):
            indent = "  - " if index == 0 else "    "
            quote = key in ("phone", "employer_phone")
            lines.append(_line(indent, key, yaml_scalar(parent.get(key), quote=quote), comment))
    return lines


def record_path(grade: int, class_: int) -> PurePosixPath:
    """The folder of a new record: children/<G>年级/<C>班/ (children/学前班/<C>班/ for grade 0)."""
    return PurePosixPath("children", grade_folder(grade), f"{class_}班")


def find_record(root: Path, child_id: str) -> Path | None:
    """The record file of `child_id` anywhere under children/, or None."""
    names = {f"{child_id}.yaml", f"{child_id}.yml"}
    for folder, dirs, files in os.walk(root / "children"):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name in names:
                return Path(folder) / name
    return None


def write_new_record(root: Path, fields: dict[str, Any]) -> Path:
    """Write a new record where `liushou new` puts it, refusing when the id exists anywhere.

    Returns:
        The written path. Raises RecordWriteError.
    """
    child_id = fields["id"]
    existing = find_record(root, child_id)
    if existing is not None:
        raise RecordWriteError(f"编号 {child_id} 已存在：{existing.relative_to(root).as_posix()}")
    folder = root / record_path(fields["grade"], fields["class"])
    target = folder / f"{child_id}.yaml"
    write_atomic(target, new_record_text(fields).encode("utf-8"), root=root, exclusive=True)
    return target
