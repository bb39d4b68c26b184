"""`liushou import roster` and `import log` on real .xlsx/.csv files written in the test.

Refresh the golden records after an intended change with:
    LIUSHOU_UPDATE_GOLDEN=1 python -m pytest tests/test_import.py
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from liushou.api import check_repository
from liushou.cli import app
from liushou.edit.recordfile import (
    RecordWriteError,
    new_record_text,
    record_path,
    write_new_record,
)
from liushou.edit.yamledit import edit_record
from liushou.findings import ERROR
from liushou.load.schema import id_check_digit
from liushou.records.files import RecordsError, write_atomic

from .repo_factory import CHILD, EXAMPLE, copy_example, write_repo

GOLDEN = Path(__file__).resolve().parent / "golden" / "import"
TODAY = "2016-01-20"
runner = CliRunner()

SETTINGS = """\
school: 测试镇测试小学
staff: [周老师, 吴老师]
"""
# An existing record as a person writes one: comments, an order of their own, a flow list.
KEPT = """\
# 2015 年秋季建档
id: "2015030107"
name: 张小梅   # 小名 梅梅
gender: 女
birth_date: 2008-03-04
grade: 3
class: 2
enrolled_on: 2014-09-01
status: 在校
left_behind:
  type: 父母均外出
guardianship: 隔代监护
address: 测试镇测试村二组
parents:
  - relation: 父亲
    name: 张大山
    phone: "13900000011"     # 常用号码
    work_place: 广东省某市
guardian:
  name: 李秀兰
  relation: 祖母
  age: 66
  phone: "13900000012"
  health: 良好
profile:
  personality: 开朗
  interests: [画画]
  health: 良好
care:
  mentor: 周老师  # 班主任
"""
ROSTER_HEADER = [
    "序号", "学号", "姓 名", "性别", "出生日期", "身份证号", "年级", "班级（班）", "入学日期",
    "留守类型", "监护类型", "父亲电话", "监护人电话", "兴趣爱好", "帮扶教师",
]  # fmt: skip


def id_number(birth: str, serial: str, region: str = "510899") -> str:
    first = region + birth + serial
    return first + id_check_digit(first)


def run(*args: str):
    return runner.invoke(app, ["--today", TODAY, *args], catch_exceptions=False)


def write_xlsx(path: Path, rows: list[list], title: str | None = "测试小学留守儿童花名册") -> Path:
    """A sheet as a school keeps it: a merged title row, then the rows (None: a blank row)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "花名册"
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    for row in rows:
        ws.append(row or [])
    book.save(path)
    return path


def repo(tmp_path: Path) -> Path:
    return write_repo(tmp_path / "school", {"3年级/2班/2015030107.yaml": KEPT}, settings=SETTINGS)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("LIUSHOU_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def assert_checks_clean(root: Path) -> None:
    result = check_repository(root, dt.date(2016, 1, 20), use_cache=False)
    errors = [f for f in result.findings if f.severity == ERROR]
    assert errors == []
    # Warnings only: archive gaps and missing written notices of new records, and the example
    # school's own intended warnings (an unattended child, a returned dropout).
    assert {f.code for f in result.findings} <= {"LS303", "LS310", "LS312", "LS313"}


# A roster: two new children (one with a 学号 stored as a number, one without: generated id)
# and the existing child, whose guardian phone and interests change.
GOOD_ROWS = [
    ROSTER_HEADER,
    [1, 2015030108, "王小明", "男", "2008年5月12日", id_number("20080512", "071"), "三年级",
     "三年级（2）班", dt.datetime(2015, 9, 1), "父亲外出", "单亲监护", 13912345678,
     "13912340000", "踢球、画画；下棋", "周老师"],
    None,
    [2, None, "赵小红", "女", "2009.4.18", None, "一年级", "1班", "2015/9/1", "父母均外出",
     "隔代监护", None, "13700001111", "跳绳", "吴老师"],
    [3, "2015030107", "张小梅", "女", dt.datetime(2008, 3, 4), None, 3, 2, None, None, None,
     None, "13900000099", "画画 唱歌", None],
]  # fmt: skip

DRY_RUN = """\
花名册：花名册.xlsx（工作表“花名册”，表头在第 2 行）
未识别的列（已忽略）：序号
新建档案：2 份
  第 3 行  2015030108  王小明  → children/3年级/2班/2015030108.yaml
  第 5 行  2015-101-01  赵小红  → children/1年级/1班/2015-101-01.yaml
修改档案：1 份
  第 6 行  2015030107  张小梅
    监护人电话：139****0012 → 139****0099
    兴趣爱好：画画 → 画画、唱歌
没有变化：0 份
问题：无
"""


def test_roster_dry_run_prints_the_plan_and_writes_nothing(tmp_path):
    root = repo(tmp_path)
    sheet = write_xlsx(tmp_path / "花名册.xlsx", GOOD_ROWS)
    before = snapshot(root)
    result = run("-C", str(root), "import", "roster", str(sheet))
    assert result.exit_code == 0, result.output
    assert result.output == DRY_RUN + "这是预览，没有写入任何文件；确认无误后加 --write 写入。\n"
    assert snapshot(root) == before


def test_roster_write_creates_and_edits_records_then_is_idempotent(tmp_path):
    root = repo(tmp_path)
    sheet = write_xlsx(tmp_path / "花名册.xlsx", GOOD_ROWS)
    result = run("-C", str(root), "import", "roster", str(sheet), "--write")
    assert result.exit_code == 0, result.output
    assert result.output == DRY_RUN + "已写入。\n"
    children = root / "children"
    assert_golden("2015030108.yaml", (children / "3年级/2班/2015030108.yaml").read_text("utf-8"))
    assert_golden("2015-101-01.yaml", (children / "1年级/1班/2015-101-01.yaml").read_text("utf-8"))
    edited = (children / "3年级/2班/2015030107.yaml").read_text("utf-8")
    assert_golden("2015030107-edited.yaml", edited)
    # Only the two changed lines differ; every comment and every other line is kept.
    changed = [(a, b) for a, b in zip(KEPT.splitlines(), edited.splitlines()) if a != b]
    assert changed == [
        ('  phone: "13900000012"', '  phone: "13900000099"'),
        ("  interests: [画画]", "  interests: [画画, 唱歌]"),
    ]
    assert_checks_clean(root)
    after = snapshot(root)
    again = run("-C", str(root), "import", "roster", str(sheet), "--write")
    assert again.exit_code == 0
    assert "新建档案：0 份\n修改档案：0 份\n没有变化：3 份\n" in again.output
    assert again.output.endswith("没有需要写入的内容。\n")
    assert snapshot(root) == after


def test_every_row_problem_is_reported_with_its_row_and_other_rows_go_on(tmp_path):
    twin = KEPT.replace('"2015030107"', "twin").replace("张小梅   # 小名 梅梅", "张小梅")
    root = write_repo(
        tmp_path / "school",
        {"a/2015030107.yaml": KEPT, "a/twin.yaml": twin.replace("\n# 2015", "\n#")},
        settings=SETTINGS,
    )
    ok = [9, None, "钱多多", "男", "2008-01-02", None, 3, 1, "2015-09-01", "父亲外出",
          "单亲监护", "13911112222", None, None, None]  # fmt: skip
    rows = [
        ROSTER_HEADER,
        [1, None, "甲", "男", "2008-01-02", 510899200801020012, 3, 1, "2015-09-01", "父亲外出",
         "单亲监护", None, None, None, None],
        [2, None, "乙", "男", "2008-01-02", None, 3, 1, "2015-09-01", "父亲外出", "单亲监护",
         8395371785, None, None, None],
        [3, None, "丙", "男", "2008-01-02", None, 3, 1, "2015-09-01", "外出", "单亲监护",
         None, None, None, None],
        [4, None, "丁", "男", "2008年13月2日", None, 3, 1, "2015-09-01", "父亲外出",
         "单亲监护", None, None, None, None],
        [5, None, "张小梅", "女", "2008-03-04", None, 3, 2, None, None, None, None, None,
         None, None],
        [6, None, "戊", "男", "2008-01-02", None, 3, 1, None, "父亲外出", None, None,
         None, None, None],
        [7, None, "己", "男", "2008-01-02", None, 3, 1, "2015-09-01", "父亲外出", "单亲监护",
         None, None, None, "孙老师"],
        [8, None, "庚", "男", "2008-01-02", None, "四年级", "三年级（1）班", "2015-09-01",
         "父亲外出", "单亲监护", None, None, None, None],
        ok,
        ok,
        [11, None, "辛", "男", "2008-01-02", id_number("20080102", "002"), 3, 1,
         "2015-09-01", "父亲外出", "单亲监护", None, None, None, None],
    ]  # fmt: skip
    sheet = write_xlsx(tmp_path / "花名册.xlsx", rows)
    result = run("-C", str(root), "import", "roster", str(sheet), "--write")
    assert result.exit_code == 1
    problems = result.output.split("问题：10 处（这些行不导入，其余行照常导入）\n")[1]
    assert problems.splitlines()[:-1] == [
        "  第 3 行：身份证号：身份证号被 Excel 存成了数字：Excel 只保留 15 位有效数字，最后几位已经丢失，"
        "无法还原；请把该列设为文本格式，照证件重新填写",
        "  第 4 行：父亲电话：座机号被 Excel 存成了数字，开头的 0 已经丢失：请把该列设为文本格式，"
        "按“区号-号码”重新填写",
        "  第 5 行：留守类型：“外出”不在允许范围内，应为：父母均外出 | 父亲外出 | 母亲外出 | "
        "一方外出另一方无监护能力",
        "  第 6 行：出生日期：无法识别的日期，应写成 2015-09-01、2015/9/1、2015.9.1 或 2015年9月1日",
        "  第 7 行：姓名和出生日期与多份档案相符（2015030107、twin），无法确定是哪一名儿童，请填写学号",
        "  第 8 行：新儿童缺少必填项：入学日期、监护类型",
        "  第 9 行：帮扶教师 孙老师 不在 liushou.yaml 的 staff 名单中",
        "  第 10 行：年级与班级中写的年级不一致",
        "  第 12 行：与第 11 行是同一名儿童，只导入一次",
        "  第 13 行：身份证号中的性别位与 gender 不一致",
    ]
    # The one good row was written all the same, and the data still passes check.
    assert (root / "children/3年级/1班/2015-301-01.yaml").exists()
    assert_checks_clean(root)


def test_id_conflict_and_header_problems(tmp_path):
    root = repo(tmp_path)
    rows = [
        ["学号", "姓名", "性别", "出生日期", "编号"],
        ["X1", "张小梅", "女", "2008-03-04", None],
    ]
    result = run("-C", str(root), "import", "roster", str(write_xlsx(tmp_path / "a.xlsx", rows)))
    assert result.exit_code == 1
    assert "  第 2 行：“编号”和“学号”是同一项，只能保留一列\n" in result.output
    rows = [["学号", "姓名", "性别", "出生日期"], ["X1", "张小梅", "女", "2008-03-04"]]
    result = run("-C", str(root), "import", "roster", str(write_xlsx(tmp_path / "b.xlsx", rows)))
    assert result.exit_code == 1
    assert (
        "第 3 行：姓名和出生日期与已有档案 2015030107 相符，但学号不同；请核对学号" in result.output
    )


def test_matching_by_id_number_and_by_name_and_birth_date(tmp_path):
    number = id_number("20080304", "002")
    kept = KEPT.replace("gender: 女\n", f'gender: 女\nid_number: "{number}"\n')
    root = write_repo(tmp_path / "school", {"2015030107.yaml": kept}, settings=SETTINGS)
    rows = [
        ["姓名", "出生日期", "身份证号", "家庭住址"],
        ["改了名", "2008-03-04", number, "测试镇新村三组"],
        ["张小梅", "2008/3/4", None, "测试镇新村三组"],
    ]
    result = run("-C", str(root), "import", "roster", str(write_xlsx(tmp_path / "a.xlsx", rows)))
    assert result.exit_code == 1
    assert "  第 3 行  2015030107  张小梅\n    姓名：张小梅 → 改了名\n" in result.output
    # The address is shortened in the plan, never printed whole.
    assert "    家庭住址：**** → ****\n" in result.output
    assert "  第 4 行：与第 3 行是同一名儿童，只导入一次\n" in result.output


def test_masking_of_phones_and_id_numbers_in_the_plan(tmp_path):
    root = repo(tmp_path)
    number = id_number("20080304", "002")
    rows = [
        ["学号", "姓名", "身份证号", "父亲电话"],
        ["2015030107", "张小梅", number, "0839-5371785"],
    ]
    result = run("-C", str(root), "import", "roster", str(write_xlsx(tmp_path / "a.xlsx", rows)))
    assert result.exit_code == 0, result.output
    assert f"    身份证号：（空） → 510899********{number[-4:]}\n" in result.output
    assert number not in result.output
    assert "    父亲电话：139****0011 → 0839-****1785\n" in result.output


def test_gb18030_csv_roster(tmp_path):
    root = repo(tmp_path)
    text = (
        "姓名,性别,出生日期,年级,班级,入学日期,留守类型,监护类型,父亲电话\n"
        "\n"
        "刘一,男,2010/2/3,学前班,2,2015年9月1日,母亲外出,其他,13811112222\n"
    )
    sheet = tmp_path / "花名册.csv"
    sheet.write_bytes(text.encode("gb18030"))
    result = run("-C", str(root), "import", "roster", str(sheet), "--write")
    assert result.exit_code == 0, result.output
    assert "  第 3 行  2015-002-01  刘一  → children/学前班/2班/2015-002-01.yaml\n" in result.output
    written = (root / "children/学前班/2班/2015-002-01.yaml").read_text("utf-8")
    assert 'phone: "13811112222"' in written
    assert_checks_clean(root)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.xls", b"not a workbook", "xlrd"),
        ("a.xlsx", b"not a zip", "不是有效的 .xlsx 文件"),
        ("a.txt", b"", "不支持的文件类型"),
        ("a.csv", "学号,性别\n1,男\n".encode(), "找不到表头行"),
        ("a.csv", b"\xff\xfe\x00\x00\x81", "编码无法识别"),
    ],
)
def test_unreadable_files_exit_2(tmp_path, monkeypatch, name, content, message):
    import builtins

    real_import = builtins.__import__

    def no_xlrd(module, *args, **kwargs):
        if module == "xlrd":
            raise ImportError(module)
        return real_import(module, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_xlrd)
    root = repo(tmp_path)
    (tmp_path / name).write_bytes(content)
    result = run("-C", str(root), "import", "roster", str(tmp_path / name))
    assert result.exit_code == 2
    assert message in result.output


def test_usage_problems_exit_2(tmp_path):
    root = repo(tmp_path)
    sheet = write_xlsx(tmp_path / "a.xlsx", [["姓名"], ["张小梅"]])
    assert run("-C", str(root), "import", "roster", str(sheet), "--sheet", "无此表").exit_code == 2
    assert run("-C", str(root), "import", "log", "nosuch", str(sheet)).exit_code == 2
    assert run("-C", str(tmp_path / "nowhere"), "import", "roster", str(sheet)).exit_code == 2


# --- import log -----------------------------------------------------------------------------

TALKS_ROWS = [
    ["日期", "学号", "姓名", "班级", "谈心教师", "内容", "备注"],
    [dt.datetime(2015, 10, 8), 2015030107, None, None, "周老师", "谈学习，鼓励多读书。", "x"],
    ["2015/10/15", None, "张小梅", "三年级（2）班", "吴老师", "说想妈妈，约好周末视频。", None],
    [42300, "2015030107", None, None, "周老师", "谈学习，鼓励多读书。", None],
    ["2015年10月8日", "2015030107", None, None, "周老师", "谈学习，鼓励多读书。", None],
]  # fmt: skip
EXISTING_TALKS = "date,child_id,staff,summary,follow_up\n2015-09-10,2015030107,周老师,开学谈心,\n"


def test_log_import_appends_new_rows_in_file_order_then_is_idempotent(tmp_path):
    root = write_repo(
        tmp_path / "school",
        {"2015030107.yaml": KEPT},
        logs={"talks": EXISTING_TALKS},
        settings=SETTINGS,
    )
    sheet = write_xlsx(tmp_path / "谈心.xlsx", TALKS_ROWS, title="谈心记录")
    dry = run("-C", str(root), "import", "log", "talks", str(sheet))
    assert dry.exit_code == 0, dry.output
    assert dry.output == (
        "日志：谈心.xlsx（工作表“花名册”，表头在第 2 行）→ logs/talks.csv\n"
        "未识别的列（已忽略）：备注\n"
        "新增记录：3 行\n"
        "  第 3 行  2015-10-08  2015030107  周老师\n"
        "  第 4 行  2015-10-15  2015030107  吴老师\n"
        "  第 5 行  2015-10-23  2015030107  周老师\n"
        "已导入过（跳过）：1 行\n"
        "问题：无\n"
        "这是预览，没有写入任何文件；确认无误后加 --write 写入。\n"
    )
    assert (root / "logs/talks.csv").read_text("utf-8") == EXISTING_TALKS
    result = run("-C", str(root), "import", "log", "talks", str(sheet), "--write")
    assert result.exit_code == 0
    assert (root / "logs/talks.csv").read_text("utf-8") == EXISTING_TALKS + (
        "2015-10-08,2015030107,周老师,谈学习，鼓励多读书。,\n"
        "2015-10-15,2015030107,吴老师,说想妈妈，约好周末视频。,\n"
        "2015-10-23,2015030107,周老师,谈学习，鼓励多读书。,\n"
    )
    assert_checks_clean(root)
    again = run("-C", str(root), "import", "log", "talks", str(sheet), "--write")
    assert again.exit_code == 0
    assert "新增记录：0 行\n已导入过（跳过）：4 行\n" in again.output


def test_log_keeps_a_gb18030_file_and_its_chinese_header_and_crlf(tmp_path):
    existing = "日期,学号,教师,内容,follow_up\r\n2015/9/10,2015030107,周老师,开学谈心,\r\n"
    root = write_repo(
        tmp_path / "school",
        {"2015030107.yaml": KEPT},
        logs={"talks": existing.encode("gb18030")},
        settings=SETTINGS,
    )
    rows = [["日期", "学号", "教师", "内容"], ["2015-09-10", "2015030107", "周老师", "开学谈心"],
            ["2015-11-02", "2015030107", "周老师", "期中后谈心"]]  # fmt: skip
    sheet = tmp_path / "谈心.csv"
    sheet.write_bytes("\n".join(",".join(r) for r in rows).encode("utf-8-sig"))
    result = run("-C", str(root), "import", "log", "talks", str(sheet), "--write")
    assert result.exit_code == 0, result.output
    assert "已导入过（跳过）：1 行" in result.output
    data = (root / "logs/talks.csv").read_bytes()
    assert data.decode("gb18030") == existing + "2015-11-02,2015030107,周老师,期中后谈心,\r\n"


def test_missing_log_is_created_with_bom_and_header(tmp_path):
    root = repo(tmp_path)
    rows = [["日期", "学号", "对象", "方式", "联系人"],
            ["2015-10-09", "2015030107", "父母", "电话", "周老师"]]  # fmt: skip
    sheet = write_xlsx(tmp_path / "联系.xlsx", rows, title=None)
    result = run("-C", str(root), "import", "log", "contacts", str(sheet), "--write")
    assert result.exit_code == 0, result.output
    assert (root / "logs/contacts.csv").read_bytes() == (
        "\ufeffdate,child_id,staff,with,channel,summary\n2015-10-09,2015030107,周老师,父母,电话,\n"
    ).encode("utf-8")
    assert_checks_clean(root)


def test_log_row_problems(tmp_path):
    twin = KEPT.replace('"2015030107"', "twin").replace("2008-03-04", "2008-05-05")
    root = write_repo(
        tmp_path / "school",
        {"2015030107.yaml": KEPT, "twin.yaml": twin},
        settings=SETTINGS,
    )
    rows = [
        ["日期", "学号", "姓名", "班级", "对象", "方式", "联系人"],
        ["2015-10-09", "nobody", None, None, "父母", "电话", "周老师"],
        ["2015-10-09", None, "张小梅", "2班", "父母", "电话", "周老师"],
        ["2015-10-09", None, "无名", "2班", "父母", "电话", "周老师"],
        ["2016-02-01", "twin", None, None, "父母", "电话", "周老师"],
        ["2015/10/32", "twin", None, None, "父母", "电话", "周老师"],
        ["2015-10-09", "twin", None, None, "邻居", "电话", "周老师"],
        ["2015-10-09", "twin", None, None, "父母", "电话", None],
        ["2015-10-09", "twin", None, None, "父母", "视频", "周老师"],
    ]
    sheet = write_xlsx(tmp_path / "联系.xlsx", rows, title=None)
    result = run("-C", str(root), "import", "log", "contacts", str(sheet), "--write")
    assert result.exit_code == 1
    problems = result.output.split("问题：7 处（这些行不导入，其余行照常导入）\n")[1]
    assert problems.splitlines()[:-1] == [
        "  第 2 行：学号 nobody 没有对应的儿童档案",
        "  第 3 行：姓名和班级与 2 名儿童相符（2015030107、twin），请填写学号",
        "  第 4 行：找不到姓名和班级相符的儿童档案，请填写学号",
        "  第 5 行：date：是将来的日期（今天是 2016-01-20）",
        "  第 6 行：date：无法识别的日期，应写成 2015-09-01、2015/9/1、2015.9.1 或 2015年9月1日",
        "  第 7 行：with：“邻居”不在允许范围内，应为：父母 | 监护人",
        "  第 8 行：缺少 staff",
    ]
    assert (root / "logs/contacts.csv").read_text("utf-8-sig").splitlines()[1:] == [
        "2015-10-09,twin,周老师,父母,视频,"
    ]


def test_log_header_missing_a_required_column(tmp_path):
    root = repo(tmp_path)
    sheet = write_xlsx(tmp_path / "a.xlsx", [["日期", "内容"], ["2015-10-09", "谈心"]], title=None)
    result = run("-C", str(root), "import", "log", "talks", str(sheet))
    assert result.exit_code == 1
    assert (
        "  第 1 行：表头缺少必需的列：child_id、staff（需要：date、child_id、staff）\n"
        in result.output
    )


# --- the shipped examples -----------------------------------------------------------------


def test_shipped_example_sheets_import_cleanly_into_a_copy(tmp_path):
    root = copy_example(tmp_path / "yangliu")
    roster = EXAMPLE / "import" / "花名册.xlsx"
    talks = EXAMPLE / "import" / "谈心记录.xlsx"
    first = run("-C", str(root), "import", "roster", str(roster), "--write")
    assert first.exit_code == 0, first.output
    assert "新建档案：4 份" in first.output and "修改档案：1 份" in first.output
    assert "问题：无" in first.output
    log = run("-C", str(root), "import", "log", "talks", str(talks), "--write")
    assert log.exit_code == 0, log.output
    assert "新增记录：5 行" in log.output
    assert_checks_clean(root)
    assert "没有变化：6 份" in run("-C", str(root), "import", "roster", str(roster)).output
    again = run("-C", str(root), "import", "log", "talks", str(talks))
    assert "新增记录：0 行\n已导入过（跳过）：5 行" in again.output


# --- the record writer --------------------------------------------------------------------


def test_new_record_has_every_key_in_spec_order_and_passes_check(tmp_path):
    root = write_repo(tmp_path / "school", {}, settings=SETTINGS)
    fields = {
        "id": "n1",
        "name": "新同学",
        "gender": "男",
        "birth_date": dt.date(2009, 1, 2),
        "grade": 0,
        "class": 1,
        "enrolled_on": dt.date(2015, 9, 1),
        "left_behind": {"type": "父母均外出"},
        "guardianship": "隔代监护",
    }
    path = write_new_record(root, fields)
    assert path == root / "children/学前班/1班/n1.yaml"
    keys = [line.split(":")[0] for line in path.read_text("utf-8").splitlines()]
    assert [k for k in keys if not k.startswith(" ")] == [
        "id", "name", "gender", "birth_date", "id_number", "grade", "class", "boarding",
        "address", "enrolled_on", "status", "status_date", "left_behind", "guardianship",
        "parents", "guardian", "profile", "care", "consent", "notes",
    ]  # fmt: skip
    assert all("  # " in line for line in path.read_text("utf-8").splitlines())
    assert_checks_clean(root)
    with pytest.raises(RecordWriteError, match="已存在"):
        write_new_record(root, {**fields, "grade": 2})


def test_record_path_and_quoting():
    assert record_path(3, 2).as_posix() == "children/3年级/2班"
    assert record_path(0, 1).as_posix() == "children/学前班/1班"
    text = new_record_text({"id": "007", "name": "yes", "notes": "a: b # c"})
    assert text.startswith('id: "007"')
    assert 'name: "yes"' in text and 'notes: "a: b # c"' in text


def test_atomic_writer_refuses_to_overwrite_or_follow_a_symlink(tmp_path):
    target = tmp_path / "a.yaml"
    write_atomic(target, b"one", root=tmp_path, exclusive=True)
    with pytest.raises(RecordsError):
        write_atomic(target, b"two", root=tmp_path, exclusive=True)
    assert target.read_bytes() == b"one"
    link = tmp_path / "link.yaml"
    link.symlink_to(tmp_path / "elsewhere.yaml")
    with pytest.raises(RecordsError, match="符号链接"):
        write_atomic(link, b"x", root=tmp_path, exclusive=True)
    assert not (tmp_path / "elsewhere.yaml").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml", "link.yaml"]


def test_round_trip_edit_keeps_every_example_record_byte_for_byte():
    for path in sorted((EXAMPLE / "children").rglob("*.yaml")):
        text = path.read_text("utf-8")
        assert edit_record(text, {}) == text, path


def test_edit_inserts_missing_keys_in_spec_order():
    text = CHILD.format(id="c1").replace("  - relation: 父亲", "  - relation: 母亲")
    edited = edit_record(
        text,
        {"boarding": True, "parents.父亲.phone": "13800001111", "care.buddy": "小王"},
    )
    lines = edited.splitlines()
    assert lines[lines.index("class: 1") + 1] == "boarding: true"
    assert '  - relation: 父亲\n    phone: "13800001111"\n  - relation: 母亲' in edited
    assert edited.endswith("care:\n  mentor: 周老师\n  buddy: 小王\n")


def test_incidents_datetimes_and_activity_participants(tmp_path):
    root = repo(tmp_path)
    incidents = [
        ["发生时间", "学号", "summary", "guardian_notified_at", "reported_at"],
        [dt.datetime(2015, 11, 3, 8, 5), "2015030107", "课间摔伤", "2015/11/3 8:20", None],
        ["2015年11月4日 9:00", "2015030107", "发烧", "2015-11-04 8:30", None],
    ]
    sheet = write_xlsx(tmp_path / "事件.xlsx", incidents, title=None)
    result = run("-C", str(root), "import", "log", "incidents", str(sheet), "--write")
    assert result.exit_code == 1
    assert "  第 3 行：guardian_notified_at 早于 occurred_at\n" in result.output
    assert (root / "logs/incidents.csv").read_text("utf-8-sig").splitlines() == [
        "occurred_at,child_id,summary,guardian_notified_at,parents_notified_at,reported_at,kind",
        "2015-11-03 08:05,2015030107,课间摔伤,2015-11-03 08:20,,,",
    ]
    activities = [
        ["日期", "活动名称", "类别", "参加对象"],
        ["2015-10-01", "国庆主题班会", "主题班会", "全体"],
        ["2015-10-02", "亲情通话", "其他", "2015030107、 2015030107"],
        ["2015-10-03", "读书会", "其他", "2015030107;nobody"],
    ]
    sheet = write_xlsx(tmp_path / "活动.xlsx", activities, title=None)
    result = run("-C", str(root), "import", "log", "activities", str(sheet), "--write")
    assert result.exit_code == 1
    assert "  第 4 行：参加对象中的编号 nobody 没有对应的儿童档案\n" in result.output
    assert (root / "logs/activities.csv").read_text("utf-8-sig").splitlines()[1:] == [
        "2015-10-01,国庆主题班会,主题班会,全体,",
        "2015-10-02,亲情通话,其他,2015030107;2015030107,",
    ]
    assert_checks_clean(root)


def test_sheet_choice(tmp_path):
    root = repo(tmp_path)
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本表由教务处填写"])
    for title, name in (("一班", "张小梅"), ("二班", "李四")):
        ws = book.create_sheet(title)
        ws.append(["姓名", "出生日期", "家庭住址"])
        ws.append([name, "2008-03-04", "测试镇新村"])
    book.save(tmp_path / "多表.xlsx")
    first = run("-C", str(root), "import", "roster", str(tmp_path / "多表.xlsx"))
    assert first.output.startswith("花名册：多表.xlsx（工作表“一班”，表头在第 1 行）\n")
    assert "修改档案：1 份" in first.output
    second = run(
        "-C", str(root), "import", "roster", str(tmp_path / "多表.xlsx"), "--sheet", "二班"
    )
    assert second.exit_code == 1
    assert (
        "  第 2 行：新儿童缺少必填项：性别、年级、班级、入学日期、留守类型、监护类型\n"
        in second.output
    )


def test_filled_in_lines_keep_their_comments_in_column():
    text = new_record_text({"id": "a1", "name": "x"})
    edited = edit_record(text, {"address": "某村", "notes": "a # b"})
    changed = [b for a, b in zip(text.splitlines(), edited.splitlines()) if a != b]
    assert changed == [
        "address: 某村                     # 家庭详细地址",
        "notes: 'a # b'                    # 备注",
    ]


def test_a_gb18030_record_is_edited_and_kept_in_gb18030(tmp_path):
    root = repo(tmp_path)
    path = root / "children" / "3年级" / "2班" / "2015030107.yaml"
    path.write_bytes(path.read_text("utf-8").encode("gb18030"))  # as Excel/WPS users save it
    sheet = write_xlsx(tmp_path / "花名册.xlsx", GOOD_ROWS)
    result = run("-C", str(root), "import", "roster", str(sheet), "--write")
    assert result.exit_code == 0, result.output
    edited = path.read_bytes().decode("gb18030")  # still GB18030, and edited
    assert '  phone: "13900000099"' in edited and "  interests: [画画, 唱歌]" in edited
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
