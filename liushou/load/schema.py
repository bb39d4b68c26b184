"""The child record schema of data-format §3 and the checks that need only one record."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from liushou.findings import CATALOGUE, ERROR, Finding, closest, finding, shown
from liushou.load.model import Child, archive_missing  # noqa: F401 - part of the schema's API
from liushou.load.yamlsource import ParsedYaml, is_date

GENDERS = ("男", "女")
STATUSES = ("在校", "转出", "辍学", "休学", "毕业")
LEFT_BEHIND_TYPES = ("父母均外出", "父亲外出", "母亲外出", "一方外出另一方无监护能力")
GUARDIANSHIPS = ("隔代监护", "寄养监护", "单亲监护", "无人监护", "其他")
PARENT_RELATIONS = ("父亲", "母亲")
RISKS = (
    "绿",
    "黄",
    "橙",
    "红",
)  # care.risk, the school's risk level, lowest first (data-format §11)
# Guardianships where the parents entrusted care to another adult, who must tell the school in
# writing (未成年人保护法 art. 23, data-format §11).
ENTRUSTED_GUARDIANSHIPS = ("隔代监护", "寄养监护", "其他")
ADULT_AGE = 18
YES_NO = {"是": True, "否": False}  # accepted for a true/false field
# A date as Excel, WPS or a hand writes it: 2017/9/30, 2017.9.30, 2017年9月30日, 2017-9-30.
_LOOSE_DATE = re.compile(r"\s*(\d{4})\s*[/.年-]\s*(\d{1,2})\s*[/.月-]\s*(\d{1,2})\s*日?\s*")

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")


@dataclass(frozen=True)
class Field:
    """One key of a record: its type ("str", "int", "bool", "date", "phone", "map", "list"...)."""

    kind: str
    required: bool = False
    enum: tuple[str, ...] = ()
    children: dict[str, Field] | None = None  # keys of a mapping, or of each item of a list
    items: str | None = None  # type of each item of a plain list


_PARENT = {
    "relation": Field("str", enum=PARENT_RELATIONS),
    "name": Field("str"),
    "phone": Field("phone"),
    "work_place": Field("str"),
    "employer": Field("str"),
    "employer_phone": Field("phone"),
}
_GUARDIAN = {
    "name": Field("str"),
    "relation": Field("str"),
    "age": Field("int"),
    "occupation": Field("str"),
    "address": Field("str"),
    "phone": Field("phone"),
    "health": Field("str"),
    "literacy": Field("str"),
    "entrusted_on": Field("date"),
    "notice_on": Field("date"),
    "agreement": Field("bool"),
}

CHILD_FIELDS: dict[str, Field] = {
    "id": Field("str", required=True),
    "name": Field("str", required=True),
    "gender": Field("str", required=True, enum=GENDERS),
    "birth_date": Field("date", required=True),
    "id_number": Field("id_number"),
    "grade": Field("int", required=True),
    "class": Field("int", required=True),
    "boarding": Field("bool"),
    "address": Field("str"),
    "enrolled_on": Field("date", required=True),
    "status": Field("str", required=True, enum=STATUSES),
    "status_date": Field("date"),
    "left_behind": Field(
        "map",
        required=True,
        children={
            "type": Field("str", required=True, enum=LEFT_BEHIND_TYPES),
            "since": Field("date"),
            "until": Field("date"),
        },
    ),
    "guardianship": Field("str", required=True, enum=GUARDIANSHIPS),
    "parents": Field("maplist", children=_PARENT),
    "guardian": Field("map", children=_GUARDIAN),
    "profile": Field(
        "map",
        children={
            "personality": Field("str"),
            "interests": Field("list", items="str"),
            "health": Field("str"),
        },
    ),
    "care": Field(
        "map",
        children={
            "mentor": Field("str"),
            "buddy": Field("str"),
            "focus": Field("bool"),
            "plan": Field("str"),
            "vaccinated": Field("bool"),
            "insured": Field("bool"),
            "risk": Field("str", enum=RISKS),
        },
    ),
    "consent": Field("map", children={"by": Field("str"), "on": Field("date")}),
    "notes": Field("str"),
}

_EXPECTED = {
    "str": "文本",
    "int": "整数",
    "bool": "true 或 false",
    "date": "日期（YYYY-MM-DD）",
    "phone": "电话号码（加引号的文本）",
    "id_number": "18 位身份证号（加引号的文本）",
    "map": "“键: 值”的映射",
    "maplist": "列表（每项是“键: 值”的映射）",
    "list": "列表",
}

# Keys whose position a check across files reports (duplicate ids, unknown mentors).
CROSS_FILE_KEYS = ("id", "care.mentor", "guardianship", "status")


class _Context:
    def __init__(self, parsed: ParsedYaml, file: str):
        self.parsed = parsed
        self.file = file
        self.findings: list[Finding] = []
        self.archive_gaps: tuple[str, ...] = ()
        # Fields with an error already reported (or a misspelt key's likely meaning): no archive
        # warning (LS303) repeats them as a knock-on.
        self.errored: set[str] = set()

    def pos(self, dotted: str) -> tuple[int | None, int | None]:
        while dotted:
            if dotted in self.parsed.positions:
                return self.parsed.positions[dotted]
            dotted = dotted.rpartition(".")[0]
        return (1, None)

    def add(self, code: str, dotted: str, **values: Any) -> None:
        line, column = self.pos(dotted)
        self.findings.append(finding(code, self.file, line, column, **values))
        if CATALOGUE[code].severity == ERROR:
            self.errored.add(dotted)

    def knock_on(self, field: str) -> bool:
        """Whether an archive gap in `field` only follows from an error already reported."""
        return any(
            e == field or e.startswith(field + ".") or field.startswith(e + ".")
            for e in self.errored
        )


def validate_child(parsed: ParsedYaml, file: str, stem: str) -> tuple[Child | None, list[Finding]]:
    """Check one parsed child file against data-format §3 and build its record.

    Args:
        parsed: the parsed YAML file.
        file: path relative to the repository root.
        stem: the file name without extension, which must equal the id.

    Returns:
        (child, findings). The child is None only when the file held no mapping; values that
        failed their check are left out of `child.record`.
    """
    ctx = _Context(parsed, file)
    if not isinstance(parsed.value, dict):
        return None, ctx.findings
    record = _check_mapping(parsed.value, CHILD_FIELDS, "", ctx)
    _check_record(record, stem, ctx)
    child_id = record.get("id") if isinstance(record.get("id"), str) else stem
    # Only the keys that checks across files point at are kept: at county scale the full map
    # would be most of the memory a check needs.
    kept = {k: parsed.positions[k] for k in CROSS_FILE_KEYS if k in parsed.positions}
    return Child(child_id, file, record, kept, ctx.archive_gaps), ctx.findings


def _check_mapping(
    value: dict[str, Any], fields: dict[str, Field], path: str, ctx: _Context
) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key in value:
        dotted = f"{path}{key}"
        if key not in fields:
            close = closest(key, fields)
            hint = f"，是否想写 {path}{close}？" if close else ""
            ctx.add("LS104", dotted, field=shown(dotted), hint=hint)
            if close:
                ctx.errored.add(f"{path}{close}")
    for key, spec in fields.items():
        dotted = f"{path}{key}"
        if dotted in ctx.parsed.invalid:
            _invalid(spec, dotted, ctx)
            continue
        if key not in value or value[key] is None:
            if spec.required:
                ctx.add("LS101", path.rstrip(".") if path else dotted, field=dotted)
            continue
        checked = _check_value(value[key], spec, dotted, ctx)
        if checked is not None:
            record[key] = checked
    return record


def _invalid(spec: Field, dotted: str, ctx: _Context) -> None:
    tag = ctx.parsed.invalid[dotted]
    if tag.endswith(":timestamp") or spec.kind == "date":
        ctx.add("LS107", dotted, field=dotted, hint="")
    else:
        ctx.add("LS102", dotted, field=dotted, expected=_EXPECTED[spec.kind], found="无法读取的值")


def _check_value(value: Any, spec: Field, dotted: str, ctx: _Context) -> Any:
    kind = spec.kind
    if kind in ("phone", "id_number"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if kind == "phone":
                ctx.add("LS108", dotted, field=dotted)
            else:
                ctx.add("LS102", dotted, field=dotted, expected=_EXPECTED[kind], found="数字")
            return None
        if not isinstance(value, str):
            ctx.add("LS102", dotted, field=dotted, expected=_EXPECTED[kind], found=_type(value))
            return None
        value = value.strip()
        if kind == "phone" and not (MOBILE.match(value) or LANDLINE.match(value)):
            ctx.add("LS109", dotted, field=dotted)
            return None
        return value
    if kind == "str":
        if not isinstance(value, str):
            ctx.add("LS102", dotted, field=dotted, expected="文本", found=_type(value))
            return None
        if spec.enum and value.strip() not in spec.enum:
            ctx.add("LS103", dotted, field=dotted, allowed=" | ".join(spec.enum))
            return None
        return value.strip() if spec.enum else value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            ctx.add("LS102", dotted, field=dotted, expected="整数", found=_type(value))
            return None
        return value
    if kind == "bool":
        if isinstance(value, str) and value.strip() in YES_NO:
            return YES_NO[value.strip()]  # 是/否, as a teacher writes it
        if not isinstance(value, bool):
            ctx.add("LS102", dotted, field=dotted, expected="true 或 false", found=_type(value))
            return None
        return value
    if kind == "date":
        if is_date(value):
            return value
        if isinstance(value, str) or isinstance(value, dt.datetime):
            ctx.add("LS107", dotted, field=dotted, hint=_date_hint(value))
        else:
            ctx.add("LS102", dotted, field=dotted, expected=_EXPECTED["date"], found=_type(value))
        return None
    if kind == "map":
        if not isinstance(value, dict):
            ctx.add("LS102", dotted, field=dotted, expected=_EXPECTED["map"], found=_type(value))
            return None
        return _check_mapping(value, spec.children or {}, f"{dotted}.", ctx)
    if kind == "maplist":
        if not isinstance(value, list):
            ctx.add("LS102", dotted, field=dotted, expected=_EXPECTED[kind], found=_type(value))
            return None
        items = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                ctx.add(
                    "LS102",
                    f"{dotted}.{index}",
                    field=f"{dotted}[{index}]",
                    expected=_EXPECTED["map"],
                    found=_type(item),
                )
                continue
            items.append(_check_mapping(item, spec.children or {}, f"{dotted}.{index}.", ctx))
        return items
    if kind == "list":
        if not isinstance(value, list):
            ctx.add("LS102", dotted, field=dotted, expected=_EXPECTED["list"], found=_type(value))
            return None
        items = []
        for index, item in enumerate(value):
            if not isinstance(item, str):
                ctx.add(
                    "LS102",
                    f"{dotted}.{index}",
                    field=f"{dotted}[{index}]",
                    expected="文本",
                    found=_type(item),
                )
                continue
            items.append(item)
        return items
    raise AssertionError(kind)  # pragma: no cover - every Field kind is handled above


def _date_hint(value: Any) -> str:
    """ "，应改为 2017-09-30" for a date written as 2017/9/30 or 2017年9月30日, else ""."""
    match = _LOOSE_DATE.fullmatch(value) if isinstance(value, str) else None
    if not match:
        return ""
    try:
        corrected = dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return ""
    return f"，应改为 {corrected.isoformat()}"


def _type(value: Any) -> str:
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return "布尔值"
    if isinstance(value, (int, float)):
        return "数字"
    if isinstance(value, dt.datetime):
        return "日期时间"
    if isinstance(value, dt.date):
        return "日期"
    if isinstance(value, dict):
        return "映射"
    if isinstance(value, list):
        return "列表"
    return "文本"


def _check_record(record: dict[str, Any], stem: str, ctx: _Context) -> None:
    """Rules across the fields of one record."""
    child_id = record.get("id")
    if isinstance(child_id, str):
        if not ID_PATTERN.match(child_id):
            ctx.add("LS115", "id")
        elif child_id != stem:
            ctx.add("LS105", "id", stem=stem)
    grade = record.get("grade")
    if grade is not None and not 0 <= grade <= 9:
        ctx.add("LS116", "grade", field="grade", expected="0 到 9 之间的整数（0 为学前）")
        del record["grade"]
    klass = record.get("class")
    if klass is not None and klass < 1:
        ctx.add("LS116", "class", field="class", expected="不小于 1 的整数")
        del record["class"]
    age = record.get("guardian", {}).get("age")
    if age is not None and not 0 < age < 130:
        ctx.add("LS116", "guardian.age", field="guardian.age", expected="合理的年龄")
        del record["guardian"]["age"]
    elif age is not None and age < ADULT_AGE:
        ctx.add("LS311", "guardian.age", age=ADULT_AGE)
    status = record.get("status")
    if status and status != "在校" and "status_date" not in record:
        if "status_date" not in ctx.parsed.invalid:
            ctx.add("LS114", "status", status=status)
    _check_order(record, "enrolled_on", "status_date", ctx)
    _check_order(record, "birth_date", "enrolled_on", ctx)
    lb = record.get("left_behind", {})
    if lb.get("since") and lb.get("until") and lb["until"] < lb["since"]:
        ctx.add(
            "LS117", "left_behind.until", later="left_behind.until", earlier="left_behind.since"
        )
    if "id_number" in record:
        if not _check_id_number(record["id_number"], record, ctx):
            del record["id_number"]
    care = record.get("care", {})
    if care.get("focus") is True and not str(care.get("plan") or "").strip():
        ctx.add("LS301", "care.focus")
    if record.get("guardianship") == "无人监护" and not str(care.get("mentor") or "").strip():
        ctx.add("LS302", "guardianship")
    ctx.archive_gaps = tuple(archive_missing(record))
    for missing in ctx.archive_gaps:
        if ctx.knock_on(missing):
            continue
        ctx.add("LS303", missing, field=missing, title=ARCHIVE_TITLES[missing])


def _check_order(record: dict[str, Any], earlier: str, later: str, ctx: _Context) -> None:
    if record.get(earlier) and record.get(later) and record[later] < record[earlier]:
        ctx.add("LS117", later, later=later, earlier=earlier)


def _check_id_number(value: str, record: dict[str, Any], ctx: _Context) -> bool:
    if not ID_NUMBER.match(value):
        ctx.add("LS110", "id_number", field="id_number")
        return False
    value = value.upper()
    if value[17] != id_check_digit(value[:17]):
        ctx.add("LS111", "id_number", field="id_number")
        return False
    ok = True
    birth = record.get("birth_date")
    if birth is not None and value[6:14] != birth.strftime("%Y%m%d"):
        ctx.add("LS112", "id_number")
        ok = False
    gender = record.get("gender")
    if gender is not None and ("男" if int(value[16]) % 2 else "女") != gender:
        ctx.add("LS113", "id_number")
        ok = False
    return ok


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS))
    return "10X98765432"[total % 11]


ARCHIVE_TITLES = {
    "address": "家庭详细地址",
    "parents": "至少一位父母的姓名、电话和务工地址",
    "guardian": "监护人信息",
    "guardian.name": "监护人姓名",
    "guardian.relation": "监护人与儿童的关系",
    "guardian.age": "监护人年龄",
    "guardian.occupation": "监护人职业",
    "guardian.address": "监护人住址",
    "guardian.phone": "监护人电话",
    "guardian.health": "监护人健康状况",
    "profile.personality": "性格特征",
    "profile.interests": "兴趣爱好",
    "profile.health": "健康状况",
    "care.mentor": "帮扶教师",
}
