"""The command line through Typer's runner, on real files in temporary folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liushou.cli import app

from .repo_factory import CHILD, write_repo

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "yangliu"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def spoiled(tmp_path):
    bad = CHILD.format(id="c1").replace('phone: "13900000001"', "phone: 13900000001")
    return write_repo(tmp_path, {"c1.yaml": bad})


def test_example_passes_check():
    result = run("--today", "2016-01-31", "-C", str(EXAMPLE), "check", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["errors"] == 0
    assert {f["code"] for f in doc["findings"]} == {"LS303", "LS310", "LS312", "LS313"}


def test_clean_repository_prints_one_line(tmp_path):
    result = run("-C", str(write_repo(tmp_path)), "check")
    assert (result.exit_code, result.output) == (0, "检查通过：1 份儿童档案，0 个日志文件\n")


def test_errors_exit_1_with_file_line_and_masked_excerpt(tmp_path):
    result = run("-C", str(spoiled(tmp_path)), "check")
    assert result.exit_code == 1
    assert result.output.startswith("children/c1.yaml:16:12: 错误 LS108 ")  # no LS303 knock-on
    assert "13900000001" not in result.output
    assert "phone: ***" in result.output


def test_json_format_follows_the_spec(tmp_path):
    result = run("-C", str(spoiled(tmp_path)), "check", "--format", "json")
    doc = json.loads(result.output)
    assert set(doc) == {"findings", "errors", "warnings"}
    phone = doc["findings"][0]
    assert phone == {
        "file": "children/c1.yaml",
        "line": 16,
        "column": 12,
        "severity": "error",
        "code": "LS108",
        "message": phone["message"],
    }
    assert (doc["errors"], doc["warnings"]) == (1, 0)  # the phone; no LS303 knock-on at parents
    assert "13900000001" not in result.output


def test_github_format(tmp_path):
    result = run("-C", str(spoiled(tmp_path)), "check", "--format", "github")
    lines = result.output.splitlines()
    assert lines[0].startswith("::error file=children/c1.yaml,line=16,col=12,title=LS108::")
    assert lines[-1] == "共 1 个错误，0 个警告"


def test_strict_fails_on_warnings(tmp_path):
    text = CHILD.format(id="c1").replace("  interests: [画画]\n", "")
    root = write_repo(tmp_path, {"c1.yaml": text})
    assert run("-C", str(root), "check").exit_code == 0
    assert run("-C", str(root), "check", "--strict").exit_code == 1


def test_finds_settings_in_a_parent_folder(tmp_path, monkeypatch):
    root = spoiled(tmp_path)
    monkeypatch.chdir(root / "children")
    assert run("check").exit_code == 1


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--format", "xml"),
        ("--today", "2016-13-01", "check"),
    ],
)
def test_usage_errors_exit_2(tmp_path, args):
    result = runner.invoke(app, ["-C", str(write_repo(tmp_path)), *args])
    assert result.exit_code == 2


def test_missing_settings_exit_2(tmp_path):
    result = runner.invoke(app, ["-C", str(tmp_path), "check"])
    assert result.exit_code == 2
    assert "LS901" in result.output


def test_broken_settings_exit_2_with_line(tmp_path):
    root = write_repo(tmp_path, settings="school: x\nstaff: [a]\nstafff: [b]\n")
    result = runner.invoke(app, ["-C", str(root), "check"])
    assert result.exit_code == 2
    assert "liushou.yaml:3: 错误 LS903" in result.output


def test_repeated_check_uses_the_cache_but_never_hides_a_change(tmp_path):
    root = write_repo(tmp_path)
    assert run("-C", str(root), "check").exit_code == 0
    assert run("-C", str(root), "check").exit_code == 0
    child = root / "children" / "2/1/c1.yaml"
    child.write_text(child.read_text().replace("gender: 男", "gender: 未知"))
    result = run("-C", str(root), "check")
    assert result.exit_code == 1 and "LS103" in result.output


def test_today_decides_future_dates(tmp_path):
    root = write_repo(tmp_path, logs={"talks": "date,child_id,staff\n2015-10-10,c1,周老师\n"})
    assert run("--today", "2015-10-10", "-C", str(root), "check").exit_code == 0
    result = run("--today", "2015-10-09", "-C", str(root), "check")
    assert result.exit_code == 1 and "LS304" in result.output
    assert run("-C", str(root), "check", "--today", "2015-10-09").exit_code == 1


def test_changed_limits_findings_to_changed_files(tmp_path):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    import subprocess

    root = write_repo(
        tmp_path, {"c1.yaml": CHILD.format(id="c1"), "c2.yaml": CHILD.format(id="c2")}
    )
    for cmd in (
        ["init", "-q"],
        ["add", "."],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
    ):
        subprocess.run([git, "-C", str(root), *cmd], check=True)
    for name in ("c1", "c2"):
        path = root / "children" / f"{name}.yaml"
        path.write_text(path.read_text().replace("gender: 男", "gender: 未知"))
    subprocess.run([git, "-C", str(root), "add", "children/c1.yaml"], check=True)
    subprocess.run(
        [git, "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "y"],
        check=True,
    )
    result = run("-C", str(root), "check", "--changed", "--format", "json")
    files = {f["file"] for f in json.loads(result.output)["findings"]}
    assert files == {"children/c2.yaml"}
    result = run("-C", str(root), "check", "--changed", "--base", "HEAD~1", "--format", "json")
    files = {f["file"] for f in json.loads(result.output)["findings"]}
    assert files == {"children/c1.yaml", "children/c2.yaml"}


def test_every_command_has_help():
    import typer.main

    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        assert command.help, name
        result = run(name, "--help")
        assert result.exit_code == 0


def test_settings_problem_in_github_format_is_an_annotation(tmp_path):
    root = write_repo(tmp_path, settings="- a\n")
    result = runner.invoke(app, ["-C", str(root), "check", "--format", "github"])
    assert result.exit_code == 2
    assert result.stdout.startswith("::error file=liushou.yaml,line=1,title=LS007::")


def test_csv_excerpts_hide_free_text_and_numbers(tmp_path):
    row = "2015-10-11,c9,周老师,住址柳溪村6组 电话138-1234-5678\n"
    root = write_repo(tmp_path, logs={"talks": "date,child_id,staff,summary\n" + row})
    result = run("-C", str(root), "check")
    assert "LS201" in result.output
    assert "柳溪村" not in result.output and "1234" not in result.output
    assert "  2 | 2015-10-11,c9,周老师,…" in result.output


def test_report_into_a_folder_is_a_clean_error(tmp_path):
    root = write_repo(tmp_path / "r")
    result = runner.invoke(
        app,
        [
            "--today",
            "2016-03-01",
            "-C",
            str(root),
            "report",
            "--term",
            "2015-autumn",
            "-o",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2 and "是文件夹" in result.output


def test_report_warns_when_the_data_has_errors(tmp_path):
    root = spoiled(tmp_path)
    result = runner.invoke(
        app,
        [
            "--today",
            "2016-03-01",
            "-C",
            str(root),
            "report",
            "--term",
            "2015-autumn",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0
    assert "1 个错误" in result.stderr
    assert json.loads(result.stdout)["population"] == 1


@pytest.mark.parametrize(("spoil", "code"), [(False, 0), (True, 1)])
def test_console_entry_point_keeps_exit_codes_and_output(tmp_path, spoil, code):
    import subprocess
    import sys

    root = spoiled(tmp_path) if spoil else write_repo(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from liushou.cli import run; run()",
            "-C",
            str(root),
            "check",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == code
    assert json.loads(result.stdout)["errors"] == code


def test_changed_sees_files_under_chinese_folder_names(tmp_path):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    import subprocess

    root = write_repo(tmp_path, {"3年级/2班/c1.yaml": CHILD.format(id="c1")})
    for cmd in (
        ["init", "-q"],
        ["add", "."],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"],
    ):
        subprocess.run([git, "-C", str(root), *cmd], check=True)
    path = root / "children" / "3年级" / "2班" / "c1.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("gender: 男", "gender: 未知"), "utf-8")
    result = run("-C", str(root), "check", "--changed", "--format", "json")
    found = [(f["file"], f["code"]) for f in json.loads(result.stdout)["findings"]]
    assert ("children/3年级/2班/c1.yaml", "LS103") in found
