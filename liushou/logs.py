"""Read one CSV log (SPEC §4) into a DataFrame and run the checks that need only that file."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pandas as pd

from .findings import Finding, finding
from .yamlsource import decode


@dataclass(frozen=True)
class LogSpec:
    """The columns of one log file and the values its enumerated columns allow."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    enums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    dates: tuple[str, ...] = ("date",)
    datetimes: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


LOG_SPECS: dict[str, LogSpec] = {
    "talks": LogSpec(("date", "child_id", "staff"), ("summary", "follow_up")),
    "visits": LogSpec(("date", "child_id", "staff"), ("summary",)),
    "contacts": LogSpec(
        ("date", "child_id", "staff", "with", "channel"),
        ("summary",),
        enums=(("with", ("父母", "监护人")), ("channel", ("电话", "视频", "微信", "书信", "面谈"))),
    ),
    "activities": LogSpec(
        ("date", "title", "kind", "participants"),
        ("summary",),
        enums=(
            ("kind", ("主题班会", "心理健康课", "节日活动", "文体活动", "法制安全教育", "其他")),
        ),
    ),
    "health": LogSpec(
        ("date", "child_id", "kind"), ("result",), enums=(("kind", ("体检", "免疫接种")),)
    ),
    "aid": LogSpec(
        ("date", "child_id", "kind"),
        ("amount", "source"),
        enums=(("kind", ("物质资助", "助学金", "保险", "其他")),),
    ),
    "trainings": LogSpec(("date", "child_id", "topic"), ("attendee",)),
    "incidents": LogSpec(
        ("occurred_at", "child_id", "summary"),
        ("guardian_notified_at", "parents_notified_at", "reported_at"),
        dates=(),
        datetimes=("occurred_at", "guardian_notified_at", "parents_notified_at", "reported_at"),
    ),
}

# Each log's main date: the one a standard counts by and the one that may not lie in the future.
MAIN_DATE = {name: (spec.dates or spec.datetimes)[0] for name, spec in LOG_SPECS.items()}

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


def read_log(data: bytes, name: str, file: str) -> LoadedLog:
    """Parse and check one log file.

    Args:
        data: the file's bytes.
        name: the log's name, a key of LOG_SPECS ("talks").
        file: its path relative to the repository root.

    Returns:
        A LoadedLog whose frame has every column as stripped text, the date columns parsed to
        datetime64 (NaT where empty or unreadable) and `_line`, the row's line in the file.
    """
    spec = LOG_SPECS[name]
    findings: list[Finding] = []
    text = decode(data, file, findings)
    if text is None:
        return LoadedLog(None, findings)
    del text  # only the check that it decodes was needed; stream the rows instead
    encoding = "gb18030" if any(f.code == "LS008" for f in findings) else "utf-8-sig"
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            findings.append(finding("LS006", file, 1))
            return LoadedLog(None, findings)
        header_line = reader.line_num
        header = [cell.strip().lstrip("\ufeff") for cell in header]
        width = len(header)
        # Cells go straight into per-column lists: a list of rows would double peak memory.
        columns: list[list[str]] = [[] for _ in range(width)]
        lines: list[int] = []
        previous = reader.line_num
        for row in reader:
            start, previous = previous + 1, reader.line_num
            if len(row) != width:
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) > width and not any(cell.strip() for cell in row[width:]):
                    row = row[:width]  # Excel pads rows with empty cells past the header
                elif len(row) > width:
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
                else:
                    row = row + [""] * (width - len(row))
            for column, cell in zip(columns, row):
                column.append(cell)
            lines.append(start)
    except csv.Error as exc:
        findings.append(finding("LS009", file, reader.line_num, detail=f"CSV 格式错误：{exc}"))
        return LoadedLog(None, findings)
    seen = set()
    for index, column in enumerate(header):
        if column in seen and column:
            findings.append(finding("LS011", file, header_line, index + 1, column=column))
        seen.add(column)
    missing = [c for c in spec.required if c not in header]
    for column in missing:
        findings.append(
            finding("LS010", file, header_line, column=column, required="、".join(spec.required))
        )
    if missing or len(seen) != len(header):
        return LoadedLog(None, findings, tuple(header))
    frame = pd.DataFrame(
        {col: pd.Series(values, dtype=object).str.strip() for col, values in zip(header, columns)}
    )
    frame["_line"] = pd.Series(lines, dtype="int64")
    _check_frame(frame, spec, file, header, findings)
    return LoadedLog(frame, findings, tuple(header))


def _check_frame(
    frame: pd.DataFrame, spec: LogSpec, file: str, header: list[str], findings: list[Finding]
) -> None:
    column_no = {col: i + 1 for i, col in enumerate(header)}

    def per_row(mask: pd.Series, code: str, at: str, **values: object) -> None:
        for line in frame.loc[mask, "_line"].tolist():
            findings.append(finding(code, file, line, column_no.get(at), **values))

    content = [c for c in header]
    duplicated = frame.duplicated(subset=content, keep="first")
    if duplicated.any():
        first = frame.groupby(content, sort=False, dropna=False)["_line"].transform("first")
        for line, first_line in zip(frame.loc[duplicated, "_line"], first[duplicated]):
            findings.append(finding("LS305", file, int(line), first=int(first_line)))
    for column in spec.required:
        per_row(frame[column] == "", "LS401", column, column=column)
    for column, allowed in spec.enums:
        bad = (frame[column] != "") & ~frame[column].isin(allowed)
        per_row(bad, "LS404", column, column=column, allowed=" | ".join(allowed))
    for column in spec.dates + spec.datetimes:
        if column not in frame:
            continue
        with_time = column in spec.datetimes
        parsed, excel, bad = parse_dates(frame[column], with_time)
        expected = "YYYY-MM-DD HH:MM" if with_time else "YYYY-MM-DD"
        per_row(bad, "LS402", column, column=column, expected=expected)
        if excel.any():
            line = int(frame.loc[excel, "_line"].iloc[0])
            example = "2015/9/1 8:30" if with_time else "2015/9/1"
            findings.append(
                finding("LS403", file, line, column_no[column], column=column, example=example)
            )
        frame[column] = parsed
    if "amount" in frame:
        amount = pd.to_numeric(frame["amount"].where(frame["amount"] != ""), errors="coerce")
        bad = (frame["amount"] != "") & ~(amount >= 0)
        per_row(bad, "LS405", "amount")
        frame["amount"] = amount
    for column in spec.datetimes[1:]:
        if column in frame:
            early = frame[column] < frame[spec.datetimes[0]]
            per_row(early, "LS406", column, column=column)


def parse_dates(text: pd.Series, with_time: bool) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse a text column of dates (or datetimes) as SPEC §4 allows.

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
        numbers = parts.fillna(0).astype("int64")
        alt = pd.to_datetime(numbers[["year", "month", "day", "hour", "minute"]], errors="coerce")
        alt = alt.where(ok_shape)
        parsed.loc[alt.index] = alt
        excel.loc[alt.index] = alt.notna()
        rest = parsed.isna() & (text != "")
    return parsed, excel, rest
