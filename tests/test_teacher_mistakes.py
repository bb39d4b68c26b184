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


def test_a_mistyped_staff_name_gets_a_did_you_mean_in_records_and_logs(tmp_path):
    text = CHILD.format(id="c1").replace("mentor: 周老师", "mentor: 何莉")
    talks = "date,child_id,staff\n2015-09-03,c1,何莉\n2015-09-04,c1,郑老师\n"
    root = write_repo(
        tmp_path,
        {"c1.yaml": text},
        logs={"talks": talks},
        settings="school: 测试小学\nstaff: [何丽, 周老师, 吴老师]\n",
    )
    assert messages(root) == [
        (32, "LS203", "帮扶教师 何莉 不在 liushou.yaml 的 staff 名单中，是否想写 何丽？"),
        (2, "LS202", "staff 中的 何莉 不在 liushou.yaml 的 staff 名单中，是否想写 何丽？"),
        # 郑老师 is one character from both 周老师 and 吴老师: no guess
        (3, "LS202", "staff 中的 郑老师 不在 liushou.yaml 的 staff 名单中"),
    ]


def test_names_close_enough_for_a_hint():
    from liushou.findings import closest_name

    assert closest_name("何莉", ["周老师", "何丽"]) == "何丽"  # difflib alone says no (0.5)
    assert closest_name("何丽丽", ["何丽", "周老师"]) == "何丽"
    assert closest_name("丽何", ["何丽"]) == "何丽"
    assert closest_name("何莉", ["何丽", "何利"]) is None
    assert closest_name("张三", ["何丽", "周老师"]) is None


def pupils(tmp_path, talks, names=("王小宇", "李梅")):
    children = {}
    for number, name in enumerate(names, start=1):
        child_id = f"qs-2026-010{number}"
        text = CHILD.format(id=child_id).replace("name: 测试儿童", f"name: {name}")
        children[f"{child_id}.yaml"] = text
    return write_repo(tmp_path, children, logs={"talks": "date,child_id,staff\n" + talks})


def test_a_name_where_the_id_belongs_says_whose_name_it_is(tmp_path):
    root = pupils(tmp_path, "2015-09-03,王小宇,周老师\n2015-09-04,王小雨,周老师\n")
    assert messages(root) == [
        (
            2,
            "LS201",
            "child_id 中的编号 王小宇 没有对应的儿童档案："
            "王小宇 是 qs-2026-0101 的姓名，此处应填学号",
        ),
        (
            3,
            "LS201",
            "child_id 中的编号 王小雨 没有对应的儿童档案，"
            "是否指 王小宇（学号 qs-2026-0101）？此处应填学号",
        ),
    ]


def test_a_name_two_children_share_lists_both_ids(tmp_path):
    root = pupils(tmp_path, "2015-09-03,王小宇,周老师\n", names=("王小宇", "王小宇"))
    assert messages(root) == [
        (
            2,
            "LS201",
            "child_id 中的编号 王小宇 没有对应的儿童档案："
            "有 2 名儿童叫 王小宇（qs-2026-0101、qs-2026-0102），此处应填其中一人的学号",
        )
    ]


def test_a_mistyped_id_gets_a_did_you_mean(tmp_path):
    talks = "2015-09-03,qs-2026-0110,周老师\n2015-09-04,qs-2026-01,周老师\n"
    root = pupils(tmp_path, talks, names=("王小宇",))
    assert messages(root) == [
        (2, "LS201", "child_id 中的编号 qs-2026-0110 没有对应的儿童档案，是否想写 qs-2026-0101？"),
        (3, "LS201", "child_id 中的编号 qs-2026-01 没有对应的儿童档案"),
    ]
