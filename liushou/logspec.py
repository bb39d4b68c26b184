"""The table of logs (logs/*.csv): one row per log says everything every stage needs to know.

Adding a log is adding a `LogSpec` to LOGS (plus its tests): the loader finds the file by name,
the reader checks columns and enumerations and runs the row rules, the cross-file checks read
`child_ids` and `care`, and the figures count rows by `main_date`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported only by the stages that read or count rows
    import pandas as pd

_AMOUNT = re.compile(r"(-?)\d{1,12}(?:\.\d{1,6})?")


class NeedsPandas(Exception):
    """A value in a form only the pandas reader handles (an Excel-style date, 1e3 yuan): the
    small-file reader hands such a file to it."""


@dataclass(frozen=True)
class RowRule:
    """A check of each row of a log, for both readers: `frame(frame, spec)` on a DataFrame, and
    `rows(table, spec)` the same check on plain columns (None: a file with this rule is read with
    pandas). Each returns [(mask of offending rows, code, column, message values)] and may
    convert its column in place (amount to numbers)."""

    frame: Callable[..., list]
    rows: Callable[..., list] | None = None


EVERYONE = "全体"  # participants of an activity for every child in care that day

# Chinese header names (data-format §4, the `import log` table of §10) -> the column they mean. A log's
# header is read through this table, so 日期,学号,教师 is the same file as date,child_id,staff;
# each column keeps its place, so findings still name the file's real column numbers.
HEADER_ALIASES: dict[str, str] = {
    "日期": "date",
    "学号": "child_id",
    "编号": "child_id",
    "教师": "staff",
    "谈心教师": "staff",
    "家访教师": "staff",
    "联系人": "staff",
    "对象": "with",
    "方式": "channel",
    "内容": "summary",
    "情况": "summary",
    "摘要": "summary",
    "活动名称": "title",
    "类别": "kind",
    "参加对象": "participants",
    "结果": "result",
    "金额": "amount",
    "来源": "source",
    "培训内容": "topic",
    "参加人": "attendee",
    "发生时间": "occurred_at",
}


def canonical_header(cells: list[str]) -> list[str]:
    """A log's header cells, stripped, with Chinese names replaced by the columns they mean."""
    return [HEADER_ALIASES.get(cell.strip(), cell.strip()) for cell in cells]


@dataclass(frozen=True)
class LogSpec:
    """One log file: its columns, the values its enumerated columns allow, and its rules."""

    name: str
    title: str  # Chinese name shown to the school (谈心记录)
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    enums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    dates: tuple[str, ...] = ("date",)
    datetimes: tuple[str, ...] = ()
    # Optional free-text columns that no figure or check reads once duplicates are found:
    # dropping them keeps a county's million talk rows in a fraction of the memory.
    free_text: tuple[str, ...] = ("summary",)
    # Records something done for one child while in care: dated inside the child's care window.
    care: bool = False
    # Rows counted per term in the report's detail (谈心 n 人次 …).
    counted: bool = False
    rules: tuple[RowRule, ...] = ()
    # The column naming the children a row concerns, and how to read it: (frame) -> Series of
    # ids indexed by the row's index (None: the column holds one id).
    id_column: str = "child_id"
    child_ids: Callable[[pd.DataFrame], pd.Series] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    @property
    def main_date(self) -> str:
        """The date a standard counts by and that may not lie in the future."""
        return (self.dates or self.datetimes)[0]

    @property
    def per_child(self) -> bool:
        """Whether each row concerns one child (so a care standard may count it)."""
        return "child_id" in self.required

    def allowed(self, column: str) -> tuple[str, ...]:
        """The values an enumerated column allows (empty for a free column)."""
        return dict(self.enums).get(column, ())

    def ids_of(self, frame: pd.DataFrame) -> pd.Series:
        """The child ids the rows of `frame` name, indexed by row (one row may name several)."""
        if self.child_ids is not None:
            return self.child_ids(frame)
        return frame[self.id_column]


def _participants(frame: pd.DataFrame) -> pd.Series:
    """The named activity participants, one per entry, indexed by the activity's row."""
    parts = frame["participants"].str.replace("；", ";").str.split(";").explode().str.strip()
    return parts[parts.notna() & (parts != "") & (parts != EVERYONE)]


def _amount_not_negative(frame: pd.DataFrame, spec: LogSpec) -> list:
    """LS405: an amount is a number of yuan ≥ 0; the column becomes numbers."""
    import pandas as pd

    if "amount" not in frame:
        return []
    amount = pd.to_numeric(frame["amount"].where(frame["amount"] != ""), errors="coerce")
    bad = (frame["amount"] != "") & ~(amount >= 0)
    frame["amount"] = amount
    return [(bad, "LS405", "amount", {})]


def _notified_after_occurrence(frame: pd.DataFrame, spec: LogSpec) -> list:
    """LS406: every notified/reported time is at or after the time the incident occurred."""
    first = spec.datetimes[0]
    return [
        (frame[column] < frame[first], "LS406", column, {"column": column})
        for column in spec.datetimes[1:]
        if column in frame
    ]


# Incidents a school must report to the authorities at once (强制报告, 未成年人保护法 art. 11).
MANDATORY_REPORT_KINDS = ("走失", "侵害")
INCIDENT_KINDS = ("意外伤害", "疾病", "走失", "欺凌", "侵害", "其他")
RETURN_ACTIONS = ("电话劝返", "家访劝返", "书面报告", "复学")
RETURNED = "复学"  # the returns.csv action that ends a dropout's return efforts


def _mandatory_report(frame: pd.DataFrame, spec: LogSpec) -> list:
    """LS407: a 走失 or 侵害 incident must carry the time it was reported (reported_at)."""
    if "kind" not in frame:
        return []
    mandatory = frame["kind"].isin(MANDATORY_REPORT_KINDS)
    unreported = frame["reported_at"].isna() if "reported_at" in frame else mandatory
    at = "reported_at" if "reported_at" in frame else "kind"
    return [
        (mandatory & unreported & (frame["kind"] == kind), "LS407", at, {"kind": kind})
        for kind in MANDATORY_REPORT_KINDS
    ]


def _amount_not_negative_rows(table, spec: LogSpec) -> list:
    """LS405 as logspec's rule: an amount is a number of yuan ≥ 0; the column becomes floats."""
    if "amount" not in table:
        return []
    amounts: list[float | None] = []
    bad = []
    for text in table["amount"]:
        if text == "":
            amounts.append(None)
            bad.append(False)
            continue
        match = _AMOUNT.fullmatch(text)
        if match is None:
            raise NeedsPandas(text)
        amounts.append(float(text))
        bad.append(bool(match[1]) and float(text) != 0)
    table.columns["amount"] = amounts
    return [(bad, "LS405", "amount", {})]


def _notified_after_occurrence_rows(table, spec: LogSpec) -> list:
    """LS406 as logspec's rule: every notified/reported time is at or after the occurrence."""
    first = table[spec.datetimes[0]]
    return [
        (
            [a is not None and b is not None and a < b for a, b in zip(table[column], first)],
            "LS406",
            column,
            {"column": column},
        )
        for column in spec.datetimes[1:]
        if column in table
    ]


def _mandatory_report_rows(table, spec: LogSpec) -> list:
    """LS407 as logspec's rule: a 走失 or 侵害 incident must carry its reported_at."""
    if "kind" not in table:
        return []
    kinds = table["kind"]
    reported = table["reported_at"] if "reported_at" in table else [None] * len(kinds)
    at = "reported_at" if "reported_at" in table else "kind"
    return [
        ([k == kind and r is None for k, r in zip(kinds, reported)], "LS407", at, {"kind": kind})
        for kind in MANDATORY_REPORT_KINDS
    ]


LOGS: dict[str, LogSpec] = {
    spec.name: spec
    for spec in (
        LogSpec(
            "talks",
            "谈心记录",
            ("date", "child_id", "staff"),
            ("summary", "follow_up"),
            free_text=("summary", "follow_up"),
            care=True,
            counted=True,
        ),
        LogSpec(
            "visits",
            "家访记录",
            ("date", "child_id", "staff"),
            ("summary",),
            care=True,
            counted=True,
        ),
        LogSpec(
            "contacts",
            "家校联系记录",
            ("date", "child_id", "staff", "with", "channel"),
            ("summary",),
            enums=(
                ("with", ("父母", "监护人")),
                ("channel", ("电话", "视频", "微信", "书信", "面谈")),
            ),
            care=True,
            counted=True,
        ),
        LogSpec(
            "activities",
            "关爱活动记录",
            ("date", "title", "kind", "participants"),
            ("summary",),
            enums=(
                (
                    "kind",
                    ("主题班会", "心理健康课", "节日活动", "文体活动", "法制安全教育", "其他"),
                ),
            ),
            id_column="participants",
            child_ids=_participants,
        ),
        LogSpec(
            "health",
            "体检与免疫记录",
            ("date", "child_id", "kind"),
            ("result",),
            enums=(("kind", ("体检", "免疫接种")),),
            free_text=("result",),
            counted=True,
        ),
        LogSpec(
            "aid",
            "资助记录",
            ("date", "child_id", "kind"),
            ("amount", "source"),
            enums=(("kind", ("物质资助", "助学金", "保险", "其他")),),
            free_text=("source",),
            counted=True,
            rules=(RowRule(_amount_not_negative, _amount_not_negative_rows),),
        ),
        LogSpec(
            "trainings",
            "监护人培训记录",
            ("date", "child_id", "topic"),
            ("attendee",),
            free_text=("attendee",),
            care=True,
            counted=True,
        ),
        LogSpec(
            "incidents",
            "突发事件记录",
            ("occurred_at", "child_id", "summary"),
            ("guardian_notified_at", "parents_notified_at", "reported_at", "kind"),
            enums=(("kind", INCIDENT_KINDS),),
            dates=(),
            datetimes=("occurred_at", "guardian_notified_at", "parents_notified_at", "reported_at"),
            free_text=(),
            care=True,
            rules=(
                RowRule(_notified_after_occurrence, _notified_after_occurrence_rows),
                RowRule(_mandatory_report, _mandatory_report_rows),
            ),
        ),
        # 劝返记录 (控辍保学): efforts to bring a dropout back, dated after the child left, so
        # not a care log (care=False: LS306 would flag every row).
        LogSpec(
            "returns",
            "劝返记录",
            ("date", "child_id", "staff", "action"),
            ("summary",),
            enums=(("action", RETURN_ACTIONS),),
        ),
    )
}

LOG_NAMES = tuple(LOGS)

# Every free-text column of any log: never shown in a check's excerpt.
FREE_TEXT = tuple(dict.fromkeys(c for spec in LOGS.values() for c in spec.free_text))
