"""Rosters (花名册) and contact cards: masking, spreadsheet safety, Word output, the commands."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from liushou.api import load
from liushou.cli import app
from liushou.documents.roster import (
    COLUMNS,
    XLSX_SHEETS,
    coarse_place,
    mask_id_number,
    mask_phone,
    neutralise,
    roster_csv,
    roster_md,
    roster_rows,
    roster_xlsx,
)
from liushou.figures.metrics import in_care
from liushou.labels import parse_class_key

from .repo_factory import CHILD, copy_example, write_repo

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "yangliu"
TODAY = "2016-01-20"
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
# Full numbers of yl-2013-0203 (3-2 班): its ID number and its guardian's landline.
CHILD_3_2 = "yl-2013-0203"
ID_3_2 = "510899200702115956"
GUARDIAN_PHONE_3_2 = "0839-5371785"
# A 3-2 child whose parents work in 福建省厦门市集美区, and one who left 3-2 on 2015-11-16.
WORK_PLACE_CHILD = "yl-2013-0222"
LEFT_3_2 = "郭子涵"

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def school(tmp_path) -> Path:
    """A copy of the example school, so that reports land in tmp_path."""
    return copy_example(tmp_path / "yangliu")


def at(root: Path, *args: str):
    return run("--today", TODAY, "-C", str(root), *args)


def xlsx_texts(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [
        str(c.value)
        for sheet in book
        for row in sheet.iter_rows()
        for c in row
        if c.value is not None
    ]


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


# ---------------------------------------------------------------------------- masking


@pytest.mark.parametrize(
    "phone, masked",
    [
        ("13812345678", "138****5678"),
        ("0839-5371785", "0839-****1785"),
        ("08395371785", "0839****1785"),
        ("010-12345678", "010-****5678"),
        ("", ""),
        (None, ""),
        ("12345", "****"),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    "number, masked",
    [
        ("510823200701010018", "510823********0018"),
        ("51082320070101001X", "510823********001X"),
        ("5108232007", "****"),
        (None, ""),
    ],
)
def test_mask_id_number(number, masked):
    assert mask_id_number(number) == masked


@pytest.mark.parametrize(
    "place, coarse",
    [
        ("广东省东莞市长安镇", "广东省东莞市"),
        ("江苏省苏州市昆山市", "江苏省苏州市"),
        ("广东省广州市白云区", "广东省广州市"),
        ("北京市朝阳区", "北京市"),
        ("上海嘉定区", "上海"),
        ("新疆乌鲁木齐市米东区", "新疆乌鲁木齐市"),
        ("广西壮族自治区南宁市青秀区", "广西壮族自治区南宁市"),
        ("湖北省恩施州利川市", "湖北省恩施州"),
        ("新疆阿勒泰地区布尔津县", "新疆阿勒泰地区"),
        ("广东省长安镇某工业区", "广东省"),
        ("东莞市长安镇", "东莞市"),
        ("广东 东莞市 长安镇", "广东东莞市"),
        ("福建省晋江市", "福建省晋江市"),
        ("东莞长安镇振安路12号", "东莞长安镇振…"),
        ("深圳", "深圳"),
        ("", ""),
        (None, ""),
    ],
)
def test_work_place_is_cut_to_province_and_city(place, coarse):
    assert coarse_place(place) == coarse


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_is_neutralised(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["2016-01-20", "0839-****1785", "张三", "", 7])
def test_ordinary_values_are_kept(value):
    assert neutralise(value) == value


def test_class_key():
    assert parse_class_key("3-2") == (3, 2)
    assert parse_class_key("3年级2班") == (3, 2)
    with pytest.raises(ValueError, match="3-2"):
        parse_class_key("三二")


# ---------------------------------------------------------------------------- rows


def example_rows(**options):
    repo, _ = load(EXAMPLE, use_cache=False)
    return repo, roster_rows(repo, today=dt.date.fromisoformat(TODAY), **options)


def test_roster_lists_the_children_in_care_today_sorted():
    repo, rows = example_rows()
    day = dt.date.fromisoformat(TODAY)
    expected = {c.id for c in repo.children.values() if in_care(c, day)}
    assert {r["编号"] for r in rows} == expected
    assert len(rows) == len(expected) == 27
    # 转出, 辍学 and a child whose parents came home are not on it.
    assert not {"yl-2013-0217", "yl-2010-0107", "yl-2012-0114"} & expected
    assert [r["序号"] for r in rows] == list(range(1, len(rows) + 1))
    order = [
        (repo.children[r["编号"]].get("grade"), repo.children[r["编号"]].get("class"), r["姓名"])
        for r in rows
    ]
    assert order == sorted(order)
    assert all(tuple(r) == COLUMNS for r in rows)


def test_roster_of_one_class_masks_by_default_and_has_no_address():
    repo, rows = example_rows(class_key="3-2")
    assert {(r["年级"], r["班级"]) for r in rows} == {("三年级", "2班")}
    row = next(r for r in rows if r["编号"] == CHILD_3_2)
    assert row["身份证号"] == "510899********5956"
    assert row["监护人电话"] == "0839-****1785"
    assert row["监护人"] == "胡国富（祖父）"
    assert row["出生日期"] == dt.date(2007, 2, 11)
    address = repo.children[CHILD_3_2].get("address")
    assert not any(address in str(v) for r in rows for v in r.values())
    _, full = example_rows(class_key="3-2", full=True)
    row = next(r for r in full if r["编号"] == CHILD_3_2)
    assert (row["身份证号"], row["监护人电话"]) == (ID_3_2, GUARDIAN_PHONE_3_2)


def test_roster_gives_work_places_to_the_city_unless_full():
    repo, rows = example_rows(class_key="3-2")
    row = next(r for r in rows if r["编号"] == WORK_PLACE_CHILD)
    assert row["父母务工地"] == "父亲 福建省厦门市；母亲 福建省厦门市"
    for child in repo.children.values():
        for parent in child.get("parents") or []:
            place = parent.get("work_place") or ""
            if coarse_place(place) != place:
                assert not any(place in str(v) for r in rows for v in r.values()), place
    _, full = example_rows(class_key="3-2", full=True)
    row = next(r for r in full if r["编号"] == WORK_PLACE_CHILD)
    assert row["父母务工地"] == "父亲 福建省厦门市集美区；母亲 福建省厦门市集美区"


def test_markdown_roster_escapes_pipes():
    _, rows = example_rows(class_key="3-2")
    rows[0]["姓名"] = "甲|乙"
    text = roster_md(rows)
    assert text.splitlines()[0] == "| " + " | ".join(COLUMNS) + " |"
    assert "甲\\|乙" in text
    assert len(text.splitlines()) == 2 + len(rows)


# ---------------------------------------------------------------------------- roster command


def test_default_roster_is_a_masked_xlsx(school):
    result = at(school, "roster")
    assert result.exit_code == 0, result.output
    path = school / "reports" / "花名册.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["基本情况", "家庭联系"]
    sheet = book["基本情况"]
    assert sheet["A1"].value.endswith("（基本情况）") and sheet["A1"].font.bold
    header = [c.value for c in sheet[2]]
    assert header == list(XLSX_SHEETS[0][1])
    assert all(c.font.bold for c in sheet[2])
    assert sheet.freeze_panes == "A3"
    assert sheet.max_row == 2 + 27 + 2  # title, header, children, a blank row, 填表人
    assert sheet.cell(row=sheet.max_row, column=1).value.startswith("填表人：")
    # Everything the 17-column roster holds is kept, split over the two sheets.
    both = set(XLSX_SHEETS[0][1]) | set(XLSX_SHEETS[1][1])
    assert both == set(COLUMNS)
    texts = xlsx_texts(path)
    assert not [t for t in texts if MOBILE.search(t) or ID_NUMBER.search(t)]
    assert "510899********5956" in texts
    # Phone and ID cells are text, the birth date a real date shown the Chinese way.
    column = header.index("身份证号")
    ids = [row[column] for row in sheet.iter_rows(min_row=3) if row[column].value]
    assert ids and all(c.data_type == "s" for c in ids)
    birth = sheet.cell(row=3, column=header.index("出生日期") + 1)
    assert isinstance(birth.value, dt.datetime)
    assert birth.number_format == 'yyyy"年"m"月"d"日"'


def test_xlsx_roster_prints_readably_on_a4_landscape(school):
    from liushou.documents.roster import XLSX_FONT_PT, XLSX_PAGE_UNITS

    assert at(school, "roster").exit_code == 0
    book = openpyxl.load_workbook(school / "reports" / "花名册.xlsx")
    for sheet in book:
        setup = sheet.page_setup
        assert setup.orientation == "landscape" and str(setup.paperSize) == sheet.PAPERSIZE_A4
        assert sheet.print_title_rows == "$1:$2"
        assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
        width = sum(d.width for d in sheet.column_dimensions.values())
        # Fitting the width on the page never shrinks the text below 9 pt.
        assert XLSX_FONT_PT * min(1.0, XLSX_PAGE_UNITS / width) >= 9, sheet.title
        rows = list(sheet.iter_rows(min_row=2, max_row=2 + 27))
        assert all(c.border.left.style == "thin" for row in rows for c in row)
        assert all(c.font.size >= 9 for row in rows for c in row)


def test_full_roster_has_the_numbers_and_warns(school):
    result = at(school, "roster", "--class", "3-2", "--full")
    assert result.exit_code == 0, result.output
    assert "完整的电话号码、身份证号和父母务工地" in result.stderr
    texts = xlsx_texts(school / "reports" / "花名册-3-2班.xlsx")
    assert ID_3_2 in texts and GUARDIAN_PHONE_3_2 in texts
    assert any(MOBILE.search(t) for t in texts)
    assert any("福建省厦门市集美区" in t for t in texts)


def test_csv_roster_has_bom_and_crlf(school):
    result = at(school, "roster", "--format", "csv")
    assert result.exit_code == 0, result.output
    data = (school / "reports" / "花名册.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.count("\r\n") == 1 + 27
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(COLUMNS)
    assert not MOBILE.search(text) and not ID_NUMBER.search(text)
    assert "福建省厦门市；" in text and "集美区" not in text


def test_markdown_roster_goes_to_stdout(school):
    result = at(school, "roster", "--format", "md", "--class", "3-2")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("| 序号 | 编号 | 姓名 |")
    assert "胡俊豪" in result.stdout
    assert not (school / "reports").exists()


def test_roster_takes_today_after_the_command_name(school):
    md = ("--format", "md", "--class", "3-2")
    assert LEFT_3_2 not in at(school, "roster", *md).stdout
    earlier = run("-C", str(school), "roster", *md, "--today", "2015-11-01")
    assert earlier.exit_code == 0, earlier.output
    assert LEFT_3_2 in earlier.stdout
    # The command's --today wins over the global one.
    assert LEFT_3_2 in at(school, "roster", *md, "--today", "2015-11-01").stdout
    assert run("-C", str(school), "roster", "--today", "2015-13-01").exit_code == 2
    result = run("-C", str(school), "roster", "--class", "3-2", "--today", "2015-11-01")
    assert result.exit_code == 0, result.output
    title = openpyxl.load_workbook(school / "reports" / "花名册-3-2班.xlsx").properties.title
    assert title.endswith("（三年级（2）班，2015年11月1日）")


def test_roster_refuses_to_overwrite_without_force(school):
    assert at(school, "roster").exit_code == 0
    path = school / "reports" / "花名册.xlsx"
    path.write_bytes(b"edited by hand")
    result = at(school, "roster")
    assert result.exit_code == 2
    assert "--force" in result.stderr
    assert path.read_bytes() == b"edited by hand"
    assert at(school, "roster", "--force").exit_code == 0
    assert path.read_bytes().startswith(b"PK")


@pytest.mark.parametrize(
    "args",
    [("--class", "8-1"), ("--class", "三二"), ("--format", "pdf")],
)
def test_roster_usage_problems_exit_2(school, args):
    assert at(school, "roster", *args).exit_code == 2


def test_settings_problem_exits_2(tmp_path):
    result = run("-C", str(tmp_path), "roster")
    assert result.exit_code == 2
    assert "LS901" in result.stderr


# ---------------------------------------------------------------------------- formula injection


def injected(tmp_path) -> Path:
    child = (
        CHILD.format(id="c1")
        .replace("name: 测试儿童", "name: \"=HYPERLINK('http://x','点我')\"")
        .replace("name: 测试祖母", 'name: "@SUM(1+1)"')
        .replace("work_place: 广东省某市", 'work_place: "+广东省某市"')
    )
    return write_repo(tmp_path / "repo", {"2/1/c1.yaml": child + 'notes: "=1+1"\n'})


def test_formula_cells_are_neutralised_in_csv_and_xlsx(tmp_path):
    root = injected(tmp_path)
    assert at(root, "roster", "--format", "csv").exit_code == 0
    assert at(root, "roster").exit_code == 0
    text = (root / "reports" / "花名册.csv").read_bytes().decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text, newline="")))
    cells = dict(zip(header, row))
    assert cells["姓名"] == "'=HYPERLINK('http://x','点我')"
    assert cells["监护人"] == "'@SUM(1+1)（祖母）"
    assert cells["出生日期"] == "2008-03-04"
    book = openpyxl.load_workbook(root / "reports" / "花名册.xlsx")
    cells = {h.value: c for h, c in zip(book["基本情况"][2], book["基本情况"][3])}
    assert cells["姓名"].value == "'=HYPERLINK('http://x','点我')"
    assert cells["姓名"].data_type == "s"
    cells = {h.value: c for h, c in zip(book["家庭联系"][2], book["家庭联系"][3])}
    assert cells["监护人"].value.startswith("'@")
    for sheet in book:
        assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_writers_neutralise_without_the_cli():
    rows = [dict.fromkeys(COLUMNS, "") | {"序号": 1, "姓名": "=cmd", "父母务工地": "-x"}]
    assert "'=cmd" in roster_csv(rows).decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(roster_xlsx(rows, "测试")))
    values = [c.value for sheet in book for c in sheet[3]]
    assert "'=cmd" in values and "'-x" in values


# ---------------------------------------------------------------------------- cards


def test_class_cards_one_page_each(school):
    result = at(school, "card", "--class", "3-2", "--full")
    assert result.exit_code == 0, result.output
    path = school / "reports" / "cards" / "3-2班.docx"
    document = docx.Document(str(path))
    # Each card after the first starts a new page (page-break-before on its first paragraph).
    assert document.element.xml.count("<w:pageBreakBefore/>") == 3 - 1
    assert len(document.tables) == 3
    text = docx_text(path)
    for name in ("胡俊豪", "朱雨欣", "林佳怡"):
        assert name in text
    assert GUARDIAN_PHONE_3_2 in text and ID_3_2 in text
    assert "留守儿童档案卡（联系卡）" in text and "杨柳镇中心小学" in text
    assert "{{" not in text
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_card_masks_numbers_unless_full(school):
    result = at(school, "card", CHILD_3_2)
    assert result.exit_code == 0, result.output
    text = docx_text(school / "reports" / "cards" / f"{CHILD_3_2}.docx")
    assert "胡俊豪" in text and "0839-****1785" in text
    assert "青禾县杨柳镇石桥村3组" in text  # the card is the archive: it keeps the address
    assert not MOBILE.search(text) and not ID_NUMBER.search(text)
    assert GUARDIAN_PHONE_3_2 not in text


def test_card_labels_every_archive_field(school):
    at(school, "card", CHILD_3_2, "-o", str(school / "card.docx"))
    text = docx_text(school / "card.docx")
    for label in ("姓名", "性别", "出生日期", "身份证号", "年级班级", "家庭住址", "留守类型"):
        assert label in text
    for label in ("监护类型", "父亲", "监护人", "性格特征", "兴趣爱好", "健康状况"):
        assert label in text
    for label in ("帮扶教师", "学习帮手", "重点帮扶", "个别方案", "计划免疫", "平安保险", "备注"):
        assert label in text


def with_staff_phones(school: Path) -> None:
    settings = school / "liushou.yaml"
    text = settings.read_text(encoding="utf-8")
    text = text.replace("staff: [周德明, ", 'staff: [{name: 周德明, phone: "13612345678"}, ', 1)
    text = text.replace(" 赵国强,", ' {name: 赵国强, phone: "0839-5550123"},', 1)
    settings.write_text(text, encoding="utf-8")


def test_card_gives_the_school_and_mentor_phone_masked_unless_full(school):
    with_staff_phones(school)
    assert at(school, "card", CHILD_3_2, "-o", str(school / "card.docx")).exit_code == 0
    text = docx_text(school / "card.docx")
    assert "学校联系人（领导小组组长）：周德明　电话：136****5678" in text
    assert "帮扶教师：赵国强　电话：0839-****0123" in text
    assert at(school, "card", CHILD_3_2, "--full", "-o", str(school / "full.docx")).exit_code == 0
    full = docx_text(school / "full.docx")
    assert "电话：13612345678" in full and "电话：0839-5550123" in full


def test_card_dates_are_chinese_and_nothing_is_left_blank(school):
    at(school, "card", CHILD_3_2, "-o", str(school / "card.docx"))
    document = docx.Document(str(school / "card.docx"))
    rows = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", rows["出生日期"])
    assert not re.search(r"\d{4}-\d{2}-\d{2}", docx_text(school / "card.docx"))
    assert all(value.strip() for value in rows.values())
    for label in ("寄宿", "重点帮扶", "计划免疫完成", "平安保险"):
        assert rows[label] in ("是", "否", "未填"), label
    assert "未填" in rows.values()
    # The photo box spans the first rows beside 编号 … 身份证号.
    photo = document.tables[0].cell(0, 2)
    assert photo.text.startswith("贴照片处") and document.tables[0].cell(4, 2)._tc is photo._tc


def test_staff_entry_with_an_unquoted_phone_is_a_settings_error(school):
    settings = school / "liushou.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace("staff: [周德明, ", "staff: [{name: 周德明, phone: 13612345678}, ", 1),
        encoding="utf-8",
    )
    result = at(school, "card", CHILD_3_2)
    assert result.exit_code == 2
    assert "周德明 的电话应加引号" in result.output
    assert "13612345678" not in result.output


@pytest.mark.parametrize(
    "args",
    [("no-such-child",), (), ("--class", "8-1"), (CHILD_3_2, "--class", "3-2")],
)
def test_card_problems_exit_2(school, args):
    result = at(school, "card", *args)
    assert result.exit_code == 2
    assert result.stderr.strip()
    assert not (school / "reports").exists()


def test_card_takes_today_after_the_command_name(school):
    path = school / "cards.docx"
    result = run(
        "-C", str(school), "card", "--class", "3-2", "--today", "2015-11-01", "-o", str(path)
    )
    assert result.exit_code == 0, result.output
    assert len(docx.Document(str(path)).tables) == 4
    assert LEFT_3_2 in docx_text(path)
    assert run("-C", str(school), "card", CHILD_3_2, "--today", "2015-13-01").exit_code == 2


def test_card_refuses_to_overwrite_without_force(school):
    assert at(school, "card", CHILD_3_2).exit_code == 0
    path = school / "reports" / "cards" / f"{CHILD_3_2}.docx"
    path.write_bytes(b"filled in by hand")
    result = at(school, "card", CHILD_3_2)
    assert result.exit_code == 2
    assert "已存在" in result.stderr
    assert path.read_bytes() == b"filled in by hand"
    assert at(school, "card", CHILD_3_2, "--force").exit_code == 0
    assert path.read_bytes().startswith(b"PK")


def test_card_and_roster_have_chinese_help():
    import typer.main

    group = typer.main.get_command(app)
    for name in ("card", "roster"):
        command = group.commands[name]
        assert re.search(r"[\u4e00-\u9fff]", command.help), name
        for param in command.params:
            assert re.search(r"[\u4e00-\u9fff]", param.help or ""), (name, param.name)


def test_output_to_a_folder_exits_2(school):
    result = at(school, "roster", "-o", str(school / "children"))
    assert result.exit_code == 2
    assert "文件夹" in result.stderr


@pytest.mark.parametrize("command", [("roster",), ("card", CHILD_3_2)])
def test_unwritable_output_exits_2_in_chinese(school, command):
    # The "folder" to write into is a file: creating it fails with an OSError.
    target = school / "liushou.yaml" / "out" / "file"
    result = at(school, *command, "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"错误：无法写入 {target}：")
    assert "Traceback" not in result.output
