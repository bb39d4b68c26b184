"""Read one CSV log (data-format §4) into a DataFrame and run the checks that need only that file."""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass

import pandas as pd

from liushou.findings import Finding, finding
from liushou.load.smalllog import header_usable, may_have_padding, read_columns
from liushou.load.yamlsource import detect_encoding
from liushou.logspec import FREE_TEXT, LOGS, LogSpec, canonical_header

_ALT_DATE = (
    r"^\s*(?P<year>\d{4})\s*[/年.]\s*(?P<month>\d{1,2})\s*[/月.]\s*(?P<day>\d{1,2})\s*日?"
    r"(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::\d{2})?)?\s*$"
)


@dataclass
class LoadedLog:
    """A parsed log: `frame` is None when the file could not be used at all."""

    frame: pd.DataFrame | None
    findings: list[Finding]
    header: tuple[str, ...] = ()


# The csv-module reader and the padding test are shared with the pandas-free reader.
_may_have_padding = may_have_padding


def read_log(data: bytes, name: str, file: str, keep: tuple[str, ...] = ()) -> LoadedLog:
    """Parse and check one log file.

    Args:
        data: the file's bytes.
        name: the log's name, a key of logspec.LOGS ("talks").
        file: its path relative to the repository root.
        keep: free-text or extra columns to keep in the frame (those a standard's `where` names).

    Returns:
        A LoadedLog whose frame has the columns as stripped text (optional free-text and extra
        columns dropped unless in `keep`), the date columns parsed to datetime64 (NaT where
        empty or unreadable) and `_line`, the row's line in the file.
    """
    spec = LOGS[name]
    findings: list[Finding] = []
    encoding = detect_encoding(data, file, findings)
    if encoding is None:
        return LoadedLog(None, findings)
    too_wide = _too_wide(data, file)
    if too_wide is not None:
        return LoadedLog(None, findings + [too_wide])
    table = _read_fast(data, encoding) or _read_exact(data.decode(encoding), file, findings)
    if table is None:
        return LoadedLog(None, findings)
    header, header_line, frame = table
    if not header_usable(header, header_line, spec, file, findings):
        return LoadedLog(None, findings, tuple(header))
    cells = [c for c in frame.columns if c != "_line"]
    if _may_have_padding(data, encoding):
        for column in cells:
            if column not in FREE_TEXT:
                frame[column] = frame[column].str.strip()
    blank = frame[cells[0]] == ""  # rows of empty cells, as Excel leaves below a table
    for column in cells[1:]:
        if not blank.any():
            break
        blank &= frame[column].str.strip() == ""
    if blank.any():
        frame = frame[~blank].reset_index(drop=True)
    _check_frame(frame, spec, file, header, findings)
    drop = [
        c
        for c in frame.columns
        if c != "_line"
        and c not in spec.required
        and c not in keep
        and (c in FREE_TEXT or c not in spec.columns)
    ]
    return LoadedLog(frame.drop(columns=drop), findings, tuple(header))


# A log has a dozen columns; a file with thousands is not a log, and reading it cell by cell
# (every column hashed for duplicates) would take minutes.
MAX_COLUMNS = 200


def _too_wide(data: bytes, file: str) -> Finding | None:
    """LS018 when the header, or rows on average, hold more than MAX_COLUMNS cells.

    Counted in bytes (a comma is one byte in UTF-8 and GB18030 alike), in one C pass each.
    """
    end = data.find(b"\n")
    header = data[: end if end >= 0 else len(data)]
    width = header.count(b",") + 1
    if width <= MAX_COLUMNS:
        lines = data.count(b"\n") + 1
        if data.count(b",") <= MAX_COLUMNS * lines:
            return None
        widths = (line.count(b",") + 1 for line in data.split(b"\n"))
        line, width = next((n, w) for n, w in enumerate(widths, start=1) if w > MAX_COLUMNS)
        return finding(
            "LS009",
            file,
            line,
            detail=f"本行有 {width} 列，超过上限 {MAX_COLUMNS} 列，文件未读取",
        )
    return finding("LS018", file, 1, count=width, limit=MAX_COLUMNS)


def _read_fast(data: bytes, encoding: str) -> tuple[list[str], int, pd.DataFrame] | None:
    """Parse with pandas' C reader when every row is exactly one line, else return None.

    Line numbers are then the row index plus 2. A quoted line break, a blank line, a ragged row
    or an odd header makes the row count differ from the line count (or the reader fail), and
    the exact reader takes over.
    """
    first = data[: data.find(b"\n")] if b"\n" in data else data
    first = first.decode(encoding)
    if '"' in first or data.count(b"\r") != data.count(b"\r\n"):
        return None  # a quoted header, or a lone CR that the row count could not see past
    try:
        header = next(csv.reader([first.rstrip("\r")]), [])
    except csv.Error:
        return None
    header = canonical_header(header)
    if not header or "" in header or len(set(header)) != len(header):
        return None
    try:
        with warnings.catch_warnings():
            # A row longer than the header is only a warning to pandas; here it is a finding.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.BytesIO(data),
                encoding=encoding,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                index_col=False,
                engine="c",
            )
    except (ValueError, pd.errors.ParserError, pd.errors.ParserWarning, csv.Error):
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if len(frame) != lines - 1 or len(frame.columns) != len(header):
        return None
    frame.columns = header
    # Short rows: their missing cells are empty, as in the exact reader.
    if frame.isna().any().any():
        frame = frame.fillna("")
    frame["_line"] = pd.Series(range(2, len(frame) + 2), dtype="int64")
    return header, 1, frame


def _read_exact(
    text: str, file: str, findings: list[Finding]
) -> tuple[list[str], int, pd.DataFrame] | None:
    """Parse with the csv module, tracking each row's first line (quoted line breaks allowed)."""
    read = read_columns(text, file, findings)
    if read is None:
        return None
    header, header_line, columns, lines = read
    named = [i for i, column in enumerate(header) if column]  # Excel's unnamed empty columns
    frame = pd.DataFrame({header[i]: pd.Series(columns[i], dtype=object) for i in named})
    frame["_line"] = pd.Series(lines, dtype="int64")
    return header, header_line, frame


def _check_frame(
    frame: pd.DataFrame, spec: LogSpec, file: str, header: list[str], findings: list[Finding]
) -> None:
    column_no = {col: i + 1 for i, col in enumerate(header)}

    def per_row(mask: pd.Series, code: str, at: str, **values: object) -> None:
        for line in frame.loc[mask, "_line"].tolist():
            findings.append(finding(code, file, line, column_no.get(at), **values))

    content = [c for c in header if c]
    # Hash each row first (one small table instead of one per column), then compare the few
    # rows whose hashes repeat cell by cell, so a hash collision can never invent a duplicate.
    hashes = pd.util.hash_pandas_object(frame[content], index=False)
    candidates = hashes.duplicated(keep=False)
    if candidates.any():
        rows = frame.loc[candidates, [*content, "_line"]]
        repeated = rows.duplicated(subset=content, keep="first")
        first = rows.groupby(content, sort=False, dropna=False)["_line"].transform("first")
        for line, first_line in zip(rows.loc[repeated, "_line"], first[repeated]):
            findings.append(finding("LS305", file, int(line), first=int(first_line)))
    for column in spec.required:
        per_row(frame[column] == "", "LS401", column, column=column)
    for column, allowed in spec.enums:
        if column not in frame:  # an optional enumerated column (incidents' kind) may be absent
            continue
        bad = (frame[column] != "") & ~frame[column].isin(allowed)
        per_row(bad, "LS404", column, column=column, allowed=" | ".join(allowed))
    excel_seen = False  # data-format §4: one warning per file, however many columns
    for column in spec.dates + spec.datetimes:
        if column not in frame:
            continue
        with_time = column in spec.datetimes
        parsed, excel, bad = parse_dates(frame[column], with_time)
        expected = "YYYY-MM-DD HH:MM" if with_time else "YYYY-MM-DD"
        per_row(bad, "LS402", column, column=column, expected=expected)
        if excel.any() and not excel_seen:
            excel_seen = True
            line = int(frame.loc[excel, "_line"].iloc[0])
            # The form actually found (a date, never a personal value: it parsed as one).
            example = str(frame.loc[excel, column].iloc[0]).strip()
            findings.append(
                finding("LS403", file, line, column_no[column], column=column, example=example)
            )
        frame[column] = parsed
    for rule in spec.rules:
        for mask, code, column, values in rule.frame(frame, spec):
            per_row(mask, code, column, **values)


def parse_dates(text: pd.Series, with_time: bool) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse a text column of dates (or datetimes) as data-format §4 allows.

    Returns:
        (parsed datetime64 series, mask of rows written in an Excel/WPS style, mask of rows
        that are non-empty and unreadable).
    """
    fmt = "%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d"
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    rest = parsed.isna() & (text != "")
    excel = pd.Series(False, index=text.index)
    if rest.any():
        parts = text[rest].str.extract(_ALT_DATE)
        has_time = parts["hour"].notna()
        ok_shape = parts["year"].notna() & (has_time == with_time)
        if not with_time:
            ok_shape = parts["year"].notna() & ~has_time
        numbers = parts.fillna("0").astype("int64")
        alt = pd.to_datetime(numbers[["year", "month", "day", "hour", "minute"]], errors="coerce")
        alt = alt.where(ok_shape)
        parsed.loc[alt.index] = alt
        excel.loc[alt.index] = alt.notna()
        rest = parsed.isna() & (text != "")
    return parsed, excel, rest
