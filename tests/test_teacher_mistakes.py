"""The mistakes teachers make in their files: each gets one clear finding at the right line."""

from __future__ import annotations

import pytest

from liushou.api import check_repository
from liushou.load.settings import SettingsError

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


def settings_findings(root):
    with pytest.raises(SettingsError) as info:
        check_repository(root, TODAY)
    return [(f.file, f.line, f.code, f.message) for f in info.value.findings]


def test_chinese_commas_in_staff_are_one_finding_at_the_staff_line(tmp_path):
    children = {f"c{n}.yaml": CHILD.format(id=f"c{n}") for n in (1, 2, 3)}  # all mentored by 周老师
    settings = "school: 测试小学\nstaff: [周老师，吴老师、何丽]\n"
    root = write_repo(tmp_path, children, settings=settings)
    assert settings_findings(root) == [
        (
            "liushou.yaml",
            2,
            "LS902",
            "staff 中的“周老师，吴老师、何丽”用“，”隔开了几个姓名：请改用英文逗号，"
            "写成 staff: [周老师, 吴老师, 何丽]，或每行写一个姓名（- 姓名）",
        )
    ]


def test_names_on_one_line_without_brackets_are_shown_as_a_list(tmp_path):
    root = write_repo(tmp_path, settings="school: 测试小学\nleader: 何丽\nstaff: 周老师 吴老师\n")
    assert settings_findings(root) == [
        ("liushou.yaml", 3, "LS902", "staff 应为姓名的列表，请写成 staff: [周老师, 吴老师]")
    ]


FULL_WIDTH = (
    "YAML 语法错误：{key} 后的冒号是中文全角冒号“：”，请改成英文冒号加一个空格，写成“{key}: 值”"
)
NO_SPACE = "YAML 语法错误：{key} 后的冒号“:”后面缺少空格，请写成“{key}: 值”"


@pytest.mark.parametrize(
    "old, new, line, message",
    [
        # YAML alone reports an error on line 3
        ("name: 测试儿童", "name：测试儿童", 2, FULL_WIDTH),
        ("name: 测试儿童", "name:测试儿童", 2, NO_SPACE),
        # YAML alone reports an error on line 20
        ("  name: 测试祖母", "  name：测试祖母", 19, FULL_WIDTH),
        ("    work_place: 广东省某市", "    work_place:广东省某市", 17, NO_SPACE),
        # YAML alone reads care as the text "mentor:周老师" (LS102 at care, line 31)
        ("  mentor: 周老师", "  mentor:周老师", 32, NO_SPACE),
    ],
)
def test_a_wrong_colon_is_pointed_at_its_own_line(tmp_path, old, new, line, message):
    root = child(tmp_path, old, new)
    key = new.strip().replace("：", ":").split(":")[0]
    assert messages(root) == [(line, "LS002", message.format(key=key))]


def test_a_wrong_colon_in_the_settings_is_pointed_at_its_own_line(tmp_path):
    root = write_repo(
        tmp_path, settings="school: 测试小学\nleader：何丽\nstaff: [周老师, 吴老师]\n"
    )
    assert settings_findings(root) == [
        ("liushou.yaml", 2, "LS002", FULL_WIDTH.format(key="leader"))
    ]


def test_colons_inside_notes_and_values_are_not_slips(tmp_path):
    text = CHILD.format(id="c1").replace(
        "address: 测试镇测试村一组", 'address: "测试镇\n  village:测试村一组"'
    )
    text += "notes: |\n  time:10点谈心\n  结果：好\nboarding: 否\n"
    assert messages(write_repo(tmp_path, {"c1.yaml": text})) == []


def test_a_wrong_colon_excerpt_keeps_the_key_and_hides_the_value(tmp_path):
    import io

    from liushou.check.reporters import REPORTER_BY_NAME

    text = CHILD.format(id="c1").replace("address: 测试镇测试村一组", "address：测试镇测试村一组")
    root = write_repo(tmp_path, {"c1.yaml": text})
    out = io.StringIO()
    REPORTER_BY_NAME["text"](check_repository(root, TODAY), out).report()
    assert "address： ***" in out.getvalue()
    assert "测试村" not in out.getvalue()
