"""The 花名册 (roster) and the 档案卡/联系卡 (contact cards): masked by default, safe to open.

Privacy (data-format §8): phones and ID numbers are masked unless the caller asks for them in full.
A roster never holds a home address (the child's or the guardian's), and gives the parents' work
places only to the province and city (广东省东莞市, not the town) unless asked for in full; a card
is the child's archive and keeps both. Spreadsheet output neutralises cells that Excel or WPS would
read as a formula (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from typing import Any

from liushou.display import display_width
from liushou.documents.wordpage import new_document, set_cjk_font
from liushou.labels import class_label, grade_label, parse_class_key, zh_date
from liushou.load.model import Child, Repository, Settings, in_care
from liushou.textsafe import mask_digits

COLUMNS = (
    "序号",
    "编号",
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "年级",
    "班级",
    "留守类型",
    "监护类型",
    "监护人",
    "监护人电话",
    "父母务工地",
    "父母电话",
    "帮扶教师",
    "寄宿",
    "重点帮扶",
)

_MOBILE = re.compile(r"^(1[3-9]\d)\d{4}(\d{4})$")
_LANDLINE = re.compile(r"^(0\d{2,3}-?)\d{3,4}(\d{4})$")
# A work place cut to province and city: the province (or a municipality, or the short name of
# an autonomous region), then the city up to its first 市, 州 (自治州, 恩施州; not the 州 of 广州市),
# 地区 or 盟.
_MUNICIPALITY = re.compile(r"(?:北京|天津|上海|重庆)市?")
_PROVINCE = re.compile(r"[^\d\s]{2,3}省|[^\d\s]{2,6}?自治区|新疆|西藏|内蒙古|广西|宁夏|香港|澳门")
# The city's name holds no 县/区/镇/乡/村/路/街 (those come after it), and 市场 is a market.
_CITY = re.compile(r"[^\d\s省市县区镇乡村路街]{1,10}?(?:市(?!场)|州(?!市)|地区|盟)")
_PLACE_FALLBACK = 6  # characters kept of a work place written without 省/市
# Leading characters that make Excel/WPS treat a cell as a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------------------- masking


def mask_phone(phone: str | None) -> str:
    """Hide the middle of a phone number.

    A mobile keeps its first 3 and last 4 digits ("13812345678" -> "138****5678"); a landline
    keeps its area code (and hyphen) and last 4 digits ("0839-5371785" -> "0839-****1785").
    Anything else keeps at most its last 4 digits.

    Args:
        phone: the number as written in the record, or None.

    Returns:
        The masked number; "" for an empty one.
    """
    text = str(phone or "").strip().replace(" ", "")
    if not text:
        return ""
    if match := _MOBILE.match(text):
        return f"{match[1]}****{match[2]}"
    if match := _LANDLINE.match(text):
        return f"{match[1]}****{match[2]}"
    digits = re.sub(r"\D", "", text)
    return "****" + digits[-4:] if len(digits) >= 8 else "****"


def mask_id_number(number: str | None) -> str:
    """Keep the first 6 (region) and last 4 characters of an 18-character ID number.

    "510823200701010018" -> "510823********0018"; the birth date is hidden. Anything that is
    not 18 characters long is hidden entirely ("****").
    """
    text = str(number or "").strip()
    if not text:
        return ""
    if len(text) == 18:
        return f"{text[:6]}{'*' * 8}{text[-4:]}"
    return "****"


def coarse_place(place: str | None) -> str:
    """Cut a work place down to its province and city.

    "广东省东莞市长安镇" -> "广东省东莞市", "北京市朝阳区" -> "北京市", "新疆乌鲁木齐市米东区" ->
    "新疆乌鲁木齐市"; a province without a city keeps the province ("广东省长安镇" -> "广东省").
    A place written without 省 or 市 keeps its first 6 characters and "…" when longer.

    Args:
        place: the work place as written in the record, or None.

    Returns:
        The shortened place; "" for an empty one.
    """
    text = "".join(str(place or "").split())
    if not text:
        return ""
    if match := _MUNICIPALITY.match(text):
        return match[0]
    province = _PROVINCE.match(text)
    rest = text[province.end() :] if province else text
    city = _CITY.match(rest)
    if province or city:
        return (province[0] if province else "") + (city[0] if city else "")
    if len(text) <= _PLACE_FALLBACK:
        return text
    return text[:_PLACE_FALLBACK] + "…"


def neutralise(value: Any) -> Any:
    """Prefix `'` to a text that a spreadsheet would run as a formula; other values unchanged.

    Leading control characters and spaces do not hide a formula: spreadsheets (and openpyxl's
    removal of illegal characters) drop them, and "\x01=1+1" would become "=1+1".
    """
    if isinstance(value, str) and (
        value.startswith(_FORMULA_START) or value.lstrip(_INVISIBLE).startswith(_FORMULA_START)
    ):
        return "'" + value
    return value


_INVISIBLE = "".join(chr(c) for c in range(0x20)) + " \x7f\u3000"


def shown_id(child_id: str, full: bool = False) -> str:
    """A child's id for a roster or card: an ID number or phone typed as the id is masked
    (its first three digits kept) unless `full`."""
    return child_id if full else mask_digits(child_id)


# ---------------------------------------------------------------------------- rows


def child_class_label(child: Child) -> str:
    """ "三年级（2）班", or what is known of it."""
    return class_label(child.get("grade"), child.get("class"))


def _int_or_last(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 10**6


def roster_order(child: Child) -> tuple:
    """Grade, class, name (Unicode order), then id: the order of rosters and class cards."""
    return (
        _int_or_last(child.get("grade")),
        _int_or_last(child.get("class")),
        str(child.get("name") or ""),
        child.id,
    )


def roster_children(repo: Repository, class_key: str | None, today: dt.date) -> list[Child]:
    """The children on today's roster (in care today, data-format §6), optionally of one class, sorted.

    A child whose 转出/辍学/… takes effect after today is still in care, so still listed.

    Raises:
        ValueError: class_key is malformed.
    """
    wanted = parse_class_key(class_key) if class_key is not None else None
    chosen = []
    for child in repo.children.values():
        if not in_care(child, today):
            continue
        if wanted and (child.get("grade"), child.get("class")) != wanted:
            continue
        chosen.append(child)
    return sorted(chosen, key=roster_order)


def _yes_no(value: Any) -> str:
    return {True: "是", False: "否"}.get(value, "") if isinstance(value, bool) else ""


def _parents(child: Child) -> list[dict[str, Any]]:
    parents = child.get("parents")
    return [p for p in parents if isinstance(p, dict)] if isinstance(parents, list) else []


def _joined(child: Child, key: str, show=str) -> str:
    parts = []
    for parent in _parents(child):
        value = parent.get(key)
        if value:
            parts.append(f"{parent.get('relation') or '父母'} {show(value)}")
    return "；".join(parts)


def roster_rows(
    repo: Repository,
    class_key: str | None = None,
    full: bool = False,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """The 花名册: one row per left-behind child in care today, sorted by grade, class, name.

    Args:
        repo: the loaded repository.
        class_key: "3-2" for one class; None for the whole school.
        full: show phone and ID numbers and the parents' work places in full, instead of
            masked and cut to province and city (coarse_place).
        today: the roster's date (default: the clock's date).

    Returns:
        Rows as dicts keyed by COLUMNS, in that order. 序号 is an int and 出生日期 a date (or "");
        everything else is text. No home address (the child's or the guardian's) is included.

    Raises:
        ValueError: class_key is malformed (Chinese message).
    """
    today = today or dt.date.today()
    phone = str if full else mask_phone
    id_number = str if full else mask_id_number
    place = str if full else coarse_place
    rows = []
    for number, child in enumerate(roster_children(repo, class_key, today), start=1):
        guardian = child.get("guardian") if isinstance(child.get("guardian"), dict) else {}
        who = guardian.get("name") or ""
        if who and guardian.get("relation"):
            who += f"（{guardian['relation']}）"
        klass = child.get("class")
        birth = child.get("birth_date")
        values = (
            number,
            shown_id(child.id, full),
            child.get("name") or "",
            child.get("gender") or "",
            birth if isinstance(birth, dt.date) else "",
            id_number(child.get("id_number")) if child.get("id_number") else "",
            grade_label(child.get("grade")),
            f"{klass}班" if klass is not None else "",
            child.get("left_behind.type") or "",
            child.get("guardianship") or "",
            who,
            phone(guardian["phone"]) if guardian.get("phone") else "",
            _joined(child, "work_place", place),
            _joined(child, "phone", phone),
            child.get("care.mentor") or "",
            _yes_no(child.get("boarding", False)),
            _yes_no(child.get("care.focus", False)),
        )
        rows.append({column: _plain(value) for column, value in zip(COLUMNS, values)})
    return rows


def _plain(value: Any) -> Any:
    # Every cell is text except 序号 (int) and 出生日期 (date); YAML may hand over numbers.
    if isinstance(value, (int, dt.date)) and not isinstance(value, bool):
        return value
    return str(value)


# ---------------------------------------------------------------------------- writers


def _cell_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def roster_csv(rows: list[dict[str, Any]]) -> bytes:
    """The roster as CSV: UTF-8 with BOM and CRLF line ends, so Excel and WPS read the Chinese.

    Formula-like cells are neutralised. Excel may still show a long digit string (a phone or ID
    number given in full) as a number; the xlsx roster keeps them as text.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([neutralise(_cell_text(row.get(c, ""))) for c in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


# The xlsx roster is printed: its columns are split over two sheets so that each fits A4
# landscape at a readable size (all 17 columns on one page would print at about 6 pt).
XLSX_SHEETS = (
    (
        "基本情况",
        (
            "序号",
            "编号",
            "姓名",
            "性别",
            "出生日期",
            "身份证号",
            "年级",
            "班级",
            "留守类型",
            "监护类型",
            "帮扶教师",
            "寄宿",
            "重点帮扶",
        ),
    ),
    (
        "家庭联系",
        (
            "序号",
            "姓名",
            "年级",
            "班级",
            "监护人",
            "监护人电话",
            "父母务工地",
            "父母电话",
            "帮扶教师",
        ),
    ),
)
XLSX_FONT_PT = 10.5
XLSX_MAX_WIDTH = 18  # wider text wraps inside its cell
# Width units (one digit of the default font, about 1.9 mm) across A4 landscape inside 15 mm
# margins; a sheet wider than this is scaled down to fit, by at most 140/160 (10.5 pt -> 9.2 pt).
XLSX_PAGE_UNITS = 140
SIGN_LINE = (
    "填表人：______________　　　　审核人：______________　　　　填表日期：______年____月____日"
)


def roster_xlsx(rows: list[dict[str, Any]], title: str) -> bytes:
    """The roster as an Excel workbook made to be printed and signed.

    Two sheets, 基本情况 and 家庭联系, each with the title in its first row, the header in the
    second (frozen and repeated on every printed page), thin borders round every cell, a
    填表人/日期 line under the table, page numbers in the footer, A4 landscape at 100 %.

    Args:
        rows: from roster_rows.
        title: the title row and the workbook's title property.

    Returns:
        The .xlsx file's bytes. Every text cell is a string cell (so phone and ID numbers stay
        digits, not numbers), formula-like ones neutralised; 出生日期 is a date cell.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    body_font = Font(name="宋体", size=XLSX_FONT_PT)
    book = Workbook()
    book.remove(book.active)
    book.properties.title = title
    book.properties.creator = "liushou"
    for name, columns in XLSX_SHEETS:
        sheet = book.create_sheet(name)
        last = get_column_letter(len(columns))
        sheet.append([f"{title}（{name}）"])
        sheet.merge_cells(f"A1:{last}1")
        sheet["A1"].font = Font(name="黑体", size=16, bold=True)
        sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
        sheet.row_dimensions[1].height = 30
        sheet.append(list(columns))
        for cell in sheet[2]:
            cell.font = Font(name="黑体", size=XLSX_FONT_PT, bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = border
        widths = [display_width(c) for c in columns]
        for r, row in enumerate(rows, start=3):
            for c, column in enumerate(columns, start=1):
                value = row.get(column, "")
                cell = sheet.cell(row=r, column=c)
                if isinstance(value, dt.date):
                    cell.value = value
                    cell.number_format = 'yyyy"年"m"月"d"日"'
                    shown = _date_text(value)
                elif isinstance(value, int) and not isinstance(value, bool):
                    cell.value = value
                    shown = str(value)
                else:
                    # Illegal characters out first, so what is left is what gets neutralised.
                    text = neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
                    cell.value = text or None  # an empty string would be stored as a string
                    cell.number_format = "@"  # stays text when someone edits it
                    shown = text
                cell.font = body_font
                cell.border = border
                cell.alignment = Alignment(vertical="center", wrap_text=True)
                widths[c - 1] = max(widths[c - 1], display_width(shown))
        widths = [
            min(width + 1, 21 if column == "身份证号" else XLSX_MAX_WIDTH)
            for width, column in zip(widths, columns)
        ]
        for c, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(c)].width = width
        # Rows as tall as their wrapped text (LibreOffice and WPS keep a stored height).
        for r in range(2, len(rows) + 3):
            lines = max(
                -(-display_width(str(sheet.cell(row=r, column=c).value or "")) // (w - 1))
                for c, w in enumerate(widths, start=1)
            )
            sheet.row_dimensions[r].height = max(lines, 1) * 14 + 4
        sign_row = len(rows) + 4
        sheet.cell(row=sign_row, column=1, value=SIGN_LINE).font = body_font
        sheet.merge_cells(f"A{sign_row}:{last}{sign_row}")
        sheet.freeze_panes = "A3"
        sheet.print_title_rows = "1:2"
        setup = sheet.page_setup
        setup.orientation = "landscape"
        setup.paperSize = sheet.PAPERSIZE_A4
        # Fit the width on one page; the columns are chosen so that this stays near 100 %.
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_options.horizontalCentered = True
        sheet.page_margins.left = sheet.page_margins.right = 0.6
        sheet.page_margins.top = sheet.page_margins.bottom = 0.7
        sheet.oddFooter.center.text = "第&P页，共&N页"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def roster_md(rows: list[dict[str, Any]]) -> str:
    """The roster as a Markdown table."""

    def cell(value: Any) -> str:
        text = _cell_text(value).replace("\\", "\\\\").replace("|", "\\|")
        return " ".join(text.split())

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in COLUMNS) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- cards

CARD_TITLE = "留守儿童档案卡（联系卡）"
CARD_NOTICE = "本卡含儿童及家庭个人信息，仅供帮扶教师工作使用，请妥善保管，不得外传。"
_BODY_FONT = "宋体"
_VALUE_FONT = "仿宋"


UNFILLED = "未填"
PHOTO_BOX = "贴照片处\n（一寸免冠照）"
PHOTO_ROWS = 5  # table rows the photo box spans: 编号, 姓名, 性别, 出生日期, 身份证号


def _flag(value: Any, yes: str = "是", no: str = "否") -> str:
    """是/否 for a yes-or-no field, 未填 when the record leaves it out."""
    return (yes if value else no) if isinstance(value, bool) else UNFILLED


def _date_text(value: Any) -> str:
    """A date as 2015年9月1日 (how documents write it); other values as text."""
    if isinstance(value, dt.date):
        return zh_date(value)
    return "" if value is None else str(value)


def contact_lines(child: Child, settings: Settings | None, full: bool = False) -> list[str]:
    """Whom the family calls at school: the leader (for the school) and the child's mentor,
    each with the phone given in liushou.yaml staff (masked unless `full`)."""
    if settings is None:
        return []
    phones = settings.staff_phones

    def line(role: str, name: str | None) -> str | None:
        if not name:
            return None
        phone = phones.get(name)
        shown = (phone if full else mask_phone(phone)) if phone else UNFILLED
        return f"{role}：{name}　电话：{shown}"

    lines = [
        line("学校联系人（领导小组组长）", settings.leader),
        line("帮扶教师", child.get("care.mentor")),
    ]
    return [x for x in lines if x]


def _age_text(age: Any) -> Any:
    """An age as 65岁 (a bare 65 reads like a code on a card); other values unchanged."""
    return f"{age}岁" if isinstance(age, int) and not isinstance(age, bool) else age


def _lines(*pairs: tuple[str, Any]) -> list[str]:
    """ "标签：值" lines for the values that are present."""
    return [f"{label}：{_date_text(v)}" for label, v in pairs if v not in (None, "", [])]


def card_fields(
    child: Child, full: bool = False, settings: Settings | None = None
) -> list[tuple[str, list[str]]]:
    """The card's rows: (label, lines of the value), every record field with a Chinese label;
    a field the record leaves empty reads 未填, a yes-or-no field 是/否/未填.

    Args:
        child: the child's record.
        full: phone and ID numbers in full; masked otherwise (data-format §8).
        settings: the school settings, for the school's and the mentor's phone (联系学校).
    """
    phone = (lambda v: str(v) if v else None) if full else (lambda v: mask_phone(v) or None)
    get = child.get
    status = get("status") or ""
    if status and status != "在校" and get("status_date"):
        status += f"（{_date_text(get('status_date'))}起）"
    left = get("left_behind.type") or ""
    span = _lines(("留守起始", get("left_behind.since")), ("留守结束", get("left_behind.until")))
    rows: list[tuple[str, list[str]]] = [
        ("编号", [shown_id(child.id, full)]),
        ("姓名", [get("name") or ""]),
        ("性别", [get("gender") or ""]),
        ("出生日期", [_date_text(get("birth_date"))]),
        ("身份证号", [(str if full else mask_id_number)(get("id_number") or "")]),
        ("年级班级", [child_class_label(child)]),
        ("寄宿", [_flag(get("boarding", False))]),
        ("入学日期", [_date_text(get("enrolled_on"))]),
        ("在校状态", [status]),
        ("家庭住址", [get("address") or ""]),
        ("留守类型", [left, *span] if left or span else [""]),
        ("监护类型", [get("guardianship") or ""]),
    ]
    for parent in _parents(child):
        rows.append(
            (
                str(parent.get("relation") or "父母"),
                _lines(
                    ("姓名", parent.get("name")),
                    ("电话", phone(parent.get("phone"))),
                    ("务工地址", parent.get("work_place")),
                    ("务工单位", parent.get("employer")),
                    ("单位电话", phone(parent.get("employer_phone"))),
                ),
            )
        )
    if not _parents(child):
        rows.append(("父母", [""]))
    guardian = get("guardian") if isinstance(get("guardian"), dict) else {}
    rows.append(
        (
            "监护人",
            _lines(
                ("姓名", guardian.get("name")),
                ("关系", guardian.get("relation")),
                ("年龄", _age_text(guardian.get("age"))),
                ("职业", guardian.get("occupation")),
                ("住址", guardian.get("address")),
                ("电话", phone(guardian.get("phone"))),
                ("健康", guardian.get("health")),
                ("文化程度", guardian.get("literacy")),
            ),
        )
    )
    interests = get("profile.interests")
    consent = _lines(("同意人", get("consent.by")), ("日期", get("consent.on")))
    rows += [
        ("性格特征", [get("profile.personality") or ""]),
        ("兴趣爱好", ["、".join(map(str, interests)) if isinstance(interests, list) else ""]),
        ("健康状况", [get("profile.health") or ""]),
        ("帮扶教师", [get("care.mentor") or ""]),
        ("学习帮手", [get("care.buddy") or ""]),
        ("重点帮扶", [_flag(get("care.focus", False))]),
        ("个别方案", [get("care.plan") or ""]),
        ("计划免疫完成", [_flag(get("care.vaccinated"))]),
        ("平安保险", [_flag(get("care.insured"))]),
        ("建档同意", ["；".join(consent)]),
        ("联系学校", contact_lines(child, settings, full)),
        ("备注", [get("notes") or ""]),
    ]
    return [(label, [line or UNFILLED for line in lines] or [UNFILLED]) for label, lines in rows]


def card_docx(children: Iterable[Child], settings: Settings, full: bool = False) -> bytes:
    """Contact cards as a Word document: one A4 page per child, page breaks between.

    Args:
        children: the children, in the order to print.
        settings: the school settings (the school's name heads each card).
        full: phone and ID numbers in full; masked otherwise (data-format §8).

    Returns:
        The .docx file's bytes.
    """
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    document = new_document(CARD_TITLE, settings.school, _BODY_FONT, side_mm=20, top_mm=18)

    for index, child in enumerate(children):
        school = document.add_paragraph()
        school.alignment = WD_ALIGN_PARAGRAPH.CENTER
        # A new page for each card, without a page-break paragraph: after a full page, that
        # paragraph itself spilled over and left a blank page between two cards.
        if index:
            school.paragraph_format.page_break_before = True
        run = school.add_run(settings.school)
        run.font.size = Pt(12)
        title = document.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.space_after = Pt(8)
        run = title.add_run(CARD_TITLE)
        run.bold = True
        run.font.size = Pt(16)
        set_cjk_font(run, _BODY_FONT)

        fields = card_fields(child, full=full, settings=settings)
        table = document.add_table(rows=len(fields), cols=3)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        # Word reads cell widths, LibreOffice and WPS the grid's: set both.
        widths = (Mm(30), Mm(110), Mm(30))
        for column, width in zip(table.columns, widths):
            column.width = width
        for (label, lines), row in zip(fields, table.rows):
            for cell, width in zip(row.cells, widths):
                cell.width = width
            head, body = row.cells[0], row.cells[1]
            head.paragraphs[0].add_run(label).bold = True
            for n, line in enumerate(lines):
                paragraph = body.paragraphs[0] if n == 0 else body.add_paragraph()
                set_cjk_font(paragraph.add_run(line), _VALUE_FONT)
        # The photo box beside the first rows (编号 to 身份证号); below it the value spans both.
        photo_rows = min(PHOTO_ROWS, len(fields))
        photo = table.cell(0, 2).merge(table.cell(photo_rows - 1, 2))
        photo.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        for n, text in enumerate(PHOTO_BOX.split("\n")):
            paragraph = photo.paragraphs[0] if n == 0 else photo.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(text)
            run.font.size = Pt(9)
        for index in range(photo_rows):
            table.rows[index].height = Mm(8)
        for index in range(photo_rows, len(fields)):
            table.cell(index, 1).merge(table.cell(index, 2))
            table.rows[index].height = Mm(6)  # at least: one-line rows not cramped
            for cell in table.rows[index].cells:
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        notice = document.add_paragraph()
        notice.paragraph_format.space_before = Pt(6)
        run = notice.add_run(CARD_NOTICE)
        run.font.size = Pt(9)
        signature = document.add_paragraph()
        signature.paragraph_format.space_before = Pt(12)
        signature.add_run("帮扶教师（签名）：____________　　　　填卡日期：______年____月____日")

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
