"""Find and read liushou.yaml (SPEC §2); any problem in it is a settings error (exit code 2)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from liushou.findings import Finding, closest, finding, shown
from liushou.load.model import DEFAULT_INCIDENT_LIMITS, Settings, Standard
from liushou.load.yamlsource import ParsedYaml, is_date, parse_yaml
from liushou.logspec import LOGS
from liushou.metricspec import DEFAULT_TARGETS, TARGET_KEYS
from liushou.terms import PERIOD_KINDS, parse_term_name

SETTINGS_FILE = "liushou.yaml"
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
STANDARD_KEYS = ("id", "name", "log", "every", "at_least", "where", "applies_to", "target")
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
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    raise SettingsError([finding("LS901", SETTINGS_FILE, 1, path=str(start))])


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
        staff = raw.get("staff")
        if not isinstance(staff, list) or not staff or not all(isinstance(s, str) for s in staff):
            self.fail("staff", "staff 应为教师姓名的列表，例如 staff: [林海燕, 李红]")
            staff = []
        settings = Settings(school=school if isinstance(school, str) else "", staff=list(staff))
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
            line=self.parsed.positions.get(where, (1, None))[0],
        )


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
