"""`liushou init` end to end, and the CI reporters (`check --format gitlab|sarif`)."""

from __future__ import annotations

import codecs
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from liushou.cli import app
from liushou.logspec import LOGS

from .repo_factory import CHILD, write_repo

runner = CliRunner()
SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_init_new_child_talk_check(tmp_path):
    school = tmp_path / "青山村小学"
    result = run(
        "--today",
        "2025-09-10",
        "init",
        str(school),
        "--school",
        "青山村小学",
        "--staff",
        "李红、王芳",
    )
    assert result.exit_code == 0, result.output
    settings = yaml.safe_load((school / "liushou.yaml").read_text(encoding="utf-8"))
    assert settings["school"] == "青山村小学"
    assert settings["staff"] == ["李红", "王芳"]
    assert settings["terms"] == {
        "2025-autumn": {"start": _date("2025-09-01"), "end": _date("2026-01-31")}
    }
    assert "students_total" in settings
    assert "# 学校名称（必填）" in (school / "liushou.yaml").read_text(encoding="utf-8")
    for name, spec in LOGS.items():
        data = (school / "logs" / f"{name}.csv").read_bytes()
        assert data.startswith(codecs.BOM_UTF8)
        assert data.decode("utf-8-sig").strip() == ",".join(spec.columns)
    assert (school / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "reports/"
    if shutil.which("git"):
        assert (school / ".git").is_dir()

    # A child record written by hand, and a talk.
    child = CHILD.format(id="qs-001").replace("周老师", "李红")
    record = school / "children" / "2年级" / "1班" / "qs-001.yaml"
    record.parent.mkdir(parents=True)
    record.write_text(child, encoding="utf-8")
    with (school / "logs" / "talks.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.write("2025-09-08,qs-001,李红,聊开学后的变化,\r\n")
    result = run("--today", "2025-09-10", "-C", str(school), "check", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"findings": [], "errors": 0, "warnings": 0}
    due = run("--today", "2025-09-10", "-C", str(school), "due", "--format", "json")
    items = json.loads(due.stdout)["items"]
    # September's talk is done; the contacts are open, and so is the term's home visit (the
    # term belongs to itself by its midpoint, measured against the term's end: data-format §9).
    assert [(i["kind"], i["item"], i["deadline"]) for i in items] == [
        ("open", "monthly-parent-contact", "2025-09-30"),
        ("open", "monthly-guardian-contact", "2025-09-30"),
        ("open", "term-visit", "2026-01-31"),
    ]

    # Refused a second time, and nothing changed.
    before = (school / "liushou.yaml").read_bytes()
    again = run("init", str(school), "--school", "别的学校")
    assert again.exit_code == 2
    assert "已有 liushou.yaml" in again.output
    assert (school / "liushou.yaml").read_bytes() == before


def _date(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)


def test_init_keeps_existing_files(tmp_path):
    (tmp_path / ".gitignore").write_text("secret/\n", encoding="utf-8")
    result = run("--today", "2025-07-20", "init", str(tmp_path), "--school", "某小学")
    assert result.exit_code == 0
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == "secret/\n"
    assert "已存在，未改动" in result.output
    text = (tmp_path / "liushou.yaml").read_text(encoding="utf-8")
    assert "2025-autumn" in text  # in the summer holiday the coming term is written
    assert "staff 中写上教师姓名" in result.output


def test_ci_files_name_the_right_formats(tmp_path):
    run("--today", "2025-09-10", "init", str(tmp_path), "--school", "某小学", "--staff", "李红")
    github = yaml.safe_load((tmp_path / ".github/workflows/liushou.yml").read_text("utf-8"))
    steps = github["jobs"]["check"]["steps"]
    assert {"run": "liushou check --format github"} in steps
    gitlab = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text("utf-8"))
    job = gitlab["liushou-check"]
    assert "liushou check --format gitlab > gl-code-quality-report.json" in job["script"]
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text("utf-8"))
    hook = hooks["repos"][0]["hooks"][0]
    assert (hook["id"], hook["entry"]) == ("liushou-check", "liushou check")
    shipped = yaml.safe_load(
        (Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text("utf-8")
    )
    assert [(h["id"], h["entry"]) for h in shipped] == [("liushou-check", "liushou check")]


# ---------------------------------------------------------------------------- reporters


@pytest.fixture
def spoiled(tmp_path):
    bad = CHILD.format(id="c1").replace('phone: "13900000001"', "phone: 13900000001")
    bad = bad.replace("  personality: 内向\n", "")
    return write_repo(tmp_path, {"c1.yaml": bad})


def test_gitlab_report(spoiled):
    first = run("--today", "2016-01-20", "-C", str(spoiled), "check", "--format", "gitlab")
    assert first.exit_code == 1
    report = json.loads(first.stdout)
    # The unquoted phone (LS108) leaves no parent with a phone: no LS303 repeats it.
    assert [(r["check_name"], r["severity"], r["location"]) for r in report] == [
        ("LS108", "major", {"path": "children/c1.yaml", "lines": {"begin": 16}}),
        ("LS303", "minor", {"path": "children/c1.yaml", "lines": {"begin": 27}}),
    ]
    assert all(
        set(r) == {"description", "check_name", "fingerprint", "severity", "location"}
        for r in report
    )
    again = json.loads(
        run(
            "--today", "2016-01-20", "-C", str(spoiled), "check", "--no-cache", "--format", "gitlab"
        ).stdout
    )
    assert [r["fingerprint"] for r in again] == [r["fingerprint"] for r in report]
    assert len({r["fingerprint"] for r in report}) == 2
    assert "13900000001" not in first.stdout


def test_sarif_report_is_valid(spoiled):
    result = run("--today", "2016-01-20", "-C", str(spoiled), "check", "--format", "sarif")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text("utf-8"))).validate(doc)
    (run_,) = doc["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "liushou"
    ids = [rule["id"] for rule in driver["rules"]]
    assert len(ids) == len(set(ids)) and {"LS108", "LS303"} <= set(ids)
    found = [
        (r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in run_["results"]
    ]
    assert found == [("LS108", "error", 16), ("LS303", "warning", 27)]
    for r in run_["results"]:
        assert ids[r["ruleIndex"]] == r["ruleId"]
    assert "13900000001" not in result.stdout


def test_sarif_of_a_clean_repository_is_valid(tmp_path):
    result = run("-C", str(write_repo(tmp_path)), "check", "--format", "sarif")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text("utf-8"))).validate(doc)
    assert doc["runs"][0]["results"] == []
