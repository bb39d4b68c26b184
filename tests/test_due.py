"""`liushou due` (data-format §9) on the example school, against counts taken by hand from its logs."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
from collections import Counter

import pytest
from typer.testing import CliRunner

from liushou import api
from liushou.cli import app
from liushou.figures.due import compute_due, current_periods
from liushou.figures.metrics import compute
from liushou.terms import term_for

from .repo_factory import EXAMPLE, copy_example

runner = CliRunner()
MID_NOVEMBER = dt.date(2015, 11, 16)
FIRST_OF_DECEMBER = dt.date(2015, 12, 1)
SUMMER = dt.date(2016, 8, 1)


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def example():
    repo, _ = api.load(EXAMPLE, use_cache=False)
    return repo


def kinds(due) -> Counter:
    return Counter((item.kind, item.item) for item in due.items)


def pairs(due, kind: str, item: str) -> set[str]:
    return {i.child_id for i in due.items if i.kind == kind and i.item == item}


# ---------------------------------------------------------------------------- a hand count
# The example has 30 children; yl-2013-0217 leaves on 2015-11-16 (转出), yl-2010-0107 on
# 2015-12-07 (辍学), yl-2012-0114 stops being left-behind on 2015-12-01, yl-2013-0116 only
# counts from 2015-10-20, yl-2015-0312 enrolled on 2015-10-12. yl-2011-0106 is 无人监护.


def in_care_today(day: dt.date) -> set[str]:
    repo, _ = api.load(EXAMPLE, use_cache=False)
    from liushou.figures.metrics import in_care

    return {cid for cid, child in repo.children.items() if in_care(child, day)}


def logged(log: str, first: dt.date, last: dt.date) -> set[str]:
    """Children with a row of `log` dated in [first, last], read straight from the CSV."""
    text = (EXAMPLE / "logs" / f"{log}.csv").read_text(encoding="utf-8-sig")
    return {
        row["child_id"]
        for row in csv.DictReader(io.StringIO(text))
        if first <= dt.date.fromisoformat(row["date"]) <= last
    }


def test_mid_month(example):
    due = compute_due(example, MID_NOVEMBER)
    assert due.term.name == "2015-autumn"
    assert kinds(due) == {
        ("urgent", "unattended"): 1,
        ("missed", "monthly-talk"): 2,
        ("missed", "monthly-parent-contact"): 1,
        ("open", "monthly-talk"): 16,
        ("open", "monthly-parent-contact"): 18,
        ("open", "monthly-guardian-contact"): 16,
        ("open", "term-visit"): 23,
    }
    assert pairs(due, "urgent", "unattended") == {"yl-2011-0106"}
    # October: yl-2014-0213 was talked to on 09-28 and 11-04, yl-2013-0203 on 09-16 and 11-23;
    # yl-2013-0222's parents were contacted on 09-18 and next on 11-18.
    assert pairs(due, "missed", "monthly-talk") == {"yl-2014-0213", "yl-2013-0203"}
    assert pairs(due, "missed", "monthly-parent-contact") == {"yl-2013-0222"}
    care = in_care_today(MID_NOVEMBER)
    november = (dt.date(2015, 11, 1), MID_NOVEMBER)
    assert pairs(due, "open", "monthly-talk") == care - logged("talks", *november)
    assert pairs(due, "open", "monthly-parent-contact") == care - logged_with("父母", *november)
    term = (dt.date(2015, 9, 1), MID_NOVEMBER)
    assert pairs(due, "open", "term-visit") == care - logged("visits", *term)
    first = due.items[0]
    assert (first.kind, first.item, first.deadline) == ("urgent", "unattended", MID_NOVEMBER)
    talk = next(i for i in due.items if i.kind == "open" and i.child_id == "yl-2013-0203")
    assert (talk.item, talk.done, talk.remaining, talk.deadline) == (
        "monthly-talk",
        0,
        1,
        dt.date(2015, 11, 30),
    )
    assert talk.last == dt.date(2015, 9, 16)  # the latest talk at or before today


def logged_with(with_: str, first: dt.date, last: dt.date) -> set[str]:
    text = (EXAMPLE / "logs" / "contacts.csv").read_text(encoding="utf-8-sig")
    return {
        row["child_id"]
        for row in csv.DictReader(io.StringIO(text))
        if first <= dt.date.fromisoformat(row["date"]) <= last and row["with"] == with_
    }


def test_first_day_of_month(example):
    due = compute_due(example, FIRST_OF_DECEMBER)
    assert kinds(due) == {
        ("urgent", "unattended"): 1,
        ("missed", "monthly-talk"): 3,
        ("missed", "monthly-parent-contact"): 2,
        ("missed", "monthly-guardian-contact"): 2,
        ("open", "monthly-talk"): 27,
        ("open", "monthly-parent-contact"): 25,
        ("open", "monthly-guardian-contact"): 25,
        ("open", "term-visit"): 17,
    }
    care = in_care_today(FIRST_OF_DECEMBER)
    assert "yl-2012-0114" not in care and "yl-2013-0217" not in care
    december = (FIRST_OF_DECEMBER, FIRST_OF_DECEMBER)
    assert pairs(due, "open", "monthly-talk") == care - logged("talks", *december)
    assert "yl-2013-0203" not in pairs(due, "open", "monthly-talk")  # talked to on 12-01
    # November's misses are judged at November's midpoint: yl-2013-0217 left on 11-16,
    # after the 15th, so it was due in November and is missed although it left.
    november = (dt.date(2015, 11, 1), dt.date(2015, 11, 30))
    due_in_november = in_care_today(dt.date(2015, 11, 15))
    assert pairs(due, "missed", "monthly-talk") == due_in_november - logged("talks", *november)


def test_outside_every_term(example):
    due = compute_due(example, SUMMER)
    assert (due.term, due.items) == (None, [])
    result = run("--today", "2016-08-01", "-C", str(EXAMPLE), "due")
    assert result.exit_code == 0
    assert "不在任何学期内" in result.stdout
    result = run("--today", "2016-08-01", "-C", str(EXAMPLE), "due", "--format", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (
        0,
        {"school": "杨柳镇中心小学", "today": "2016-08-01", "term": None, "items": []},
    )


def test_late_incident_is_urgent(example):
    due = compute_due(example, dt.date(2016, 1, 12))
    incidents = [i for i in due.items if i.item == "incident"]
    # 2016-01-08 19:30: guardian at 19:50, parents at 20:45 (75 min > 60), report 21:10
    assert [(i.child_id, i.done, i.at_least, i.remaining) for i in incidents] == [
        ("yl-2011-0102", 2, 3, 1)
    ]
    assert incidents[0].detail == "超时：父母"
    assert [i.kind for i in due.items[:2]] == ["urgent", "urgent"]


@pytest.mark.parametrize("today", [MID_NOVEMBER, dt.date(2015, 11, 1), dt.date(2015, 11, 30)])
def test_missed_october_is_due_minus_done(example, today):
    """One engine: the due list's October misses are the report's October due − done."""
    figures = compute(example, term_for("2015-autumn", example.settings), today)
    due = compute_due(example, today)
    for standard in example.settings.standards:
        current, previous = current_periods(standard.every, due.term, today)
        report_missing = {
            m["child_id"]
            for m in figures.standard_missing[standard.id]
            if previous is not None and m["period"] == previous.label
        }
        if standard.every == "month":
            assert previous.label == "2015-10"
            october = next(
                p for p in figures.standard_periods[standard.id] if p["label"] == "2015-10"
            )
            assert len(report_missing) == october["due"] - october["done"]
        assert pairs(due, "missed", standard.id) == report_missing, standard.id


def test_filters(example):
    due = compute_due(example, MID_NOVEMBER, mentor="赵国强")
    assert {i.mentor for i in due.items} == {"赵国强"}
    assert len(due.items) == 11
    due = compute_due(example, MID_NOVEMBER, standard_id="monthly-talk", class_key=(3, 2))
    assert {i.item for i in due.items} == {"monthly-talk"}
    assert {i.class_key for i in due.items} == {"3-2"}
    with pytest.raises(api.UsageError):
        api.due(example, MID_NOVEMBER, standard="weekly-nothing")
    with pytest.raises(api.UsageError):
        api.due(example, MID_NOVEMBER, mentor="不存在的老师")
    result = run("--today", "2015-11-16", "-C", str(EXAMPLE), "due", "--class", "x")
    assert result.exit_code == 2


def test_groups_follow_staff_order(example):
    due = compute_due(example, MID_NOVEMBER)
    mentors = [name for name, _ in due.groups()]
    staff = list(example.settings.staff)
    assert mentors == sorted(mentors, key=staff.index)
    for _, items in due.groups():
        assert items == [i for i in due.items if i in items]


# ---------------------------------------------------------------------------- care.risk


RISK_STANDARDS = """
standards:
  - {id: monthly-talk, name: 每月谈心一次, log: talks, every: month, at_least: 1}
  - {id: weekly-risk-talk, name: 高风险儿童每周谈心, log: talks, every: week, at_least: 1,
     applies_to: {care.risk: [橙, 红]}}
"""


@pytest.fixture
def risky(tmp_path):
    root = copy_example(tmp_path / "school")
    with (root / "liushou.yaml").open("a", encoding="utf-8") as handle:
        handle.write(RISK_STANDARDS)
    for cid, risk in (("yl-2014-0213", "橙"), ("yl-2013-0203", "红"), ("yl-2015-0103", "绿")):
        path = next(root.glob(f"children/**/{cid}.yaml"))
        text = path.read_text(encoding="utf-8").replace("care:\n", f"care:\n  risk: {risk}\n", 1)
        path.write_text(text, encoding="utf-8")
    return root


def test_applies_to_care_risk(risky):
    check = api.check_repository(risky, dt.date(2016, 1, 31), use_cache=False)
    assert check.errors == 0, [f for f in check.findings if f.severity == "error"]
    repo, _ = api.load(risky, use_cache=False)
    due = compute_due(repo, MID_NOVEMBER)
    weekly = [i for i in due.items if i.item == "weekly-risk-talk"]
    # Week 2015-11-16..22: neither child has a talk yet; last week (11-09..15) neither had one.
    assert [(i.kind, i.child_id, i.risk) for i in weekly] == [
        ("missed", "yl-2013-0203", "红"),
        ("missed", "yl-2014-0213", "橙"),
        ("open", "yl-2013-0203", "红"),
        ("open", "yl-2014-0213", "橙"),
    ]
    assert weekly[2].period.start == dt.date(2015, 11, 16)
    assert weekly[2].deadline == dt.date(2015, 11, 22)
    # Within one kind and deadline: 红 first, then 绿 before children without a level
    # (yl-2014-0213, 橙, had its November talk on 11-04, so it is not open).
    opens = [i for i in due.items if i.kind == "open" and i.item == "monthly-talk"]
    assert [(i.child_id, i.risk) for i in opens[:3]] == [
        ("yl-2013-0203", "红"),
        ("yl-2015-0103", "绿"),
        ("yl-2015-0115", None),  # grade 1 before the higher grades
    ]
    # The weekly misses are the report's due − done of that week too.
    figures = compute(repo, term_for("2015-autumn", repo.settings), MID_NOVEMBER)
    report = {
        m["child_id"]
        for m in figures.standard_missing["weekly-risk-talk"]
        if m["period"] == "2015-W46"
    }
    assert report == {"yl-2013-0203", "yl-2014-0213"}


# ---------------------------------------------------------------------------- formats

ITEM_KEYS = {
    "kind",
    "item",
    "child_id",
    "name",
    "grade",
    "class",
    "mentor",
    "risk",
    "period",
    "done",
    "at_least",
    "remaining",
    "deadline",
    "last",
}


def test_json_shape():
    result = run("--today", "2015-11-16", "-C", str(EXAMPLE), "due", "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert set(doc) == {"school", "today", "term", "items"}
    assert (doc["today"], doc["term"]) == ("2015-11-16", "2015-autumn")
    assert len(doc["items"]) == 77
    for item in doc["items"]:
        assert set(item) == ITEM_KEYS
        assert set(item["period"]) == {"start", "end"}
    assert doc["items"][1] == {
        "kind": "missed",
        "item": "monthly-talk",
        "child_id": "yl-2014-0213",
        "name": "黄宇航",
        "grade": 2,
        "class": 2,
        "mentor": "孙春梅",
        "risk": None,
        "period": {"start": "2015-10-01", "end": "2015-10-31"},
        "done": 0,
        "at_least": 1,
        "remaining": 1,
        "deadline": "2015-10-31",
        "last": "2015-11-04",
    }
    text = result.stdout
    for child in EXAMPLE.glob("children/**/*.yaml"):  # no phone, ID number or address
        for line in child.read_text(encoding="utf-8").splitlines():
            key, _, value = line.strip().partition(": ")
            if key in ("phone", "id_number", "address") and value:
                assert value.strip('"') not in text


def test_csv_has_bom(tmp_path):
    out = tmp_path / "due.csv"
    result = run(
        "--today", "2015-11-16", "-C", str(EXAMPLE), "due", "--format", "csv", "-o", str(out)
    )
    assert result.exit_code == 0
    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["类别", "事项", "编号", "姓名"]
    assert len(rows) == 1 + 77
    assert rows[1][:4] == ["紧急", "无人监护：须立即报告并落实监护", "yl-2011-0106", "宋浩"]


def test_text_has_a_table_per_mentor():
    result = run("--today", "2015-11-16", "-C", str(EXAMPLE), "due", "--mentor", "赵国强")
    assert result.exit_code == 0
    assert result.stdout.count("帮扶教师：") == 1
    assert "帮扶教师：赵国强（11 项）" in result.stdout


def test_docx_one_section_per_mentor(tmp_path, example):
    from docx import Document

    out = tmp_path / "due.docx"
    result = run(
        "--today", "2015-11-16", "-C", str(EXAMPLE), "due", "--format", "docx", "-o", str(out)
    )
    assert result.exit_code == 0
    document = Document(str(out))
    groups = compute_due(example, MID_NOVEMBER).groups()
    assert len(document.sections) == len(groups) == 10
    assert len(document.tables) == 10
    for section in document.sections:
        assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    heads = [p.text for p in document.paragraphs if p.text.startswith("帮扶教师：")]
    assert [h.split("　")[0] for h in heads] == [f"帮扶教师：{name}" for name, _ in groups]
    first = document.tables[0]
    assert [c.text for c in first.rows[0].cells][-2:] == ["日期", "情况记录"]
    assert first.rows[1].cells[3].text.startswith("【紧急】")
    assert all(c.text == "" for row in first.rows[1:] for c in row.cells[-2:])
    fonts = document.styles["Normal"].element.xpath(".//w:rFonts/@w:eastAsia")
    assert fonts == ["宋体"]
    # Writing it again without --force is refused.
    again = run(
        "--today", "2015-11-16", "-C", str(EXAMPLE), "due", "--format", "docx", "-o", str(out)
    )
    assert again.exit_code == 2


def test_every_format_runs_for_a_filter():
    for fmt in ("text", "md", "json"):
        result = run(
            "--today",
            "2015-12-01",
            "-C",
            str(EXAMPLE),
            "due",
            "--standard",
            "term-visit",
            "--format",
            fmt,
            "-o",
            "-",
        )
        assert result.exit_code == 0, fmt
        assert "每月谈心" not in result.stdout


def test_help_is_chinese():
    result = run("due", "--help")
    assert result.exit_code == 0 and "待办" in result.stdout


def test_return_effort_follows_the_dropout_from_status_date_until_it_returns(example):
    """yl-2010-0107 dropped out on 2015-12-07 (efforts 12-09, 12-21, 01-06; back 01-18)."""
    before = compute_due(example, dt.date(2015, 12, 1), standard_id="monthly-return-effort")
    assert pairs(before, "open", "monthly-return-effort") == set()
    dropped = compute_due(example, dt.date(2015, 12, 8), standard_id="monthly-return-effort")
    assert pairs(dropped, "open", "monthly-return-effort") == {"yl-2010-0107"}
    item = next(i for i in dropped.items if i.item == "monthly-return-effort")
    assert (item.deadline, item.remaining) == (dt.date(2015, 12, 31), 1)
    back = compute_due(example, dt.date(2016, 1, 20), standard_id="monthly-return-effort")
    assert [i for i in back.items if i.item == "monthly-return-effort"] == []


def test_json_text_is_the_json_object_one_item_per_line(example):
    from liushou.documents.due_sheets import due_json

    due = compute_due(example, MID_NOVEMBER)
    text = due_json(due).decode()
    assert json.loads(text) == due.to_json()
    assert text.count("\n    {") == len(due.items)
    empty = compute_due(example, dt.date(2016, 8, 1))
    assert json.loads(due_json(empty)) == {**empty.to_json(), "items": []}
