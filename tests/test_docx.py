"""Word output: the built-in templates rendered on the example school, school templates,
escaping, `liushou templates check|export`, and the charts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm
from typer.testing import CliRunner

from liushou.api import load, term_figures
from liushou.cli import app
from liushou.documents import charts
from liushou.documents.docx_render import (
    CHART_FILES,
    plan_docx,
    render_docx,
    report_docx,
)
from liushou.documents.output import REPORT_WRITERS
from liushou.documents.render import RenderError, builtin_templates, report_context
from liushou.documents.templates_lint import split_tags, template_variables
from liushou.terms import term_for

from .repo_factory import copy_example

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "yangliu"
TODAY = dt.date(2016, 3, 1)
PHONE = re.compile(r"1[3-9]\d{9}")
ID_NUMBER = re.compile(r"\d{17}[\dXx]")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
runner = CliRunner()


@pytest.fixture(scope="module")
def example():
    repo, _ = load(EXAMPLE, use_cache=False)
    figures = term_figures(repo, term_for("2015-autumn", repo.settings), TODAY)
    return repo, figures


@pytest.fixture(scope="module")
def summary(example) -> bytes:
    repo, figures = example
    return report_docx(figures, repo.settings, repo.root, repo=repo)


@pytest.fixture(scope="module")
def internal_summary(example) -> bytes:
    repo, figures = example
    return report_docx(figures, repo.settings, repo.root, repo=repo, internal=True)


@pytest.fixture
def school(tmp_path) -> Path:
    return copy_example(tmp_path / "yangliu")


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def xml_parts(data: bytes) -> dict[str, str]:
    """Every XML part of a .docx (body, headers, footers, properties...) as text."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith(".xml")
        }


def all_text(data: bytes) -> str:
    """The visible text of every part, paragraph by paragraph."""
    texts = []
    for name, xml in xml_parts(data).items():
        if name.startswith("word/"):
            for paragraph in re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.DOTALL):
                runs = re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", paragraph)
                texts.append("".join(runs))
    text = "\n".join(texts)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def table_rows(document) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]


def row_starting(document, first: str) -> list[str]:
    return next(row for row in table_rows(document) if row[0] == first)


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


# ---------------------------------------------------------------------------- the summary


def test_summary_headings_follow_the_markdown_sections(summary):
    document = open_docx(summary)
    by_style: dict[str, list[str]] = {}
    for paragraph in document.paragraphs:
        by_style.setdefault(paragraph.style.name, []).append(paragraph.text)
    assert by_style["Heading 1"] == [
        "一、基本情况",
        "二、主要做法和成效",
        "三、存在的问题",
        "四、下一步工作打算",
    ]
    assert by_style["Heading 2"] == [
        "（一）健全领导小组，明确工作责任",
        "（二）建档立卡，做到“五清楚”",
        "（三）结对帮扶，当好代理家长",
        "（四）坚持谈心，关注心理健康",
        "（五）家校联系和家访",
        "（六）开展关爱活动",
        "（七）办好监护人培训",
        "（八）健康与资助",
        "（九）安全教育和突发事件处置",
        "（十）依法履职情况",
        "（一）主要指标",
        "（二）关爱制度落实情况",
        "（三）分班级",
    ]
    for paragraph in document.paragraphs:
        if paragraph.style.name.startswith("Heading"):
            assert paragraph.style.paragraph_format.keep_with_next, paragraph.text
    title = by_style["Title"][0]
    assert "杨柳镇中心小学" in title and "关爱留守儿童工作总结" in title
    assert "2015—2016学年秋季学期" in title
    assert "附件" in by_style["附件"]


def test_summary_is_a4_with_official_margins(summary):
    section = open_docx(summary).sections[0]
    expected = {
        "page_width": 210,
        "page_height": 297,
        "top_margin": 37,
        "bottom_margin": 35,
        "left_margin": 28,
        "right_margin": 26,
    }
    for name, mm in expected.items():
        assert abs(getattr(section, name).mm - mm) < 0.5, name


def test_summary_fonts_are_those_of_an_official_document(summary):
    styles = open_docx(summary).styles

    def east_asian(style) -> str:
        return style.element.rPr.rFonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )

    assert east_asian(styles["Normal"]) == "仿宋_GB2312"
    assert styles["Normal"].font.size.pt == 16
    assert east_asian(styles["Title"]) == "方正小标宋简体"
    assert styles["Title"].font.size.pt == 22 and styles["Title"].font.bold
    assert east_asian(styles["Heading 1"]) == "黑体"
    assert styles["Heading 1"].font.size.pt == 16


def test_summary_tables_carry_the_figures(summary):
    document = open_docx(summary)
    assert row_starting(document, "制度") == [
        "制度",
        "应完成（人次）",
        "已完成（人次）",
        "完成率",
        "目标",
    ]
    assert row_starting(document, "每月谈心一次") == [
        "每月谈心一次",
        "141",
        "126",
        "89.4%",
        "100.0%",
    ]
    assert row_starting(document, "建档率") == ["建档率", "92.6%", "100.0%"]
    assert row_starting(document, "突发事件按时处置率") == ["突发事件按时处置率", "66.7%", "—"]
    text = all_text(summary)
    assert "我校共有留守儿童27人，占全校学生312人的8.7%。" in text
    assert "其中2016年1月8日的1起未按时处置（通知父母超时）。" in text
    assert "坚持突发事件30分钟内通知监护人" in text
    assert "心理健康课1次（2015年10月16日，“我的情绪我做主”）" in text
    assert "学校确定重点帮扶对象3人，每人都制定了个别教育管理方案" in text
    assert "3．“每月谈心一次”完成126人次" in text


def test_per_mentor_table_only_in_the_internal_annex(summary, internal_summary):
    public = all_text(summary)
    assert "分帮扶教师" not in public and "孙春梅（" not in public
    assert not any(row[0] == "孙春梅" for row in table_rows(open_docx(summary)))
    text = all_text(internal_summary)
    assert "内部附件" in text and "（仅供校内考核，不对外报送）" in text
    assert row_starting(open_docx(internal_summary), "孙春梅")[:3] == ["孙春梅", "4", "63.2%"]


def test_per_class_and_per_mentor_tables_have_a_column_per_standard(internal_summary):
    document = open_docx(internal_summary)
    header = row_starting(document, "班级")
    assert header == [
        "班级",
        "人数",
        "建档率",
        "结对率",
        "每月谈心一次",
        "每月与父母联系一次",
        "每月与监护人沟通一次",
        "每学期家访一次",
        "每月劝返一次",
    ]
    assert row_starting(document, "二年级（2）班")[:5] == [
        "二年级（2）班",
        "4",
        "100.0%",
        "100.0%",
        "63.2%",
    ]
    assert row_starting(document, "帮扶教师")[2:] == header[4:]
    assert row_starting(document, "周德明")[1:] == ["1", "100.0%", "100.0%", "—", "100.0%", "—"]
    # Columns sized by content and filling the text width (156 mm).
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "班级")
    widths = [cell.width for cell in table.rows[1].cells]
    assert abs(Mm(156) - sum(widths)) < Mm(1)
    assert widths[0] > widths[1]


def test_summary_embeds_both_charts(summary):
    document = open_docx(summary)
    assert len(document.inline_shapes) == 2
    text = all_text(summary)
    assert "图1　留守儿童监护类型" in text and "图2　各项关爱制度逐月完成率" in text


def test_no_template_tags_are_left_anywhere(summary):
    for name, xml in xml_parts(summary).items():
        for tag in ("{{", "}}", "{%", "%}", "{#"):
            assert tag not in xml, (name, tag)


def test_summary_has_no_phones_id_numbers_or_addresses(summary):
    text = all_text(summary)
    assert not PHONE.search(text)
    assert not ID_NUMBER.search(text)
    for path in (EXAMPLE / "children").rglob("*.yaml"):
        record = path.read_text(encoding="utf-8")
        for value in PHONE.findall(record) + ID_NUMBER.findall(record):
            assert value not in text
        for address in re.findall(r"address: (.+)", record):
            assert address.strip().strip('"') not in text


def test_names_only_when_asked_for(example):
    repo, figures = example
    child = next(iter(repo.children.values())).get("name")
    without = all_text(report_docx(figures, repo.settings, repo.root))
    missing_name = next(row["name"] for rows in figures.standard_missing.values() for row in rows)
    assert missing_name not in without and "未完成名单" not in without
    named = report_docx(figures, repo.settings, repo.root, with_names=True)
    assert "未完成名单（仅供校内使用）：" in all_text(named)
    assert row_starting(open_docx(named), "制度")  # the tables still open
    assert any(missing_name in row for row in table_rows(open_docx(named)))
    assert child  # the example's records do carry names


def test_rendering_is_reproducible(example, summary):
    repo, figures = example
    assert report_docx(figures, repo.settings, repo.root, repo=repo) == summary


# ---------------------------------------------------------------------------- the plan


def test_plan_has_goals_measures_and_the_monthly_schedule(example):
    repo, _ = example
    data = plan_docx(term_for("2016-spring", repo.settings), repo.settings, repo.root)
    document = open_docx(data)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、工作目标", "二、主要措施", "三、工作安排"]
    text = all_text(data)
    assert "1．建档率达到100.0%。" in text
    assert "（1）每月谈心一次：每月至少1次，完成率目标100.0%。" in text
    assert "由周德明任组长" in text
    february = row_starting(document, "2016年2月")
    assert "1．开学摸底：核实留守儿童名单，更新档案和联系卡" in february[1]
    assert "暑假" in row_starting(document, "2016年6月")[1]
    assert row_starting(document, "月份") == ["月份", "工作安排"]
    signature = [p.text for p in document.paragraphs if p.style.name == "落款"]
    assert signature == ["杨柳镇中心小学", "2016年2月15日"]
    for xml in xml_parts(data).values():
        assert "{{" not in xml and "{%" not in xml


def test_plan_opens_with_last_terms_shortfalls(example):
    from liushou.documents.planning import carried_shortfalls

    repo, _ = example
    term = term_for("2016-spring", repo.settings)
    carried = carried_shortfalls(repo, term, dt.date(2016, 1, 25))
    data = plan_docx(term, repo.settings, repo.root, carried, dt.date(2016, 1, 25))
    document = open_docx(data)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "一、上学期存在的问题和本学期改进措施",
        "二、工作目标",
        "三、主要措施",
        "四、工作安排",
    ]
    assert "1．控辍保学：辍学1人" in all_text(data)
    assert [p.text for p in document.paragraphs if p.style.name == "落款"][-1] == "2016年1月25日"


# ---------------------------------------------------------------------------- school templates


def letterhead_template(path: Path, body: str) -> None:
    """A school's own Word template: its letterhead and one line with docxtpl tags."""
    document = Document()
    document.add_paragraph("某某学校红头")
    document.add_paragraph(body)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))


def test_a_school_template_replaces_the_built_in_one(example, school):
    repo, figures = example
    letterhead_template(school / "templates" / "工作总结.docx", "{{ school }}{{ term.title }}总结")
    text = all_text(report_docx(figures, repo.settings, school))
    assert "某某学校红头" in text
    assert "杨柳镇中心小学2015—2016学年秋季学期总结" in text
    assert "一、基本情况" not in text


def test_characters_special_to_xml_do_not_break_the_document(example):
    repo, figures = example
    sid, rows = next(iter(figures.standard_missing.items()))
    odd = dataclasses.replace(
        figures,
        school="<红星&小学>",
        activities=[{**figures.activities[0], "title": 'A&B<script>"x"'}],
        standard_missing={sid: [{**rows[0], "name": "<&>小明"}]},
    )
    data = report_docx(odd, repo.settings, repo.root, with_names=True, repo=repo)
    document = open_docx(data)  # python-docx parses every part
    text = all_text(data)
    assert "<红星&小学>" in text
    assert '“A&B<script>"x"”' in text
    assert any("<&>小明" in row for row in table_rows(document))


def test_template_errors_name_the_template_and_paragraph(example, school):
    repo, figures = example
    context = report_context(figures, repo.settings)
    letterhead_template(school / "templates" / "工作总结.docx", "开头{{ nonexistent }}结尾")
    with pytest.raises(
        RenderError, match=r"工作总结\.docx.*开头\{\{ nonexistent \}\}结尾.*nonexistent"
    ):
        render_docx("工作总结.docx", context, school)
    (school / "templates" / "工作总结.docx").write_text("not a word file", encoding="utf-8")
    with pytest.raises(RenderError, match="不是有效的 Word"):
        render_docx("工作总结.docx", context, school)
    with pytest.raises(RenderError, match="找不到模板"):
        render_docx("没有这个模板.docx", context, school)


def test_template_variables_are_supplied_by_the_engine(example):
    repo, figures = example
    known = set(report_context(figures, repo.settings)) | {"charts"}
    assert template_variables(builtin_templates() / "工作总结.docx") <= known
    assert "school" in template_variables(builtin_templates() / "工作总结.docx")


def test_split_tags_are_found(tmp_path):
    path = tmp_path / "split.docx"
    document = Document()
    paragraph = document.add_paragraph()
    paragraph.add_run("学校：{{ sch")
    paragraph.add_run("ool }}")
    document.add_paragraph("{{ whole }} 不算")
    document.add_paragraph("没闭合 {{ school")
    document.save(str(path))
    assert split_tags(path) == ["学校：{{ school }}", "没闭合 {{ school"]
    assert split_tags(builtin_templates() / "工作总结.docx") == []
    assert split_tags(builtin_templates() / "工作计划.docx") == []


def test_built_in_templates_match_their_build_script(tmp_path):
    script = importlib.import_module("liushou.templates.build_docx_templates")
    for path in script.main(tmp_path):
        with (
            zipfile.ZipFile(path) as built,
            zipfile.ZipFile(builtin_templates() / path.name) as kept,
        ):
            for part in ("word/document.xml", "word/styles.xml", "word/footer1.xml"):
                assert built.read(part) == kept.read(part), (path.name, part)


# ---------------------------------------------------------------------------- report/plan --format docx


def test_report_and_plan_commands_write_word_files_and_charts(school):
    today = ("--today", "2016-03-01", "-C", str(school))
    folder = school / "reports" / "2015-autumn"
    result = run(*today, "report", "--term", "2015-autumn", "--format", "docx")
    assert result.exit_code == 0, result.output
    assert "89.4%" in row_starting(
        open_docx((folder / "工作总结.docx").read_bytes()), "每月谈心一次"
    )
    result = run(*today, "report", "--term", "2015-autumn")
    assert result.exit_code == 0, result.output
    for name in ("工作总结.md", "图表-制度完成率.png", "图表-监护类型.png"):
        assert (folder / name).is_file(), name
    result = run(*today, "plan", "--term", "2016-spring", "--format", "docx")
    assert result.exit_code == 0, result.output
    assert (school / "reports" / "2016-spring" / "工作计划.docx").is_file()


# ---------------------------------------------------------------------------- templates commands


def test_templates_check_passes_on_the_built_ins(school):
    result = run("-C", str(school), "templates", "check")
    assert result.exit_code == 0, result.output
    assert "工作总结.docx（内置）：没有发现问题" in result.output


def test_templates_check_reports_unknown_variables(school):
    letterhead_template(school / "templates" / "工作总结.docx", "{{ nonexistent }}")
    result = run("-C", str(school), "templates", "check")
    assert result.exit_code == 1
    assert "templates/工作总结.docx：使用了引擎不提供的变量：nonexistent" in result.output


def test_templates_check_reports_split_tags(school):
    path = school / "templates" / "工作计划.docx"
    path.parent.mkdir()
    document = Document()
    paragraph = document.add_paragraph()
    paragraph.add_run("{{ sch")
    paragraph.add_run("ool }}")
    document.save(str(path))
    result = run("-C", str(school), "templates", "check")
    assert result.exit_code == 1
    assert "templates/工作计划.docx：标签被 Word 拆开或没有闭合：“{{ school }}”" in result.output


def test_templates_check_reports_misspelt_attributes(school):
    (school / "templates").mkdir()
    (school / "templates" / "工作计划.md.j2").write_text("{{ term.titel }}\n", encoding="utf-8")
    result = run("-C", str(school), "templates", "check")
    assert result.exit_code == 1
    assert "templates/工作计划.md.j2：试渲染出错" in result.output and "titel" in result.output


def test_templates_export_writes_and_never_overwrites_without_force(school):
    result = run("-C", str(school), "templates", "export")
    assert result.exit_code == 0, result.output
    names = {"工作总结.md.j2", "工作计划.md.j2", "工作总结.docx", "工作计划.docx"}
    assert names <= {p.name for p in (school / "templates").iterdir()}
    assert "已写入 templates/工作总结.docx" in result.output
    for name in names:
        assert (school / "templates" / name).read_bytes() == (
            builtin_templates() / name
        ).read_bytes()
    own = school / "templates" / "工作总结.md.j2"
    own.write_text("# 我校自己的模板\n", encoding="utf-8")
    again = run("-C", str(school), "templates", "export")
    assert again.exit_code == 1
    assert "已存在，未覆盖：templates/工作总结.md.j2" in again.output
    assert own.read_text(encoding="utf-8") == "# 我校自己的模板\n"
    forced = run("-C", str(school), "templates", "export", "--force")
    assert forced.exit_code == 0
    assert own.read_bytes() == (builtin_templates() / "工作总结.md.j2").read_bytes()


def test_templates_export_into_an_unwritable_folder_exits_2(school):
    (school / "templates").write_text("a file where the folder should be", encoding="utf-8")
    result = run("-C", str(school), "templates", "export")
    assert result.exit_code == 2
    assert "错误：无法写入" in result.stderr
    assert "Traceback" not in result.output


def test_templates_commands_have_help():
    for command in (["templates"], ["templates", "export"], ["templates", "check"]):
        result = run(*command, "--help")
        assert result.exit_code == 0
        assert re.search(r"[\u4e00-\u9fff]", result.output)


# ---------------------------------------------------------------------------- charts


@pytest.mark.parametrize("draw", [charts.standard_chart, charts.guardianship_chart])
def test_charts_are_deterministic_pngs(example, draw):
    _, figures = example
    png = draw(figures)
    assert png.startswith(PNG_SIGNATURE) and len(png) > 1024
    assert draw(figures) == png


CHART_PROBE = """
import datetime as dt, json, sys
from pathlib import Path
from matplotlib import font_manager
from matplotlib.text import Text
from liushou.documents import charts
from liushou.api import load, term_figures
from liushou.terms import term_for

repo, _ = load(Path(sys.argv[1]), use_cache=False)
figures = term_figures(repo, term_for("2015-autumn", repo.settings), dt.date(2016, 3, 1))
out = {"cached_cjk": sorted({f.name for f in font_manager.fontManager.ttflist if "CJK" in f.name})}
for name in ("standard_figure", "guardianship_figure"):
    figure = getattr(charts, name)(figures)
    texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text()]
    out[name] = [
        [t.get_text(), font_manager.findfont(t.get_fontproperties(), fallback_to_default=False)]
        for t in texts
    ]
print(json.dumps(out, ensure_ascii=False))
"""


def test_charts_draw_every_label_in_chinese_with_the_bundled_font(tmp_path):
    """A fresh matplotlib config folder (no font cache) must still give Chinese labels drawn with
    the font inside the package, never Latin stand-ins or a system font."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl")}
    result = subprocess.run(
        [sys.executable, "-c", CHART_PROBE, str(EXAMPLE)],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
    )
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    bundled = str(charts.font_file())
    for name in ("standard_figure", "guardianship_figure"):
        texts = probe[name]
        assert texts, name
        for text, font in texts:
            assert not re.search(r"[A-Za-z]", text), (name, text)
            assert font == bundled, (name, text, font)
    labels = [t for t, _ in probe["standard_figure"]]
    assert "每月谈心一次" in labels and "9月" in labels and "目标 100%" in labels
    assert "每学期家访一次（全学期）" in labels
    labels = [t for t, _ in probe["guardianship_figure"]]
    assert {"隔代监护", "19人", "人数", "留守儿童监护类型"} <= set(labels)


def test_chart_lines_differ_by_marker_and_dash_style(example):
    _, figures = example
    figure = charts.standard_figure(figures)
    lines = [ln for ln in figure.axes[0].get_lines() if ln.get_label()[0] != "_"]
    monthly = [ln for ln in lines if ln.get_linestyle() != "None" and "目标" not in ln.get_label()]
    expected = sum(entry["every"] == "month" for entry in figures.standards.values())
    assert len(monthly) == expected == 4
    assert len({ln.get_marker() for ln in monthly}) == expected
    # get_linestyle() names a custom dash "-." too; the dash pattern itself tells them apart.
    assert len({str(ln._unscaled_dash_pattern) for ln in monthly}) == expected


def test_report_charts_go_beside_the_summary(example):
    repo, figures = example
    document = REPORT_WRITERS["md"](figures, repo, False, False)
    assert list(document.beside) == list(CHART_FILES.values())
    assert list(document.beside) == ["图表-制度完成率.png", "图表-监护类型.png"]
    assert all(png.startswith(PNG_SIGNATURE) for png in document.beside.values())


def test_trial_render_figures_come_from_the_engine():
    """templates check renders with figures the engine computed, not a hand copy of them."""
    from liushou.documents.templates_lint import sample_figures
    from liushou.load.model import Settings
    from liushou.terms import Term

    term = Term("2015-autumn", dt.date(2015, 9, 1), dt.date(2016, 1, 31))
    figures, repo = sample_figures(Settings(school="示例学校", staff=["甲老师"]), term)
    assert set(repo.children) == {"s1", "s2", "s3"}
    assert figures.incidents == {"count": 1, "on_time": 0}
    assert figures.retention == {"u": 3, "out": 1, "dropped": 1}
    assert figures.duties["dropouts"] == 1 and figures.duties["unattended"] == 0
    assert [a["title"] for a in figures.activities] == ["示例活动"]
    assert figures.aid_total["amount"] == 500.0
