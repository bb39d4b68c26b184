"""Turn TermFigures into the variables of a report, and render Jinja templates in a sandbox.

A school overrides a built-in template by putting a file of the same name in its repository's
`templates/`. Templates run in Jinja's SandboxedEnvironment with undefined variables as errors;
every template problem becomes a RenderError naming the template and line.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from .metrics import TermFigures
from .model import Settings
from .sandbox import TEMPLATE_FAILURES, TemplateRefused, bounded, bounded_environment
from .terms import Term, months
from .textsafe import escape_controls

METRIC_LABELS = {
    "archive_rate": "建档率",
    "pairing_rate": "结对帮扶率",
    "vaccination_rate": "免疫接种率",
    "training_rate": "家教知识普及率（监护人培训）",
    "retention_rate": "巩固率",
    "incident_on_time_rate": "突发事件按时处置率",
    "left_behind_share": "留守儿童占在校生比例",
}
BREAKDOWN_LABELS = {
    "by_guardianship": "监护类型",
    "by_type": "留守类型",
    "by_gender": "性别",
    "by_grade": "年级",
    "by_boarding": "寄宿",
}
GRADE_NAMES = [
    "学前",
    "一年级",
    "二年级",
    "三年级",
    "四年级",
    "五年级",
    "六年级",
    "初一",
    "初二",
    "初三",
]
EVERY_LABELS = {"week": "每周", "month": "每月", "term": "每学期"}
SEASON_LABELS = {"autumn": "秋季学期", "spring": "春季学期"}
INCIDENT_LIMIT_LABELS = {"guardian": "通知监护人", "parents": "通知父母", "authority": "上报"}


class RenderError(Exception):
    """A template could not be rendered; the message is Chinese and names template and line."""


def pct(rate: float | None) -> str:
    """A rate as a percentage with one decimal (92.9%), or "—" when there is none."""
    if rate is None:
        return "—"
    return f"{rate * 100:.1f}%"


def term_title(term: Term) -> str:
    """ "2015-autumn" -> "2015—2016学年秋季学期"; spring terms belong to the previous year."""
    year, season = int(term.name[:4]), term.name[5:]
    first = year if season == "autumn" else year - 1
    return f"{first}—{first + 1}学年{SEASON_LABELS[season]}"


def _grade_label(key: str) -> str:
    return GRADE_NAMES[int(key)] if key.isdigit() and int(key) < len(GRADE_NAMES) else key


def _class_label(key: str) -> str:
    grade, _, klass = key.partition("-")
    return f"{_grade_label(grade)}（{klass}）班"


def _zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def report_context(figures: TermFigures, settings: Settings, with_names: bool = False) -> dict:
    """The variables every summary template receives (documented in docs/templates.md).

    Args:
        figures: the computed figures of the term.
        settings: the school's settings (names of school, township, leader).
        with_names: include children's names in the lists of who missed what.

    Returns:
        A dict of plain values: no phones, ID numbers or addresses; names only if asked for.
    """
    metrics = figures.metrics
    targets = figures.targets
    rates = [
        {
            "key": key,
            "label": METRIC_LABELS[key],
            "rate": metrics.get(key),
            "target": targets.get(key),
            "below": _below(metrics.get(key), targets.get(key)),
        }
        for key in (
            "archive_rate",
            "pairing_rate",
            "vaccination_rate",
            "training_rate",
            "retention_rate",
            "incident_on_time_rate",
        )
    ]
    standards = [
        {
            "id": sid,
            **entry,
            "every_label": EVERY_LABELS.get(entry.get("every", ""), ""),
            "below": _below(entry["rate"], entry["target"]),
            "missing": entry["due"] - entry["done"],
            "periods": figures.standard_periods.get(sid, []),
        }
        for sid, entry in figures.standards.items()
    ]
    breakdowns = []
    for key, label in BREAKDOWN_LABELS.items():
        counts = figures.breakdowns.get(key, {})
        names = {"true": "寄宿", "false": "走读"} if key == "by_boarding" else {}
        items = [
            {
                "label": _grade_label(k) if key == "by_grade" else names.get(k, k),
                "count": n,
                "share": n / figures.population if figures.population else None,
            }
            for k, n in counts.items()
        ]
        breakdowns.append({"key": key, "label": label, "items": items})
    classes = [
        {
            **row,
            "label": _class_label(row["class"]),
            "standards": {sid: s.get("rate") for sid, s in row["standards"].items()},
        }
        for row in figures.class_rows
    ]
    mentors = [
        {**row, "standards": {sid: s.get("rate") for sid, s in row["standards"].items()}}
        for row in figures.mentor_rows
    ]
    first_standard = next(iter(figures.standards), None)
    missing = []
    if with_names:
        for sid, rows in figures.standard_missing.items():
            for row in rows:
                missing.append(
                    {
                        "standard": figures.standards[sid]["name"],
                        "name": row["name"],
                        "class": _class_label(row["class"]) if row.get("class") else "",
                        "period": row["period"],
                    }
                )
    return {
        "school": figures.school,
        "township": settings.township,
        "county": settings.county,
        "leader": settings.leader,
        "term": {
            "name": figures.term.name,
            "title": term_title(figures.term),
            "start": figures.term.start,
            "end": figures.term.end,
        },
        "as_of": figures.as_of,
        "as_of_zh": _zh_date(figures.as_of),
        "in_progress": figures.as_of < figures.term.end,
        "population": figures.population,
        "students_total": figures.students_total,
        "left_behind_share": metrics.get("left_behind_share"),
        "rates": rates,
        "rates_below": [r for r in rates if r["below"]],
        "standards": standards,
        "standards_below": [s for s in standards if s["below"]],
        "breakdowns": breakdowns,
        "classes": classes,
        "classes_behind": _behind(classes, first_standard),
        "mentors": mentors,
        "mentors_behind": _behind(mentors, first_standard),
        "talks_missing": next((s["missing"] for s in standards if s["log"] == "talks"), None),
        "incidents": figures.incidents,
        "incident_list": [
            {
                **i,
                "occurred_zh": _zh_date(i["occurred_on"]),
                "outcome": _incident_outcome(i),
            }
            for i in figures.incident_list
        ],
        "aid": [{"kind": k, **v} for k, v in figures.aid.items()],
        "aid_total": figures.aid_total,
        "activities": figures.activities,
        "health_checks": figures.health_checks,
        "log_counts": figures.log_counts,
        "retention": figures.retention,
        "status_changes": figures.status_changes,
        "joined": figures.joined,
        "left_behind_ended": figures.left_behind_ended,
        "with_names": with_names,
        "missing": missing,
        "generated_on": _zh_date(figures.as_of),
        "limits": dict(settings.incident_limits_minutes),
    }


def _incident_outcome(incident: dict) -> str:
    if incident["on_time"]:
        return "按时处置"
    notes = [f"{INCIDENT_LIMIT_LABELS[k]}超时" for k in incident["late"]]
    notes += [f"{INCIDENT_LIMIT_LABELS[k]}没有记录" for k in incident["missing"]]
    return f"未按时处置（{'，'.join(notes)}）"


def _below(rate: float | None, target: float | None) -> bool:
    return rate is not None and target is not None and rate < target


def _behind(rows: list[dict], standard_id: str | None, limit: int = 3) -> list[dict]:
    """The rows furthest behind on the first standard (usually the monthly talk)."""
    if standard_id is None:
        return []
    scored = [r for r in rows if r["standards"].get(standard_id) is not None]
    scored = [r for r in scored if r["standards"][standard_id] < 1.0]
    return sorted(scored, key=lambda r: r["standards"][standard_id])[:limit]


def plan_context(term: Term, settings: Settings) -> dict:
    """The variables of the term plan template: goals, measures and the monthly schedule.

    The schedule comes from liushou.yaml `plan` for the term; where it has no entry, a default
    is drawn from the care standards and the term's months.
    """
    targets = [
        {"key": key, "label": METRIC_LABELS[key], "target": value}
        for key, value in settings.targets.items()
    ]
    measures = [
        {
            "id": s.id,
            "name": s.name,
            "every_label": EVERY_LABELS[s.every],
            "at_least": s.at_least,
            "target": s.target,
        }
        for s in settings.standards
    ]
    written = settings.plan.get(term.name)
    term_months = [p.label for p in months(term, term.end)]
    if written:
        schedule = [{"month": m, "items": items} for m, items in sorted(written.items())]
    else:
        schedule = _default_schedule(term_months, settings)
    return {
        "school": settings.school,
        "township": settings.township,
        "county": settings.county,
        "leader": settings.leader,
        "term": {
            "name": term.name,
            "title": term_title(term),
            "start": term.start,
            "end": term.end,
        },
        "targets": targets,
        "measures": measures,
        "schedule": [{**row, "label": _month_label(row["month"])} for row in schedule],
        "schedule_from_settings": bool(written),
        "limits": dict(settings.incident_limits_minutes),
    }


def _default_schedule(term_months: list[str], settings: Settings) -> list[dict]:
    monthly = [s.name for s in settings.standards if s.every in ("month", "week")]
    termly = [s.name for s in settings.standards if s.every == "term"]
    schedule = []
    for index, month in enumerate(term_months):
        items = []
        if index == 0:
            items += ["摸底核实留守儿童名单，更新档案和联系卡", "调整帮扶教师结对名单"]
        items += monthly
        if index == max(len(term_months) - 2, 0):
            items += termly
        if index == len(term_months) - 1:
            items += ["整理本学期档案和记录，撰写工作总结"]
        schedule.append({"month": month, "items": items})
    return schedule


def _month_label(month: str) -> str:
    year, _, number = month.partition("-")
    return f"{year}年{int(number)}月"


# ---------------------------------------------------------------------------- templates


def builtin_templates() -> Path:
    """The folder of the built-in templates (the repository's top-level templates/)."""
    return Path(str(resources.files("liushou.templates")))


def environment(root: Path | None) -> SandboxedEnvironment:
    """A sandboxed Jinja environment: the school's templates/ first, then the built-in ones.

    The sandbox bounds work as well as reach (sandbox.BoundedEnvironment) and reads templates
    only under the read policy.

    Raises:
        RenderError: templates/ is a link out of the repository.
    """
    try:
        return _environment(root)
    except TemplateRefused as exc:
        raise RenderError(str(exc)) from None


def _environment(root: Path | None) -> SandboxedEnvironment:
    env = bounded_environment(
        root,
        builtin_templates(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = pct
    env.filters["zh_date"] = _zh_date
    return env


def render(template_name: str, context: dict[str, Any], root: Path | None) -> str:
    """Render a template by file name (e.g. "工作总结.md.j2").

    Raises:
        RenderError: the template is missing, broken, or uses a variable that does not exist.
    """
    env = environment(root)
    try:
        template = env.get_template(template_name)
        with bounded():
            return template.render(**context)
    except jinja2.TemplateNotFound as exc:
        # The name asked for: an {% include %} of a missing (or outside) file is named as such.
        missing = escape_controls(str(exc.name or template_name))
        where = "" if missing == template_name else f"（模板 {template_name} 中引用）"
        raise RenderError(f"找不到模板 {missing}{where}") from None
    except TEMPLATE_FAILURES as exc:
        raise RenderError(
            f"模板 {template_name} 第 {_template_line(exc)} 行出错：{_limit_text(exc)}"
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(
            f"模板 {exc.filename or template_name} 第 {exc.lineno} 行语法错误：{exc.message}"
        ) from None
    except jinja2.UndefinedError as exc:
        raise RenderError(
            f"模板 {template_name} 第 {_template_line(exc)} 行使用了不存在的变量：{exc.message}"
        ) from None
    except jinja2.exceptions.SecurityError as exc:
        raise RenderError(f"模板 {template_name} 做了沙箱不允许的操作：{exc}") from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise RenderError(
            f"模板 {template_name} 第 {_template_line(exc)} 行出错：{type(exc).__name__}: {exc}"
        ) from None


def _limit_text(exc: BaseException) -> str:
    """A sandbox limit in Chinese; Python's own limits said as what they mean."""
    if isinstance(exc, RecursionError):
        return "递归过深（宏或 include 调用了自己？）"
    if isinstance(exc, MemoryError):
        return "内存不足（模板生成的内容过多）"
    if isinstance(exc, OverflowError):
        return "数值过大"
    return str(exc)


def _template_line(exc: BaseException) -> str:
    tb = exc.__traceback__
    line = "?"
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            line = str(tb.tb_lineno)
        tb = tb.tb_next
    return line
