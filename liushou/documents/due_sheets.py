"""The due list (data-format §9) as text tables, Markdown, CSV, JSON and a printable Word worksheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from json.encoder import encode_basestring as _encode_string
from typing import Any

from liushou.documents.roster import neutralise
from liushou.documents.wordpage import a4_portrait, new_document, set_cjk_font
from liushou.figures.due import KIND_ZH, DueItem, DueList
from liushou.labels import class_label, zh_date

COLUMNS = (
    "类别",
    "事项",
    "编号",
    "姓名",
    "班级",
    "帮扶教师",
    "风险",
    "期间",
    "已完成",
    "应完成",
    "尚缺",
    "截止",
    "最近一次",
)
PRIVACY_LINE = "本清单含儿童姓名，仅供校内关爱工作使用，请勿外传。"
WORKSHEET_TITLE = "留守儿童关爱工作待办清单（谈心记录表）"


def item_class_label(item: DueItem) -> str:
    """ "三年级（2）班", or what is known of it."""
    return class_label(item.grade, item.klass)


def period_label(item: DueItem) -> str:
    if item.item == "unattended":
        return "今天"
    return item.period.label


def what(item: DueItem) -> str:
    """The item in a few Chinese words, with what is still missing."""
    text = item.title
    if item.detail:
        text += f"（{item.detail}）"
    elif item.kind != "urgent" and item.at_least > 1:
        text += f"（尚缺 {item.remaining} 次）"
    return text


def row(item: DueItem) -> list[str]:
    """One item as the cells of COLUMNS."""
    return [
        KIND_ZH[item.kind],
        what(item),
        item.child_id,
        item.name or "",
        item_class_label(item),
        item.mentor or "",
        item.risk or "",
        period_label(item),
        str(item.done),
        str(item.at_least),
        str(item.remaining),
        item.deadline.isoformat(),
        item.last.isoformat() if item.last else "",
    ]


def heading(due: DueList) -> str:
    """The one line saying whose list it is, for which day and term."""
    term = due.term.name if due.term else "不在学期内"
    return f"{due.school} 留守儿童关爱待办清单（{due.today}，{term}）"


def empty_message(due: DueList) -> str | None:
    """Why the list is empty, or None when it has items."""
    if due.term is None:
        return f"{due.today} 不在任何学期内，没有待办事项。"
    if not due.items:
        return f"{due.today} 没有待办事项：所选范围内的关爱工作都已完成。"
    return None


def due_text(due: DueList, width: int = 120) -> str:
    """A rich table per mentor, as plain text for a school's terminal."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None)
    console.print(heading(due))
    message = empty_message(due)
    if message:
        console.print(message)
        return buffer.getvalue()
    shown = ("类别", "事项", "姓名", "班级", "风险", "期间", "截止", "最近一次")
    index = [COLUMNS.index(c) for c in shown]
    for mentor, items in due.groups():
        table = Table(title=f"帮扶教师：{mentor}（{len(items)} 项）", box=box.SIMPLE_HEAD)
        for column in shown:
            table.add_column(column, overflow="fold")
        for item in items:
            cells = row(item)
            table.add_row(*(cells[i] for i in index))
        console.print(table)
    console.print(PRIVACY_LINE)
    return buffer.getvalue()


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def due_md(due: DueList) -> str:
    """The list as Markdown: a section and a table per mentor."""
    lines = [f"# {heading(due)}", ""]
    message = empty_message(due)
    if message:
        return "\n".join([*lines, message, ""])
    shown = [c for c in COLUMNS if c not in ("编号", "帮扶教师")]
    index = [COLUMNS.index(c) for c in shown]
    for mentor, items in due.groups():
        lines += [f"## 帮扶教师：{mentor}（{len(items)} 项）", ""]
        lines.append("| " + " | ".join(shown) + " |")
        lines.append("|" + "---|" * len(shown))
        for item in items:
            cells = row(item)
            lines.append("| " + " | ".join(_md_cell(cells[i]) for i in index) + " |")
        lines.append("")
    lines += [PRIVACY_LINE, ""]
    return "\n".join(lines)


def due_csv(due: DueList) -> bytes:
    """The list as CSV in data-format §9 order: UTF-8 with BOM and CRLF, so Excel and WPS read it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for item in due.items:
        writer.writerow([neutralise(cell) for cell in row(item)])
    return buffer.getvalue().encode("utf-8-sig")


def due_json(due: DueList) -> bytes:
    """data-format §9's JSON object, one item per line, in UTF-8.

    json's C encoder writes each item; the indenting encoder is pure Python and took most of the
    time of a county's list of 100,000 items. Each line is encoded as it is made and the whole
    joined once, so the list is not held three times over as text.
    """
    data = due.to_json_head()
    head = json.dumps(data, ensure_ascii=False, indent=2)[:-2]  # without the closing "\n}"
    if not due.items:
        return f'{head},\n  "items": []\n}}\n'.encode()
    parts = [f'{head},\n  "items": [\n    '.encode()]
    separator = b",\n    "
    for line in _item_lines(due.items):
        parts.append(line.encode())
        parts.append(separator)
    parts[-1] = b"\n  ]\n}\n"
    return b"".join(parts)


def _scalar(value: Any) -> str:
    """One value as json.dumps(value, ensure_ascii=False) writes it."""
    kind = type(value)
    if kind is str:
        return _encode_string(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False)


def _item_lines(items: list[DueItem]) -> Iterator[str]:
    """Each item as json.dumps(item.to_json(), ensure_ascii=False) writes it, byte for byte.

    A county's list has over 100,000 items of a few thousand children and periods: the parts
    that repeat (a child's fields, a period, a date) are written once, the rest by format.
    """
    children: dict[tuple, str] = {}
    days: dict[dt.date, str] = {}
    kinds: dict[str, str] = {}

    def day(value: dt.date | None) -> str:
        if value is None:
            return "null"
        text = days.get(value)
        if text is None:
            text = days[value] = _scalar(value.isoformat())
        return text

    def text(value: str) -> str:
        encoded = kinds.get(value)
        if encoded is None:
            encoded = kinds[value] = _scalar(value)
        return encoded

    for item in items:
        values = (item.child_id, item.name, item.grade, item.klass, item.mentor, item.risk)
        try:
            child = children.get(values)
        except TypeError:  # an unhashable value: written as it is
            child = None
        if child is None:
            child = (
                f'"child_id": {_scalar(values[0])}, "name": {_scalar(values[1])}, '
                f'"grade": {_scalar(values[2])}, "class": {_scalar(values[3])}, '
                f'"mentor": {_scalar(values[4])}, "risk": {_scalar(values[5])}'
            )
            try:
                children[values] = child
            except TypeError:
                pass
        period = item.period
        yield (
            f'{{"kind": {text(item.kind)}, "item": {text(item.item)}, {child}, '
            f'"period": {{"start": {day(period.start)}, "end": {day(period.end)}}}, '
            f'"done": {_scalar(item.done)}, "at_least": {_scalar(item.at_least)}, '
            f'"remaining": {_scalar(item.remaining)}, "deadline": {day(item.deadline)}, '
            f'"last": {day(item.last)}}}'
        )


# ---------------------------------------------------------------------------- Word worksheet

_FONT = "宋体"
_HEAD_FONT = "黑体"
# (header, width in mm): A4 portrait leaves 180 mm between 15 mm margins
# (the handwritten 日期 and 情况记录 get the most room: they are what the teacher fills in)
_SHEET_COLUMNS = (
    ("序号", 12),
    ("姓名", 16),
    ("班级", 19),
    ("事项", 37),
    ("截止", 22),
    ("最近一次", 22),
    ("日期", 20),
    ("情况记录", 32),
)
SHEET_MIN_ROWS = 12  # blank rows below the items, for talks the list did not ask for


def _short_date(day: Any, today: Any) -> str:
    """ "11月30日" (with the year when it is not today's), so a date fits a narrow column."""
    if day is None:
        return ""
    return zh_date(day, year=day.year != today.year)


def _sheet_period(item: DueItem, due: DueList) -> str:
    """The period in words a teacher reads at a glance: 本学期, 11月, 11月9日起一周."""
    period = item.period
    if due.term is not None and period.start == due.term.start and period.end == due.term.end:
        return "本学期"
    if period.start.day == 1 and (period.end + dt.timedelta(days=1)).day == 1:
        return f"{period.start.month}月"
    return f"{period.start.month}月{period.start.day}日起一周"


def _sheet_item(item: DueItem, due: DueList) -> str:
    prefix = {"urgent": "【紧急】", "missed": "【上期未完成】", "open": ""}[item.kind]
    period = "" if item.kind == "urgent" else f"（{_sheet_period(item, due)}）"
    return prefix + what(item) + period


def due_docx(due: DueList) -> bytes:
    """One printable A4 page per mentor: the items with blank date and note columns to fill in.

    A mentor with more items than a page holds continues on the next page, with the header row
    repeated; each mentor starts on a new page.

    Returns:
        The .docx file's bytes.
    """
    from docx.enum.section import WD_SECTION
    from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.shared import Mm, Pt

    from liushou.documents.render import term_title

    document = new_document(WORKSHEET_TITLE, due.school, _FONT, side_mm=15, top_mm=15)

    def paragraph(text: str, size: float, bold: bool = False, center: bool = False) -> Any:
        para = document.add_paragraph()
        if center:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold
        if bold:
            set_cjk_font(run, _HEAD_FONT)
        return para

    groups = due.groups()
    if not groups:
        paragraph(due.school, 12, center=True)
        paragraph(WORKSHEET_TITLE, 16, bold=True, center=True)
        paragraph(empty_message(due) or "", 12)
    term = term_title(due.term) if due.term else ""
    today = zh_date(due.today)
    for number, (mentor, items) in enumerate(groups):
        if number:
            a4_portrait(document.add_section(WD_SECTION.NEW_PAGE), side_mm=15, top_mm=15)
        paragraph(due.school, 12, center=True)
        title = paragraph(WORKSHEET_TITLE, 16, bold=True, center=True)
        title.paragraph_format.space_after = Pt(4)
        info = paragraph(
            f"帮扶教师：{mentor}　　学期：{term}　　打印日期：{today}　　共 {len(items)} 项",
            10.5,
        )
        info.paragraph_format.space_after = Pt(6)

        rows = max(len(items), SHEET_MIN_ROWS)
        table = document.add_table(rows=1 + rows, cols=len(_SHEET_COLUMNS))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for column, (_, width) in zip(table.columns, _SHEET_COLUMNS):
            column.width = Mm(width)  # LibreOffice and WPS read the grid, Word the cells
        header = table.rows[0]
        # Repeat the header row on every page the table runs onto.
        header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for cell, (text, width) in zip(header.cells, _SHEET_COLUMNS):
            cell.width = Mm(width)
            run = cell.paragraphs[0].add_run(text)
            run.bold = True
            set_cjk_font(run, _HEAD_FONT)
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        for index, table_row in enumerate(table.rows[1:], start=1):
            table_row.height = Mm(11)  # room to write by hand
            table_row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
            if index > len(items):
                continue
            item = items[index - 1]
            cells = [
                str(index),
                item.name or item.child_id,
                item_class_label(item),
                _sheet_item(item, due),
                _short_date(item.deadline, due.today),
                _short_date(item.last, due.today),
                "",
                "",
            ]
            for cell, text, (_, width) in zip(table_row.cells, cells, _SHEET_COLUMNS):
                cell.width = Mm(width)
                run = cell.paragraphs[0].add_run(text)
                run.font.size = Pt(9.5)
            table_row.cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        # Keep a row from splitting across pages.
        for table_row in table.rows:
            table_row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        note = paragraph(
            "说明：“日期”和“情况记录”两栏请手写填写（谈心、联系或家访的日期与简要情况），"
            "填好后交回学校录入。" + PRIVACY_LINE,
            9,
        )
        note.paragraph_format.space_before = Pt(6)
        sign = paragraph(
            "帮扶教师（签名）：______________　　　交回日期：______年____月____日", 10.5
        )
        sign.paragraph_format.space_before = Pt(12)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
