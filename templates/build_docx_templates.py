"""Build the built-in Word templates 工作总结.docx and 工作计划.docx with python-docx.

The two files are docxtpl templates (Jinja tags inside Word) with the content of 工作总结.md.j2
and 工作计划.md.j2, laid out after GB/T 9704 (党政机关公文格式): A4, margins 37/35/28/26 mm,
title in 方正小标宋简体 22 pt, body in 仿宋_GB2312 16 pt on a 22-line page, first-level headings
(一、) in 黑体 and second-level headings (（一）) in 楷体_GB2312, page numbers "— 1 —" at the foot.

Run `python templates/build_docx_templates.py` after changing this file and commit both .docx
files; the output is byte-for-byte reproducible (fixed dates and zip timestamps).

Table layout: fixed-column tables use docxtpl row loops (`{%tr for %}`). The annex tables per
class and per mentor have one column per care standard, made with a column loop (`{%tc for %}`);
their alt-text description is `liushou:fit-columns`, which tells liushou.documents.docx_render to size
their columns by content after rendering (docxtpl alone would give every column the same width).
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

from liushou.documents.docx_render import normalize_zip

HERE = Path(__file__).resolve().parent
FIT_COLUMNS = "liushou:fit-columns"  # also in liushou/docx_render.py

LATIN = "Times New Roman"
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
# Font-table fallbacks: Word uses altName where the GB2312-era font is not installed.
ALT_NAMES = {
    TITLE_FONT: "宋体",
    BODY_FONT: "仿宋",
    SUBHEADING_FONT: "楷体",
    HEADING_FONT: "SimHei",
    PAGE_NUMBER_FONT: "SimSun",
}

BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
TABLE_SIZE = Pt(12)  # 小四
ANNEX_TABLE_SIZE = Pt(10.5)  # 五号
LINE = Pt(29)  # 22 lines on the 225 mm text block
TEXT_WIDTH = Mm(210 - 28 - 26)
FIXED_DATE = dt.datetime(2016, 1, 1, 0, 0, 0)
# Elements that follow w:autoSpaceDE in a w:pPr (ECMA-376 schema order).
AFTER_AUTOSPACE = (
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:outlineLvl",
)


# ---------------------------------------------------------------------------- styles


def set_fonts(element, latin: str, east_asia: str) -> None:
    """Set the fonts of a style or run element, east-asian included (python-docx lacks it)."""
    rpr = element if element.tag == qn("w:rPr") else element.find(qn("w:rPr"))
    if rpr is None:
        rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


def paragraph_style(
    doc,
    name: str,
    east_asia: str,
    size,
    *,
    latin: str = LATIN,
    bold: bool = False,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent_chars: int = 2,
    line=LINE,
    before=Pt(0),
    after=Pt(0),
    outline: int | None = None,
    base: str | None = None,
):
    """Create or redefine a paragraph style; `indent_chars` is the first-line indent in chars."""
    styles = doc.styles
    style = styles[name] if name in styles else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if base is not None:
        style.base_style = styles[base]
    style.quick_style = True
    font = style.font
    font.size = size
    font.bold = bold
    font.italic = False
    font.color.rgb = RGBColor(0, 0, 0)
    set_fonts(style.element, latin, east_asia)
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.space_before = before
    fmt.space_after = after
    if line is None:
        fmt.line_spacing = 1.0
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = line
    fmt.first_line_indent = Pt(size.pt * indent_chars) if indent_chars else Pt(0)
    fmt.left_indent = Pt(0)
    fmt.keep_with_next = outline is not None
    ppr = style.element.get_or_add_pPr()
    if indent_chars:
        ind = ppr.find(qn("w:ind"))
        ind.set(qn("w:firstLineChars"), str(indent_chars * 100))
    if outline is not None:
        level = ppr.find(qn("w:outlineLvl"))
        if level is None:
            level = OxmlElement("w:outlineLvl")
            ppr.append(level)
        level.set(qn("w:val"), str(outline))
    # No extra gap between Chinese and digits (official documents write 2016年1月31日 tight).
    anchor = next((ppr.find(qn(t)) for t in AFTER_AUTOSPACE if ppr.find(qn(t)) is not None), None)
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        if ppr.find(qn(tag)) is None:
            el = OxmlElement(tag)
            el.set(qn("w:val"), "0")
            if anchor is None:
                ppr.append(el)
            else:
                anchor.addprevious(el)
    if outline is not None:  # schema order: outlineLvl comes after jc
        ppr.append(ppr.find(qn("w:outlineLvl")))
    rpr = style.element.get_or_add_rPr()
    for tag in ("w:spacing", "w:kern"):  # the default Title is letter-spaced
        for el in rpr.findall(qn(tag)):
            rpr.remove(el)
    size_cs = rpr.find(qn("w:szCs"))
    if size_cs is not None:
        size_cs.set(qn("w:val"), str(int(size.pt * 2)))
    return style


def define_styles(doc) -> None:
    # Chinese as the east-asian language, so renderers pick simplified-Chinese glyphs.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    set_fonts(rpr, LATIN, BODY_FONT)

    paragraph_style(doc, "Normal", BODY_FONT, BODY_SIZE)
    paragraph_style(
        doc,
        "Title",
        TITLE_FONT,
        TITLE_SIZE,
        latin=TITLE_FONT,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent_chars=0,
        line=Pt(36),
        after=Pt(29),
    )
    title = doc.styles["Title"].element.get_or_add_pPr()
    border = title.find(qn("w:pBdr"))  # the default Title has a rule under it
    if border is not None:
        title.remove(border)
    for name, font, level in (("Heading 1", HEADING_FONT, 0), ("Heading 2", SUBHEADING_FONT, 1)):
        paragraph_style(doc, name, font, BODY_SIZE, latin=font, before=Pt(6), outline=level)
    paragraph_style(doc, "正文无缩进", BODY_FONT, BODY_SIZE, indent_chars=0, base="Normal")
    paragraph_style(
        doc,
        "落款",
        BODY_FONT,
        BODY_SIZE,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        indent_chars=0,
        base="Normal",
    )
    doc.styles["落款"].paragraph_format.right_indent = Pt(BODY_SIZE.pt * 4)
    paragraph_style(
        doc,
        "图",
        BODY_FONT,
        BODY_SIZE,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent_chars=0,
        line=None,
        before=Pt(6),
        base="Normal",
    )
    paragraph_style(
        doc,
        "图题",
        BODY_FONT,
        Pt(14),
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent_chars=0,
        after=Pt(6),
        base="Normal",
    )
    paragraph_style(
        doc, "附件", HEADING_FONT, BODY_SIZE, latin=HEADING_FONT, indent_chars=0, base="Normal"
    )
    for name, size in (("表格文字", TABLE_SIZE), ("附表文字", ANNEX_TABLE_SIZE)):
        paragraph_style(
            doc,
            name,
            BODY_FONT,
            size,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            indent_chars=0,
            line=None,
            before=Pt(2),
            after=Pt(2),
        )
    for name, size in (("表头", TABLE_SIZE), ("附表表头", ANNEX_TABLE_SIZE)):
        paragraph_style(
            doc,
            name,
            HEADING_FONT,
            size,
            latin=HEADING_FONT,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            indent_chars=0,
            line=None,
            before=Pt(2),
            after=Pt(2),
        )
    for name in ("Header", "Footer"):
        paragraph_style(
            doc,
            name,
            PAGE_NUMBER_FONT,
            Pt(14),
            latin=PAGE_NUMBER_FONT,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            indent_chars=0,
            line=None,
        )


def add_font_table_fallbacks(doc) -> None:
    """Declare the official fonts with an altName, so Word substitutes sensibly."""
    part = next(p for p in doc.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    root = parse_xml(part.blob)
    for name, alt in ALT_NAMES.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        alt_name = OxmlElement("w:altName")
        alt_name.set(qn("w:val"), alt)
        font.append(alt_name)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")  # GB2312
        font.append(charset)
        family = OxmlElement("w:family")
        family.set(qn("w:val"), "modern" if name != TITLE_FONT else "auto")
        font.append(family)
        pitch = OxmlElement("w:pitch")
        pitch.set(qn("w:val"), "fixed" if name != TITLE_FONT else "variable")
        font.append(pitch)
        root.append(font)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---------------------------------------------------------------------------- page


def new_document(title: str):
    doc = Document()
    define_styles(doc)
    add_font_table_fallbacks(doc)
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(20)
    page_number_footer(section, doc)
    props = doc.core_properties
    props.title = title
    props.subject = "关爱留守儿童工作"
    props.author = ""
    props.last_modified_by = ""
    props.comments = "由 liushou 生成"
    props.keywords = ""
    props.revision = 1
    props.created = props.modified = FIXED_DATE
    props.last_printed = FIXED_DATE
    drop_thumbnail(doc)
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):  # the default document's empty paragraph
        body.remove(p)
    return doc


def drop_thumbnail(doc) -> None:
    """python-docx's default document ships a thumbnail of another document; drop it."""
    rels = doc.part.package.rels
    for key, rel in list(rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del rels[key]


def page_number_footer(section, doc) -> None:
    """ "— 1 —" centered at the foot of every page (GB/T 9704 puts 4号 numbers with dashes)."""
    paragraph = section.footer.paragraphs[0]
    paragraph.style = doc.styles["Footer"]
    paragraph.add_run("— ")
    # A PAGE field, one run per piece as Word writes it: begin, instruction, separate, "1", end.
    for piece in ("begin", " PAGE ", "separate", "1", "end"):
        run = paragraph.add_run()
        if piece in ("begin", "separate", "end"):
            field = OxmlElement("w:fldChar")
            field.set(qn("w:fldCharType"), piece)
            run._r.append(field)
        elif piece == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = piece
            run._r.append(instr)
        else:
            run.text = piece
    paragraph.add_run(" —")


# ---------------------------------------------------------------------------- content helpers


class Builder:
    """Appends paragraphs and tables; every Jinja tag stays inside a single run."""

    def __init__(self, doc):
        self.doc = doc

    def p(self, text: str = "", style: str = "Normal"):
        paragraph = self.doc.add_paragraph(style=style)
        if text:
            paragraph.add_run(text)
        return paragraph

    def tag(self, statement: str) -> None:
        """A paragraph holding only a `{%p … %}` tag; docxtpl removes the paragraph itself."""
        self.doc.add_paragraph(f"{{%p {statement} %}}", style="Normal")

    def title(self, *lines: str) -> None:
        """A title of several lines (GB/T 9704 breaks long titles into a trapezoid or diamond)."""
        paragraph = self.doc.add_paragraph(style="Title")
        for index, line in enumerate(lines):
            run = paragraph.add_run(line)
            if index < len(lines) - 1:
                run.add_break(WD_BREAK.LINE)

    def h1(self, text: str) -> None:
        self.p(text, "Heading 1")

    def h2(self, text: str) -> None:
        self.p(text, "Heading 2")

    def signature(self, last, *lines: str) -> None:
        """Two blank lines and the signature, kept on one page with the last body paragraph
        (GB/T 9704: the signature never stands alone on a page)."""
        kept = [last] if last is not None else []
        kept += [self.p(), self.p()] + [self.p(line, "落款") for line in lines[:-1]]
        for paragraph in kept:
            paragraph.paragraph_format.keep_with_next = True
        self.p(lines[-1], "落款")

    def page_break(self) -> None:
        self.doc.add_paragraph(style="正文无缩进").add_run().add_break(WD_BREAK.PAGE)

    def chart(self, key: str, caption: str) -> None:
        self.tag(f"if charts.{key} is defined")
        self.p(f"{{{{ charts.{key} }}}}", "图")
        self.p(caption, "图题")
        self.tag("endif")

    def table(
        self,
        headers: list[str],
        cells: list[str],
        loop: str,
        widths_mm: list[float],
        *,
        annex: bool = False,
        left: tuple[int, ...] = (),
    ):
        """A table: a header row, then one row per item of `loop` ("s in standards").

        A header or cell written as ("tc", "for s in standards") is a column-loop marker.
        """
        body_style, head_style = ("附表文字", "附表表头") if annex else ("表格文字", "表头")
        table = self.doc.add_table(rows=4, cols=len(headers))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        rows = table.rows
        self._fill(rows[0], headers, head_style, ())
        self._fill(rows[1], [f"{{%tr for {loop} %}}"] + [""] * (len(headers) - 1), body_style, ())
        self._fill(rows[2], cells, body_style, left)
        self._fill(rows[3], ["{%tr endfor %}"] + [""] * (len(headers) - 1), body_style, ())
        repeat_header(rows[0])
        for row in rows:
            no_split(row)
        total = sum(widths_mm)
        for index, width in enumerate(widths_mm):
            size = Mm(width * TEXT_WIDTH.mm / total)
            table.columns[index].width = size
            for cell in table.columns[index].cells:
                cell.width = size
        return table

    def _fill(self, row, texts: list[str], style: str, left: tuple[int, ...]) -> None:
        for index, (cell, text) in enumerate(zip(row.cells, texts)):
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.style = self.doc.styles[style]
            if index in left:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
            if text:
                paragraph.add_run(text)


def repeat_header(row) -> None:
    """Repeat the header row on every page the table spans."""
    trpr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    trpr.append(header)


def no_split(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    cant = OxmlElement("w:cantSplit")
    trpr.insert(0, cant)


def mark_fit_columns(table) -> None:
    tblpr = table._tbl.tblPr
    description = OxmlElement("w:tblDescription")
    description.set(qn("w:val"), FIT_COLUMNS)
    tblpr.append(description)


def column_loop_cells(headers: list[str], cells: list[str], loop: str, header: str, cell: str):
    """Headers and cells with a `{%tc for %}` column loop appended."""
    return (
        headers + [f"{{%tc for {loop} %}}", header, "{%tc endfor %}"],
        cells + [f"{{%tc for {loop} %}}", cell, "{%tc endfor %}"],
    )


# ---------------------------------------------------------------------------- 工作总结


def build_summary() -> bytes:
    doc = new_document("关爱留守儿童工作总结")
    b = Builder(doc)
    b.title("{{ school }}", "{{ term.title }}", "关爱留守儿童工作总结")
    b.tag("if in_progress")
    b.p("（本学期尚未结束，以下数据统计至{{ as_of_zh }}。）")
    b.tag("endif")
    b.p(
        "本学期，我校继续把关爱留守儿童作为学校工作的重要内容，坚持档案和联系卡、结对帮扶、"
        "每月谈心、家校联系、家访等制度，各项数据均由日常记录统计得出。现将本学期工作总结如下。"
    )

    b.h1("一、基本情况")
    b.p(
        "截至{{ as_of_zh }}，我校共有留守儿童{{ population }}人"
        "{% if students_total %}，占全校学生{{ students_total }}人的"
        "{{ left_behind_share | pct }}{% endif %}。"
        "本学期先后在册的留守儿童共{{ retention.u }}人，其中学期中转入或新认定{{ joined }}人，"
        "转出{{ status_changes.get('转出', 0) }}人，辍学{{ status_changes.get('辍学', 0) }}人"
        "{% if left_behind_ended %}，因父母返乡不再属于留守儿童{{ left_behind_ended }}人"
        "{% endif %}。"
    )
    b.tag("for group in breakdowns")
    b.tag("if group['items']")
    # Left-aligned: justifying lines of "（11.1%）" groups would stretch them unevenly.
    b.p(
        "按{{ group.label }}：{% for item in group['items'] %}{{ item.label }}{{ item.count }}人"
        "（{{ item.share | pct }}）{% if not loop.last %}，{% endif %}{% endfor %}。"
    ).alignment = WD_ALIGN_PARAGRAPH.LEFT
    b.tag("endif")
    b.tag("endfor")
    b.chart("guardianship", "图1　留守儿童监护类型")

    b.h1("二、主要工作及成效")
    b.h2("（一）关爱制度落实情况")
    b.table(
        ["制度", "应完成（人次）", "已完成（人次）", "完成率", "目标"],
        [
            "{{ s.name }}",
            "{{ s.due }}",
            "{{ s.done }}",
            "{{ s.rate | pct }}",
            "{{ s.target | pct }}",
        ],
        "s in standards",
        [48, 33.5, 33.5, 20.5, 20.5],
        left=(0,),
    )
    b.chart("standards", "图2　各项关爱制度逐月完成率")
    b.h2("（二）主要指标")
    b.table(
        ["指标", "本学期", "目标"],
        ["{{ r.label }}", "{{ r.rate | pct }}", "{{ r.target | pct }}"],
        "r in rates",
        [80, 30, 30],
        left=(0,),
    )
    b.h2("（三）资助与健康")
    b.tag("if aid")
    b.p(
        "本学期共资助留守儿童{{ aid_total.children }}人、{{ aid_total.rows }}人次，折合金额"
        "{{ '%.2f' | format(aid_total.amount) }}元：{% for a in aid %}{{ a.kind }}{{ a.rows }}"
        "人次（{{ '%.2f' | format(a.amount) }}元）{% if not loop.last %}，{% endif %}"
        "{% endfor %}。"
    )
    b.tag("else")
    b.p("本学期没有资助记录。")
    b.tag("endif")
    b.tag("if health_checks.rows")
    b.p("组织体检{{ health_checks.rows }}人次，覆盖{{ health_checks.children }}名留守儿童。")
    b.tag("endif")
    b.h2("（四）突发事件处置")
    b.tag("if incidents.count")
    b.p(
        "本学期发生突发事件{{ incidents.count }}起，按时处置{{ incidents.on_time }}起"
        "（通知监护人、通知父母、上报均在规定时限内）。"
    )
    b.tag("for i in incident_list")
    b.p("{{ i.occurred_zh }}：{{ i.outcome }}。")
    b.tag("endfor")
    b.tag("else")
    b.p("本学期未发生突发事件。")
    b.tag("endif")
    b.h2("（五）关爱活动")
    b.tag("if activities")
    b.table(
        ["日期", "活动", "类型", "参加人数"],
        [
            "{{ a.date | zh_date }}",
            "{{ a.title }}",
            "{{ a.kind }}",
            "{% if a.everyone %}全体{% else %}{{ a.participants_count }}{% endif %}",
        ],
        "a in activities",
        [40, 62, 30, 24],
        left=(1,),
    )
    b.tag("else")
    b.p("本学期没有关爱活动记录。")
    b.tag("endif")

    b.h1("三、存在问题")
    b.tag("set ns = namespace(n=0)")
    step = "{% set ns.n = ns.n + 1 %}{{ ns.n }}."
    b.tag("if not rates_below and not standards_below")
    b.p("本学期各项指标均达到目标。")
    b.tag("endif")
    b.tag("for r in rates_below")
    b.p(step + "{{ r.label }}为{{ r.rate | pct }}，未达到{{ r.target | pct }}的目标。")
    b.tag("endfor")
    b.tag("for s in standards_below")
    b.p(
        step + "“{{ s.name }}”完成率为{{ s.rate | pct }}（目标{{ s.target | pct }}），"
        "还差{{ s.missing }}人次。"
    )
    b.tag("endfor")
    b.tag("if talks_missing")
    b.p(step + "本学期谈心共缺{{ talks_missing }}人次。")
    b.tag("endif")
    b.tag("if classes_behind")
    b.p(
        step + "谈心落实较差的班级：{% for c in classes_behind %}{{ c.label }}"
        "（{{ c.standards[standards[0].id] | pct }}）{% if not loop.last %}、{% endif %}"
        "{% endfor %}。"
    )
    b.tag("endif")
    b.tag("if mentors_behind")
    b.p(
        step + "谈心落实较差的帮扶教师：{% for m in mentors_behind %}{{ m.mentor }}"
        "（{{ m.standards[standards[0].id] | pct }}）{% if not loop.last %}、{% endif %}"
        "{% endfor %}。"
    )
    b.tag("endif")
    b.tag("if with_names and missing")
    b.p("未完成名单（仅供校内使用）：")
    b.table(
        ["制度", "班级", "姓名", "时段"],
        ["{{ m.standard }}", "{{ m['class'] }}", "{{ m.name }}", "{{ m.period }}"],
        "m in missing",
        [50, 40, 30, 36],
    )
    b.tag("endif")

    b.h1("四、下一步工作打算")
    b.tag("set ns = namespace(n=0)")
    b.tag("for s in standards_below")
    b.p(step + "督促落实“{{ s.name }}”，每月检查记录，补齐缺漏。")
    b.tag("endfor")
    b.tag("for r in rates_below")
    b.p(step + "提高{{ r.label }}，力争达到{{ r.target | pct }}。")
    b.tag("endfor")
    b.p(step + "继续完善留守儿童档案和联系卡，做到底数清、情况明。")
    b.p(step + "加强与外出务工家长和监护人的沟通，办好监护人培训。")
    last = b.p(
        step
        + "坚持突发事件{{ limits.guardian }}分钟内通知监护人、{{ limits.parents }}分钟内通知父母、"
        "{{ limits.authority }}分钟内上报的处置要求。"
    )
    b.signature(last, "{{ school }}", "{{ generated_on }}")

    # GB/T 9704: an attachment starts on a new page with 附件 in 黑体 at the top left.
    b.page_break()
    b.p("附件", "附件")
    b.p("检查考核表", "Title")
    b.h2("（一）分班级")
    headers, cells = column_loop_cells(
        ["班级", "人数", "建档率", "结对率"],
        [
            "{{ c.label }}",
            "{{ c.children }}",
            "{{ c.archive_rate | pct }}",
            "{{ c.pairing_rate | pct }}",
        ],
        "s in standards",
        "{{ s.name }}",
        "{{ c.standards.get(s.id) | pct }}",
    )
    mark_fit_columns(b.table(headers, cells, "c in classes", [1] * len(headers), annex=True))
    b.h2("（二）分帮扶教师")
    headers, cells = column_loop_cells(
        ["帮扶教师", "帮扶人数"],
        ["{{ m.mentor }}", "{{ m.children }}"],
        "s in standards",
        "{{ s.name }}",
        "{{ m.standards.get(s.id) | pct }}",
    )
    mark_fit_columns(b.table(headers, cells, "m in mentors", [1] * len(headers), annex=True))
    return save(doc)


# ---------------------------------------------------------------------------- 工作计划


def build_plan() -> bytes:
    doc = new_document("关爱留守儿童工作计划")
    b = Builder(doc)
    b.title("{{ school }}", "{{ term.title }}", "关爱留守儿童工作计划")
    b.p(
        "为使留守儿童在校安心学习、健康成长，根据上级要求和我校实际，制定本学期"
        "（{{ term.start | zh_date }}至{{ term.end | zh_date }}）关爱留守儿童工作计划。"
    )
    b.h1("一、工作目标")
    b.tag("for t in targets")
    b.p("{{ loop.index }}.{{ t.label }}达到{{ t.target | pct }}。")
    b.tag("endfor")

    b.h1("二、主要措施")
    b.p(
        "1.健全组织。学校关爱留守儿童工作领导小组{% if leader %}由{{ leader }}任组长，"
        "{% endif %}统筹安排本学期工作，班主任是本班第一责任人。"
    )
    b.p("2.建好档案和联系卡。开学初摸底核实，每名留守儿童一份档案、一张联系卡，变动及时更新。")
    b.p("3.落实关爱制度：")
    b.tag("for m in measures")
    b.p(
        "（{{ loop.index }}）{{ m.name }}（{{ m.every_label }}至少{{ m.at_least }}次，"
        "目标完成率{{ m.target | pct }}）。"
    )
    b.tag("endfor")
    b.p("4.结对帮扶。每名留守儿童都有帮扶教师（代理家长），重点帮扶对象制定个别教育管理方案。")
    b.p("5.办好监护人培训，普及家庭教育知识。")
    b.p("6.做好体检、计划免疫和资助工作。")
    b.p(
        "7.严格执行应急处置：{{ limits.guardian }}分钟内通知监护人，{{ limits.parents }}分钟内通知父母，"
        "{{ limits.authority }}分钟内上报。"
    )

    b.h1("三、工作安排")
    table = b.table(["月份", "工作安排"], ["{{ row.label }}", ""], "row in schedule", [30, 126])
    # The second cell holds one paragraph per item (a for-else keeps a paragraph in the cell).
    cell = table.rows[2].cells[1]
    first = cell.paragraphs[0]
    first.add_run("{%p for item in row['items'] %}")
    for text in ("{{ loop.index }}.{{ item }}", "{%p else %}", "—", "{%p endfor %}"):
        paragraph = cell.add_paragraph(style=doc.styles["表格文字"])
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        paragraph.add_run(text)
    first.alignment = WD_ALIGN_PARAGRAPH.LEFT

    b.signature(None, "{{ school }}")
    return save(doc)


# ---------------------------------------------------------------------------- 县级汇总


def build_county() -> bytes:
    """The county summary (liushou rollup --format docx): the figures of 县级汇总.md.j2."""
    doc = new_document("关爱留守儿童工作汇总")
    b = Builder(doc)
    mark = "{% if {v}.below %}{{ mark }}{% endif %}"
    b.title("{{ name }}", "{{ term.title }}", "关爱留守儿童工作汇总")
    b.tag("if in_progress")
    b.p("（本学期尚未结束，以下数据统计至{{ as_of_zh }}。）")
    b.tag("endif")
    b.p(
        "本汇总由{{ school_count }}所学校报送的学期数据相加得出：各项比率均为各校分子之和除以"
        "分母之和，关爱制度完成率为各校已完成人次之和除以应完成人次之和，不是各校比率的平均数。"
    )

    b.h1("一、基本情况")
    b.p(
        "截至{{ as_of_zh }}，报送数据的{{ school_count }}所学校共有留守儿童{{ population }}人"
        "{% if students_total %}；其中{{ share_schools }}所学校报送了全校学生数，这些学校的"
        "留守儿童{{ share_population }}人，占其学生{{ students_total }}人的"
        "{{ left_behind_share | pct }}{% endif %}。"
    )
    b.tag("for group in breakdowns")
    b.tag("if group['items']")
    b.p(
        "按{{ group.label }}：{% for item in group['items'] %}{{ item.label }}{{ item.count }}人"
        "（{{ item.share | pct }}）{% if not loop.last %}，{% endif %}{% endfor %}。"
    ).alignment = WD_ALIGN_PARAGRAPH.LEFT
    b.tag("endif")
    b.tag("endfor")
    b.chart("guardianship", "图1　留守儿童监护类型")

    b.h1("二、关爱制度落实情况")
    b.table(
        ["制度", "应完成（人次）", "已完成（人次）", "完成率", "目标"],
        [
            "{{ s.name }}",
            "{{ s.due }}",
            "{{ s.done }}",
            "{{ s.rate | pct }}" + mark.replace("{v}", "s"),
            "{{ s.target | pct }}",
        ],
        "s in standards",
        [48, 33.5, 33.5, 20.5, 20.5],
        left=(0,),
    )

    b.h1("三、主要指标")
    b.table(
        ["指标", "达到人数（起数）", "统计人数（起数）", "全县", "目标"],
        [
            "{{ r.label }}",
            "{{ r.numerator }}",
            "{{ r.denominator }}",
            "{{ r.rate | pct }}" + mark.replace("{v}", "r"),
            "{{ r.target | pct }}",
        ],
        "r in rates",
        [56, 28, 28, 22, 22],
        left=(0,),
    )
    b.tag("if incidents.count")
    b.p("各校共发生突发事件{{ incidents.count }}起，按时处置{{ incidents.on_time }}起。")
    b.tag("else")
    b.p("各校本学期均未发生突发事件。")
    b.tag("endif")
    b.tag("if duties")
    b.p(
        "依法履职情况{% if duties.schools < school_count %}（{{ duties.schools }}所学校报送）"
        "{% endif %}：需父母书面告知委托照护情况的{{ duties.notice[1] }}人，已告知"
        "{{ duties.notice[0] }}人（{{ duties.notice_rate | pct }}）；无人监护{{ duties.unattended }}"
        "人；辍学{{ duties.dropouts }}人，已劝返复学{{ duties.returned }}人"
        "{% if duties.incidents_by_kind %}；突发事件按类别：{% for kind, n in "
        "duties.incidents_by_kind.items() %}{{ kind }}{{ n }}起{% if not loop.last %}，{% endif %}"
        "{% endfor %}{% endif %}。"
    )
    b.tag("endif")

    b.h1("四、各校情况")
    b.p(
        "下表按“{{ standards[0].name if standards else '' }}”完成率从高到低排列，"
        "{{ mark }}表示低于目标；各项关爱制度的各校完成率见其后的排名表。"
    )
    # A portrait page holds the five rates over N; each care standard gets its own ranking below.
    headers, cells = column_loop_cells(
        ["序号", "学校", "乡镇", "留守儿童"],
        ["{{ row.position }}", "{{ row.school }}", "{{ row.township }}", "{{ row.population }}"],
        "r in school_rates",
        "{{ r.short }}",
        "{{ row.rates[r.key].rate | pct }}" + mark.replace("{v}", "row.rates[r.key]"),
    )
    mark_fit_columns(b.table(headers, cells, "row in schools", [1] * len(headers), annex=True))
    b.tag("for ranking in rankings")
    b.h2("（{{ loop.index }}）{{ ranking.name }}：各校排名")
    b.table(
        ["名次", "学校", "乡镇", "应完成", "已完成", "完成率"],
        [
            "{{ row.rank if row.rank is not none else '—' }}",
            "{{ row.school }}",
            "{{ row.township }}",
            "{{ row.due }}",
            "{{ row.done }}",
            "{{ row.rate | pct }}" + mark.replace("{v}", "row"),
        ],
        "row in ranking.schools",
        [16, 50, 30, 20, 20, 20],
        annex=True,
        left=(1,),
    )
    b.tag("if ('standard-' ~ ranking.id) in charts")
    b.p("{{ charts['standard-' ~ ranking.id] }}", "图")
    b.p(
        "图{{ loop.index + 1 }}　{{ ranking.name }}：各校完成率"
        "{% if ranking.truncated %}（完成率最低的学校）{% endif %}",
        "图题",
    )
    b.tag("endif")
    b.tag("endfor")

    b.h1("五、存在问题")
    b.tag("set ns = namespace(n=0)")
    step = "{% set ns.n = ns.n + 1 %}{{ ns.n }}."
    b.tag("if not rates_below and not standards_below")
    b.p("全县各项指标均达到目标。")
    b.tag("endif")
    b.tag("for r in rates_below")
    b.p(step + "{{ r.label }}为{{ r.rate | pct }}，未达到{{ r.target | pct }}的目标。")
    b.tag("endfor")
    b.tag("for s in rankings")
    b.tag("if s.below")
    last = b.p(
        step + "“{{ s.name }}”完成率为{{ s.rate | pct }}（目标{{ s.target | pct }}），"
        "还差{{ s.missing }}人次{% if s.behind %}；完成率最低的学校：{% for row in s.behind %}"
        "{{ row.school }}（{{ row.rate | pct }}）{% if not loop.last %}、{% endif %}{% endfor %}"
        "{% endif %}。"
    )
    b.tag("endif")
    b.tag("endfor")
    b.signature(last, "{{ name }}", "{{ generated_on }}")

    b.tag("if problems or warnings")
    b.page_break()
    b.p("附件", "附件")
    b.p("未纳入汇总的文件", "Title")
    b.tag("if problems")
    b.table(
        ["文件", "问题", "说明"],
        ["{{ p.file }}", "{{ p.kind }}", "{{ p.message }}"],
        "p in problems",
        [50, 22, 84],
        annex=True,
        left=(0, 2),
    )
    b.tag("endif")
    b.tag("for w in warnings")
    b.p("{{ w.file }}：{{ w.message }}", "正文无缩进")
    b.tag("endfor")
    b.tag("endif")
    return save(doc)


# ---------------------------------------------------------------------------- output


def save(doc) -> bytes:
    """The document as bytes with fixed zip timestamps, so rebuilding changes nothing."""
    raw = io.BytesIO()
    doc.save(raw)
    return normalize_zip(raw.getvalue())


def main(folder: Path = HERE) -> list[Path]:
    written = []
    for name, build in (
        ("工作总结.docx", build_summary),
        ("工作计划.docx", build_plan),
        ("县级汇总.docx", build_county),
    ):
        path = folder / name
        path.write_bytes(build())
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for path in main(target):
        print(f"wrote {path}")
