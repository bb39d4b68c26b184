"""A rendered document and where it goes by default; one table of writers per document and format.

The library renders; the CLI only decides the path (its -o, or `Document.default` under the
repository) and writes `Document.data` there, with `Document.beside` next to it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liushou.load.model import Repository, Settings
from liushou.terms import Term

if TYPE_CHECKING:  # the writers import what they draw with when called, so `check` stays light
    from liushou.figures.metrics import TermFigures

STDOUT = Path("-")


@dataclass
class Document:
    """A document ready to write.

    `default` is relative to the repository root, or STDOUT when the document goes to standard
    output unless -o says otherwise. `beside` holds companion files (charts) written into the
    same folder as the document, except when it goes to standard output. `keep_existing`:
    the file may have been filled in or edited by hand, so it is not replaced without --force.
    """

    data: str | bytes
    default: Path
    beside: dict[str, bytes] = field(default_factory=dict)
    keep_existing: bool = False
    notice: str | None = None  # one line for the person running the command (stderr)


def _report_md(
    figures: TermFigures, repo: Repository, with_names: bool, internal: bool
) -> Document:
    from liushou.documents.docx_render import CHART_FILES, report_charts
    from liushou.documents.render import render, report_context

    context = report_context(figures, repo.settings, with_names, repo=repo, internal=internal)
    text = render("工作总结.md.j2", context, repo.root)
    charts = {CHART_FILES[key]: png for key, png in report_charts(figures).items()}
    return Document(text, Path("reports") / figures.term.name / "工作总结.md", charts)


def _report_docx(
    figures: TermFigures, repo: Repository, with_names: bool, internal: bool
) -> Document:
    from liushou.documents.docx_render import report_docx

    data = report_docx(
        figures, repo.settings, repo.root, with_names=with_names, repo=repo, internal=internal
    )
    return Document(data, Path("reports") / figures.term.name / "工作总结.docx")


def _report_json(
    figures: TermFigures, repo: Repository, with_names: bool, internal: bool
) -> Document:
    return Document(json.dumps(figures.to_json(), ensure_ascii=False, indent=2) + "\n", STDOUT)


REPORT_WRITERS: dict[str, Callable[[TermFigures, Repository, bool, bool], Document]] = {
    "md": _report_md,
    "docx": _report_docx,
    "json": _report_json,
}


def _plan_md(
    term: Term, settings: Settings, root: Path, carried: list, today: Any, duties: Any
) -> Document:
    from liushou.documents.render import plan_context, render

    context = plan_context(term, settings, carried, today, duties)
    return Document(
        render("工作计划.md.j2", context, root), Path("reports") / term.name / "工作计划.md"
    )


def _plan_docx(
    term: Term, settings: Settings, root: Path, carried: list, today: Any, duties: Any
) -> Document:
    from liushou.documents.docx_render import plan_docx

    data = plan_docx(term, settings, root, carried, today, duties)
    return Document(data, Path("reports") / term.name / "工作计划.docx")


# Each writer takes (term, settings, root, carried shortfalls, the plan's date, open duties).
PLAN_WRITERS: dict[str, Callable[..., Document]] = {
    "md": _plan_md,
    "docx": _plan_docx,
}


def _roster_xlsx(rows: list[dict[str, Any]], title: str, name: str) -> Document:
    from liushou.documents.roster import roster_xlsx

    return Document(roster_xlsx(rows, title), Path("reports") / f"{name}.xlsx", keep_existing=True)


def _roster_csv(rows: list[dict[str, Any]], title: str, name: str) -> Document:
    from liushou.documents.roster import roster_csv

    return Document(roster_csv(rows), Path("reports") / f"{name}.csv", keep_existing=True)


def _roster_md(rows: list[dict[str, Any]], title: str, name: str) -> Document:
    from liushou.documents.roster import roster_md

    return Document(roster_md(rows), STDOUT, keep_existing=True)


ROSTER_WRITERS: dict[str, Callable[[list[dict[str, Any]], str, str], Document]] = {
    "xlsx": _roster_xlsx,
    "csv": _roster_csv,
    "md": _roster_md,
}


def _rollup_md(figures: Any, root: Path) -> Document:
    from liushou.documents.rollup import chart_file_names, county_markdown
    from liushou.documents.rollup_charts import county_charts

    names = chart_file_names(figures)
    charts = {names[key]: png for key, png in county_charts(figures).items()}
    text = county_markdown(figures, root, names)
    return Document(text, Path(f"县级汇总-{figures.term}.md"), charts)


def _rollup_docx(figures: Any, root: Path) -> Document:
    from liushou.documents.rollup import county_docx

    return Document(county_docx(figures, root), Path(f"县级汇总-{figures.term}.docx"))


def _rollup_xlsx(figures: Any, root: Path) -> Document:
    from liushou.documents.rollup import county_xlsx

    return Document(county_xlsx(figures), Path(f"县级汇总-{figures.term}.xlsx"))


def _rollup_json(figures: Any, root: Path) -> Document:
    return Document(json.dumps(figures.to_json(), ensure_ascii=False, indent=2) + "\n", STDOUT)


# County roll-ups (figures.rollup.CountyFigures); defaults are relative to the current folder.
ROLLUP_WRITERS: dict[str, Callable[[Any, Path], Document]] = {
    "md": _rollup_md,
    "docx": _rollup_docx,
    "xlsx": _rollup_xlsx,
    "json": _rollup_json,
}


def _due_default(due: Any, suffix: str) -> Path:
    scope = "".join(f"-{part}" for part in due.scope)
    return Path("reports") / "due" / f"待办清单-{due.today.isoformat()}{scope}.{suffix}"


def _due_text(due: Any) -> Document:
    from liushou.documents.due_sheets import due_text

    return Document(due_text(due), STDOUT)


def _due_md(due: Any) -> Document:
    from liushou.documents.due_sheets import due_md

    return Document(due_md(due), STDOUT)


def _due_json(due: Any) -> Document:
    from liushou.documents.due_sheets import due_json

    return Document(due_json(due), STDOUT)


def _due_csv(due: Any) -> Document:
    from liushou.documents.due_sheets import due_csv

    return Document(due_csv(due), _due_default(due, "csv"))


def _due_docx(due: Any) -> Document:
    from liushou.documents.due_sheets import due_docx

    # The printed sheet may have been edited in Word before printing: not replaced silently.
    return Document(due_docx(due), _due_default(due, "docx"), keep_existing=True)


# The due list (data-format §9), a figures.due.DueList, per --format
DUE_WRITERS: dict[str, Callable[[Any], Document]] = {
    "text": _due_text,
    "md": _due_md,
    "docx": _due_docx,
    "csv": _due_csv,
    "json": _due_json,
}
