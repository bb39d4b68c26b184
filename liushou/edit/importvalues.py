"""Turn spreadsheet cells into record values: dates, grades, classes, yes/no, phones, ID numbers."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from liushou.edit.sheets import excel_serial_date, header_key
from liushou.load.schema import ID_NUMBER, ID_PATTERN, LANDLINE, MOBILE, id_check_digit


class CellError(Exception):
    """A cell whose value cannot be imported; the message (Chinese) never repeats the value."""


_DATE = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*[T\s]\s*(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?:\s*[:：]\s*\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SCIENTIFIC = re.compile(r"^\d+(?:\.\d+)?[eE]\+?\d+$")
_DIGITS = "零一二三四五六七八九"
_DATE_HINT = "应写成 2015-09-01、2015/9/1、2015.9.1 或 2015年9月1日"


def is_empty(cell: Any) -> bool:
    """Whether a cell holds nothing (None, or only white space)."""
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _number(cell: Any) -> bool:
    return isinstance(cell, (int, float)) and not isinstance(cell, bool)


def parse_datetime(cell: Any) -> dt.datetime:
    """A date or date and time in any form data-format §10 allows, as a datetime (midnight if no time).

    Excel date cells, Excel serial numbers, YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日 and
    YYYYMMDD, each optionally followed by H:MM.

    Raises:
        CellError: the value is not a readable date.
    """
    if isinstance(cell, dt.datetime):
        return cell.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(cell, dt.date):
        return dt.datetime(cell.year, cell.month, cell.day)
    if _number(cell):
        day = excel_serial_date(cell)
        if day is not None and cell == int(cell):
            return dt.datetime(day.year, day.month, day.day)
        if day is not None:
            minutes = round((cell - int(cell)) * 24 * 60)
            return dt.datetime(day.year, day.month, day.day) + dt.timedelta(minutes=minutes)
        cell = str(int(cell)) if cell == int(cell) else str(cell)
    if isinstance(cell, str) and cell.strip():
        text = cell.strip().replace("／", "/").replace("－", "-").replace("．", ".")
        match = _DATE.match(text) or _COMPACT_DATE.match(text)
        if match:
            parts = match.groupdict() if match.re is _DATE else {}
            year, month, day = (int(g) for g in match.groups()[:3])
            hour = int(parts.get("H") or 0)
            minute = int(parts.get("M") or 0)
            try:
                return dt.datetime(year, month, day, hour, minute)
            except ValueError:
                pass
    raise CellError(f"无法识别的日期，{_DATE_HINT}")


def parse_date(cell: Any) -> dt.date:
    """A date in any form data-format §10 allows (a time part is dropped). Raises CellError."""
    return parse_datetime(cell).date()


def _chinese_number(text: str) -> int | None:
    """一 … 九十九 as an int, or None."""
    if not text or any(ch not in _DIGITS + "十" for ch in text):
        return None
    if "十" not in text:
        return int("".join(str(_DIGITS.index(ch)) for ch in text)) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return (_DIGITS.index(tens) if tens else 1) * 10 + (_DIGITS.index(ones) if ones else 0)


def _small_number(text: str) -> int | None:
    return int(text) if text.isdigit() else _chinese_number(text)


_GRADE_TEXT = re.compile(
    r"^(?:(?P<junior>初)(?:中)?(?P<j>[一二三123])(?:年级)?|(?P<n>\d|[一二三四五六七八九])(?:年级)?)$"
)


def parse_grade(cell: Any) -> int:
    """一年级…九年级, 初一…初三 (7–9), 学前班 (0) or a number 0–9. Raises CellError."""
    if _number(cell):
        if cell == int(cell) and 0 <= cell <= 9:
            return int(cell)
        raise CellError("年级应为 0（学前）到 9 之间的数，或“三年级”“初一”“学前班”")
    text = header_key(cell)
    if text in ("学前班", "学前", "幼儿班"):
        return 0
    match = _GRADE_TEXT.match(text)
    if match:
        if match["junior"]:
            return 6 + int(_small_number(match["j"]) or 0)
        return int(_small_number(match["n"]) or 0)
    raise CellError("无法识别的年级，应写成“三年级”“初一”“学前班”或 0–9 的数字")


_CLASS_TEXT = re.compile(
    r"^(?P<grade>学前班?|初中?[一二三123]|(?:\d|[一二三四五六七八九])年级)?"
    r"\(?(?P<cls>\d{1,3}|[一二三四五六七八九十]{1,3})\)?班?$"
)
_CLASS_PAIR = re.compile(r"^(?P<grade>\d)[-.](?P<cls>\d{1,3})班?$")


def parse_class(cell: Any) -> tuple[int | None, int]:
    """A class as (grade or None, class): 2, 2班, 三年级（2）班, 3年级2班, 初一(3)班, 3-2.

    Raises:
        CellError: the value is not a class, or the class is below 1.
    """
    if _number(cell):
        if cell == int(cell) and cell >= 1:
            return None, int(cell)
        raise CellError("班级应为不小于 1 的整数，或写成“2班”“三年级（2）班”")
    text = header_key(cell)
    match = _CLASS_TEXT.match(text) or _CLASS_PAIR.match(text)
    if match and text:
        klass = _small_number(match["cls"])
        grade = parse_grade(match["grade"]) if match["grade"] else None
        if klass is not None and klass >= 1:
            return grade, klass
    raise CellError("无法识别的班级，应写成 2、2班 或 三年级（2）班")


_YES = {"是", "√", "✓", "y", "yes", "true", "1", "有"}
_NO = {"否", "×", "✗", "n", "no", "false", "0", "无", "不"}


def parse_bool(cell: Any) -> bool:
    """是/否 (also √/×, Y/N, 1/0, true/false). Raises CellError."""
    if isinstance(cell, bool):
        return cell
    if _number(cell) and cell in (0, 1):
        return bool(cell)
    text = header_key(cell).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError("应填“是”或“否”")


_SPLIT = re.compile(r"[、，,;；/\s\u3000]+")


def split_interests(cell: Any) -> list[str]:
    """Interests split on 、，,;；/ and spaces, empty parts dropped."""
    return [part for part in _SPLIT.split(cell_text(cell)) if part]


def cell_text(cell: Any) -> str:
    """A cell as stripped text: whole numbers without ".0", dates as YYYY-MM-DD."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, float) and cell == int(cell):
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return (
            cell.date().isoformat() if cell.time() == dt.time() else cell.strftime("%Y-%m-%d %H:%M")
        )
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell).strip()


def parse_phone(cell: Any) -> str:
    """A phone as text; a mobile stored by Excel as a number is taken as its 11 digits.

    Raises:
        CellError: a landline stored as a number (its leading 0 is lost), or not a phone.
    """
    if _number(cell) or (isinstance(cell, str) and _SCIENTIFIC.match(cell.strip())):
        number = float(cell) if isinstance(cell, str) else cell
        digits = str(int(number)) if number == int(number) else ""
        if MOBILE.match(digits):
            return digits
        if 9 <= len(digits) <= 11:
            raise CellError(
                "座机号被 Excel 存成了数字，开头的 0 已经丢失：请把该列设为文本格式，"
                "按“区号-号码”重新填写"
            )
        raise CellError("电话被存成了数字且不是 11 位手机号：请把该列设为文本格式后重新填写")
    text = re.sub(r"[\s\u3000]", "", cell_text(cell)).replace("－", "-").replace("—", "-")
    if MOBILE.match(text) or LANDLINE.match(text):
        return text
    raise CellError("电话格式不对：应为 11 位手机号或带区号的座机号（如 0839-5371785）")


def parse_id_number(cell: Any) -> str:
    """An 18-character resident ID number, checked against its check digit.

    Raises:
        CellError: stored as a number (Excel keeps only 15 significant digits, so the last
            digits are lost), not 18 characters, or a wrong check digit.
    """
    if _number(cell) or (isinstance(cell, str) and _SCIENTIFIC.match(cell.strip())):
        raise CellError(
            "身份证号被 Excel 存成了数字：Excel 只保留 15 位有效数字，最后几位已经丢失，"
            "无法还原；请把该列设为文本格式，照证件重新填写"
        )
    text = re.sub(r"[\s\u3000]", "", cell_text(cell)).upper()
    if not ID_NUMBER.match(text):
        raise CellError("身份证号应为 18 位（17 位数字加数字或 X）")
    if text[17] != id_check_digit(text[:17]):
        raise CellError("身份证号的校验码不对，请核对是否抄错")
    return text


def parse_id(cell: Any) -> str:
    """A 学号 as a record id (a number stored by Excel becomes its digits). Raises CellError."""
    text = cell_text(cell)
    if not ID_PATTERN.match(text):
        raise CellError("学号只能包含字母、数字、- 和 _")
    return text


def parse_age(cell: Any) -> int:
    """An age such as 63 or 63岁. Raises CellError."""
    text = cell_text(cell).removesuffix("岁").strip()
    if text.isdigit() and 0 < int(text) < 130:
        return int(text)
    raise CellError("年龄应为合理的整数（如 63）")


def parse_enum(cell: Any, allowed: tuple[str, ...]) -> str:
    """One of `allowed`, spaces ignored. Raises CellError naming the allowed values."""
    text = header_key(cell_text(cell))
    if text in allowed:
        return text
    raise CellError(f"“{cell_text(cell)}”不在允许范围内，应为：{' | '.join(allowed)}")
