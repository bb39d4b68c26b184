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

from liushou.figures.metrics import TermFigures
from liushou.labels import class_key_label, grade_label, zh_date
from liushou.load.model import Repository, Settings
from liushou.logspec import MANDATORY_REPORT_KINDS
from liushou.metricspec import METRIC_BY_KEY, METRICS
from liushou.sandbox import TEMPLATE_FAILURES, TemplateRefused, bounded, bounded_environment
from liushou.terms import Term
from liushou.textsafe import escape_controls

BREAKDOWN_LABELS = {
    "by_guardianship": "监护类型",
    "by_type": "留守类型",
    "by_gender": "性别",
    "by_grade": "年级",
    "by_boarding": "寄宿",
}
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


def report_context(
    figures: TermFigures,
    settings: Settings,
    with_names: bool = False,
    repo: Repository | None = None,
    internal: bool = False,
) -> dict:
    """The variables every summary template receives (documented in docs/templates.md).

    Args:
        figures: the computed figures of the term.
        settings: the school's settings (names of school, township, leader).
        with_names: include children's names in the lists of who missed what.
        repo: the loaded repository, for the measure-by-measure facts (summary_facts).
        internal: add the internal annex with the per-mentor figures (never sent upwards).

    Returns:
        A dict of plain values: no phones, ID numbers or addresses; names only if asked for.
    """
    metrics = figures.metrics
    targets = figures.targets
    rates = [
        {
            "key": metric.key,
            "label": metric.label,
            "rate": metrics.get(metric.key),
            "target": targets.get(metric.key),
            "below": _below(metrics.get(metric.key), targets.get(metric.key)),
        }
        for metric in METRICS
        if metric.listed
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
                "label": grade_label(k) if key == "by_grade" else names.get(k, k),
                "count": n,
                "share": n / figures.population if figures.population else None,
            }
            for k, n in counts.items()
        ]
        breakdowns.append({"key": key, "label": label, "items": items})
    classes = [
        {
            **row,
            "label": class_key_label(row["class"]),
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
                        "class": class_key_label(row["class"]) if row.get("class") else "",
                        "period": row["period"],
                    }
                )
    context = {
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
        "as_of_zh": zh_date(figures.as_of),
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
                "occurred_zh": zh_date(i["occurred_on"]),
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
        "generated_on": zh_date(figures.as_of),
        "limits": dict(settings.incident_limits_minutes),
        "internal": internal,
    }
    from liushou.documents.summary_facts import measure_context

    context.update(measure_context(figures, settings, repo))
    # The duties of data-format §11 as the figures count them, over what the records tell.
    context["duties"] = {**context.get("duties", {}), **duties_context(figures, settings)}
    return context


def duties_context(figures: TermFigures, settings: Settings) -> dict:
    """The legal duties of data-format §11 for the summary's section on them: counts only, no names.

    Adds to figures.duties: notice_with, notice_needed, notice_missing, notice_rate; efforts as
    [{action, count}]; mandatory / mandatory_reported (走失 and 侵害 incidents, and those reported
    to the authorities in time); incident_kinds with on_time_rate; and return_standards, the
    report entries of the standards counted over dropouts (in_care "dropout").
    """
    duties = figures.duties
    noticed, needed = duties["notice"]
    kinds = [
        {**entry, "on_time_rate": entry["on_time"] / entry["count"] if entry["count"] else None}
        for entry in duties["incident_kinds"]
    ]
    mandatory = [entry for entry in kinds if entry["kind"] in MANDATORY_REPORT_KINDS]
    returning = {s.id for s in settings.standards if s.in_care == "dropout"}
    return {
        **duties,
        "notice_with": noticed,
        "notice_needed": needed,
        "notice_missing": needed - noticed,
        "notice_rate": noticed / needed if needed else None,
        "incident_kinds": kinds,
        "mandatory": sum(entry["count"] for entry in mandatory),
        "mandatory_reported": sum(entry["reported"] for entry in mandatory),
        "efforts": [{"action": a, "count": n} for a, n in duties["efforts"].items()],
        "return_standards": [
            {"id": sid, **entry} for sid, entry in figures.standards.items() if sid in returning
        ],
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


def plan_context(
    term: Term,
    settings: Settings,
    carried: list[dict] | None = None,
    signed_on: dt.date | None = None,
    duties: dict[str, int] | None = None,
) -> dict:
    """The variables of the term plan template: goals, measures and the monthly schedule.

    Args:
        term: the term planned for.
        settings: the school's settings.
        carried: last term's shortfalls, [{"text", "step"}] (planning.carried_shortfalls);
            they open the plan.
        signed_on: the date under the signature (default: the term's first day).
        duties: the legal duties still open (figures.metrics.open_duties); they come first in
            the first month.

    The schedule comes from liushou.yaml `plan` for the term, with the calendar's fixed points
    added once (planning.schedule).
    """
    from liushou.documents.planning import schedule as plan_schedule

    targets = [
        {"key": key, "label": METRIC_BY_KEY[key].label, "target": value}
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
    schedule = plan_schedule(term, settings)
    open_items = duty_items(duties or {})
    if open_items and schedule:
        schedule[0] = {**schedule[0], "items": open_items + list(schedule[0]["items"])}
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
        "open_duties": open_items,
        "limits": dict(settings.incident_limits_minutes),
        "carried": list(carried or []),
        "signed_on": zh_date(signed_on or term.start),
    }


def duty_items(duties: dict[str, int]) -> list[str]:
    """The open legal duties (data-format §11) as plan items, most urgent first; counts, never names."""
    items = []
    if duties.get("unattended"):
        items.append(f"对{duties['unattended']}名无人监护的留守儿童立即报告并落实监护")
    if duties.get("notice_missing"):
        items.append(
            f"督促{duties['notice_missing']}名留守儿童的父母书面告知学校委托照护情况，补齐书面告知"
        )
    if duties.get("dropouts_out"):
        items.append(f"对{duties['dropouts_out']}名辍学学生每月开展劝返并记录，直至复学")
    return items


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
    env.filters["zh_date"] = zh_date
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
            f"模板 {template_name} 第 {_line_text(exc)} 行出错：{_limit_text(exc)}"
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(
            f"模板 {exc.filename or template_name} 第 {exc.lineno} 行语法错误：{exc.message}"
        ) from None
    except jinja2.UndefinedError as exc:
        raise RenderError(
            f"模板 {template_name} 第 {_line_text(exc)} 行使用了不存在的变量：{exc.message}"
        ) from None
    except jinja2.exceptions.SecurityError as exc:
        raise RenderError(f"模板 {template_name} 做了沙箱不允许的操作：{exc}") from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise RenderError(
            f"模板 {template_name} 第 {_line_text(exc)} 行出错：{type(exc).__name__}: {exc}"
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


def template_line(exc: BaseException, in_template=lambda name: name.endswith(".j2")) -> int | None:
    """The template line where a runtime error happened (Jinja rewrites tracebacks to point at
    it), or None; `in_template(filename)` tells a template's frames from Python's."""
    tb, line = exc.__traceback__, None
    while tb is not None:
        if in_template(tb.tb_frame.f_code.co_filename):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _line_text(exc: BaseException) -> str:
    line = template_line(exc)
    return "?" if line is None else str(line)
