"""An unchanged repository's check answered before the command line loads (liushou.quickcheck)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liushou import api, quickcheck
from liushou.cli import app
from liushou.quickcheck import CheckRequest, parse

from .repo_factory import CHILD, TODAY, settled, write_repo

WORKTREE = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["check"], CheckRequest()),
        (["-C", "学校", "check"], CheckRequest(repo=Path("学校"))),
        (["--repo=学校", "check", "--format", "json"], CheckRequest(Path("学校"), fmt="json")),
        (
            ["--today", "2016-01-20", "check", "--strict", "--format=sarif"],
            CheckRequest(today=dt.date(2016, 1, 20), fmt="sarif", strict=True),
        ),
        # the command's own options win over the global ones, the last value wins
        (
            ["-C", "a", "--today", "2015-01-01", "check", "-C", "b", "--today", "2016-01-20"],
            CheckRequest(Path("b"), dt.date(2016, 1, 20)),
        ),
        (["check", "--format", "json", "--format", "text"], CheckRequest()),
        # everything else is the full command line's to parse or to refuse
        (["report"], None),
        ([], None),
        (["--help"], None),
        (["check", "--help"], None),
        (["check", "--no-cache"], None),
        (["check", "--changed"], None),
        (["check", "--base", "main"], None),
        (["check", "--format", "xml"], None),
        (["--format", "json", "check"], None),
        (["--strict", "check"], None),
        (["check", "--strict=yes"], None),
        (["check", "--today", "2016-13-01"], None),
        (["--today", "9999-12-31", "check"], None),
        (["--today"], None),
        (["check", "-C"], None),
        (["check", "-C", "--strict"], None),
        (["check", "-C=学校"], None),
        (["check", "-C学校"], None),
        (["check", "--repo="], None),
        (["check", "check"], None),
        (["--version", "check"], None),
        (["check", "extra"], None),
        (["check", "--"], None),
    ],
)
def test_only_a_plain_check_is_answered(argv, expected):
    assert parse(argv) == expected


def _full(args: list[str]):
    return CliRunner().invoke(app, args)


@pytest.mark.parametrize(
    "args",
    [
        ["check"],
        ["check", "--format", "json"],
        ["check", "--format", "github", "--strict"],
        ["check", "--format", "gitlab"],
        ["check", "--format", "sarif"],
        ["check", "--strict"],
    ],
)
@pytest.mark.parametrize("data", ["clean", "warned", "spoiled"])
def test_the_answer_is_the_full_commands_output(tmp_path, capsys, monkeypatch, args, data):
    children = {"2/1/c1.yaml": CHILD.format(id="c1")}
    if data == "warned":  # a warning only: --strict alone makes it fail
        children["2/1/c2.yaml"] = CHILD.format(id="c2").replace("  notice_on: 2014-08-25\n", "")
    if data == "spoiled":  # an error, a warning and a personal value on the offending line
        children["2/1/c2.yaml"] = CHILD.format(id="c2").replace("grade: 2", "grade: 二")
        children["2/1/c3.yaml"] = "id: c3\nphone: 13800001234\n"
    root = settled(write_repo(tmp_path, children))
    argv = ["-C", str(root), "--today", TODAY.isoformat(), *args]
    fresh = quickcheck.answer(argv)  # the check itself, without Typer
    checked = capsys.readouterr()
    first = _full(argv)
    with monkeypatch.context() as patched:  # the stored result answers: nothing is checked
        patched.setattr(api, "check_repository", None)
        code = quickcheck.answer(argv)
    stored = capsys.readouterr()
    assert (fresh, checked.out) == (code, stored.out) == (first.exit_code, first.stdout)
    assert checked.err == stored.err == first.stderr == ""
    failed = data == "spoiled" or (data == "warned" and "--strict" in args)
    assert first.exit_code == (1 if failed else 0)
    if "sarif" not in args:  # SARIF lists every rule besides its results
        assert ("LS310" in first.stdout) == (data == "warned")


def test_a_changed_file_is_checked_again(tmp_path, capsys):
    root = settled(write_repo(tmp_path, {"2/1/c1.yaml": CHILD.format(id="c1")}))
    argv = ["-C", str(root), "--today", TODAY.isoformat(), "check", "--format", "json"]
    assert _full(argv).exit_code == 0
    record = root / "children" / "2" / "1" / "c1.yaml"
    record.write_text(record.read_text(encoding="utf-8") + "phone: 13800001234\n", "utf-8")
    assert quickcheck.answer(argv) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["file"], f["code"]) for f in found] == [("children/2/1/c1.yaml", "LS104")]
    assert json.loads(_full(argv).stdout)["findings"] == found


def test_a_broken_settings_file_is_left_to_the_full_command_line(tmp_path, capsys):
    root = write_repo(tmp_path, {"2/1/c1.yaml": CHILD.format(id="c1")})
    (root / "liushou.yaml").write_text("school: [\n", encoding="utf-8")
    assert quickcheck.answer(["-C", str(root), "check"]) is None
    assert quickcheck.answer(["-C", str(tmp_path / "nowhere"), "check"]) is None
    assert capsys.readouterr() == ("", "")


def _entry(root: Path, *args: str, stdout=subprocess.PIPE, script: str = ""):
    code = (
        f"import sys\n{script}\nfrom liushou.entry import run\n"
        "sys.argv = ['liushou', *sys.argv[1:]]\nrun()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, "-C", str(root), "--today", TODAY.isoformat(), *args],
        cwd=WORKTREE,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=120,
        start_new_session=True,
        env=os.environ.copy(),
    )


IMPORTS_REPORTED = """
import atexit, os
def _report():
    heavy = sorted(m for m in ("typer", "click", "yaml", "pydantic", "pandas", "numpy") if m in sys.modules)
    os.write(2, ("imported: " + ",".join(heavy) + "\\n").encode())
_leave = os._exit
os._exit = lambda code: (_report(), _leave(code))
"""


def test_the_console_command_checks_without_the_command_line_framework(tmp_path):
    root = settled(write_repo(tmp_path, {"2/1/c1.yaml": CHILD.format(id="c1")}))
    first = _entry(root, "check", "--format", "json", script=IMPORTS_REPORTED)
    second = _entry(root, "check", "--format", "json", script=IMPORTS_REPORTED)
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout and b'"errors": 0' in first.stdout
    assert first.stderr.decode().strip() == "imported: yaml"  # the check itself
    assert second.stderr.decode().strip() == "imported:"  # the stored result
    (root / "liushou.yaml").write_text("school: [\n", encoding="utf-8")
    broken = _entry(root, "check", script=IMPORTS_REPORTED)
    assert broken.returncode == 2 and "typer" in broken.stderr.decode()  # the full CLI said it
    assert "liushou.yaml" in broken.stderr.decode()


def test_ctrl_c_and_a_full_disk_on_the_quick_path(tmp_path):
    children = {f"2/1/c{i}.yaml": CHILD.format(id=f"x{i}") for i in range(20)}
    root = settled(write_repo(tmp_path, children))
    assert _entry(root, "check").returncode == 1  # many findings, now stored
    pressed = (
        "import os, signal, time\nimport liushou.load.listing as target\n"
        "def pressed(*args, **kwargs):\n    os.kill(os.getpid(), signal.SIGINT)\n"
        "    time.sleep(5)\ntarget.scan = pressed\n"
    )
    done = _entry(root, "check", script=pressed)
    assert done.returncode == 130
    assert done.stderr.decode().strip() == "已中断（Ctrl-C）：没有写入不完整的文件。"
    in_workers = pressed.replace("load.listing", "load.loader").replace(
        "target.scan", "target.parse_child_file"
    )
    shutil.rmtree(os.environ["LIUSHOU_CACHE_DIR"])
    done = _entry(root, "check", script=in_workers)  # a check with no cache: records are parsed
    assert done.returncode == 130
    assert done.stderr.decode().strip() == "已中断（Ctrl-C）：没有写入不完整的文件。"
    if os.path.exists("/dev/full"):
        assert _entry(root, "check").returncode == 1  # stored again
        with open("/dev/full", "w") as full:
            done = _entry(root, "check", stdout=full, script=IMPORTS_REPORTED)
        assert done.returncode == 2
        stderr = done.stderr.decode()
        assert "无法写出结果" in stderr and "Traceback" not in stderr
        assert "imported: \n" in stderr  # it was the quick path that failed to write
