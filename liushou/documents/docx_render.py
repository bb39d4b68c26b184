"""Render the Word versions of the term summary and plan (docxtpl in the Jinja sandbox).

A school overrides a built-in Word template by putting a file of the same name (工作总结.docx,
工作计划.docx) in its repository's templates/, e.g. with its own letterhead (红头). The Word
templates receive the same variables as the Markdown ones, plus `charts` (images) in the summary.
Values are XML-escaped, so a name with `<` or `&` cannot break the document.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from docx.enum.style import WD_STYLE_TYPE
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from liushou.documents.render import (
    RenderError,
    _limit_text,
    builtin_templates,
    environment,
    plan_context,
    report_context,
)
from liushou.documents.render import render as render_markdown
from liushou.figures.metrics import DETAIL_LOGS, TermFigures
from liushou.load.model import Repository, Settings
from liushou.metricspec import METRICS
from liushou.sandbox import TEMPLATE_FAILURES, TemplateRefused, bounded, school_template_file
from liushou.terms import Term, months

SUMMARY_DOCX = "工作总结.docx"
PLAN_DOCX = "工作计划.docx"
# File names of the charts written beside the Markdown summary, by key of `charts`.
CHART_FILES = {"standards": "图表-制度完成率.png", "guardianship": "图表-监护类型.png"}
CHART_WIDTH_MM = 150
# Tables whose alt-text description is this get content-sized columns after rendering
# (templates/build_docx_templates.py marks the annex tables that loop over columns).
FIT_COLUMNS = "liushou:fit-columns"

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_OPEN = re.compile(r"\{\{|\{%|\{#")
_TEXT_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


# ---------------------------------------------------------------------------- rendering


def template_path(name: str, root: Path | None) -> Path:
    """The school's `root/templates/<name>` when present, else the built-in template.

    Raises:
        RenderError: neither exists.
    """
    try:  # the read policy: never a template linked out of the repository
        school = school_template_file(root, name)
    except TemplateRefused as exc:
        raise RenderError(str(exc)) from None
    if school is not None:
        return school
    builtin = builtin_templates() / name
    if builtin.is_file():
        return builtin
    raise RenderError(f"找不到模板 {name}")


def docx_environment(root: Path | None = None) -> SandboxedEnvironment:
    """The sandbox of the Markdown templates (same filters, undefined variables are errors),
    with autoescaping on because the output is XML, and without whitespace trimming."""
    return environment(root).overlay(autoescape=True, trim_blocks=False, lstrip_blocks=False)


def render_docx(
    template_name: str,
    context: dict[str, Any],
    root: Path | None,
    charts: dict[str, bytes] | None = None,
) -> bytes:
    """Render a Word template by file name.

    Args:
        template_name: e.g. "工作总结.docx"; looked up in root/templates/, then the built-ins.
        context: the template variables (report_context or plan_context).
        root: the school repository, or None for the built-in templates only.
        charts: PNG images by name; the template sees them as `charts.<name>`.

    Returns:
        The .docx file as bytes.

    Raises:
        RenderError: in Chinese, naming the template and the paragraph where it went wrong.
    """
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    path = template_path(template_name, root)
    try:
        template = DocxTemplate(str(path))
        template.init_docx()
    except Exception:  # python-docx raises several kinds for a file that is not .docx
        raise RenderError(f"模板 {template_name} 不是有效的 Word（.docx）文件") from None
    images = {
        key: InlineImage(template, io.BytesIO(png), width=Mm(CHART_WIDTH_MM))
        for key, png in (charts or {}).items()
    }
    try:
        with bounded():
            template.render({**context, "charts": images}, jinja_env=docx_environment(root))
    except TEMPLATE_FAILURES as exc:
        where = _where(template, _template_line(exc))
        raise RenderError(f"模板 {template_name}{where}出错：{_limit_text(exc)}") from None
    except jinja2.TemplateSyntaxError as exc:
        where = _where(template, exc.lineno)
        raise RenderError(f"模板 {template_name}{where}语法错误：{exc.message}") from None
    except jinja2.UndefinedError as exc:
        where = _where(template, _template_line(exc))
        raise RenderError(f"模板 {template_name}{where}使用了不存在的变量：{exc.message}") from None
    except jinja2.exceptions.SecurityError as exc:
        raise RenderError(f"模板 {template_name} 做了沙箱不允许的操作：{exc}") from None
    except etree.XMLSyntaxError:
        raise RenderError(
            f"模板 {template_name} 渲染后不是有效的 Word 内容：请检查 {{%tr %}}、{{%p %}} 等"
            "标签是否成对，是否放在了表格行或段落里"
        ) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, jinja2.TemplateError) as exc:
        where = _where(template, _template_line(exc))
        raise RenderError(f"模板 {template_name}{where}出错：{type(exc).__name__}: {exc}") from None
    for table in template.docx.element.body.iter(_w("tbl")):
        _fit_columns(table, template.docx)
    out = io.BytesIO()
    template.save(out)
    return normalize_zip(out.getvalue())


def _template_line(exc: BaseException) -> int | None:
    """The line of the rendered XML where a runtime error happened (Jinja rewrites tracebacks)."""
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _where(template, lineno: int | None) -> str:
    """ "在“…”这一段" for the paragraph at `lineno` of the XML docxtpl gave Jinja, or " "."""
    if not lineno:
        return " "
    part = getattr(template, "current_rendering_part", None)
    try:
        if part is None or part is template.docx.part:
            source = template.patch_xml(template.get_xml())
        else:
            source = template.patch_xml(template.get_part_xml(part))
    except Exception:  # the location is a courtesy; never hide the real error behind it
        return " "
    lines = re.sub(r"<w:p([ >])", r"\n<w:p\1", source).splitlines()
    if not 0 < lineno <= len(lines):
        return " "
    text = re.sub(r"<[^>]+>", "", lines[lineno - 1]).strip()
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    if len(text) > 60:
        text = text[:57] + "…"
    return f" 在“{text}”这一段" if text else " "


def _cell_text(cell) -> str:
    return "".join(t.text or "" for t in cell.iter(_w("t")))


def _ems(text: str) -> float:
    """Width of a text in em: CJK and full-width characters 1, the others about half."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.55 for ch in text)


def _fit_columns(table, document) -> None:
    """Size the columns of a marked table by content: data on one line, headers may wrap."""
    properties = table.find(_w("tblPr"))
    description = properties.find(_w("tblDescription")) if properties is not None else None
    if description is None or description.get(_w("val")) != FIT_COLUMNS:
        return
    rows = [row.findall(_w("tc")) for row in table.findall(_w("tr"))]
    spans = table.find(f".//{_w('tcPr')}/{_w('gridSpan')}")
    grid = table.find(_w("tblGrid"))
    if len(rows) < 2 or spans is not None or grid is None:
        return
    total = sum(int(float(c.get(_w("w"), "0"))) for c in grid.findall(_w("gridCol")))
    em = _font_size(rows[1][0], document) * 20  # twips
    padding = 216 + 0.4 * em  # Word's default cell margins are 108 twips a side
    columns = max(len(r) for r in rows)
    need, want = [], []
    for j in range(columns):
        head = _ems(_cell_text(rows[0][j])) if j < len(rows[0]) else 0
        body = max((_ems(_cell_text(r[j])) for r in rows[1:] if j < len(r)), default=0)
        body = min(body, 12)
        need.append(max(body, min(head, 3)) * em + padding)  # short headers stay on one line
        want.append(max(body, min(head, 5)) * em + padding)
    if sum(want) <= total or sum(need) >= total:
        basis = want if sum(want) <= total else need
        widths = [int(total * w / sum(basis)) for w in basis]
    else:
        spare, wish = total - sum(need), sum(want) - sum(need)
        widths = [int(n + spare * (w - n) / wish) for n, w in zip(need, want)]
    for col in grid.findall(_w("gridCol")):
        grid.remove(col)
    for width in widths:
        etree.SubElement(grid, _w("gridCol"), {_w("w"): str(width)})
    for row in rows:
        for cell, width in zip(row, widths):
            tcpr = cell.find(_w("tcPr"))
            if tcpr is None:
                tcpr = etree.Element(_w("tcPr"))
                cell.insert(0, tcpr)
            tcw = tcpr.find(_w("tcW"))
            if tcw is None:
                tcw = etree.Element(_w("tcW"))
                tcpr.insert(0, tcw)
            tcw.set(_w("w"), str(width))
            tcw.set(_w("type"), "dxa")


def _font_size(cell, document) -> float:
    """The font size in points of a cell's first run: direct, else its paragraph style's."""
    size = cell.find(f".//{_w('r')}/{_w('rPr')}/{_w('sz')}")
    if size is not None:
        return int(size.get(_w("val"))) / 2
    style_ref = cell.find(f".//{_w('pPr')}/{_w('pStyle')}")
    try:
        style = document.styles.get_by_id(
            style_ref.get(_w("val")) if style_ref is not None else None,
            WD_STYLE_TYPE.PARAGRAPH,
        )
        while style is not None:
            if style.font.size is not None:
                return style.font.size.pt
            style = style.base_style
    except (KeyError, ValueError, AttributeError):
        pass
    return 10.5


def normalize_zip(data: bytes) -> bytes:
    """Fixed zip timestamps, so the same content gives the same .docx bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------------------- the two documents


def report_charts(figures: TermFigures, title: bool = True) -> dict[str, bytes]:
    """The summary's charts as PNG bytes, by the key the templates use (`charts.standards`)."""
    from liushou.documents.charts import guardianship_chart, standard_chart

    return {
        "standards": standard_chart(figures, title=title),
        "guardianship": guardianship_chart(figures, title=title),
    }


def report_docx(
    figures: TermFigures,
    settings: Settings,
    root: Path | None,
    with_names: bool = False,
    repo: Repository | None = None,
    internal: bool = False,
) -> bytes:
    """The term summary (工作总结) as a Word file, charts embedded.

    `repo` gives the measure-by-measure facts; `internal` adds the per-mentor annex.

    Raises:
        RenderError: the template is missing or broken.
    """
    context = report_context(figures, settings, with_names=with_names, repo=repo, internal=internal)
    return render_docx(SUMMARY_DOCX, context, root, report_charts(figures, title=False))


def plan_docx(
    term: Term,
    settings: Settings,
    root: Path | None,
    carried: list[dict] | None = None,
    signed_on: dt.date | None = None,
    duties: dict[str, int] | None = None,
) -> bytes:
    """The term plan (工作计划) as a Word file; `carried`, `signed_on` and `duties` as in
    plan_context.

    Raises:
        RenderError: the template is missing or broken.
    """
    return render_docx(PLAN_DOCX, plan_context(term, settings, carried, signed_on, duties), root)


def write_report_charts(figures: TermFigures, folder: Path) -> list[Path]:
    """Write the summary's charts as PNG files into `folder` (created if needed).

    Returns:
        The paths written, e.g. folder/图表-制度完成率.png.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for key, png in report_charts(figures).items():
        path = folder / CHART_FILES[key]
        path.write_bytes(png)
        written.append(path)
    return written


# ---------------------------------------------------------------------------- inspecting templates


def template_variables(path: Path) -> set[str]:
    """The top-level variables a Word template uses without defining them.

    Raises:
        jinja2.TemplateSyntaxError: the tags do not parse.
        ValueError: the file is not a Word document.
    """
    from docxtpl import DocxTemplate

    try:
        template = DocxTemplate(str(path))
        template.init_docx()
    except Exception:
        raise ValueError(f"{path.name} 不是有效的 Word（.docx）文件") from None
    return set(template.get_undeclared_template_variables(jinja_env=docx_environment(None)))


def split_tags(path: Path) -> list[str]:
    """Paragraphs of a Word template whose Jinja tags Word split across runs, or left unclosed.

    Word splits a tag when part of it was typed, pasted or spell-checked separately; docxtpl
    mends many such splits, but not all, and the formatting of the pieces is lost. Retyping the
    tag in one go fixes it.

    Returns:
        The text of each such paragraph, in document order (body, then headers and footers).

    Raises:
        ValueError: the file is not a Word document.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = sorted(n for n in archive.namelist() if _TEXT_PARTS.fullmatch(n))
            names.sort(key=lambda n: n != "word/document.xml")
            parts = [archive.read(n) for n in names]
    except (OSError, zipfile.BadZipFile):
        raise ValueError(f"{path.name} 不是有效的 Word（.docx）文件") from None
    found = []
    for data in parts:
        root = etree.fromstring(data)
        for paragraph in root.iter(_w("p")):
            pieces = []
            for run in paragraph.iter(_w("r")):
                if _paragraph_of(run) is paragraph:
                    pieces.append("".join(t.text or "" for t in run.iter(_w("t"))))
            text = "".join(pieces)
            if "{" in text and _is_split(pieces, text):
                found.append(text)
    return found


def _paragraph_of(element):
    parent = element.getparent()
    while parent is not None and parent.tag != _w("p"):
        parent = parent.getparent()
    return parent


def _is_split(pieces: list[str], text: str) -> bool:
    ends, position = [], 0
    for piece in pieces:
        position += len(piece)
        ends.append(position)

    def run_at(offset: int) -> int:
        return next(i for i, end in enumerate(ends) if offset < end)

    for match in _TAG.finditer(text):
        if run_at(match.start()) != run_at(match.end() - 1):
            return True
    return bool(_OPEN.search(_TAG.sub("", text)))


# ---------------------------------------------------------------------------- checking templates

REPORT_TEMPLATES = ("工作总结.md.j2", SUMMARY_DOCX)
PLAN_TEMPLATES = ("工作计划.md.j2", PLAN_DOCX)


@dataclass
class TemplateCheck:
    """What `liushou templates check` found in one template."""

    name: str
    path: Path
    builtin: bool
    problems: list[str] = field(default_factory=list)


def check_templates(root: Path, settings: Settings) -> list[TemplateCheck]:
    """Check the report and plan templates the engine would use for this repository.

    Each template (the school's own in root/templates/, else the built-in one) is checked for
    variables the engine does not supply, for Jinja tags Word split across runs, and by a trial
    render with made-up figures (which finds misspelt attributes such as `term.titel`).

    Returns:
        One TemplateCheck per template, in a fixed order.
    """
    term = Term("2015-autumn", dt.date(2015, 9, 1), dt.date(2016, 1, 31))
    figures = sample_figures(settings, term)
    contexts = {
        name: report_context(figures, settings, with_names=True) for name in REPORT_TEMPLATES
    }
    contexts |= {name: plan_context(term, settings) for name in PLAN_TEMPLATES}
    charts = {"standards": _tiny_png(), "guardianship": _tiny_png()}
    results = []
    for name, context in contexts.items():
        path = template_path(name, root)
        check = TemplateCheck(name, path, builtin=path.parent != root / "templates")
        is_docx = name.endswith(".docx")
        known = set(context) | ({"charts"} if is_docx else set())
        try:
            used = template_variables(path) if is_docx else _markdown_variables(path)
        except ValueError as exc:
            check.problems.append(str(exc))
        except jinja2.TemplateSyntaxError as exc:
            check.problems.append(
                f"第 {exc.lineno} 行语法错误：{exc.message}"
                if not is_docx
                else f"语法错误：{exc.message}"
            )
        else:
            unknown = sorted(used - known)
            if unknown:
                check.problems.append(f"使用了引擎不提供的变量：{'、'.join(unknown)}")
        if is_docx:
            try:
                split = split_tags(path)
            except ValueError:
                split = []  # already reported as not a Word file
            check.problems += [f"标签被 Word 拆开或没有闭合：“{text}”" for text in split]
        if not check.problems:
            try:
                if is_docx:
                    render_docx(name, context, root, charts if name == SUMMARY_DOCX else None)
                else:
                    render_markdown(name, context, root)
            except RenderError as exc:
                check.problems.append(f"试渲染出错：{exc}")
        results.append(check)
    return results


def _markdown_variables(path: Path) -> set[str]:
    from jinja2 import meta

    env = environment(None)
    return set(meta.find_undeclared_variables(env.parse(path.read_text(encoding="utf-8"))))


def sample_figures(settings: Settings, term: Term) -> TermFigures:
    """Made-up figures with one of everything, below target, for trial renders of templates."""
    periods = months(term, term.end)
    standards = {
        s.id: {
            "name": s.name,
            "due": 10,
            "done": 8,
            "rate": 0.8,
            "target": float(s.target),
            "log": s.log,
            "every": s.every,
        }
        for s in settings.standards
    }
    per_child = {sid: {"due": 5, "done": 4, "rate": 0.8} for sid in standards}
    row = {"children": 2, "archive_rate": 0.5, "pairing_rate": 1.0, "standards": per_child}
    return TermFigures(
        school=settings.school,
        term=term,
        as_of=term.end - dt.timedelta(days=30),
        population=2,
        metrics={m.key: 0.5 for m in METRICS},
        counts={m.key: [1, 2] for m in METRICS},
        targets=dict(settings.targets),
        standards=standards,
        incidents={"count": 1, "on_time": 0},
        breakdowns={
            "by_guardianship": {"隔代监护": 1, "单亲监护": 1},
            "by_type": {"父母均外出": 2},
            "by_gender": {"男": 1, "女": 1},
            "by_grade": {"3": 2},
            "by_boarding": {"true": 1, "false": 1},
            "by_class": {"3-1": 2},
        },
        mentors={"示例教师": {"children": 2, "standards": {sid: 0.8 for sid in standards}}},
        standard_periods={
            sid: [
                {"label": p.label, "start": p.start, "end": p.end, "due": 2, "done": 1, "rate": 0.5}
                for p in periods
            ]
            for sid in standards
        },
        standard_missing={
            sid: [
                {"child_id": "sample", "name": "示例", "class": "3-1", "period": periods[0].label}
            ]
            for sid in standards
        },
        class_rows=[{"class": "3-1", **row}],
        mentor_rows=[{"mentor": "示例教师", **row}],
        incident_list=[
            {
                "occurred_on": term.start,
                "on_time": False,
                "missing": ["authority"],
                "late": ["parents"],
                "line": 2,
            }
        ],
        aid={"助学金": {"rows": 1, "children": 1, "amount": 500.0}},
        aid_total={"rows": 1, "children": 1, "amount": 500.0},
        activities=[
            {
                "date": term.start,
                "title": "示例活动",
                "kind": "主题班会",
                "participants_count": 2,
                "everyone": False,
            }
        ],
        health_checks={"rows": 2, "children": 2},
        log_counts={name: 1 for name in DETAIL_LOGS},
        retention={"u": 3, "out": 1, "dropped": 0},
        status_changes={"转出": 1},
        joined=1,
        left_behind_ended=1,
        students_total=20,
        duties={
            "notice": [1, 2],
            "unattended": 1,
            "incidents_by_kind": {"走失": 1},
            "dropouts": 1,
            "returned": 0,
            "agreements": 1,
            "unattended_paired": 1,
            "incident_kinds": [{"kind": "走失", "count": 1, "on_time": 0, "reported": 0}],
            "efforts": {"电话劝返": 1},
            "effort_rows": 1,
            "effort_children": 1,
            "pursued": 1,
        },
    )


def _tiny_png() -> bytes:
    """A 1×1 white PNG: trial renders need an image, not a chart."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff"))
        + chunk(b"IEND", b"")
    )
