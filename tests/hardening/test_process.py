"""The whole process: Ctrl-C, an unwritable standard output, and dates out of range."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import cli, repo

WORKTREE = Path(__file__).resolve().parents[2]


def _liushou(script: str, *args: str, stdout=subprocess.PIPE, env=None):
    """Run cli.run() in a fresh Python, after `script` (a monkeypatch), from this worktree."""
    code = f"import sys\n{script}\nfrom liushou.cli import run\nsys.argv = ['liushou', *sys.argv[1:]]\nrun()\n"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=WORKTREE,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=120,
        env={**os.environ, **(env or {})},
        start_new_session=True,  # a Ctrl-C to its process group reaches nobody else
    )


CTRL_C = """
import os, signal, time
import liushou.{module} as target
def pressed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
target.{function} = pressed
"""


@pytest.mark.parametrize(
    "module, function, command",
    [
        ("figures.metrics", "compute", ("report", "--term", "2015-autumn")),
        ("load.loader", "parse_child_file", ("check", "--no-cache")),
        ("fsguard", "read_limited", ("check",)),
    ],
)
def test_ctrl_c_is_one_chinese_line_and_exit_130(tmp_path, module, function, command):
    root = repo(tmp_path)
    script = CTRL_C.format(module=module, function=function)
    done = _liushou(script, "--today", "2016-01-20", "-C", str(root), *command)
    assert done.returncode == 130
    assert done.stderr.decode().strip() == "已中断（Ctrl-C）：没有写入不完整的文件。"
    assert not (root / "reports").exists()


def test_ctrl_c_in_workers_prints_no_traceback(tmp_path):
    from ..repo_factory import CHILD

    children = {f"2/1/c{i}.yaml": CHILD.format(id=f"c{i}") for i in range(2000)}
    root = repo(tmp_path, children=children)
    # The terminal sends Ctrl-C to every process of the group: the workers too.
    script = CTRL_C.format(module="load.loader", function="_collect").replace(
        "os.kill(os.getpid(),", "os.killpg(os.getpgid(0),"
    )
    done = _liushou(script, "-C", str(root), "check", "--no-cache")
    assert done.returncode == 130
    assert "Traceback" not in done.stderr.decode()
    assert done.stderr.decode().strip() == "已中断（Ctrl-C）：没有写入不完整的文件。"


def test_check_into_a_full_disk_exits_2(tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    from ..repo_factory import CHILD

    bad = {f"2/1/c{i}.yaml": CHILD.format(id=f"x{i}") for i in range(50)}  # many findings
    root = repo(tmp_path, children=bad)
    with open("/dev/full", "w") as full:
        done = _liushou("", "-C", str(root), "check", stdout=full)
    assert done.returncode == 2
    assert "无法写出结果" in done.stderr.decode() and "Traceback" not in done.stderr.decode()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_today_out_of_range_is_a_usage_error(tmp_path, day):
    root = repo(tmp_path)
    for args in (("--today", day, "report"), ("report", "--today", day), ("--today", day, "check")):
        result = cli("-C", str(root), *args)
        assert result.exit_code == 2, (args, result.output)
        assert "日期超出可用范围" in result.output
