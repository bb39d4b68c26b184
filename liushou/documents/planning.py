"""What a term plan needs beyond the settings: which term comes next, last term's shortfalls,
and a monthly schedule that follows the school calendar instead of repeating itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from liushou.load.model import Repository, Settings
from liushou.terms import Term, months, term_for

SAFETY_BEFORE_BREAK = {
    "autumn": "开展寒假安全教育，向监护人发放寒假安全告知书",
    "spring": "开展暑假防溺水和安全教育，向监护人发放暑假安全告知书",
}
OPENING = "开学摸底：核实留守儿童名单，更新档案和联系卡，调整帮扶教师结对名单"
CLOSING = "整理本学期档案和各项记录，对照计划检查考核，撰写工作总结"
MIDTERM = "期中检查各班谈心、家校联系和家访记录，通报进度"
# The middle months of a plan without written items: one distinct job a month, in this order.
MIDDLE_ITEMS = (
    ["组织留守儿童体检，查验预防接种证", "召开监护人培训会，普及家庭教育知识"],
    ["开展心理健康教育活动", MIDTERM],
    ["开展法制安全教育", "结合节日组织关爱活动"],
    ["召开第二次监护人培训会", "走访重点帮扶对象家庭"],
)


def _neighbours(name: str) -> tuple[str, str]:
    year, season = int(name[:4]), name[5:]
    if season == "autumn":
        return f"{year}-spring", f"{year + 1}-spring"
    return f"{year - 1}-autumn", f"{year}-autumn"


def next_term(today: dt.date, settings: Settings) -> Term:
    """The term a plan written today is for: the first term that starts after today.

    In the summer break that is the coming autumn term; during a term it is the one after it.
    """
    for year in (today.year - 1, today.year, today.year + 1):
        for season in ("spring", "autumn"):
            term = term_for(f"{year}-{season}", settings)
            if term.start > today:
                return term
    return term_for(f"{today.year + 1}-spring", settings)  # not reached with sane calendars


def previous_term(term: Term, settings: Settings) -> Term:
    """The term before `term` (2016-spring -> 2015-autumn, 2015-autumn -> 2015-spring)."""
    return term_for(_neighbours(term.name)[0], settings)


def carried_shortfalls(repo: Repository, term: Term, today: dt.date) -> list[dict[str, str]]:
    """Last term's problems and their next steps, for the plan of `term` (see summary_facts).

    Returns:
        [{"key", "text", "step"}]; empty when the previous term has no children in care, has
        not started by `today`, or has no log row at all (the school was not yet keeping its
        records here, so "0 talks" would be an artefact, not a shortfall).
    """
    from liushou.documents.summary_facts import measure_context
    from liushou.errors import TermError
    from liushou.figures.metrics import term_figures

    before = previous_term(term, repo.settings)
    if before.start > today:
        return []
    try:
        figures = term_figures(repo, before, today)
    except TermError:
        return []
    if not any(figures.log_counts.values()) and not figures.activities:
        return []
    return measure_context(figures, repo.settings, repo)["problems"]


def schedule(term: Term, settings: Settings) -> list[dict[str, Any]]:
    """The monthly schedule (工作安排): the school's `plan` items where written, with the
    calendar's fixed points added once (开学摸底 in the first month, the holiday safety lesson
    and the summing-up in the last); without written items, a distinct job for every month.

    Returns:
        [{"month": "2015-09", "items": [...]}] for every month of the term, in order.
    """
    term_months = [p.label for p in months(term, term.end)]
    written = settings.plan.get(term.name) or {}
    season = term.name[5:]
    termly = [s.name for s in settings.standards if s.every == "term"]
    rows = []
    for index, month in enumerate(term_months):
        first, last = index == 0, index == len(term_months) - 1
        items = list(written.get(month, []))
        joined = "".join(items)
        if first and "摸底" not in joined:
            items.insert(0, OPENING)
        if not written and not first and not last:
            middle = MIDDLE_ITEMS[min(index - 1, len(MIDDLE_ITEMS) - 1)]
            if len(term_months) > 3 and index == len(term_months) - 2:
                middle = [f"完成“{name}”，未完成的逐一补做" for name in termly] or middle
            items += middle
        if last:
            if ("寒假" if season == "autumn" else "暑假") not in joined:
                items.append(SAFETY_BEFORE_BREAK[season])
            if "总结" not in joined:
                items.append(CLOSING)
        rows.append({"month": month, "items": items})
    # Months the school wrote outside the term's calendar are kept, after the others.
    rows += [
        {"month": m, "items": list(v)} for m, v in sorted(written.items()) if m not in term_months
    ]
    return rows
