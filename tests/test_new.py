"""`liushou new` on a repository made by `liushou init`: the record passes check, ids never repeat."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from liushou.api import check_repository
from liushou.cli import app

runner = CliRunner()
TODAY = "2015-09-10"


def test_init_new_talk_check_end_to_end(tmp_path):
    root = tmp_path / "school"
    args = ["--today", TODAY, "init", str(root), "--school", "青禾镇中心小学", "--staff", "林老师"]
    assert runner.invoke(app, args).exit_code == 0
    new = [
        "--today",
        TODAY,
        "-C",
        str(root),
        "new",
        "2015-302-07",
        "--name",
        "王小明",
        "--gender",
        "男",
        "--birth-date",
        "2008-03-04",
        "--grade",
        "3",
        "--class",
        "2",
        "--type",
        "父母均外出",
        "--guardianship",
        "隔代监护",
        "--mentor",
        "林老师",
    ]
    result = runner.invoke(app, new)
    assert result.exit_code == 0, result.output
    record = root / "children" / "3年级" / "2班" / "2015-302-07.yaml"
    data = yaml.safe_load(record.read_text(encoding="utf-8"))
    assert (data["id"], data["grade"], data["class"], data["status"]) == (
        "2015-302-07",
        3,
        2,
        "在校",
    )
    assert str(data["enrolled_on"]) == TODAY and data["care"]["mentor"] == "林老师"
    talks = root / "logs" / "talks.csv"
    talks.write_bytes(talks.read_bytes() + "2015-09-10,2015-302-07,林老师\n".encode())
    import datetime as dt

    result = check_repository(root, dt.date(2015, 9, 10), use_cache=False)
    assert result.errors == 0, [(f.code, f.file, f.line) for f in result.findings]
    assert {f.code for f in result.findings} <= {
        "LS303",
        "LS310",
    }  # archive gaps, no written notice yet
    again = runner.invoke(app, new)
    assert again.exit_code == 2 and "已存在" in again.output


def test_new_refuses_an_unknown_enumeration(tmp_path):
    root = tmp_path / "school"
    runner.invoke(app, ["--today", TODAY, "init", str(root), "--school", "青禾镇中心小学"])
    result = runner.invoke(
        app,
        [
            "-C",
            str(root),
            "new",
            "x1",
            "--name",
            "甲",
            "--gender",
            "M",
            "--birth-date",
            "2008-03-04",
            "--grade",
            "3",
            "--class",
            "2",
            "--type",
            "父母均外出",
            "--guardianship",
            "隔代监护",
        ],
    )
    assert result.exit_code == 2
    assert not (root / "children" / "3年级").exists()
