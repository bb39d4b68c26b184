"""The mistakes teachers make in their files: each gets one clear finding at the right line."""

from __future__ import annotations

from liushou.api import check_repository

from .repo_factory import CHILD, TODAY, write_repo


def findings(root):
    return [(f.file, f.line, f.column, f.code) for f in check_repository(root, TODAY).findings]


def test_chinese_log_headers_mean_the_english_columns(tmp_path):
    talks = "备注,日期,学号,谈心教师\n好,2015-09-03,c9,周老师\n,2015-09-04,c1,何老师\n"
    root = write_repo(tmp_path, {"c1.yaml": CHILD.format(id="c1")}, logs={"talks": talks})
    assert findings(root) == [
        ("logs/talks.csv", 2, 3, "LS201"),  # the real column of 学号
        ("logs/talks.csv", 3, 4, "LS202"),
    ]


def test_a_chinese_and_an_english_name_of_one_column_repeat_it(tmp_path):
    talks = "日期,date,child_id,staff\n2015-09-03,2015-09-03,c1,周老师\n"
    root = write_repo(tmp_path, {"c1.yaml": CHILD.format(id="c1")}, logs={"talks": talks})
    assert findings(root) == [("logs/talks.csv", 1, 2, "LS011")]


def messages(root):
    return [(f.line, f.code, f.message) for f in check_repository(root, TODAY).findings]


def child(tmp_path, old, new):
    text = CHILD.format(id="c1")
    assert old in text
    return write_repo(tmp_path, {"c1.yaml": text.replace(old, new)})


def test_an_unquoted_phone_is_one_error_without_an_archive_warning(tmp_path):
    root = child(tmp_path, 'phone: "13900000002"', "phone: 13900000002")
    assert [(line, code) for line, code, _ in messages(root)] == [(24, "LS108")]


def test_a_misspelt_key_is_one_error_without_archive_warnings(tmp_path):
    root = child(tmp_path, "guardian:\n", "gaurdian:\n")
    found = messages(root)
    assert [(line, code) for line, code, _ in found if code != "LS310"] == [(18, "LS104")]
    assert "是否想写 guardian" in found[-1][2]


def test_boarding_may_be_written_yes_or_no(tmp_path):
    root = child(tmp_path, "class: 1\n", "class: 1\nboarding: 是\n")
    assert messages(root) == []


def test_a_slash_date_gets_the_corrected_value(tmp_path):
    root = child(tmp_path, "birth_date: 2008-03-04", "birth_date: 2008年3月4日")
    assert messages(root) == [
        (4, "LS107", "字段 birth_date 不是有效日期，应写成 YYYY-MM-DD，应改为 2008-03-04")
    ]


def test_excel_date_warning_quotes_the_form_found(tmp_path):
    talks = "date,child_id,staff\n2015-09-03,c1,周老师\n2015/9/4,c1,周老师\n"
    root = write_repo(tmp_path, {"c1.yaml": CHILD.format(id="c1")}, logs={"talks": talks})
    assert messages(root) == [
        (3, "LS403", "date 写成了 Excel 的日期格式（如 2015/9/4），已按日期读取")
    ]


def test_encoding_warning_says_how_to_resave(tmp_path):
    talks = "date,child_id,staff\n2015-09-03,c1,周老师\n".encode("gb18030")
    root = write_repo(tmp_path, {"c1.yaml": CHILD.format(id="c1")}, logs={"talks": talks})
    [(line, code, message)] = messages(root)
    assert (line, code) == (1, "LS008")
    assert "CSV UTF-8" in message and "WPS" in message
