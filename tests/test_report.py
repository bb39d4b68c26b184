"""`liushou report` and `liushou plan`: golden files, JSON per data-format §7, privacy and errors.

Refresh the golden files after an intended change with:
    LIUSHOU_UPDATE_GOLDEN=1 python -m pytest tests/test_report.py
and review the diff before committing.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from jinja2 import meta
from typer.testing import CliRunner

from liushou.cli import app
from liushou.documents.render import builtin_templates, environment

from .repo_factory import CHILD, copy_example, write_repo

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "yangliu"
GOLDEN = Path(__file__).resolve().parent / "golden"
runner = CliRunner()
PHONE = re.compile(r"1[3-9]\d{9}")
ID_NUMBER = re.compile(r"\d{17}[\dX]")


@pytest.fixture
def example(tmp_path):
    return copy_example(tmp_path / "yangliu")


def run(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("LIUSHOU_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def private_values(root: Path) -> list[str]:
    """Every phone, ID number and address written in the repository's records."""
    values = []
    for path in (root / "children").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        values += PHONE.findall(text) + ID_NUMBER.findall(text)
        values += re.findall(r"address: (.+)", text)
    return values


def summary_text(root: Path, internal: bool = False, with_names: bool = False) -> str:
    """The Markdown summary of 2015-autumn as `report` renders it with the repository's facts."""
    import datetime as dt

    from liushou.api import load, term_figures
    from liushou.documents.render import render, report_context
    from liushou.terms import term_for

    repo, _ = load(root, use_cache=False)
    figures = term_figures(repo, term_for("2015-autumn", repo.settings), dt.date(2016, 3, 1))
    context = report_context(
        figures, repo.settings, with_names=with_names, repo=repo, internal=internal
    )
    return render("工作总结.md.j2", context, root)


def test_summary_golden(example):
    text = summary_text(example)
    assert_golden("工作总结-2015-autumn.md", text)
    for value in private_values(example):
        assert value not in text


def test_summary_is_organised_around_the_measures(example):
    text = summary_text(example)
    for heading in ("领导小组", "五清楚", "代理家长", "谈心", "家访", "关爱活动", "监护人培训"):
        assert heading in text
    assert "由周德明任组长" in text
    assert "确定重点帮扶对象3人，每人都制定了个别教育管理方案" in text
    assert "2015年10月24日以“科学育儿与家庭教育方法”为题，20名儿童的监护人参加" in text
    assert "节日活动2次（2015年9月25日、12月31日" in text
    # 30 children had a check-up beside a population of 27: the text says why
    assert "覆盖30名儿童（含学期中转出、辍学或不再属于留守儿童的3人，故多于现有人数）" in text
    # No ASCII space between a CJK character and a digit in the body
    body = text.split("## 附件")[0]
    assert not re.search(r"[\u4e00-\u9fff] \d|\d [\u4e00-\u9fff]", body)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", body)


def test_summary_problems_are_said_once_each_with_its_own_step(example):
    text = summary_text(example)
    problems = re.findall(
        r"^\d+\.(.+)$", text.split("## 三、存在的问题")[1].split("## 四")[0], re.M
    )
    steps = re.findall(
        r"^\d+\.(.+)$", text.split("## 四、下一步工作打算")[1].split("## 附件")[0], re.M
    )
    assert len(problems) == len(steps) == 10
    assert len(set(steps)) == len(steps)
    assert sum("缺15人次" in p for p in problems) == 1
    assert "还差" not in text and "共缺" not in text
    assert any(s.startswith("新学期开学第一个月内优先家访缺访的3名儿童") for s in steps)
    assert not any("每月" in s for s in steps if "家访" in s and "缺访" in s)


def test_mentor_figures_only_in_the_internal_annex(example):
    public = summary_text(example)
    internal = summary_text(example, internal=True)
    assert "孙春梅（63.2%）" not in public and "| 孙春梅 | 4 |" not in public
    assert "分帮扶教师" not in public
    annex = internal.split("## 内部附件：分帮扶教师落实情况（仅供校内考核，不对外报送）")[1]
    assert "| 孙春梅 | 4 | 63.2% | 84.2% | 89.5% | 75.0% |" in annex
    assert internal.startswith(public.rstrip("\n"))


def test_summary_names_children_only_when_asked(example):
    name = "胡俊豪"  # a child of the example with missing talks
    args = (
        "--today",
        "2016-03-01",
        "-C",
        str(example),
        "report",
        "--term",
        "2015-autumn",
        "-o",
        "-",
    )
    assert name not in run(*args).output
    assert name in run(*args, "--with-names").output


def test_plan_from_settings_golden(example):
    result = run("--today", "2015-08-20", "-C", str(example), "plan", "--term", "2015-autumn")
    assert result.exit_code == 0, result.output
    text = (example / "reports" / "2015-autumn" / "工作计划.md").read_text(encoding="utf-8")
    assert_golden("工作计划-2015-autumn.md", text)


def test_plan_default_schedule_golden(example):
    result = run("-C", str(example), "plan", "--term", "2016-spring", "-o", "-")
    assert result.exit_code == 0
    assert_golden("工作计划-2016-spring.md", result.output)
    assert "2016年3月" in result.output and "每学期家访一次" in result.output


def plan_text(root: Path, today: str) -> str:
    """The plan `plan` (without --term) writes on `today`: the next term, shortfalls first."""
    import datetime as dt

    from liushou.api import load
    from liushou.documents.planning import carried_shortfalls, next_term
    from liushou.documents.render import plan_context, render

    repo, _ = load(root, use_cache=False)
    day = dt.date.fromisoformat(today)
    term = next_term(day, repo.settings)
    context = plan_context(term, repo.settings, carried_shortfalls(repo, term, day), day)
    return render("工作计划.md.j2", context, root)


def test_next_plan_carries_last_terms_shortfalls_first_golden(example):
    text = plan_text(example, "2016-01-25")
    assert_golden("工作计划-2016-spring-接续.md", text)
    assert text.index("## 一、上学期存在的问题和本学期改进措施") < text.index("## 二、工作目标")
    assert "1.控辍保学：辍学1人，巩固率为96.6%" in text
    assert text.rstrip().endswith("杨柳镇中心小学\n2016年1月25日")


@pytest.mark.parametrize(
    ("today", "term"),
    [
        ("2015-08-20", "2015-autumn"),  # summer break: the coming term
        ("2015-12-01", "2016-spring"),  # during the autumn term: the one after it
        ("2016-01-31", "2016-spring"),  # last day of the autumn term
        ("2016-02-15", "2016-autumn"),  # first day of spring: the next one
    ],
)
def test_next_term(example, today, term):
    import datetime as dt

    from liushou.documents.planning import next_term
    from liushou.load.settings import load_settings

    assert next_term(dt.date.fromisoformat(today), load_settings(example)).name == term


def test_plan_schedule_follows_the_calendar(example):
    from liushou.documents.planning import schedule
    from liushou.load.settings import load_settings
    from liushou.terms import term_for

    settings = load_settings(example)
    rows = schedule(term_for("2016-spring", settings), settings)
    assert [r["month"] for r in rows] == ["2016-02", "2016-03", "2016-04", "2016-05", "2016-06"]
    assert rows[0]["items"][0].startswith("开学摸底")
    assert "暑假" in rows[-1]["items"][0]
    assert len({tuple(r["items"]) for r in rows}) == len(rows)  # no month repeats another
    autumn = schedule(term_for("2015-autumn", settings), settings)
    assert autumn[0]["items"] == settings.plan["2015-autumn"]["2015-09"]  # 摸底 already written
    assert autumn[-1]["items"] == settings.plan["2015-autumn"]["2016-01"]  # 寒假, 总结 written


def test_json_follows_spec_section_7(example):
    result = run(
        "--today",
        "2016-03-01",
        "-C",
        str(example),
        "report",
        "--term",
        "2015-autumn",
        "--format",
        "json",
    )
    doc = json.loads(result.stdout)
    assert list(doc) == [
        "school",
        "term",
        "start",
        "end",
        "as_of",
        "population",
        "metrics",
        "targets",
        "standards",
        "incidents",
        "breakdowns",
        "mentors",
        "counts",
        "duties",
    ]
    assert doc["duties"] == {
        "notice": [19, 22],
        "unattended": 1,
        "incidents_by_kind": {"意外伤害": 1, "疾病": 1, "走失": 1},
        "dropouts": 1,
        "returned": 1,
    }
    assert doc["counts"]["archive_rate"] == [25, 27]
    assert doc["counts"]["retention_rate"] == [28, 29]
    assert doc["counts"]["left_behind_share"] == [27, 312]
    assert doc["counts"]["incident_on_time_rate"] == [2, 3]  # the 走失 row of data-format §11
    assert (doc["term"], doc["start"], doc["end"], doc["as_of"]) == (
        "2015-autumn",
        "2015-09-01",
        "2016-01-31",
        "2016-01-31",
    )
    assert doc["population"] == 27
    assert doc["metrics"]["archive_rate"] == pytest.approx(25 / 27)
    assert doc["metrics"]["retention_rate"] == pytest.approx(28 / 29)
    assert doc["metrics"]["left_behind_share"] == pytest.approx(27 / 312)
    assert doc["metrics"]["incident_on_time_rate"] == pytest.approx(2 / 3)
    assert doc["standards"]["monthly-talk"] == {
        "name": "每月谈心一次",
        "due": 141,
        "done": 126,
        "rate": pytest.approx(126 / 141),
        "target": 1.0,
    }
    assert doc["incidents"] == {"count": 3, "on_time": 2}
    assert sum(doc["breakdowns"]["by_guardianship"].values()) == 27
    for value in private_values(example):
        assert value not in result.output


def test_term_in_progress_counts_up_to_today(example):
    result = run(
        "--today",
        "2015-10-20",
        "-C",
        str(example),
        "report",
        "--term",
        "2015-autumn",
        "--format",
        "json",
    )
    doc = json.loads(result.stdout)
    assert doc["as_of"] == "2015-10-20"
    assert doc["standards"]["term-visit"]["due"] == 0  # the term's midpoint is still ahead


def test_default_term_is_the_one_containing_today(example):
    result = run("--today", "2015-12-01", "-C", str(example), "report", "--format", "json")
    assert json.loads(result.stdout)["term"] == "2015-autumn"


@pytest.mark.parametrize("term", ["2015-fall", "autumn-2015", "2015"])
def test_malformed_term_exits_2(example, term):
    result = runner.invoke(app, ["-C", str(example), "report", "--term", term])
    assert result.exit_code == 2


def test_term_without_data_exits_2(example):
    result = runner.invoke(
        app, ["--today", "2026-01-01", "-C", str(example), "report", "--term", "2001-autumn"]
    )
    assert result.exit_code == 2
    assert "2001-autumn" in result.output


def test_school_template_overrides_builtin(example):
    (example / "templates").mkdir()
    (example / "templates" / "工作总结.md.j2").write_text(
        "红星样式：{{ school }} {{ population }} 人，谈心 {{ standards[0].rate | pct }}\n",
        encoding="utf-8",
    )
    result = run(
        "--today", "2016-03-01", "-C", str(example), "report", "--term", "2015-autumn", "-o", "-"
    )
    assert result.output == "红星样式：杨柳镇中心小学 27 人，谈心 89.4%\n"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ no_such_variable }}", "不存在的变量"),
        ("{% for x in %}", "第 1 行语法错误"),
        ("{{ ''.__class__.__mro__ }}", "沙箱"),
    ],
)
def test_broken_school_template_is_a_clear_error(example, template, expected):
    (example / "templates").mkdir()
    (example / "templates" / "工作总结.md.j2").write_text(template, encoding="utf-8")
    result = runner.invoke(
        app, ["--today", "2016-03-01", "-C", str(example), "report", "--term", "2015-autumn"]
    )
    assert result.exit_code == 2
    assert "工作总结.md.j2" in result.output and expected in result.output


def test_templates_use_only_supplied_variables(example):
    import datetime as dt

    from liushou.api import load, term_figures
    from liushou.documents.render import plan_context, report_context
    from liushou.terms import term_for

    repo, _ = load(example, use_cache=False)
    term = term_for("2015-autumn", repo.settings)
    supplied = {
        "工作总结.md.j2": set(
            report_context(term_figures(repo, term, dt.date(2016, 3, 1)), repo.settings, repo=repo)
        ),
        "工作计划.md.j2": set(plan_context(term, repo.settings)),
    }
    env = environment(None)
    for name, names in supplied.items():
        source = (builtin_templates() / name).read_text(encoding="utf-8")
        used = meta.find_undeclared_variables(env.parse(source))
        assert used <= names, used - names


def test_report_json_to_file(tmp_path):
    root = write_repo(tmp_path / "r", {"c1.yaml": CHILD.format(id="c1")})
    out = tmp_path / "out.json"
    result = run(
        "--today",
        "2016-03-01",
        "-C",
        str(root),
        "report",
        "--term",
        "2015-autumn",
        "--format",
        "json",
        "-o",
        str(out),
    )
    assert result.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["population"] == 1
