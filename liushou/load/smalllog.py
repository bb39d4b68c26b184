"""Read and check a small CSV log into plain column lists, with the same findings as logs.py.

A school's logs hold a few hundred rows; importing pandas costs more than reading them with the
csv module. `read_small_log` gives a `Table` (one list per column) and exactly the findings
`logs.read_log` gives. It only knows the common forms of values (ISO dates, plain amounts):
a file with any other value raises `Unusual`, and the caller reads it with pandas instead, so
the two readers can never disagree about an odd value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from liushou.findings import Finding, finding
from liushou.load.yamlsource import detect_encoding
from liushou.logspec import (
    EVERYONE,
    FREE_TEXT,
    LOGS,
    LogSpec,
    NeedsPandas,
    canonical_header,
)

# pandas reads cells of any length; the exact reader must too (the csv default is 128 KiB).
csv.field_size_limit(1 << 30)

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})")
# Inside this range pandas' datetime64 and Python's datetime agree on every valid date.
_YEARS = range(1900, 2200)


# The file holds a value in a form only the pandas reader handles (an Excel-style date).
Unusual = NeedsPandas


@dataclass
class Table:
    """A log as plain columns: text cells, dates as datetime (None when empty or unreadable),
    amounts as float, and `_line`, each row's line in the file."""

    columns: dict[str, list] = field(default_factory=dict)

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __getitem__(self, name: str) -> list:
        return self.columns[name]

    def __len__(self) -> int:
        return len(self.columns.get("_line", ()))


@dataclass
class LoadedTable:
    """A parsed small log: `frame` is None when the file could not be used at all."""

    frame: Table | None
    findings: list[Finding]
    header: tuple[str, ...] = ()


def may_have_padding(data: bytes, encoding: str) -> bool:
    """Whether some cell may start or end with white space that str.strip() removes.

    ASCII white space must stand beside a comma, quote or line break; the full-width space
    (U+3000, common from Chinese input methods), the no-break space and NEL count wherever they
    are. A false alarm only costs the time of stripping; a miss cannot happen.
    """
    if any(mark in data for mark in _WIDE_SPACES[encoding]):
        return True
    # One C pass classifies every byte (S: white space, E: comma, quote or line break, x:
    # anything else); then a padded cell is an S beside an E, or an S at either end.
    marks = data.translate(_BYTE_CLASS)
    return marks[:1] == b"S" or marks[-1:] == b"S" or b"SE" in marks or b"ES" in marks


_BYTE_CLASS = bytes(
    ord("S")
    if byte in b" \t\x0b\x0c\x1c\x1d\x1e\x1f"
    else ord("E")
    if byte in b',"\r\n'
    else ord("x")
    for byte in range(256)
)
# The wide spaces str.strip() removes, as each encoding writes them (U+3000, U+00A0, U+0085)
_WIDE_SPACES = {
    "utf-8-sig": tuple(ch.encode("utf-8") for ch in "\u3000\xa0\x85"),
    "gb18030": tuple(ch.encode("gb18030") for ch in "\u3000\xa0\x85"),
}


def ends_in_open_quote(text: str, line: int) -> bool:
    """Whether the row starting at `line` opens a quoted cell that the file never closes.

    A quote inside an unquoted cell (他说"好) is ordinary text; only a strict reading of the
    last row can tell the two apart.
    """
    rest = "\n".join(text.split("\n")[line - 1 :])
    try:
        for _ in csv.reader(io.StringIO(rest, newline=""), strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def read_columns(
    text: str, file: str, findings: list[Finding]
) -> tuple[list[str], int, list[list[str]], list[int]] | None:
    """Parse with the csv module, tracking each row's first line (quoted line breaks allowed).

    Returns:
        (header, header line, one list of cells per header column, each row's first line), or
        None when the file has no header or is not CSV (the finding is appended).
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            findings.append(finding("LS006", file, 1))
            return None
        header_line = reader.line_num
        header = canonical_header(header)
        width = len(header)
        # Cells go straight into per-column lists: a list of rows would double peak memory.
        columns: list[list[str]] = [[] for _ in range(width)]
        lines: list[int] = []
        previous = reader.line_num
        for row in reader:
            start, previous = previous + 1, reader.line_num
            if len(row) > width:
                if any(cell.strip() for cell in row[width:]):
                    findings.append(
                        finding(
                            "LS009",
                            file,
                            start,
                            detail=(
                                f"本行有 {len(row)} 列，比表头的 {width} 列多（文本中的逗号需要加引号）"
                            ),
                        )
                    )
                    continue
                row = row[:width]  # Excel pads rows with empty cells past the header
            elif len(row) < width:
                row = row + [""] * (width - len(row))
            for column, cell in zip(columns, row):
                column.append(cell)
            lines.append(start)
    except csv.Error as exc:
        findings.append(finding("LS009", file, reader.line_num, detail=f"CSV 格式错误：{exc}"))
        return None
    if lines and text.count('"') % 2 and ends_in_open_quote(text, lines[-1]):
        # An opening quote never closed: the lenient reader ran the rest of the file into the
        # last row's cell. Say where it starts instead of losing those rows without a word.
        findings.append(
            finding(
                "LS009",
                file,
                lines[-1],
                detail="引号没有闭合：从这一行起到文件末尾的内容被读成了一个单元格，请补上右引号",
            )
        )
        for column in columns:
            column.pop()
        lines.pop()
    return header, header_line, columns, lines


def header_usable(
    header: list[str], header_line: int, spec: LogSpec, file: str, findings: list[Finding]
) -> bool:
    """LS011 for a repeated column, LS010 for each missing required one; False if any."""
    seen, usable = set(), True
    for index, column in enumerate(header):
        if column in seen and column:
            findings.append(finding("LS011", file, header_line, index + 1, column=column))
            usable = False
        seen.add(column)
    for column in spec.required:
        if column not in header:
            required = "、".join(spec.required)
            findings.append(finding("LS010", file, header_line, column=column, required=required))
            usable = False
    return usable


def read_small_log(data: bytes, name: str, file: str, keep: tuple[str, ...] = ()) -> LoadedTable:
    """Parse and check one log file as logs.read_log does, into a Table.

    Raises:
        Unusual: a date, time or amount is in a form this reader leaves to pandas.
    """
    spec = LOGS[name]
    findings: list[Finding] = []
    encoding = detect_encoding(data, file, findings)
    if encoding is None:
        return LoadedTable(None, findings)
    read = read_columns(data.decode(encoding), file, findings)
    if read is None:
        return LoadedTable(None, findings)
    header, header_line, cells, lines = read
    if not header_usable(header, header_line, spec, file, findings):
        return LoadedTable(None, findings, tuple(header))
    columns = {header[i]: cells[i] for i, column in enumerate(header) if column}
    if may_have_padding(data, encoding):
        for column, values in columns.items():
            if column not in FREE_TEXT:
                columns[column] = [v.strip() for v in values]
    names = list(columns)
    first, others = columns[names[0]], [columns[c] for c in names[1:]]
    kept = [
        i
        for i in range(len(lines))
        if first[i] != "" or any(values[i].strip() != "" for values in others)
    ]
    if len(kept) != len(lines):  # rows of empty cells, as Excel leaves below a table
        columns = {c: [values[i] for i in kept] for c, values in columns.items()}
        lines = [lines[i] for i in kept]
    columns["_line"] = lines
    table = Table(columns)
    _check_table(table, spec, file, header, findings)
    for column in names:
        if column not in spec.required and column not in keep:
            if column in FREE_TEXT or column not in spec.columns:
                del columns[column]
    return LoadedTable(table, findings, tuple(header))


def _check_table(
    table: Table, spec: LogSpec, file: str, header: list[str], findings: list[Finding]
) -> None:
    """The single-file checks of logs._check_frame, row by row."""
    column_no = {col: i + 1 for i, col in enumerate(header)}
    lines = table["_line"]

    def per_row(mask: list[bool], code: str, at: str, **values: object) -> None:
        for line, hit in zip(lines, mask):
            if hit:
                findings.append(finding(code, file, line, column_no.get(at), **values))

    content = [table[c] for c in header if c]
    first_line: dict[tuple[str, ...], int] = {}
    for line, row in zip(lines, zip(*content)):
        earlier = first_line.setdefault(row, line)
        if earlier != line:
            findings.append(finding("LS305", file, line, first=earlier))
    for column in spec.required:
        per_row([v == "" for v in table[column]], "LS401", column, column=column)
    for column, allowed in spec.enums:
        if column not in table:  # an optional enumerated column the file does not have
            continue
        bad = [v != "" and v not in allowed for v in table[column]]
        per_row(bad, "LS404", column, column=column, allowed=" | ".join(allowed))
    for column in spec.dates + spec.datetimes:
        if column not in table:
            continue
        with_time = column in spec.datetimes
        parsed = [_parse_date(v, with_time) for v in table[column]]
        bad = [p is _BAD for p in parsed]
        expected = "YYYY-MM-DD HH:MM" if with_time else "YYYY-MM-DD"
        per_row(bad, "LS402", column, column=column, expected=expected)
        table.columns[column] = [None if p is _BAD else p for p in parsed]
    for rule in spec.rules:
        if rule.rows is None:  # a rule written for frames only
            raise Unusual(rule.frame.__name__)
        for mask, code, column, values in rule.rows(table, spec):
            per_row(mask, code, column, **values)


_BAD = object()  # a non-empty date cell that no accepted form reads


def _parse_date(text: str, with_time: bool) -> dt.datetime | None | object:
    """A cell as a datetime, None when empty, _BAD when a plain ISO form names no real day.

    Raises:
        Unusual: any other form (Excel-style 2015/9/1, 8:30 without the leading zero).
    """
    if text == "":
        return None
    match = (_DATETIME if with_time else _DATE).fullmatch(text)
    if match is None or int(match[1]) not in _YEARS:
        raise Unusual(text)
    try:
        return dt.datetime(*map(int, match.groups()))
    except ValueError:
        return _BAD


def ids_of(spec: LogSpec, table: Table) -> list[tuple[int, str]]:
    """(row's line, child id) for every id the rows name, as LogSpec.ids_of does for frames."""
    lines = table["_line"]
    if spec.child_ids is None:
        return list(zip(lines, table[spec.id_column]))
    if spec.id_column != "participants":
        raise Unusual(spec.id_column)
    out = []
    for line, cell in zip(lines, table["participants"]):
        for part in cell.replace("；", ";").split(";"):
            part = part.strip()
            if part and part != EVERYONE:
                out.append((line, part))
    return out
