"""The facts of a term summary measure by measure, and its problems each with its own next step.

`measure_context` adds to `render.report_context` what the summary's paragraphs need beyond
TermFigures: the leadership group, archive gaps, 重点帮扶 children and their plans, talks,
contacts and visits, activities by kind with dates, guardian-training sessions with attendance,
health and aid, written notices and dropouts. It reads the repository when one is given (the
records and logs of the term) and falls back to what the figures hold otherwise (trial renders of
templates). Nothing here names a child or a teacher, or shows a phone, ID number or address.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

from liushou.figures.metrics import TermFigures, in_care
from liushou.labels import class_key_label, zh_date
from liushou.load.model import Repository, Settings
from liushou.load.schema import ARCHIVE_TITLES

NOTICE_NEEDED = ("隔代监护", "寄养监护", "其他")


def zh_days(days: list[dt.date]) -> str:
    """Dates of one term joined with 、, the year written once: "2015年9月25日、12月31日"."""
    out, year = [], None
    for day in sorted(days):
        out.append(zh_date(day, year=day.year != year))
        year = day.year
    return "、".join(out)


def _pct(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator * 100:.1f}%" if denominator else "—"


def _rows(repo: Repository | None, log: str, start: dt.date, end: dt.date):
    """The log's rows dated in [start, end] (a DataFrame), or None without the log."""
    if repo is None or log not in repo.logs:
        return None
    frame = repo.logs[log]
    column = "occurred_at" if log == "incidents" else "date"
    if column not in frame.columns:
        return None
    dates = frame[column].dt.date
    return frame[(dates >= start) & (dates <= end)]


def measure_context(
    figures: TermFigures, settings: Settings, repo: Repository | None = None
) -> dict[str, Any]:
    """The summary's measure-by-measure facts and its problems (see the module docstring).

    Args:
        figures: the term's figures.
        settings: the school's settings (leader, staff).
        repo: the loaded repository, for the detail TermFigures does not hold.

    Returns:
        A dict of plain values merged into the report context.
    """
    start, as_of = figures.term.start, figures.as_of
    population = figures.population
    children = [c for c in repo.children.values() if in_care(c, as_of)] if repo is not None else []
    in_population = {c.id for c in children}

    def care(child, key):
        return (child.record.get("care") or {}).get(key)

    # 建档 / 五清楚
    gaps = Counter(g for c in children for g in c.missing_archive())
    incomplete = sum(1 for c in children if c.missing_archive())
    complete = population - incomplete if repo is not None else _count(figures, "archive_rate")
    archive = {
        "complete": complete,
        "incomplete": population - complete,
        "gaps": "、".join(ARCHIVE_TITLES.get(k, k) for k, _ in gaps.most_common(4)),
    }

    # 结对帮扶 / 代理家长
    mentors = sorted({care(c, "mentor") for c in children if care(c, "mentor")})
    focus = [c for c in children if care(c, "focus") is True]
    pairing = {
        "paired": _count(figures, "pairing_rate"),
        "mentors": len(mentors) if repo is not None else len(figures.mentors),
        "buddies": sum(1 for c in children if care(c, "buddy")),
        "focus": len(focus),
        "focus_with_plan": sum(1 for c in focus if str(care(c, "plan") or "").strip()),
    }

    standards = {s["log"]: s for s in figures.standards.values() if s.get("log")}
    talks_rows = _rows(repo, "talks", start, as_of)
    visits_rows = _rows(repo, "visits", start, as_of)
    contacts_rows = _rows(repo, "contacts", start, as_of)
    talks = {
        "rows": figures.log_counts.get("talks", 0),
        "children": _children(talks_rows, in_population),
    }
    visits = {
        "rows": figures.log_counts.get("visits", 0),
        "children": _children(visits_rows, in_population),
    }
    contacts: dict[str, Any] = {"rows": figures.log_counts.get("contacts", 0)}
    if contacts_rows is not None and len(contacts_rows):
        with_counts = Counter(contacts_rows["with"])
        channel_counts = Counter(contacts_rows["channel"])
        contacts["parents"] = with_counts.get("父母", 0)
        contacts["guardians"] = with_counts.get("监护人", 0)
        contacts["channels"] = "、".join(f"{k}{n}次" for k, n in channel_counts.most_common())
    elif contacts_rows is not None:
        contacts |= {"parents": 0, "guardians": 0, "channels": ""}
    else:  # without the repository: the split by party is unknown
        contacts |= {"parents": None, "guardians": None, "channels": ""}

    # Activities by kind, each with its dates
    kinds: dict[str, list[dict]] = {}
    for activity in figures.activities:
        kinds.setdefault(activity["kind"], []).append(activity)
    activities_by_kind = [
        {
            "kind": kind,
            "count": len(items),
            "dates": zh_days([a["date"] for a in items]),
            "titles": "".join(f"“{_plain(a['title'])}”" for a in items),
        }
        for kind, items in kinds.items()
    ]

    # Guardian training: one session per date and topic
    trainings_rows = _rows(repo, "trainings", start, as_of)
    sessions = []
    if trainings_rows is not None and len(trainings_rows):
        grouped = Counter(
            (d, t) for d, t in zip(trainings_rows["date"].dt.date, trainings_rows["topic"])
        )
        sessions = [
            {"date": zh_date(d), "topic": t or "家庭教育", "attendance": n}
            for (d, t), n in sorted(grouped.items())
        ]
    trained = _count(figures, "training_rate")
    training = {
        "sessions": sessions,
        "count": len(sessions),
        "attendance": sum(s["attendance"] for s in sessions),
        "children": trained,
        "untrained": population - trained,
    }

    # Health: 体检 rows may cover children who left during the term
    checks = figures.health_checks or {"rows": 0, "children": 0}
    health_rows = _rows(repo, "health", start, as_of)
    if health_rows is not None and len(health_rows):
        checked = set(health_rows[health_rows["kind"] == "体检"]["child_id"])
        checked_left = len(checked - in_population)
    else:
        checked_left = max(checks.get("children", 0) - population, 0)
    health = {
        "rows": checks.get("rows", 0),
        "children": checks.get("children", 0),
        "left": checked_left,
        "exceeds": checks.get("children", 0) > population,
        "vaccinated": _count(figures, "vaccination_rate"),
    }

    # Duties of the law (data-format §11): written notices, unattended children, dropouts
    needed = [c for c in children if c.record.get("guardianship") in NOTICE_NEEDED]
    notices = sum(
        1
        for c in needed
        if isinstance((c.record.get("guardian") or {}).get("notice_on"), dt.date)
        and c.record["guardian"]["notice_on"] <= as_of
    )
    duties = {
        "notice_needed": len(needed),
        "notice_with": notices,
        "unattended": figures.breakdowns.get("by_guardianship", {}).get("无人监护", 0),
        "dropouts": figures.retention.get("dropped", 0),
        "transferred": figures.retention.get("out", 0),
    }

    leadership = {
        "leader": settings.leader,
        "staff": len(settings.staff),
        "members": "、".join(name for name in settings.staff if name != settings.leader),
    }
    context = {
        "leadership": leadership,
        "archive": archive,
        "pairing": pairing,
        "talks": talks,
        "visits": visits,
        "contacts": contacts,
        "standard_by_log": standards,
        "activities_by_kind": activities_by_kind,
        "training": training,
        "health": health,
        "duties": duties,
        "metric": dict(figures.metrics),
    }
    context["problems"] = problems(figures, context)
    return context


def _plain(text: str) -> str:
    """A title for running text: an ASCII space (it stretches in justified lines) becomes 　."""
    return re.sub(r"\s+", "\u3000", text.strip())


def _count(figures: TermFigures, metric: str) -> int:
    """The numerator of a rate over N(T), recovered from the rate (exact for these counts)."""
    rate = figures.metrics.get(metric)
    return round(rate * figures.population) if rate is not None else 0


def _children(rows, population: set[str]) -> int | None:
    """How many children of the population have a row (children who left are not counted);
    None without the repository (the sentence that needs it is then left out)."""
    if rows is None:
        return None
    if not len(rows):
        return 0
    return len(set(rows["child_id"]) & population)


def _standard_problem(standard: dict[str, Any], classes_behind: str) -> dict[str, str] | None:
    """A care standard below target: what is missing, and a step fitted to its log and period."""
    missing = standard["due"] - standard["done"]
    if standard["rate"] is None or standard["rate"] >= standard["target"] or missing <= 0:
        return None
    name, log, every = standard["name"], standard.get("log"), standard.get("every")
    where = f"，主要集中在{classes_behind}" if classes_behind and log == "talks" else ""
    text = f"“{name}”完成{standard['done']}人次，应完成{standard['due']}人次，完成率{_pct(standard['done'], standard['due'])}，缺{missing}人次{where}。"
    if log == "talks":
        step = (
            "谈心由帮扶教师每月月底前完成并当天登记，教导处每月初抽查上月记录，发现缺漏当月补谈。"
        )
    elif log == "contacts" and "父母" in name:
        step = "对电话难以接通的外出父母，开学初核实号码并约定固定的视频或微信联系时间，联系不上的由班主任记录并请监护人转达。"
    elif log == "contacts":
        step = (
            "利用放学接送、家长会和电话，与监护人每月至少沟通一次孩子的在校情况，沟通后当天登记。"
        )
    elif log == "visits":
        step = f"新学期开学第一个月内优先家访缺访的{missing}名儿童，其余儿童在期中考试前完成家访。"
    elif every == "week":
        step = f"“{name}”每周五前完成并登记，学校每月汇总一次完成情况。"
    elif every == "term":
        step = f"“{name}”在学期前半段完成，期中时对未完成的儿童逐一补做。"
    else:
        step = f"“{name}”每月按时完成并登记，学校每月初检查上月记录。"
    return {"text": text, "step": step}


def problems(figures: TermFigures, facts: dict[str, Any]) -> list[dict[str, str]]:
    """The term's shortfalls, each said once with its own next step, most serious first.

    Returns:
        [{"key", "text", "step"}], empty when every figure met its target.
    """
    out: list[dict[str, str]] = []
    metrics, targets = figures.metrics, figures.targets
    population = figures.population

    def below(key: str) -> bool:
        rate, target = metrics.get(key), targets.get(key)
        return rate is not None and target is not None and rate < target

    duties = facts["duties"]
    returned = (getattr(figures, "duties", None) or {}).get("returned", 0)
    if below("retention_rate") and duties["dropouts"]:
        out.append(
            {
                "key": "retention_rate",
                "text": f"控辍保学：辍学{duties['dropouts']}人，巩固率为{_pct_rate(metrics['retention_rate'])}，未达到{_pct_rate(targets['retention_rate'])}的目标。",
                "step": (
                    "对辍学儿童落实控辍保学责任，帮扶教师每月至少劝返一次并书面报告镇中心校，直至复学。"
                    if returned < duties["dropouts"]
                    else "辍学儿童已于学期内复学，帮扶教师每月跟踪其学习和出勤、安排补课，防止再次辍学。"
                ),
            }
        )
    if below("archive_rate"):
        archive = facts["archive"]
        gaps = f"，缺少{archive['gaps']}等项" if archive["gaps"] else ""
        out.append(
            {
                "key": "archive_rate",
                "text": f"档案不完整：{archive['incomplete']}名儿童的档案不完整{gaps}，建档率为{_pct_rate(metrics['archive_rate'])}。",
                "step": "开学两周内由班主任逐项补齐所缺档案内容，联系卡随档案同步更新。",
            }
        )
    if below("pairing_rate"):
        unpaired = population - facts["pairing"]["paired"]
        out.append(
            {
                "key": "pairing_rate",
                "text": f"结对帮扶：{unpaired}名儿童尚未确定帮扶教师。",
                "step": f"开学第一周为这{unpaired}名儿童指定帮扶教师（代理家长）。",
            }
        )
    classes_behind = "、".join(class_key_label(row["class"]) for row in _behind_classes(figures))
    for standard in figures.standards.values():
        problem = _standard_problem(standard, classes_behind)
        if problem is not None:
            out.append({"key": standard.get("log") or "standard", **problem})
    if below("training_rate"):
        untrained = facts["training"]["untrained"]
        out.append(
            {
                "key": "training_rate",
                "text": f"监护人培训：{untrained}名儿童的监护人没有参加培训，家教知识普及率为{_pct_rate(metrics['training_rate'])}。",
                "step": f"对这{untrained}户利用家访上门讲解，或在家长会后单独补训，并登记参训情况。",
            }
        )
    if below("vaccination_rate"):
        missing = population - facts["health"]["vaccinated"]
        out.append(
            {
                "key": "vaccination_rate",
                "text": f"计划免疫：{missing}名儿童的计划免疫未完成或未查验，免疫接种率为{_pct_rate(metrics['vaccination_rate'])}。",
                "step": "联系镇卫生院查验预防接种证，未完成的通知监护人带孩子补种。",
            }
        )
    late = [i for i in figures.incident_list if not i["on_time"]]
    if late:
        out.append(
            {
                "key": "incident_on_time_rate",
                "text": f"应急处置：{len(late)}起突发事件未在规定时限内完成通知或上报。",
                "step": "开学初核对每名儿童父母和监护人的电话，增加一名备用联系人，并组织一次应急处置演练。",
            }
        )
    if duties["notice_needed"] > duties["notice_with"]:
        lacking = duties["notice_needed"] - duties["notice_with"]
        out.append(
            {
                "key": "notice",
                "text": (
                    f"书面告知：委托他人照护的{duties['notice_needed']}名儿童，父母都还没有向学校书面告知委托照护情况。"
                    if not duties["notice_with"]
                    else f"书面告知：委托他人照护的{duties['notice_needed']}名儿童中，{lacking}名儿童的父母尚未向学校书面告知委托照护情况。"
                ),
                "step": "结合家长会和家访，请外出父母填写委托照护书面告知书，收回后存入档案。",
            }
        )
    if duties["unattended"]:
        out.append(
            {
                "key": "unattended",
                "text": f"无人监护：仍有{duties['unattended']}名儿童处于无人监护状态。",
                "step": "立即向镇政府和村（居）委会报告，协助落实委托监护人，落实前由帮扶教师每周家访一次。",
            }
        )
    return out


def _pct_rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _behind_classes(figures: TermFigures, limit: int = 2) -> list[dict]:
    """The classes furthest below target on the talk standard (at most `limit`)."""
    talk = next((sid for sid, s in figures.standards.items() if s.get("log") == "talks"), None)
    if talk is None:
        return []
    rows = []
    for row in figures.class_rows:
        rate = (row["standards"].get(talk) or {}).get("rate")
        if rate is not None and rate < 0.8:
            rows.append((rate, row))
    return [row for _, row in sorted(rows, key=lambda pair: pair[0])[:limit]]
