"""`history`: a child's record through git, field by field, masked unless --full."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liushou.cli import app
from liushou.records.files import GitError
from liushou.records.history import FieldChange, child_history, history_text

from .repo_factory import CHILD, write_repo

TALKS = "date,child_id,staff,summary\n"


def run_git(root: Path, *args: str, author: str = "周老师", when: str | None = None) -> None:
    """Run git with a fixed identity (and date), whatever the machine's configuration."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": "teacher@example.invalid",
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": "teacher@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    if when:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def commit(root: Path, message: str, when: str, author: str) -> None:
    run_git(root, "add", "-A")
    run_git(root, "commit", "-q", "-m", message, author=author, when=when)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with three commits: created; guardian phone and address changed plus two
    talks rows; moved to grade 3 with the father's phone and the notes changed."""
    root = write_repo(
        tmp_path / "school",
        children={"2年级/1班/c1.yaml": CHILD.format(id="c1")},
        logs={"talks": TALKS + "2015-09-10,c2,周老师,无关\n"},
    )
    # The git work tree is the folder above: a school's data may live in a subfolder of it.
    run_git(tmp_path, "init", "-q")
    commit(root, "建档", "2015-09-01T08:00:00+08:00", "周老师")

    path = root / "children/2年级/1班/c1.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('  phone: "13900000002"', '  phone: "13712345678"')
    text = text.replace(
        "  address: 测试镇测试村一组\n  phone", "  address: 测试镇新街村五组\n  phone"
    )
    path.write_text(text, encoding="utf-8")
    talks = root / "logs/talks.csv"
    talks.write_text(
        talks.read_text(encoding="utf-8")
        + "2015-09-15,c1,周老师,谈学习\n2015-10-15,c1,吴老师,谈家人\n2015-10-16,c2,吴老师,无关\n",
        encoding="utf-8",
    )
    commit(root, "更新监护人电话", "2015-10-16T17:30:00+08:00", "吴老师")

    moved = root / "children/3年级/1班/c1.yaml"
    moved.parent.mkdir(parents=True)
    run_git(root, "mv", "children/2年级/1班/c1.yaml", "children/3年级/1班/c1.yaml")
    text = moved.read_text(encoding="utf-8")
    text = text.replace("grade: 2", "grade: 3").replace('"13900000001"', '"13800001111"')
    text += "notes: 父亲新号码 13800001111\n"
    moved.write_text(text, encoding="utf-8")
    commit(root, "升年级", "2016-08-25T09:00:00+08:00", "周老师")
    return root


def test_three_commits_with_exact_masked_changes(repo):
    history = child_history(repo, "c1")
    assert history.path == "children/3年级/1班/c1.yaml"
    assert [(e.date, e.author, e.event) for e in history.entries] == [
        ("2015-09-01 08:00", "周老师", "新建"),
        ("2015-10-16 17:30", "吴老师", "修改"),
        ("2016-08-25 09:00", "周老师", "移动"),
    ]
    created, edited, moved = history.entries
    assert FieldChange("id", "（无）", "c1") in created.changes
    assert FieldChange("parents[父亲].phone", "（无）", "139****0001") in created.changes
    assert FieldChange("address", "（无）", "测试镇****") in created.changes
    assert len(created.changes) == 26  # every leaf of the new record
    assert edited.changes == [
        FieldChange("guardian.address", "测试镇****", "测试镇****"),
        FieldChange("guardian.phone", "139****0002", "137****5678"),
    ]
    assert edited.rows_added == {"talks": 2}
    assert moved.moved_from == "children/2年级/1班/c1.yaml"
    assert moved.path == "children/3年级/1班/c1.yaml"
    assert moved.changes == [
        FieldChange("grade", "2", "3"),
        FieldChange("parents[父亲].phone", "139****0001", "138****1111"),
        FieldChange("notes", "（无）", "父亲新号码 138****1111"),
    ]
    assert moved.rows_added == {}


def test_full_shows_values(repo):
    edited = child_history(repo, "c1", full=True).entries[1]
    assert edited.changes == [
        FieldChange("guardian.address", "测试镇测试村一组", "测试镇新街村五组"),
        FieldChange("guardian.phone", "13900000002", "13712345678"),
    ]


def test_rows_of_another_child_and_removed_rows(repo):
    talks = repo / "logs/talks.csv"
    lines = talks.read_text(encoding="utf-8").splitlines(keepends=True)
    talks.write_text("".join(line for line in lines if "谈学习" not in line), encoding="utf-8")
    commit(repo, "删一行", "2016-09-01T10:00:00+08:00", "吴老师")
    last = child_history(repo, "c1").entries[-1]
    assert (last.event, last.changes, last.rows_added, last.rows_removed) == (
        "",
        [],
        {},
        {"talks": 1},
    )


def test_cli_prints_masked_history(repo):
    result = CliRunner().invoke(app, ["-C", str(repo), "history", "c1"])
    assert result.exit_code == 0, result.output
    assert "guardian.phone：139****0002 → 137****5678" in result.output
    assert "日志 talks.csv 新增 2 行" in result.output
    assert "13712345678" not in result.output and "新街村" not in result.output
    full = CliRunner().invoke(app, ["-C", str(repo), "history", "c1", "--full"])
    assert "guardian.phone：13900000002 → 13712345678" in full.output


def test_text_starts_with_the_path(repo):
    text = history_text(child_history(repo, "c1"))
    assert text.splitlines()[0] == "c1 的档案修改历史（children/3年级/1班/c1.yaml），共 3 次提交："


def test_outside_git_is_exit_2(tmp_path):
    root = write_repo(tmp_path / "plain")
    with pytest.raises(GitError):
        child_history(root, "c1")
    result = CliRunner().invoke(app, ["-C", str(root), "history", "c1"])
    assert result.exit_code == 2
    assert "不在 git 仓库中" in result.output


def test_unknown_id_is_exit_2(repo):
    result = CliRunner().invoke(app, ["-C", str(repo), "history", "nobody"])
    assert result.exit_code == 2
    assert "找不到编号为 nobody 的儿童档案" in result.output


def test_git_missing_is_exit_2(tmp_path, monkeypatch):
    root = write_repo(tmp_path / "plain")
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    result = CliRunner().invoke(app, ["-C", str(root), "history", "c1"])
    assert result.exit_code == 2
    assert "找不到 git 命令" in result.output


@pytest.mark.parametrize("command", ["history", "close", "promote"])
def test_every_record_command_has_chinese_help(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.output)


def test_address_masks_keep_the_town_at_most():
    from liushou.records.history import mask_address

    assert mask_address("青禾县杨柳镇白鹤村2组") == "青禾县杨柳镇****"
    assert mask_address("某某县城关小区3栋") == "某某县****"
    assert mask_address("白鹤村2组") == "****"
