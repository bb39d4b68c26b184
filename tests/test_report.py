"""`liushou report` and `liushou plan`: golden files, JSON per SPEC §7, privacy and errors.

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


def test_summary_golden(example):
    result = run("--today", "2016-03-01", "-C", str(example), "report", "--term", "2015-autumn")
    assert result.exit_code == 0, result.output
    text = (example / "reports" / "2015-autumn" / "工作总结.md").read_text(encoding="utf-8")
    assert_golden("工作总结-2015-autumn.md", text)
    for value in private_values(example):
        assert value not in text


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
    assert doc["counts"]["incident_on_time_rate"] == [2, 3]  # the 走失 row of SPEC §11
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
            report_context(term_figures(repo, term, dt.date(2016, 3, 1)), repo.settings)
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
