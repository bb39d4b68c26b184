"""Property tests of the cell normalisers that `import` uses: dates, grades, classes, phones."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liushou.edit.importvalues import (
    CellError,
    parse_class,
    parse_date,
    parse_datetime,
    parse_grade,
    parse_id_number,
    parse_phone,
    split_interests,
)

CN = "零一二三四五六七八九"
dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31))


def written(day: dt.date, form: int) -> object:
    """A date as a school's sheet may hold it."""
    return [
        day,
        dt.datetime(day.year, day.month, day.day),
        (day - dt.date(1899, 12, 30)).days,  # an Excel serial
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}.{day.month}.{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f" {day.year}/{day.month:02d}/{day.day:02d} 0:00 ",
        day.strftime("%Y%m%d"),
    ][form]


@given(dates, st.integers(0, 8))
def test_every_date_form_reads_back_as_the_same_day(day, form):
    assert parse_date(written(day, form)) == day


@given(st.text(alphabet="年月日/.-0123456789abc ", max_size=12))
def test_dates_never_crash_only_refuse(text):
    try:
        day = parse_date(text)
    except CellError:
        return
    assert isinstance(day, dt.date)


@given(dates, st.integers(0, 23), st.integers(0, 59))
def test_datetimes_keep_their_minute(day, hour, minute):
    moment = dt.datetime(day.year, day.month, day.day, hour, minute)
    assert parse_datetime(f"{day.year}/{day.month}/{day.day} {hour}:{minute:02d}") == moment
    assert parse_datetime(moment) == moment


def grade_forms(grade: int) -> list[object]:
    forms: list[object] = [grade, float(grade), str(grade)]
    if grade == 0:
        return forms + ["学前班", "学前"]
    forms += [f"{CN[grade]}年级", f"{grade}年级"]
    if grade >= 7:
        forms += [f"初{CN[grade - 6]}", f"初中{CN[grade - 6]}"]
    return forms


@given(st.integers(0, 9), st.data())
def test_every_grade_form_reads_back(grade, data):
    assert parse_grade(data.draw(st.sampled_from(grade_forms(grade)))) == grade


@given(st.integers(10, 1000) | st.integers(-100, -1))
def test_grades_out_of_range_are_refused(grade):
    with pytest.raises(CellError):
        parse_grade(grade)


def chinese(n: int) -> str:
    if n < 10:
        return CN[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN[tens]) + "十" + (CN[ones] if ones else "")


@given(st.integers(1, 99), st.integers(1, 9), st.data())
def test_every_class_form_reads_back(klass, grade, data):
    plain = data.draw(st.sampled_from([klass, str(klass), f"{klass}班", f"（{klass}）班",
                                       f"{chinese(klass)}班"]))  # fmt: skip
    assert parse_class(plain) == (None, klass)
    with_grade = data.draw(
        st.sampled_from(
            [
                f"{CN[grade]}年级（{klass}）班",
                f"{grade}年级{klass}班",
                f"{grade}年级 ( {klass} ) 班",
            ]
        )
    )
    assert parse_class(with_grade) == (grade, klass)


@given(st.sampled_from(["0班", "班", "", "三年级", "a班", 0, -2, 1.5]))
def test_bad_classes_are_refused(cell):
    with pytest.raises(CellError):
        parse_class(cell)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_a_mobile_stored_as_a_number_is_its_eleven_digits(mobile):
    assert parse_phone(int(mobile)) == mobile
    assert parse_phone(float(mobile)) == mobile
    assert parse_phone(mobile) == mobile


@given(st.from_regex(r"[1-9][0-9]{2}[1-9][0-9]{6}", fullmatch=True))
def test_a_landline_stored_as_a_number_is_refused(digits):
    with pytest.raises(CellError, match="开头的 0 已经丢失"):
        parse_phone(int(digits))


@given(st.integers(10**17, 10**18 - 1))
def test_an_id_number_stored_as_a_number_is_refused(number):
    with pytest.raises(CellError, match="15 位有效数字"):
        parse_id_number(float(number))
    with pytest.raises(CellError, match="15 位有效数字"):
        parse_id_number(f"{float(number):.5E}")


@given(st.lists(st.text(alphabet="画跳绳唱歌ab", min_size=1, max_size=4), max_size=5),
       st.lists(st.sampled_from(["、", "，", ",", ";", "；", "/", " ", "\u3000"]), min_size=5,
                max_size=5))  # fmt: skip
def test_interests_split_on_every_separator(parts, separators):
    text = "".join(p + s for p, s in zip(parts, separators))
    assert split_interests(text) == parts
