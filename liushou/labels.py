"""How grades, classes and days are named to people: 三年级, 三年级（2）班, the key "3-2", and
the --today option's date."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

GRADE_NAMES = (
    "学前",
    "一年级",
    "二年级",
    "三年级",
    "四年级",
    "五年级",
    "六年级",
    "初一",
    "初二",
    "初三",
)

_CLASS_KEY = re.compile(r"^\s*(\d+)\s*(?:-|－|年级)\s*(\d+)\s*班?\s*$")


PRESCHOOL_FOLDER = "学前班"


def grade_folder(grade: int) -> str:
    """The folder `new` keeps a grade's records in: 学前班 for 0, else "3年级"."""
    return PRESCHOOL_FOLDER if grade == 0 else f"{grade}年级"


def grade_label(grade: Any) -> str:
    """3 (or "3") -> "三年级", 7 -> "初一"; a grade outside 0..9 as written, None as ""."""
    if isinstance(grade, str) and grade.isdigit():
        grade = int(grade)
    if isinstance(grade, int) and not isinstance(grade, bool) and 0 <= grade < len(GRADE_NAMES):
        return GRADE_NAMES[grade]
    return "" if grade is None else str(grade)


def class_label(grade: Any, klass: Any) -> str:
    """(3, 2) -> "三年级（2）班", or what is known of it."""
    return grade_label(grade) + (f"（{klass}）班" if klass is not None else "")


def class_key_label(key: str) -> str:
    """The key "3-2" used in figures -> "三年级（2）班"."""
    grade, _, klass = key.partition("-")
    return class_label(grade, klass or None)


def parse_class_key(text: str) -> tuple[int, int]:
    """ "3-2" (or "3年级2班") -> (3, 2).

    Raises:
        ValueError: the text names no class; the message is in Chinese.
    """
    match = _CLASS_KEY.match(text or "")
    if not match:
        raise ValueError(f"班级应写成“年级-班”，例如 3-2 表示三年级（2）班，而不是“{text}”")
    return int(match[1]), int(match[2])


def zh_date(day: Any, year: bool = True) -> str:
    """2015-09-01 -> "2015年9月1日" (or "9月1日"); a datetime's time of day is left out."""
    text = f"{day.month}月{day.day}日"
    return f"{day.year}年{text}" if year else text


# Terms around a date reach a year either side; dates near the calendar's ends would fail.
TODAY_RANGE = (dt.date(1900, 1, 1), dt.date(2999, 12, 31))


class DayOutOfRange(ValueError):
    """A --today that is a date, but outside TODAY_RANGE."""


def parse_today(value: str) -> dt.date:
    """The day --today names.

    Raises:
        ValueError: not written YYYY-MM-DD (DayOutOfRange: outside TODAY_RANGE); the message
            is Chinese.
    """
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("日期应写成 YYYY-MM-DD，例如 2016-01-20") from None
    if not TODAY_RANGE[0] <= day <= TODAY_RANGE[1]:
        raise DayOutOfRange(f"日期超出可用范围（{TODAY_RANGE[0]} 至 {TODAY_RANGE[1]}）")
    return day
