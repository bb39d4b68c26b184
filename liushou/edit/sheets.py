"""Read one table from a school's spreadsheet (.xlsx, .xls or .csv) with its sheet row numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liushou.errors import os_reason

# Full-width forms a Chinese input method types for brackets, and the spaces it types.
_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "[", "】": "]", "［": "[", "］": "]"})
_SPACES = re.compile(r"[\s\u3000\xa0]+")


class SheetError(Exception):
    """A file that cannot be read as a table at all; the message is in Chinese."""


@dataclass
class Table:
    """The rows below a sheet's header row, each with its row number as the sheet shows it.

    `header` holds the header cells as written (stripped); `rows` holds (row number, cells),
    the cells as the reader gives them (str, int, float, bool, datetime) or None when empty.
    Blank rows are left out.
    """

    source: str
    sheet: str
    header_row: int
    header: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def header_key(text: Any) -> str:
    """A header cell as compared with the header tables: no spaces, half-width brackets."""
    return _SPACES.sub("", str(text if text is not None else "")).translate(_BRACKETS)


_NOTE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")


def header_candidates(key: str) -> tuple[str, ...]:
    """A normalised header, then the same without bracketed notes ("出生日期(年月日)" → 出生日期)."""
    bare = _NOTE.sub("", key)
    return (key, bare) if bare and bare != key else (key,)


def read_table(
    path: Path, is_header: Callable[[list[str]], bool], sheet: str | None = None
) -> Table:
    """Read the table of a roster or log sheet.

    The header row is the first row for which `is_header` (given the row's cells through
    header_key) is true; title rows above it and blank rows below it are skipped.

    Args:
        path: a .xlsx, .xlsm, .xls or .csv file.
        is_header: tells the header row.
        sheet: the sheet's name (spreadsheets only); default: the first sheet with a header row.

    Returns:
        The Table. Raises SheetError when the file cannot be read or holds no header row.
    """
    suffix = path.suffix.lower()
    closers: list[Callable[[], None]] = []
    try:
        return _read(path, suffix, is_header, sheet, closers)
    finally:
        for close in closers:
            close()


def _read(path, suffix, is_header, sheet, closers) -> Table:
    if not path.is_file():
        raise SheetError(f"找不到文件 {path}")
    if suffix in (".xlsx", ".xlsm"):
        sheets = _xlsx_sheets(path, closers)
    elif suffix == ".xls":
        sheets = _xls_sheets(path)
    elif suffix == ".csv":
        sheets = [(path.stem, lambda: _csv_rows(path))]
    else:
        raise SheetError(
            f"不支持的文件类型 {path.suffix or '（无扩展名）'}：请使用 .xlsx、.xls 或 .csv"
        )
    names = [name for name, _ in sheets]
    if sheet is not None and suffix != ".csv":
        if sheet not in names:
            raise SheetError(f"文件中没有名为“{sheet}”的工作表（有：{'、'.join(names)}）")
        sheets = [s for s in sheets if s[0] == sheet]
    for name, rows in sheets:
        table = _find_table(path.name, name, rows(), is_header)
        if table is not None:
            return table
    where = f"工作表“{sheets[0][0]}”" if len(sheets) == 1 and suffix != ".csv" else "文件"
    raise SheetError(f"{where}中找不到表头行（应有一行写着列名，例如“姓名”或“日期”）")


def _find_table(source: str, sheet: str, rows, is_header) -> Table | None:
    table = None
    for number, cells in rows:
        if not any(_filled(c) for c in cells):
            continue
        if table is None:
            keys = [header_key(c) for c in cells]
            if is_header(keys):
                header = [str(c).strip() if c is not None else "" for c in cells]
                table = Table(source, sheet, number, header)
            continue
        table.rows.append((number, list(cells)))
    return table


def _filled(cell: Any) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def _xlsx_sheets(path: Path, closers: list):
    import openpyxl  # imported here: only the import commands need it

    try:
        # read_only streams rows from the zip: a 20,000-row sheet never sits in memory whole.
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged or foreign file
        raise SheetError(
            f"无法读取 {path.name}：不是有效的 .xlsx 文件（{type(error).__name__}）"
        ) from None
    closers.append(book.close)

    def rows(ws):
        def generate():
            try:
                ws.reset_dimensions()  # some writers record a wrong size; read every row
                yield from enumerate(ws.iter_rows(values_only=True), start=1)
            except Exception as error:
                raise SheetError(
                    f"读取 {path.name} 时出错：文件可能已损坏（{type(error).__name__}）"
                ) from None

        return generate

    return [(ws.title, rows(ws)) for ws in book.worksheets]


def _xls_sheets(path: Path):
    try:
        import xlrd
    except ImportError:
        raise SheetError(
            "读取 .xls 文件需要安装 xlrd（pip install xlrd）；"
            "也可以在 Excel 或 WPS 中把它另存为 .xlsx 后再导入"
        ) from None
    try:
        book = xlrd.open_workbook(str(path))
    except Exception as error:
        raise SheetError(
            f"无法读取 {path.name}：不是有效的 .xls 文件（{type(error).__name__}）"
        ) from None

    def rows(ws):
        def generate():
            for index in range(ws.nrows):
                cells = []
                for cell in ws.row(index):
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        cells.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        cells.append(None)
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        cells.append(bool(cell.value))
                    else:
                        cells.append(cell.value)
                yield index + 1, cells

        return generate

    return [(ws.name, rows(ws)) for ws in book.sheets()]


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode a CSV file as data-format §4 orders: BOM, UTF-8, then GB18030.

    Returns:
        (text, encoding) with encoding "utf-8-sig", "utf-8" or "gb18030". Raises SheetError.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        for encoding in ("utf-8", "gb18030"):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                continue
    raise SheetError(f"{name} 的编码无法识别：请另存为 UTF-8（或 GB18030/GBK）")


def _csv_rows(path: Path):
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SheetError(f"无法读取 {path.name}：{os_reason(error)}") from None
    text, _ = decode_text(data, path.name)
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for row in reader:
            yield start, [cell if cell.strip() else None for cell in row]
            start = reader.line_num + 1
    except csv.Error as error:
        raise SheetError(f"{path.name} 第 {reader.line_num} 行不是有效的 CSV：{error}") from None


def excel_serial_date(value: float) -> dt.date | None:
    """The date of an Excel serial number (1900 date system), or None outside Excel's range."""
    if isinstance(value, bool) or not 1 <= value < 2958466:
        return None
    return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
