"""The command line speaks Chinese: help, Click's own words, errors, and -C after the command."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from liushou.cli import app
from liushou.cli.zh import translate

from .repo_factory import write_repo

runner = CliRunner()
ENGLISH = re.compile(r"Usage|Options|Arguments|Commands|Show this message|default:|required|Error")


def _command_paths(command, path=()):
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _command_paths(sub, (*path, name))


COMMANDS = list(_command_paths(typer.main.get_command(app)))


def test_every_command_is_walked():
    names = {" ".join(p) for p in COMMANDS}
    assert {"", "check", "report", "import roster", "import log", "templates check"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "liushou")
def test_help_is_chinese_with_an_example(path):
    result = runner.invoke(app, [*path, "--help"], prog_name="liushou", terminal_width=100)
    assert result.exit_code == 0, result.output
    assert ENGLISH.search(result.output) is None, result.output
    assert "例：" in result.output
    assert "the data format" not in result.output
    assert "用法：liushou" in result.output


def test_flags_show_no_type():
    result = runner.invoke(app, ["check", "--help"], terminal_width=100)
    line = next(line for line in result.output.splitlines() if "--strict" in line)
    assert "<" not in line and "bool" not in line


def test_unknown_option_is_reported_in_chinese(tmp_path):
    result = runner.invoke(app, ["check", "--bogus"], prog_name="liushou")
    assert result.exit_code == 2
    assert "没有选项 --bogus" in result.output
    assert "运行 'liushou check -h' 查看帮助。" in result.output
    assert "No such option" not in result.output


def test_missing_option_is_reported_in_chinese():
    result = runner.invoke(app, ["new", "c9"])
    assert result.exit_code == 2
    assert "缺少选项 '--name'。" in result.output


def test_unknown_command_suggests_the_right_one():
    result = runner.invoke(app, ["checkk"])
    assert result.exit_code == 2
    assert "没有命令 'checkk'。您是不是要输入 'check'？" in result.output


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Option '--format' requires an argument.", "选项 '--format' 后面需要给出一个值。"),
        ("Invalid value for '--grade': 应为整数", "'--grade' 的值无效：应为整数"),
        ("Got unexpected extra argument (x)", "多余的参数：x"),
        ("Missing argument 'ID'.", "缺少参数 'ID'。"),
        ("something else", "something else"),
    ],
)
def test_click_sentences_are_translated(english, chinese):
    assert translate(english) == chinese


def test_repo_option_after_the_command_name(tmp_path):
    root = write_repo(tmp_path / "school")
    result = runner.invoke(app, ["check", "-C", str(root)])
    assert (result.exit_code, result.output) == (0, "检查通过：1 份儿童档案，0 个日志文件\n")
    result = runner.invoke(app, ["templates", "check", "-C", str(root)])
    assert result.exit_code == 0, result.output
