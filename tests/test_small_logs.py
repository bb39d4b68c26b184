"""The pandas-free reader of small logs gives exactly the findings of the pandas reader."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from liushou.api import check_repository
from liushou.load import loader
from liushou.load.smalllog import Table, Unusual, read_small_log

from .repo_factory import CHILD, EXAMPLE, TODAY, copy_example, write_repo

TALKS = "date,child_id,staff,summary\n"
INCIDENTS = "occurred_at,child_id,summary,guardian_notified_at,parents_notified_at,reported_at\n"
LEFT = CHILD.format(id="c2").replace("status: 在校", "status: 转出\nstatus_date: 2015-10-10")

LOG_CASES = {
    "clean": {"talks": TALKS + "2015-09-03,c1,周老师,好\n2015-09-04,c2,吴老师,\n"},
    "unknown child and staff": {"talks": TALKS + "2015-09-03,c9,郑老师,\n,c1,,\n"},
    "future, before enrolment, after leaving": {
        "talks": TALKS + "2016-01-21,c1,周老师,\n2014-08-01,c1,周老师,\n2015-11-01,c2,周老师,\n"
    },
    "last day and today": {"talks": TALKS + "2016-01-20,c1,周老师,\n2015-10-10,c2,周老师,\n"},
    "duplicates": {"talks": TALKS + ("2015-09-03,c1,周老师,x\n" * 3) + "2015-09-03,c1,周老师,y\n"},
    "impossible dates": {"talks": TALKS + "2015-13-03,c1,周老师,\n2015-02-30,c1,周老师,\n"},
    "padding and wide spaces": {
        "talks": TALKS + " 2015-09-03 ,c1\u3000,周老师, 备注 \n2015-09-04,\xa0c1,周老师,\n"
    },
    "blank rows below the table": {"talks": TALKS + "2015-09-03,c1,周老师,\n,,,\n , ,,\n"},
    "quoted line break and ragged rows": {
        "talks": TALKS + '2015-09-03,c1,周老师,"两\n行"\n2015-09-04,c1\n2015-09-05,c1,周老师,,,\n'
    },
    "Chinese header names": {
        "talks": "日期,学号,谈心教师,内容\n2015-09-03,c9,周老师,好\n2015-09-04,c1,何老师,\n",
        "activities": "日期,活动名称,类别,参加对象\n2015-09-10,中秋,节日活动,c1;c8\n",
    },
    "too many cells": {"talks": TALKS + "2015-09-03,c1,周老师,好,多余\n"},
    "open quote": {"talks": TALKS + '2015-09-03,c1,周老师,"没有闭合\n2015-09-04,c1,周老师,\n'},
    "missing and repeated columns": {
        "talks": "date,child_id\n2015-09-03,c1\n",
        "visits": "date,child_id,staff,staff\n",
    },
    "empty file": {"talks": ""},
    "excel dates fall back to pandas": {
        "talks": TALKS + "2015/9/3,c1,周老师,\n2015年9月4日,c1,周老师,\n"
    },
    "enumerations": {
        "contacts": "date,child_id,staff,with,channel\n"
        "2015-09-03,c1,周老师,父母,飞鸽\n2015-09-04,c1,周老师,外婆,电话\n2015-09-05,c1,周老师,父母,\n"
    },
    "amounts": {
        "aid": "date,child_id,kind,amount,source\n2015-09-03,c1,助学金,-5,县\n"
        "2015-09-04,c1,助学金,0,\n2015-09-05,c1,保险,12.5,\n2015-09-06,c1,其他,,\n"
        "2015-09-07,c1,其他,-0,\n"
    },
    "odd amount falls back to pandas": {
        "aid": "date,child_id,kind,amount\n2015-09-03,c1,助学金,1e3\n2015-09-04,c1,其他,abc\n"
    },
    "participants": {
        "activities": "date,title,kind,participants\n2015-09-25,中秋,节日活动,c1;c7；c8; ;全体\n"
        "2015-09-26,班会,主题班会,\n"
    },
    "incidents": {
        "incidents": INCIDENTS + "2015-10-01 10:00,c1,摔伤,2015-10-01 09:00,,2015-10-01 11:00\n"
        "2015-10-02 25:00,c1,x,,,\n2016-01-21 08:00,c1,y,2016-01-21 08:30,,\n"
        "2015-10-03 8:00,c2,z,,,\n"
    },
    "mandatory report, kinds and returns": {
        "incidents": INCIDENTS.rstrip("\n") + ",kind\n"
        "2015-10-01 10:00,c1,走失,2015-10-01 10:10,2015-10-01 10:20,,走失\n"
        "2015-10-02 10:00,c1,侵害,,,2015-10-02 10:30,侵害\n"
        "2015-10-03 10:00,c1,摔伤,,,,摔跤\n",
        "returns": "date,child_id,staff,action\n2015-10-05,c1,周老师,复学\n"
        "2015-10-06,c1,周老师,劝说\n",
    },
    "health and trainings": {
        "health": "date,child_id,kind,result\n2015-09-03,c1,体检,良好\n2015-09-04,c9,打针,\n",
        "trainings": "date,child_id,topic,attendee\n2015-09-03,c1,安全,祖母\n2014-01-01,c1,,\n",
    },
    "gb18030": {"talks": (TALKS + "2015-09-03,c1,周老师,谈心\n").encode("gb18030")},
    "did-you-mean hints": {
        "talks": TALKS + "2015-09-03,测试儿童,周老帅,\n2015-09-04,c1,吴老师,\n",
        "activities": "date,title,kind,participants\n2015-09-25,中秋,节日活动,c1;测试儿童\n",
    },
    "extra column and a unknown log": {
        "talks": "date,child_id,staff,心情\n2015-09-03,c1,周老师,好\n",
        "notes": "a,b\n1,2\n",
    },
}

# Cases with nothing to report: the rows are valid once stripped, or blank
QUIET = {"clean", "last day and today", "padding and wide spaces", "blank rows below the table"}


def both(root, monkeypatch):
    """The sorted findings with the csv-module reader and with pandas only."""
    small = check_repository(root, TODAY, use_cache=False).findings
    monkeypatch.setattr(loader, "SMALL_LOGS_BYTES", -1)
    frames = check_repository(root, TODAY, use_cache=False).findings
    return small, frames


@pytest.mark.parametrize("case", list(LOG_CASES))
def test_both_readers_give_the_same_findings(tmp_path, monkeypatch, case):
    children = {"2/1/c1.yaml": CHILD.format(id="c1"), "2/1/c2.yaml": LEFT}
    root = write_repo(tmp_path, children, logs=LOG_CASES[case])
    small, frames = both(root, monkeypatch)
    assert small == frames
    assert bool(small) == (case not in QUIET)


def test_both_readers_agree_on_the_example_school(tmp_path, monkeypatch):
    root = copy_example(tmp_path / "yl")
    small, frames = both(root, monkeypatch)
    assert small == frames
    assert len(small) > 0


def test_the_small_reader_returns_plain_columns():
    text = TALKS + "2015-09-03,c1,周老师,好\n2015-09-04,c2,吴老师,\n"
    loaded = read_small_log(text.encode(), "talks", "logs/talks.csv")
    assert isinstance(loaded.frame, Table)
    assert loaded.findings == []
    assert loaded.frame["_line"] == [2, 3]
    assert loaded.frame["date"] == [dt.datetime(2015, 9, 3), dt.datetime(2015, 9, 4)]
    assert "summary" not in loaded.frame  # free text is dropped after the duplicate check


@pytest.mark.parametrize("cell", ["2015/9/3", "2015-9-3", "15-09-03", "0201-09-03"])
def test_forms_left_to_pandas_raise_unusual(cell):
    with pytest.raises(Unusual):
        read_small_log(f"{TALKS}{cell},c1,周老师,\n".encode(), "talks", "logs/talks.csv")


def test_checking_the_example_imports_no_heavy_library(tmp_path):
    """`check` of a small repository imports neither pandas nor numpy nor the document stack."""
    root = copy_example(tmp_path / "yl")
    code = (
        "import sys, datetime\n"
        "import liushou.cli\n"
        "from liushou.api import check_repository\n"
        f"r = check_repository(__import__('pathlib').Path({str(root)!r}), datetime.date(2016, 1, 20))\n"
        "heavy = {'pandas', 'numpy', 'matplotlib', 'docx', 'openpyxl', 'jinja2'} & set(sys.modules)\n"
        "print(sorted(heavy), len(r.findings))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(EXAMPLE.parents[1])}  # this checkout's liushou
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout
    assert out.startswith("[] ")
