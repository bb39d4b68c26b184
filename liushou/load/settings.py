"""Find and read liushou.yaml (data-format §2); any problem in it is a settings error (exit code 2)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from liushou.findings import Finding, closest, finding, shown
from liushou.load.listing import SETTINGS_FILE, locate_root
from liushou.load.model import CARE_RULES, DEFAULT_INCIDENT_LIMITS, Settings, Standard
from liushou.load.yamlsource import ParsedYaml, is_date, parse_yaml
from liushou.logspec import LOGS
from liushou.metricspec import DEFAULT_TARGETS, TARGET_KEYS
from liushou.terms import PERIOD_KINDS, parse_term_name

STAFF_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
# What teachers put between names instead of YAML's ASCII comma: Chinese commas and
# semicolons, an ideographic space, a space between two Chinese names.
NAME_SEPARATOR = re.compile("[，、；;\u3000]|(?<=[\u4e00-\u9fff]) +(?=[\u4e00-\u9fff])")
KNOWN_KEYS = (
    "school",
    "township",
    "county",
    "leader",
    "staff",
    "students_total",
    "terms",
    "targets",
    "standards",
    "incident_limits_minutes",
    "plan",
    "top_grade",
    "promoted",
)
STANDARD_KEYS = (
    "id",
    "name",
    "log",
    "every",
    "at_least",
    "where",
    "applies_to",
    "target",
    "in_care",
)
# A care standard counts rows per child, so only a log whose rows name one child can carry one.
STANDARD_LOGS = tuple(name for name, spec in LOGS.items() if spec.per_child)


def check_where_columns(settings: Settings, headers: dict[str, tuple[str, ...]]) -> None:
    """A standard's `where` must name a column its log has (a known one, or one in the file).

    Raises:
        SettingsError: naming each standard and column that does not exist.
    """

    problems = [
        finding(
            "LS905",
            SETTINGS_FILE,
            standard.line,
            id=standard.id,
            detail=f"where 中的列 {shown(column)} 在 {standard.log}.csv 中不存在",
        )
        for standard in settings.standards
        for column in standard.where
        if column not in LOGS[standard.log].columns and column not in headers.get(standard.log, ())
    ]
    if problems:
        raise SettingsError(problems)


class SettingsError(Exception):
    """liushou.yaml is missing or wrong; carries the findings to show before exiting with 2."""

    def __init__(self, findings: list[Finding]):
        super().__init__("; ".join(f.message for f in findings))
        self.findings = findings


def find_root(start: Path) -> Path:
    """Return the folder holding liushou.yaml: `start` or its nearest parent that has one.

    Raises:
        SettingsError: no liushou.yaml in `start` or above.
    """
    root = locate_root(start)
    if root is None:
        raise SettingsError([finding("LS901", SETTINGS_FILE, 1, path=str(start.resolve()))])
    return root


def load_settings(
    root: Path, data: bytes | None = None, warnings: list[Finding] | None = None
) -> Settings:
    """Read and validate `root/liushou.yaml` (or `data`, its bytes when already read).

    Args:
        root: the repository's root folder.
        data: the file's bytes, when the caller has read them already.
        warnings: receives warnings that do not stop the run (a GBK-encoded file).

    Raises:
        SettingsError: with every problem found, not just the first.
    """
    if data is None:
        try:
            data = (root / SETTINGS_FILE).read_bytes()
        except OSError:
            raise SettingsError([finding("LS013", SETTINGS_FILE, 1)]) from None
    parsed = parse_yaml(data, SETTINGS_FILE)
    errors = [f for f in parsed.findings if f.severity == "error"]
    if errors:
        raise SettingsError(errors)
    if warnings is not None:
        warnings.extend(parsed.findings)
    reader = _Reader(parsed)
    settings = reader.read(parsed.value)
    if reader.findings:
        raise SettingsError(reader.findings)
    return settings


class _Reader:
    def __init__(self, parsed: ParsedYaml):
        self.parsed = parsed
        self.findings: list[Finding] = []

    def fail(self, dotted: str, detail: str, code: str = "LS902", **values: Any) -> None:
        line, column = self.parsed.positions.get(dotted, (1, None))
        self.findings.append(finding(code, SETTINGS_FILE, line, column, detail=detail, **values))

    def read(self, raw: dict[str, Any]) -> Settings:
        for key in raw:
            if key not in KNOWN_KEYS:
                close = closest(key, KNOWN_KEYS)
                hint = f"，是否想写 {close}？" if close else ""
                self.fail(key, "", code="LS903", field=shown(key), hint=hint)
        school = raw.get("school")
        if not isinstance(school, str) or not school.strip():
            self.fail("school", "必须填写学校名称 school（文本）")
        staff, phones = self._staff(raw.get("staff"))
        settings = Settings(school=school if isinstance(school, str) else "", staff=list(staff))
        # The staff's phones for the contact card (data-format §2: an entry may be {name, phone}).
        settings.staff_phones = phones
        for key in ("township", "county", "leader"):
            if key in raw and raw[key] is not None:
                if isinstance(raw[key], str):
                    setattr(settings, key, raw[key])
                else:
                    self.fail(key, f"{key} 应为文本")
        settings.students_total = self._students_total(raw.get("students_total"))
        settings.terms = self._terms(raw.get("terms"))
        settings.targets = self._targets(raw.get("targets"))
        settings.incident_limits_minutes = self._limits(raw.get("incident_limits_minutes"))
        if raw.get("standards") is not None:
            settings.standards = self._standards(raw["standards"])
        settings.plan = self._plan(raw.get("plan"))
        return settings

    def _staff(self, value: Any) -> tuple[list[str], dict[str, str]]:
        """Names in order, and the phones of the entries written as {name, phone}."""
        if isinstance(value, str) and NAME_SEPARATOR.search(value):
            self.fail("staff", f"staff 应为姓名的列表，请写成 staff: [{_joined(value)}]")
            return [], {}
        entries = value if isinstance(value, list) else []
        names: list[str] = []
        phones: dict[str, str] = {}
        joined = [
            i for i, e in enumerate(entries) if isinstance(e, str) and NAME_SEPARATOR.search(e)
        ]
        for index in joined:
            # One finding at the entry, not one LS203 per child of each teacher in it. The entry
            # is not split into names: a liushou.yaml problem stops the run (exit code 2), so
            # the mentors would not be matched anyway, and the file itself must be right for
            # everything else that reads it (the contact card's phones, the summary's staff).
            separator = NAME_SEPARATOR.search(entries[index]).group(0).strip() or "空格"
            if all(isinstance(e, str) for e in entries):
                every = f"staff: [{', '.join(_joined(e) for e in entries)}]"
            else:  # entries with phones stay as they are: show the names of this one only
                every = _joined(entries[index])
            self.fail(
                f"staff.{index}",
                f"staff 中的“{_as_written(entries[index])}”用“{separator}”隔开了几个姓名："
                f"请改用英文逗号，写成 {every}，或每行写一个姓名（- 姓名）",
            )
        if joined:
            return [], {}
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                names.append(entry["name"])
                phone = entry.get("phone")
                if isinstance(phone, int) and not isinstance(phone, bool):
                    self.fail(
                        "staff",
                        f'{entry["name"]} 的电话应加引号写成文本，例如 phone: "13900001111"',
                    )
                elif phone is not None and not (
                    isinstance(phone, str) and STAFF_PHONE.match(phone)
                ):
                    self.fail("staff", f"{entry['name']} 的电话应为 11 位手机号或带区号的固定电话")
                elif phone:
                    phones[entry["name"]] = phone
            elif isinstance(entry, str):
                names.append(entry)
            else:
                names = []
                break
        if not names:
            self.fail(
                "staff",
                "staff 应为教师姓名的列表，例如 staff: [林海燕, 李红]，"
                '也可写成 {name: 李红, phone: "13900001111"}',
            )
        return names, phones

    def _term_keys(self, section: str, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(section, f"{section} 应为以学期名为键的映射")
            return {}
        good = {}
        for term, item in value.items():
            try:
                parse_term_name(str(term))
                good[str(term)] = item
            except ValueError:
                self.fail(f"{section}.{term}", "", code="LS904", term=shown(term))
        return good

    def _students_total(self, value: Any) -> dict[str, int]:
        result = {}
        for term, total in self._term_keys("students_total", value).items():
            if isinstance(total, bool) or not isinstance(total, int) or total <= 0:
                self.fail(f"students_total.{term}", f"students_total 中 {term} 应为正整数")
            else:
                result[term] = total
        return result

    def _terms(self, value: Any) -> dict[str, tuple[dt.date, dt.date]]:
        result = {}
        for term, item in self._term_keys("terms", value).items():
            where = f"terms.{term}"
            if not isinstance(item, dict) or set(item) != {"start", "end"}:
                self.fail(where, f"terms 中 {term} 应写成 {{start: YYYY-MM-DD, end: YYYY-MM-DD}}")
            elif not (is_date(item["start"]) and is_date(item["end"])):
                self.fail(where, f"terms 中 {term} 的 start 和 end 应为日期 YYYY-MM-DD")
            elif item["end"] <= item["start"]:
                self.fail(where, f"terms 中 {term} 的 end 应晚于 start")
            else:
                result[term] = (item["start"], item["end"])
        return result

    def _targets(self, value: Any) -> dict[str, float]:
        targets = dict(DEFAULT_TARGETS)
        if value is None:
            return targets
        if not isinstance(value, dict):
            self.fail("targets", "targets 应为“指标: 目标值”的映射")
            return targets
        for key, target in value.items():
            if key not in TARGET_KEYS:
                self.fail(
                    f"targets.{key}", f"targets 中的 {key} 不是已知指标（{'、'.join(TARGET_KEYS)}）"
                )
            elif not _fraction(target):
                self.fail(f"targets.{key}", f"targets 中 {key} 应为 0 到 1 之间的小数，例如 0.95")
            else:
                targets[key] = float(target)
        return targets

    def _limits(self, value: Any) -> dict[str, int]:
        limits = dict(DEFAULT_INCIDENT_LIMITS)
        if value is None:
            return limits
        if not isinstance(value, dict):
            self.fail("incident_limits_minutes", "incident_limits_minutes 应为映射")
            return limits
        for key, minutes in value.items():
            if key not in DEFAULT_INCIDENT_LIMITS:
                self.fail(
                    f"incident_limits_minutes.{key}",
                    f"incident_limits_minutes 只能有 {'、'.join(DEFAULT_INCIDENT_LIMITS)}",
                )
            elif isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
                self.fail(f"incident_limits_minutes.{key}", f"{key} 的时限应为正整数（分钟）")
            else:
                limits[key] = minutes
        return limits

    def _plan(self, value: Any) -> dict[str, dict[str, list[str]]]:
        result = {}
        for term, months in self._term_keys("plan", value).items():
            where = f"plan.{term}"
            if not isinstance(months, dict):
                self.fail(where, f"plan 中 {term} 应为“YYYY-MM: [工作事项]”的映射")
                continue
            result[term] = {}
            for month, items in months.items():
                month = str(month)
                if not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", month):
                    self.fail(f"{where}.{month}", f"plan 中的月份 {month} 应写成 YYYY-MM")
                elif not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                    self.fail(f"{where}.{month}", f"plan 中 {month} 应为工作事项的列表")
                else:
                    result[term][month] = items
        return result

    def _standards(self, value: Any) -> tuple[Standard, ...]:
        if not isinstance(value, list) or not value:
            self.fail("standards", "standards 应为关爱制度的列表")
            return ()
        standards = []
        seen = set()
        for index, item in enumerate(value):
            standard = self._standard(index, item)
            if standard is None:
                continue
            if standard.id in seen:
                self.fail(f"standards.{index}", "id 重复", code="LS905", id=standard.id)
                continue
            seen.add(standard.id)
            standards.append(standard)
        return tuple(standards)

    def _standard(self, index: int, item: Any) -> Standard | None:
        where = f"standards.{index}"
        if not isinstance(item, dict):
            self.fail(where, "应写成 {id, name, log, every, at_least}", code="LS905", id=index + 1)
            return None
        sid = str(item.get("id") or index + 1)
        problems = []
        for key in item:
            if key not in STANDARD_KEYS:
                problems.append(f"未知字段 {key}")
        for key in ("id", "name", "log", "every"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                problems.append(f"缺少 {key}")
        log = item.get("log")
        if isinstance(log, str) and log not in STANDARD_LOGS:
            problems.append(f"log 应为 {'、'.join(STANDARD_LOGS)} 之一")
        every = item.get("every")
        if isinstance(every, str) and every not in PERIOD_KINDS:
            problems.append(f"every 应为 {'、'.join(PERIOD_KINDS)} 之一")
        at_least = item.get("at_least", 1)
        if isinstance(at_least, bool) or not isinstance(at_least, int) or at_least < 1:
            problems.append("at_least 应为正整数")
        care_rule = item.get("in_care", "left_behind")
        if care_rule not in CARE_RULES:
            problems.append(f"in_care 应为 {'、'.join(CARE_RULES)} 之一")
        target = item.get("target", 1.0)
        if not _fraction(target):
            problems.append("target 应为 0 到 1 之间的小数")
        where_ = item.get("where") or {}
        if not isinstance(where_, dict):
            problems.append("where 应为“列名: 值”的映射")
            where_ = {}
        applies_to = item.get("applies_to") or {}
        if not isinstance(applies_to, dict) or not all(
            isinstance(v, list) for v in applies_to.values()
        ):
            problems.append("applies_to 应为“字段: [取值]”的映射")
            applies_to = {}
        else:
            from liushou.load.schema import CHILD_FIELDS

            for path in applies_to:
                if not _known_child_path(str(path), CHILD_FIELDS):
                    problems.append(f"applies_to 中的 {path} 不是儿童档案的字段")
        for problem in problems:
            self.fail(where, problem, code="LS905", id=sid)
        if problems:
            return None
        return Standard(
            id=item["id"].strip(),
            name=item["name"].strip(),
            log=log,
            every=every,
            at_least=at_least,
            where={str(k): str(v) for k, v in where_.items()},
            applies_to={str(k): list(v) for k, v in applies_to.items()},
            target=float(target),
            in_care=care_rule,
            line=self.parsed.positions.get(where, (1, None))[0],
        )


def _as_written(text: str) -> str:
    """An entry holding several names, as written, each name shown only if fit to print."""
    parts = re.split(f"({NAME_SEPARATOR.pattern})", text)
    return "".join(part if i % 2 else shown(part.strip()) for i, part in enumerate(parts))


def _joined(text: str) -> str:
    """Names a teacher separated with Chinese commas or spaces, joined with YAML's ", "."""
    return ", ".join(shown(n.strip()) for n in NAME_SEPARATOR.split(text) if n.strip())


def _fraction(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1


def _known_child_path(path: str, fields: dict) -> bool:
    head, _, rest = path.partition(".")
    spec = fields.get(head)
    if spec is None:
        return False
    if not rest:
        return spec.kind not in ("map", "maplist")
    return spec.kind == "map" and _known_child_path(rest, spec.children or {})
