"""The county summary (县级汇总) in Markdown, Word and Excel, from a CountyFigures.

Markdown and Word come from the templates 县级汇总.md.j2 and 县级汇总.docx, looked up like the
school summary's: a file of the same name in `<root>/templates/` overrides the built-in one.
The workbook has one row per school; text cells that a spreadsheet would run as a formula are
neutralised. Nothing here holds child-level data: the inputs hold none.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from liushou.display import display_width
from liushou.documents.render import BREAKDOWN_LABELS, render, term_title
from liushou.documents.roster import neutralise
from liushou.figures.rollup import MAX_BARS, PROBLEM_LABELS, CountyFigures, below
from liushou.labels import grade_label as _grade_label
from liushou.labels import zh_date
from liushou.metricspec import METRICS
from liushou.terms import default_term

METRIC_LABELS = {metric.key: metric.label for metric in METRICS}

COUNTY_MD = "县级汇总.md.j2"
COUNTY_DOCX = "县级汇总.docx"
BELOW_MARK = "▼"
# The rate metrics of the summary's tables, in the order of the school summary.
RATE_KEYS = (
    "archive_rate",
    "pairing_rate",
    "vaccination_rate",
    "training_rate",
    "retention_rate",
    "incident_on_time_rate",
)
SHORT_LABELS = {
    "archive_rate": "建档率",
    "pairing_rate": "结对率",
    "vaccination_rate": "免疫接种率",
    "training_rate": "培训率",
    "retention_rate": "巩固率",
    "incident_on_time_rate": "突发事件按时处置率",
    "left_behind_share": "留守儿童占比",
}
CHART_FILE = "县级汇总图表-{key}.png"


def _cell(rate: float | None, target: float | None) -> dict[str, Any]:
    return {"rate": rate, "below": below(rate, target)}


def county_context(
    figures: CountyFigures, chart_files: dict[str, str] | None = None
) -> dict[str, Any]:
    """The variables of the county summary templates (documented in docs/rollup.md).

    Args:
        figures: the county's figures.
        chart_files: for Markdown, the file names of the charts written beside it, by chart key.

    Returns:
        A dict of plain values.
    """
    targets = figures.targets
    term = default_term(figures.term)
    start, end = figures.start or term.start, figures.end or term.end
    as_of = figures.as_of or end
    rates = []
    for key in RATE_KEYS:
        numerator, denominator = figures.counts[key]
        rate, target = figures.metrics[key], targets.get(key)
        rates.append(
            {
                "key": key,
                "label": METRIC_LABELS[key],
                "short": SHORT_LABELS[key],
                "numerator": numerator,
                "denominator": denominator,
                "rate": rate,
                "target": target,
                "below": below(rate, target),
            }
        )
    standards = [
        {
            "id": sid,
            "name": entry["name"],
            "due": entry["due"],
            "done": entry["done"],
            "rate": entry["rate"],
            "target": entry["target"],
            "below": below(entry["rate"], entry["target"]),
            "missing": entry["due"] - entry["done"],
            "truncated": sum(
                1
                for row in figures.schools
                if row["standards"].get(sid, {}).get("rate") is not None
            )
            > MAX_BARS,
        }
        for sid, entry in figures.standards.items()
    ]
    population = figures.population
    breakdowns = []
    for key, label in BREAKDOWN_LABELS.items():
        names = {"true": "寄宿", "false": "走读"} if key == "by_boarding" else {}
        items = [
            {
                "label": _grade_label(k) if key == "by_grade" else names.get(k, k),
                "count": n,
                "share": n / population if population else None,
            }
            for k, n in figures.breakdowns.get(key, {}).items()
        ]
        breakdowns.append({"key": key, "label": label, "items": items})
    schools = []
    for position, row in enumerate(figures.schools, start=1):
        schools.append(
            {
                "position": position,
                "school": row["school"],
                "township": row["township"] or "",
                "population": row["population"],
                "rates": {k: _cell(row["metrics"].get(k), targets.get(k)) for k in RATE_KEYS},
                "standards": {
                    s["id"]: _cell(row["standards"].get(s["id"], {}).get("rate"), s["target"])
                    for s in standards
                },
                "rank": row["rank"],
            }
        )
    rankings = []
    for s in standards:
        ranked = []
        for index in figures.rankings.get(s["id"], []):
            row = figures.schools[index]
            entry = row["standards"].get(s["id"])
            if entry is None:
                continue
            ranked.append(
                {
                    "rank": row["rank"].get(s["id"]),
                    "school": row["school"],
                    "township": row["township"] or "",
                    "due": entry["due"],
                    "done": entry["done"],
                    "rate": entry["rate"],
                    "below": below(entry["rate"], s["target"]),
                }
            )
        behind = [r for r in ranked if r["below"]]
        rankings.append({**s, "schools": ranked, "behind": behind[::-1][:3]})
    share_numerator, share_denominator = figures.counts["left_behind_share"]
    problems = [p for p in figures.problems if not p.is_warning]
    warnings = [p for p in figures.problems if p.is_warning]
    duties = None
    if figures.duties is not None:
        duties = {
            **figures.duties,
            "notice_rate": (
                figures.duties["notice"][0] / figures.duties["notice"][1]
                if figures.duties["notice"][1]
                else None
            ),
            "schools": figures.duties_schools,
        }
    return {
        "name": figures.name,
        "term": {"name": figures.term, "title": term_title(term), "start": start, "end": end},
        "as_of": as_of,
        "as_of_zh": zh_date(as_of),
        "in_progress": as_of < end,
        "school_count": len(figures.schools),
        "population": population,
        "left_behind_share": figures.metrics["left_behind_share"],
        "share_population": share_numerator,
        "students_total": share_denominator,
        "share_schools": sum(1 for row in figures.schools if row["counts"]["left_behind_share"][1]),
        "rates": rates,
        "rates_below": [r for r in rates if r["below"]],
        "school_rates": [r for r in rates if r["key"] != "incident_on_time_rate"],
        "standards": standards,
        "standards_below": [s for s in standards if s["below"]],
        "breakdowns": breakdowns,
        "incidents": dict(figures.incidents),
        "duties": duties,
        "schools": schools,
        "rankings": rankings,
        "problems": [
            {"file": p.file, "kind": PROBLEM_LABELS[p.kind], "message": p.message} for p in problems
        ],
        "warnings": [{"file": p.file, "message": p.message} for p in warnings],
        "mark": BELOW_MARK,
        "chart_files": [{"key": key, "file": name} for key, name in (chart_files or {}).items()],
        "generated_on": zh_date(as_of),
    }


def county_markdown(
    figures: CountyFigures, root: Path | None, chart_files: dict[str, str] | None = None
) -> str:
    """The county summary as Markdown (template 县级汇总.md.j2).

    Raises:
        RenderError: the template is missing or broken.
    """
    return render(COUNTY_MD, county_context(figures, chart_files), root)


def county_docx(figures: CountyFigures, root: Path | None) -> bytes:
    """The county summary as a Word file with its charts (template 县级汇总.docx).

    Raises:
        RenderError: the template is missing or broken.
    """
    from liushou.documents.docx_render import render_docx
    from liushou.documents.rollup_charts import county_charts

    return render_docx(COUNTY_DOCX, county_context(figures), root, county_charts(figures, False))


def chart_file_names(figures: CountyFigures) -> dict[str, str]:
    """The file names of the charts written beside a Markdown summary, by chart key."""
    keys = ["guardianship", *(f"standard-{sid}" for sid in figures.standards)]
    return {key: CHART_FILE.format(key=key) for key in keys}


# ---------------------------------------------------------------------------- workbook


def county_xlsx(figures: CountyFigures) -> bytes:
    """The county's schools as an Excel workbook: one row per school, then the county's total.

    Sheet 各校情况: a title row, a header row (frozen), one row per school in the order of the
    first standard's ranking, a 全县合计 row; rates are percentage cells, those under the
    county's target in red on pink; thin borders. Sheet 未纳入汇总 lists the files left out.
    Text cells that a spreadsheet would run as a formula are neutralised.

    Returns:
        The .xlsx file's bytes.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    context = county_context(figures)
    title = f"{figures.name}{context['term']['title']}关爱留守儿童工作各校情况"
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    red_font = Font(color="C0392B", bold=True)
    red_fill = PatternFill("solid", fgColor="FADBD8")
    bold = Font(bold=True)

    def text(value: Any) -> str | None:
        cleaned = ILLEGAL_CHARACTERS_RE.sub("", neutralise(str(value)))
        return cleaned or None

    book = Workbook()
    sheet = book.active
    sheet.title = "各校情况"
    book.properties.title = title
    book.properties.creator = "liushou"
    headers = ["序号", "学校", "乡镇", "留守儿童人数"]
    headers += [SHORT_LABELS[k] for k in RATE_KEYS]
    headers += [f"{s['name']}完成率" for s in context["standards"]]
    headers += [f"{s['name']}排名" for s in context["standards"]]
    columns = len(headers)
    sheet.cell(row=1, column=1, value=text(title)).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 28
    sheet.row_dimensions[2].height = 45
    widths = [min(display_width(h), 12) for h in headers]  # long headers wrap instead
    for c, header in enumerate(headers, start=1):
        cell = sheet.cell(row=2, column=c, value=header)
        cell.font = bold
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def put(r: int, c: int, value: Any, mark: bool = False, percent: bool = False) -> None:
        cell = sheet.cell(row=r, column=c)
        if isinstance(value, str):
            cell.value = text(value)
            cell.number_format = "@"
            widths[c - 1] = max(widths[c - 1], display_width(value))
        else:
            cell.value = value
            if percent:
                cell.number_format = "0.0%"
        cell.border = border
        if mark:
            cell.font = red_font
            cell.fill = red_fill

    r = 2
    for school in context["schools"]:
        r += 1
        values: list[tuple[Any, bool, bool]] = [
            (school["position"], False, False),
            (school["school"], False, False),
            (school["township"], False, False),
            (school["population"], False, False),
        ]
        values += [
            (school["rates"][k]["rate"], school["rates"][k]["below"], True) for k in RATE_KEYS
        ]
        values += [
            (school["standards"][s["id"]]["rate"], school["standards"][s["id"]]["below"], True)
            for s in context["standards"]
        ]
        values += [(school["rank"].get(s["id"]), False, False) for s in context["standards"]]
        for c, (value, mark, percent) in enumerate(values, start=1):
            put(r, c, value, mark, percent)
    r += 1
    total: list[tuple[Any, bool, bool]] = [
        ("", False, False),
        ("全县合计" if figures.name.endswith("县") else "合计", False, False),
        ("", False, False),
        (figures.population, False, False),
    ]
    total += [(x["rate"], x["below"], True) for x in context["rates"]]
    total += [(s["rate"], s["below"], True) for s in context["standards"]]
    total += [("", False, False) for _ in context["standards"]]
    for c, (value, mark, percent) in enumerate(total, start=1):
        put(r, c, value, mark, percent)
        sheet.cell(row=r, column=c).font = red_font if mark else bold
    note = r + 2
    sheet.cell(row=note, column=1, value="说明：比率为各校分子之和除以分母之和；红色为低于目标。")
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(max(width, 6) + 2, 40)
    sheet.freeze_panes = "C3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddHeader.center.text = title.replace("&", "&&")

    left = book.create_sheet("未纳入汇总")
    for c, header in enumerate(("文件", "问题", "说明"), start=1):
        cell = left.cell(row=1, column=c, value=header)
        cell.font = bold
        cell.border = border
    rows = [(p["file"], p["kind"], p["message"]) for p in context["problems"]]
    rows += [(w["file"], "重复（已用较新的一份）", w["message"]) for w in context["warnings"]]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = left.cell(row=r, column=c, value=text(value))
            cell.number_format = "@"
            cell.border = border
    for letter, width in (("A", 40), ("B", 16), ("C", 80)):
        left.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
