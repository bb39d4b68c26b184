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
import zipfile
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
    template_line,
)
from liushou.figures.metrics import TermFigures
from liushou.load.model import Repository, Settings
from liushou.sandbox import TEMPLATE_FAILURES, TemplateRefused, bounded, school_template_file
from liushou.terms import Term

SUMMARY_DOCX = "工作总结.docx"
PLAN_DOCX = "工作计划.docx"
# File names of the charts written beside the Markdown summary, by key of `charts`.
CHART_FILES = {"standards": "图表-制度完成率.png", "guardianship": "图表-监护类型.png"}
CHART_WIDTH_MM = 150
# Tables whose alt-text description is this get content-sized columns after rendering
# (templates/build_docx_templates.py marks the annex tables that loop over columns).
FIT_COLUMNS = "liushou:fit-columns"

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


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
        where = _where(template, template_line(exc, lambda name: name == "<template>"))
        raise RenderError(f"模板 {template_name}{where}出错：{_limit_text(exc)}") from None
    except jinja2.TemplateSyntaxError as exc:
        where = _where(template, exc.lineno)
        raise RenderError(f"模板 {template_name}{where}语法错误：{exc.message}") from None
    except jinja2.UndefinedError as exc:
        where = _where(template, template_line(exc, lambda name: name == "<template>"))
        raise RenderError(f"模板 {template_name}{where}使用了不存在的变量：{exc.message}") from None
    except jinja2.exceptions.SecurityError as exc:
        raise RenderError(f"模板 {template_name} 做了沙箱不允许的操作：{exc}") from None
    except etree.XMLSyntaxError:
        raise RenderError(
            f"模板 {template_name} 渲染后不是有效的 Word 内容：请检查 {{%tr %}}、{{%p %}} 等"
            "标签是否成对，是否放在了表格行或段落里"
        ) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, jinja2.TemplateError) as exc:
        where = _where(template, template_line(exc, lambda name: name == "<template>"))
        raise RenderError(f"模板 {template_name}{where}出错：{type(exc).__name__}: {exc}") from None
    for table in template.docx.element.body.iter(_w("tbl")):
        _fit_columns(table, template.docx)
    out = io.BytesIO()
    template.save(out)
    return normalize_zip(out.getvalue())


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
