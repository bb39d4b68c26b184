"""`close`: a closed term's figures are frozen and its rows and fields cannot change unseen."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from liushou.api import load
from liushou.cli import app
from liushou.records.closing import (
    check_closed_terms,
    close_term,
    closed_path,
    frozen_figures,
    reopen_term,
)
from liushou.records.files import RecordsError

from .repo_factory import copy_example

TERM = "2015-autumn"
AFTER = dt.date(2016, 2, 20)
TALK_LINE = 10  # a talks.csv row dated inside 2015-autumn


def close(root, term, today):
    """Close `term` of the repository at `root` as the close command does."""
    repo, findings = load(root, use_cache=False)
    return close_term(repo, findings, term, today)


@pytest.fixture
def school(tmp_path: Path) -> Path:
    root = copy_example(tmp_path / "yangliu")
    close(root, TERM, AFTER)
    return root


def found(root: Path) -> list[tuple[str, int, str]]:
    repo, _ = load(root, use_cache=False)
    return sorted((f.file, f.line, f.code) for f in check_closed_terms(repo, root))


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_closing_writes_the_report_figures(school):
    result = CliRunner().invoke(
        app,
        ["-C", str(school), "--today", "2016-02-20", "report", "--term", TERM, "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    assert frozen_figures(school, TERM) == json.loads(result.stdout)
    content = yaml.safe_load(closed_path(school, TERM).read_text(encoding="utf-8"))
    assert (content["state"], content["closed_on"], content["start"], content["end"]) == (
        "closed",
        "2016-02-20",
        "2015-09-01",
        "2016-01-31",
    )
    assert content["logs"]["talks"]["count"] == 137
    assert content["logs"]["talks"]["rows"][TALK_LINE] == _row_digest(school, TALK_LINE)
    assert content["children"]["count"] == len(content["children"]["each"]) == 30
    assert found(school) == []


def _row_digest(root: Path, line: int) -> str:
    from liushou.records.closing import read_full_logs, term_rows
    from liushou.terms import Term

    repo, _ = load(root, use_cache=False)
    _, frame = read_full_logs(repo, root)["talks"]
    rows = dict(term_rows(frame, "talks", Term(TERM, dt.date(2015, 9, 1), dt.date(2016, 1, 31))))
    return rows[line]


def test_edited_row_inside_is_ls501_at_its_line(school):
    talks = school / "logs/talks.csv"
    lines = lines_of(talks)
    lines[TALK_LINE - 1] = lines[TALK_LINE - 1].replace("，", "。", 1)
    talks.write_text("".join(lines), encoding="utf-8")
    assert found(school) == [("logs/talks.csv", TALK_LINE, "LS501")]
    repo, _ = load(school, use_cache=False)
    (message,) = [f.message for f in check_closed_terms(repo, school)]
    assert "已关账学期 2015-autumn 内的记录行在关账后新增或被修改" in message


def test_removed_row_is_ls501_at_the_line_it_had(school):
    talks = school / "logs/talks.csv"
    lines = lines_of(talks)
    del lines[TALK_LINE - 1]
    talks.write_text("".join(lines), encoding="utf-8")
    assert found(school) == [("logs/talks.csv", TALK_LINE, "LS501")]


def test_row_moved_out_of_the_term_is_ls501(school):
    talks = school / "logs/talks.csv"
    lines = lines_of(talks)
    lines[TALK_LINE - 1] = "2016-02-16" + lines[TALK_LINE - 1][10:]
    talks.write_text("".join(lines), encoding="utf-8")
    assert found(school) == [("logs/talks.csv", TALK_LINE, "LS501")]


def test_row_added_inside_is_ls501_and_after_is_not(school):
    talks = school / "logs/talks.csv"
    lines = lines_of(talks)
    talks.write_text("".join(lines) + "2016-02-16,yl-2014-0102,王丽萍,开学谈心\n", encoding="utf-8")
    assert found(school) == []
    talks.write_text(
        "".join(lines)
        + "2016-02-16,yl-2014-0102,王丽萍,开学谈心\n2016-01-05,yl-2014-0102,王丽萍,补记\n",
        encoding="utf-8",
    )
    assert found(school) == [("logs/talks.csv", len(lines) + 2, "LS501")]


def test_reordered_rows_and_excel_dates_keep_the_seal(school):
    talks = school / "logs/talks.csv"
    header, *rows = lines_of(talks)
    rows.reverse()
    first = rows[0]
    year, month, day = first[:10].split("-")
    rows[0] = f"{year}/{int(month)}/{int(day)}" + first[10:]
    talks.write_text(header + "".join(rows), encoding="utf-8")
    assert found(school) == []


def test_reopen_lifts_the_lock_until_the_next_close(school):
    talks = school / "logs/talks.csv"
    lines = lines_of(talks)
    del lines[TALK_LINE - 1]
    talks.write_text("".join(lines), encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "-C",
            str(school),
            "--today",
            "2016-03-01",
            "close",
            "--term",
            TERM,
            "--reopen",
            "--reason",
            "补录漏记的谈心",
        ],
    )
    assert result.exit_code == 0, result.output
    assert found(school) == []
    assert frozen_figures(school, TERM) is None
    content = yaml.safe_load(closed_path(school, TERM).read_text(encoding="utf-8"))
    assert content["state"] == "reopened"
    assert content["reopened"] == [{"on": "2016-03-01", "reason": "补录漏记的谈心"}]
    close(school, TERM, dt.date(2016, 3, 2))
    content = yaml.safe_load(closed_path(school, TERM).read_text(encoding="utf-8"))
    assert (content["state"], content["closed_on"], content["logs"]["talks"]["count"]) == (
        "closed",
        "2016-03-02",
        136,
    )
    assert content["reopened"] == [{"on": "2016-03-01", "reason": "补录漏记的谈心"}]
    assert found(school) == []


def test_changed_child_field_is_ls502_at_the_children_line(school):
    record = school / "children/2年级/1班/yl-2014-0102.yaml"
    record.write_text(
        record.read_text(encoding="utf-8").replace(
            "guardianship: 隔代监护", "guardianship: 寄养监护"
        ),
        encoding="utf-8",
    )
    closed = closed_path(school, TERM).read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(closed, 1) if text.startswith("children:"))
    assert found(school) == [(f"closed/{TERM}.yaml", line, "LS502")]
    repo, _ = load(school, use_cache=False)
    (message,) = [f.message for f in check_closed_terms(repo, school)]
    assert "yl-2014-0102" in message and "2015-autumn" in message


def test_fields_no_figure_reads_and_newcomers_keep_the_seal(school):
    record = school / "children/2年级/1班/yl-2014-0102.yaml"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("health: 良好", "health: 健康", 1), encoding="utf-8")
    newcomer = text.replace("yl-2014-0102", "yl-2016-0199").replace(
        "enrolled_on: 2014-09-01", "enrolled_on: 2016-02-15"
    )
    (record.parent / "yl-2016-0199.yaml").write_text(newcomer, encoding="utf-8")
    assert found(school) == []


def test_broken_closing_record_is_ls503(school):
    closed_path(school, TERM).write_text("figures: [\n", encoding="utf-8")
    assert found(school) == [(f"closed/{TERM}.yaml", 1, "LS503")]
    assert frozen_figures(school, TERM) is None


def test_a_closing_record_linked_from_outside_is_refused_not_read(school, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("figures: [\n", encoding="utf-8")  # would be LS503 if it were read
    (school / "closed" / "2016-spring.yaml").symlink_to(outside)
    assert found(school) == []
    codes = [(f.file, f.code) for f in load(school, AFTER, use_cache=False)[1]]
    assert ("closed/2016-spring.yaml", "LS014") in codes
    assert not any(code == "LS503" for _, code in codes)


def test_refusals(school):
    with pytest.raises(RecordsError, match="已于 2016-02-20 关账"):
        close(school, TERM, AFTER)
    with pytest.raises(RecordsError, match="结束后才能关账"):
        close(school, "2016-spring", AFTER)
    with pytest.raises(RecordsError, match="尚未关账"):
        reopen_term(school, "2016-spring", "原因", AFTER)
    with pytest.raises(RecordsError, match="写明原因"):
        reopen_term(school, TERM, "  ", AFTER)
    runner = CliRunner()
    base = ["-C", str(school), "--today", "2016-02-20", "close"]
    for args, text in (
        (["--term", TERM], "已于 2016-02-20 关账"),
        (["--term", "2016-spring"], "结束后才能关账"),
        (["--term", "2016-fall"], "格式不对"),
        (["--term", TERM, "--reason", "x"], "只能与 --reopen 一起使用"),
        (["--term", TERM, "--reopen"], "写明原因"),
    ):
        result = runner.invoke(app, base + args)
        assert (result.exit_code, text in result.output) == (2, True), result.output


def test_cli_close_says_what_it_wrote(tmp_path):
    root = copy_example(tmp_path / "yangliu")
    result = CliRunner().invoke(
        app, ["-C", str(root), "--today", "2016-02-20", "close", "--term", TERM]
    )
    assert result.exit_code == 0, result.output
    assert "学期 2015-autumn（2015-09-01 至 2016-01-31）已关账，在册 27 人" in result.output
    assert closed_path(root, TERM).is_file()
    assert not list((root / "closed").glob(".*"))  # no temporary file left behind


def test_a_cached_check_sees_a_reopen(tmp_path):
    """The check cache keys on closed/*.yaml too: reopening alone changes the answer."""
    school = copy_example(tmp_path / "yangliu")
    close(school, TERM, dt.date(2016, 3, 2))
    talks = school / "logs" / "talks.csv"
    lines = talks.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].rstrip("\n").rsplit(",", 1)[0] + ",改过的内容\n"
    talks.write_text("".join(lines), encoding="utf-8")
    args = ["--today", "2016-03-02", "-C", str(school), "check", "--format", "json"]

    def ls501() -> list[int]:
        found = json.loads(CliRunner().invoke(app, args).stdout)["findings"]
        return [f["line"] for f in found if f["code"] == "LS501"]

    assert ls501() == [2]
    reopen_term(school, TERM, "更正谈心记录", dt.date(2016, 3, 3))
    assert ls501() == []


def test_report_of_a_closed_term_says_so_and_gives_the_frozen_figures(tmp_path):
    school = copy_example(tmp_path / "yangliu")
    result = close(school, TERM, dt.date(2016, 3, 2))
    args = [
        "--today",
        "2016-03-02",
        "-C",
        str(school),
        "report",
        "--term",
        TERM,
        "--format",
        "json",
    ]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0
    assert json.loads(out.stdout) == result.figures
    assert "已关账" in out.stderr and "不同" not in out.stderr
