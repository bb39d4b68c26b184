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
