"""One test per check rule: a spoiled file, and the code and line the rule must report."""

from __future__ import annotations

import os

import pytest

from liushou.api import check_repository
from liushou.findings import CATALOGUE
from liushou.load.settings import SettingsError

from .repo_factory import CHILD, TODAY, write_repo


def found(root, today=TODAY):
    result = check_repository(root, today, use_cache=False)
    return {(f.file, f.line, f.code) for f in result.findings}


def child_case(tmp_path, text, stem="c1"):
    return found(write_repo(tmp_path, {f"2/1/{stem}.yaml": text}))


C1 = "children/2/1/c1.yaml"
GOOD = CHILD.format(id="c1")


def test_valid_repository_has_no_findings(tmp_path):
    assert found(write_repo(tmp_path)) == set()


CHILD_CASES = {
    # name: (replace this, with that, expected (line, code))
    "unquoted phone": ('phone: "13900000001"', "phone: 13900000001", (16, "LS108")),
    "bad phone": ('phone: "13900000001"', 'phone: "12345"', (16, "LS109")),
    "landline ok": ('phone: "13900000001"', 'phone: "0839-5123456"', None),
    "missing required": ("gender: 男\n", "", (1, "LS101")),
    "bad enum": ("gender: 男", "gender: 男孩", (3, "LS103")),
    "unknown key with hint": ("name: 测试儿童", "nmae: 测试儿童", (2, "LS104")),
    "nested unknown key": (
        "  type: 父母均外出",
        "  type: 父母均外出\n  sinse: 2015-01-01",
        (11, "LS104"),
    ),
    "impossible date": ("birth_date: 2008-03-04", "birth_date: 2008-02-30", (4, "LS107")),
    "date as text": ("birth_date: 2008-03-04", "birth_date: 2008/3/4", (4, "LS107")),
    "number where text belongs": ("name: 测试儿童", "name: 12345", (2, "LS102")),
    "bool where int belongs": ("grade: 2", "grade: true", (5, "LS102")),
    "grade out of range": ("grade: 2", "grade: 12", (5, "LS116")),
    "class below one": ("class: 1", "class: 0", (6, "LS116")),
    "bad id characters": ("id: c1", "id: c1!", (1, "LS115")),
    "status without date": ("status: 在校", "status: 转出", (8, "LS114")),
    "status date before enrolment": (
        "status: 在校",
        "status: 转出\nstatus_date: 2013-01-01",
        (9, "LS117"),
    ),
    "duplicate key": ("grade: 2", "grade: 2\ngrade: 3", (6, "LS003")),
    "tab indentation": ("  type: 父母均外出", "\ttype: 父母均外出", (10, "LS004")),
    "focus without plan": ("  mentor: 周老师", "  mentor: 周老师\n  focus: true", (33, "LS301")),
    "mentor not in staff": ("  mentor: 周老师", "  mentor: 郑老师", (32, "LS203")),
    "unsupervised without mentor": (
        "guardianship: 隔代监护",
        "guardianship: 无人监护",
        None,
    ),
    "archive field missing": ("  interests: [画画]\n", "", (27, "LS303")),
    "interests not a list": ("  interests: [画画]", "  interests: 画画", (29, "LS102")),
    "parents not a list": ("parents:\n  - relation", "parents:\n    relation", (13, "LS102")),
}


@pytest.mark.parametrize("name", CHILD_CASES)
def test_child_rule(tmp_path, name):
    old, new, expected = CHILD_CASES[name]
    assert old in GOOD
    got = child_case(tmp_path, GOOD.replace(old, new))
    if expected is None:
        assert {code for _, _, code in got if CATALOGUE[code].severity == "error"} == set()
    else:
        assert (C1, *expected) in got


def test_unsupervised_child_needs_mentor(tmp_path):
    text = GOOD.replace("guardianship: 隔代监护", "guardianship: 无人监护")
    text = text.replace("care:\n  mentor: 周老师\n", "care:\n  buddy: 同学甲\n")
    assert (C1, 11, "LS302") in child_case(tmp_path, text)


def test_id_must_equal_stem(tmp_path):
    assert (("children/2/1/other.yaml", 1, "LS105")) in child_case(tmp_path, GOOD, stem="other")


def test_duplicate_id_across_folders(tmp_path):
    root = write_repo(tmp_path, {"2/1/c1.yaml": GOOD, "3/2/c1.yaml": GOOD})
    assert ("children/3/2/c1.yaml", 1, "LS106") in found(root)


def _with_id_number(number):
    return GOOD.replace("gender: 男", f'gender: 男\nid_number: "{number}"')


def _id(first17):
    from liushou.load.schema import id_check_digit

    return first17 + id_check_digit(first17)


def test_id_number_rules(tmp_path):
    good = _id("51082320080304001")  # born 2008-03-04, digit 17 odd: 男
    assert child_case(tmp_path / "a", _with_id_number(good)) == set()
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    assert (C1, 4, "LS111") in child_case(tmp_path / "b", _with_id_number(wrong_check))
    assert (C1, 4, "LS110") in child_case(tmp_path / "c", _with_id_number("12345"))
    other_day = _id("51082320080305001")
    assert (C1, 4, "LS112") in child_case(tmp_path / "d", _with_id_number(other_day))
    girl = _id("51082320080304002")
    assert (C1, 4, "LS113") in child_case(tmp_path / "e", _with_id_number(girl))


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("", "LS006", 1),
        ("# only a comment\n", "LS006", 1),
        ("- a\n- b\n", "LS007", 1),
        ("id: c1\n---\nid: c2\n", "LS005", 2),
        ("id: [c1\n", "LS002", 2),
        ("id: c1\n  name: x\n", "LS002", 2),
    ],
)
def test_broken_yaml_files(tmp_path, text, code, line):
    assert (C1, line, code) in child_case(tmp_path, text)


def test_undecodable_file(tmp_path):
    root = write_repo(tmp_path, {})
    (root / "children" / "c1.yaml").parent.mkdir(parents=True, exist_ok=True)
    (root / "children" / "c1.yaml").write_bytes(b"id: \xff\xfe\xfa\x80\x81")
    assert ("children/c1.yaml", 1, "LS001") in found(root)


def test_gbk_yaml_is_read_with_a_warning(tmp_path):
    root = write_repo(tmp_path, {})
    (root / "children").mkdir()
    (root / "children" / "c1.yaml").write_bytes(GOOD.encode("gbk"))
    assert found(root) == {("children/c1.yaml", 1, "LS008")}


TALKS = "date,child_id,staff,summary\n"


@pytest.mark.parametrize(
    ("log", "text", "line", "code"),
    [
        ("talks", TALKS + "2015-09-03,c9,周老师,\n", 2, "LS201"),
        ("talks", TALKS + "2015-09-03,c1,郑老师,\n", 2, "LS202"),
        ("talks", TALKS + "2016-01-21,c1,周老师,\n", 2, "LS304"),
        ("talks", TALKS + "2015-09-03,c1,周老师,\n2015-09-03,c1,周老师,\n", 3, "LS305"),
        ("talks", TALKS + "2014-08-01,c1,周老师,\n", 2, "LS306"),
        ("talks", TALKS + "2015-13-03,c1,周老师,\n", 2, "LS402"),
        ("talks", TALKS + ",c1,周老师,\n", 2, "LS401"),
        ("talks", TALKS + "2015/9/3,c1,周老师,\n2015年9月4日,c1,周老师,\n", 2, "LS403"),
        ("talks", TALKS + "2015-09-03,c1,周老师,好,多余\n", 2, "LS009"),
        ("talks", "date,child_id\n2015-09-03,c1\n", 1, "LS010"),
        ("talks", "date,child_id,staff,staff\n", 1, "LS011"),
        ("talks", "", 1, "LS006"),
        (
            "contacts",
            "date,child_id,staff,with,channel\n2015-09-03,c1,周老师,父母,飞鸽\n",
            2,
            "LS404",
        ),
        ("aid", "date,child_id,kind,amount\n2015-09-03,c1,助学金,-5\n", 2, "LS405"),
        (
            "activities",
            "date,title,kind,participants\n2015-09-25,中秋,节日活动,c1;c7\n",
            2,
            "LS201",
        ),
        (
            "incidents",
            "occurred_at,child_id,summary,guardian_notified_at\n"
            "2015-10-01 10:00,c1,摔伤,2015-10-01 09:00\n",
            2,
            "LS406",
        ),
    ],
)
def test_log_rules(tmp_path, log, text, line, code):
    root = write_repo(tmp_path, logs={log: text})
    assert (f"logs/{log}.csv", line, code) in found(root)


def test_excel_dates_warn_once_and_are_kept(tmp_path):
    text = TALKS + "2015/9/3,c1,周老师,\n2015/10/3,c1,周老师,\n"
    root = write_repo(tmp_path, logs={"talks": text})
    assert found(root) == {("logs/talks.csv", 2, "LS403")}
    from liushou.api import load

    repo, _ = load(root, use_cache=False)
    assert [d.date().isoformat() for d in repo.logs["talks"]["date"]] == [
        "2015-09-03",
        "2015-10-03",
    ]


def test_gbk_csv_is_read_with_one_warning(tmp_path):
    text = TALKS + "2015-09-03,c1,周老师,谈学习\n"
    root = write_repo(tmp_path, logs={"talks": text.encode("gbk")})
    assert found(root) == {("logs/talks.csv", 1, "LS008")}


def test_quoted_newline_keeps_line_numbers(tmp_path):
    text = TALKS + '2015-09-03,c1,周老师,"两行\n的记录"\n2015-09-04,c9,周老师,\n'
    root = write_repo(tmp_path, logs={"talks": text})
    assert found(root) == {("logs/talks.csv", 4, "LS201")}


def test_unknown_log_file_is_named(tmp_path):
    root = write_repo(tmp_path, logs={"notes": "a,b\n"})
    assert ("logs/notes.csv", 1, "LS012") in found(root)


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        ("school: x\nstaff: [a]\nstafff: [b]\n", "LS903"),
        ("staff: [a]\n", "LS902"),
        ("school: x\nstaff: [a]\nstudents_total: {2015-winter: 3}\n", "LS904"),
        # the same rule as the term calendar: 9999-autumn would end in year 10000
        ("school: x\nstaff: [a]\nstudents_total: {9999-autumn: 3}\n", "LS904"),
        (
            "school: x\nstaff: [a]\nstandards:\n  - {id: s, name: n, log: meals, every: month}\n",
            "LS905",
        ),
        (
            "school: x\nstaff: [a]\nstandards:\n"
            "  - {id: s, name: n, log: talks, every: month, applies_to: {care.colour: [1]}}\n",
            "LS905",
        ),
        ("school: x\nstaff: [a]\ntargets: {archive_rate: 95}\n", "LS902"),
        ("school: [x\n", "LS002"),
    ],
)
def test_broken_settings_raise(tmp_path, settings, code):
    root = write_repo(tmp_path, settings=settings)
    with pytest.raises(SettingsError) as info:
        check_repository(root, TODAY, use_cache=False)
    assert code in {f.code for f in info.value.findings}


def test_every_code_has_a_chinese_title_and_message():
    for entry in CATALOGUE.values():
        assert entry.title and entry.template
        assert any("\u4e00" <= ch <= "\u9fff" for ch in entry.template + entry.title)


def test_readme_lists_every_code():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for code in CATALOGUE:
        assert f"| {code} |" in readme, code


def test_unclosed_quote_is_an_error_not_lost_rows(tmp_path):
    text = TALKS + '2015-10-10,c1,周老师,"他说\n2015-11-10,c1,周老师,好\n'
    assert ("logs/talks.csv", 2, "LS009") in found(write_repo(tmp_path, logs={"talks": text}))


def test_excel_dates_warn_once_per_file_across_columns(tmp_path):
    text = (
        "occurred_at,child_id,summary,guardian_notified_at,parents_notified_at\n"
        "2015/10/10 8:00,c1,摔伤,2015/10/10 8:20,2015年10月10日 8:40\n"
    )
    codes = [c for _, _, c in found(write_repo(tmp_path, logs={"incidents": text}))]
    assert codes.count("LS403") == 1


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("id: c1\na: &a [*a]\n", 2),
        ("id: c1\nx: " + "[" * 3000 + "]" * 3000 + "\n", 2),
        (
            "a: &a [1,1,1,1,1,1,1,1,1,1]\n"
            + "".join(
                f"{k}: &{k} [{', '.join(['*' + p] * 10)}]\n" for p, k in zip("abcdefg", "bcdefgh")
            ),
            1,
        ),
    ],
)
def test_alias_bombs_and_deep_nesting_are_refused(tmp_path, text, line):
    assert child_case(tmp_path, text) == {(C1, line, "LS002")}


def test_settings_saved_in_gbk_are_read_with_a_warning(tmp_path):
    root = write_repo(tmp_path)
    (root / "liushou.yaml").write_bytes(
        "school: 测试镇测试小学\nstaff: [周老师, 吴老师]\n".encode("gbk")
    )
    assert found(root) == {("liushou.yaml", 1, "LS008")}


def test_where_on_a_missing_column_is_a_settings_error(tmp_path):
    settings = (
        "school: x\nstaff: [周老师]\nstandards:\n"
        "  - {id: s, name: n, log: talks, every: month, where: {kind: 面谈}}\n"
    )
    root = write_repo(tmp_path, settings=settings)
    with pytest.raises(SettingsError) as info:
        check_repository(root, TODAY, use_cache=False)
    assert [(f.code, f.line) for f in info.value.findings] == [("LS905", 4)]
    # An extra column the school added to its own talks.csv is fine.
    root = write_repo(
        tmp_path / "b",
        settings=settings,
        logs={"talks": "date,child_id,staff,kind\n2015-09-03,c1,周老师,面谈\n"},
    )
    check_repository(root, TODAY, use_cache=False)


def test_upper_case_extensions_are_read(tmp_path):
    root = write_repo(tmp_path, {"c1.YAML": GOOD})
    (root / "logs").mkdir()
    (root / "logs" / "talks.CSV").write_text(TALKS + "2015-09-03,c9,周老师,\n", encoding="utf-8")
    assert found(root) == {("logs/talks.CSV", 2, "LS201")}


def test_an_unreadable_record_does_not_cascade_into_the_logs(tmp_path):
    root = write_repo(
        tmp_path, {"c1.yaml": "id: [c1\n"}, logs={"talks": TALKS + "2015-09-03,c1,周老师,\n"}
    )
    codes = {code for _, _, code in found(root)}
    assert "LS002" in codes and "LS201" not in codes


def test_folder_names_that_are_not_utf8(tmp_path):
    root = write_repo(tmp_path, {})
    folder = os.path.join(os.fsencode(root / "children"), "三年级".encode("gbk"))
    os.makedirs(folder)
    with open(os.path.join(folder, b"c1.yaml"), "wb") as handle:
        handle.write(GOOD.encode())
    assert found(root) == set()
    assert check_repository(root, TODAY, use_cache=False).children == 1


@pytest.mark.parametrize(
    ("row", "value", "code"),
    [
        ("2015-10-11,13812345678,周老师,", "13812345678", "LS201"),
        ("2015-10-11,c1,柳溪村6组,", "柳溪村6组", "LS202"),
    ],
)
def test_messages_never_echo_a_personal_value(tmp_path, row, value, code):
    root = write_repo(tmp_path, logs={"talks": TALKS + row + "\n"})
    result = check_repository(root, TODAY, use_cache=False)
    assert ("logs/talks.csv", 2, code) in {(f.file, f.line, f.code) for f in result.findings}
    assert all(value not in f.message for f in result.findings)


def test_a_file_that_cannot_be_read_is_a_finding(tmp_path, monkeypatch):
    import liushou.load.loader

    root = write_repo(tmp_path, {"c1.yaml": GOOD, "c2.yaml": CHILD.format(id="c2")})
    real_read = liushou.load.loader._read

    def failing_read(path):
        if path.endswith("c2.yaml"):
            raise PermissionError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(liushou.load.loader, "_read", failing_read)
    assert found(root) == {("children/c2.yaml", 1, "LS013")}


def test_a_check_that_crashes_is_a_finding_not_a_crash(tmp_path, monkeypatch):
    import liushou.check.rules

    def broken(repo, today):
        raise KeyError("oops")

    monkeypatch.setattr(liushou.check.rules, "CHECKS", [broken, *liushou.check.rules.CHECKS])
    assert found(write_repo(tmp_path)) == {("liushou.yaml", 1, "LS990")}


def test_control_characters_are_a_finding_with_a_line(tmp_path):
    assert (C1, 3, "LS002") in child_case(tmp_path, GOOD.replace("gender: 男", "gender: 男\x0c"))


def test_a_second_log_of_the_same_name_is_named_not_read(tmp_path):
    root = write_repo(tmp_path, logs={"talks": TALKS})
    (root / "logs" / "talks.CSV").write_text(TALKS, encoding="utf-8")
    assert found(root) == {("logs/talks.csv", 1, "LS012")}
