"""How grades and classes are named to people: 三年级, 三年级（2）班, and the key "3-2"."""

from __future__ import annotations

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
