"""The legal duties of data-format §11: check rules, the return-effort standard, the duties figures."""

from __future__ import annotations

import json

import pytest

from liushou.documents.render import duty_items, plan_context
from liushou.figures.metrics import compute, open_duties
from liushou.load.model import DEFAULT_STANDARDS
from liushou.load.settings import SettingsError, load_settings
from liushou.terms import term_for

from .repo_factory import CHILD, write_repo
from .test_check_rules import C1, found
from .test_metrics import AFTER, AUTUMN, DROP, D, child, log, repo

GOOD = CHILD.format(id="c1")
RETURNS = "date,child_id,staff,action,summary\n"
INCIDENTS = "occurred_at,child_id,summary,kind,reported_at\n"


# ---------------------------------------------------------------------------- check rules


def test_ls310_entrusted_care_without_written_notice(tmp_path):
    text = GOOD.replace("  notice_on: 2014-08-25\n", "")
    assert found(write_repo(tmp_path, {"2/1/c1.yaml": text})) == {(C1, 11, "LS310")}


def test_ls310_not_for_single_parent_care_or_a_child_who_left(tmp_path):
    single = GOOD.replace("  notice_on: 2014-08-25\n", "").replace("隔代监护", "单亲监护")
    assert found(write_repo(tmp_path / "a", {"2/1/c1.yaml": single})) == set()
    left = GOOD.replace("  notice_on: 2014-08-25\n", "").replace(
        "status: 在校", "status: 转出\nstatus_date: 2015-11-02"
    )
    assert found(write_repo(tmp_path / "b", {"2/1/c1.yaml": left})) == set()


def test_ls311_guardian_under_18(tmp_path):
    text = GOOD.replace("  age: 66", "  age: 16")
    assert found(write_repo(tmp_path, {"2/1/c1.yaml": text})) == {(C1, 21, "LS311")}


def test_ls312_unattended_child_in_care(tmp_path):
    text = GOOD.replace("guardianship: 隔代监护", "guardianship: 无人监护")
    assert found(write_repo(tmp_path, {"2/1/c1.yaml": text})) == {(C1, 11, "LS312")}


def test_ls313_dropout_with_a_later_return_row(tmp_path):
    text = GOOD.replace("status: 在校", "status: 辍学\nstatus_date: 2015-11-02")
    logs = {"returns": RETURNS + "2015-11-10,c1,周老师,家访劝返,\n2016-01-11,c1,周老师,复学,\n"}
    result = found(write_repo(tmp_path, {"2/1/c1.yaml": text}, logs))
    assert result == {(C1, 8, "LS313")}
    from liushou.api import check_repository

    message = check_repository(tmp_path, D(2016, 1, 20), use_cache=False).findings[0].message
    assert "logs/returns.csv 第 3 行" in message


def test_ls313_not_for_a_return_row_before_the_dropout(tmp_path):
    text = GOOD.replace("status: 在校", "status: 辍学\nstatus_date: 2015-11-02")
    logs = {"returns": RETURNS + "2015-10-10,c1,周老师,复学,\n"}
    assert found(write_repo(tmp_path, {"2/1/c1.yaml": text}, logs)) == set()


@pytest.mark.parametrize(
    ("text", "column"),
    [
        (INCIDENTS + "2015-10-01 10:00,c1,放学未归,走失,\n", 5),
        ("occurred_at,child_id,summary,kind\n2015-10-01 10:00,c1,放学未归,侵害\n", 4),
    ],
)
def test_ls407_mandatory_report_without_reported_at(tmp_path, text, column):
    from liushou.api import check_repository

    root = write_repo(tmp_path, logs={"incidents": text})
    findings = check_repository(root, D(2016, 1, 20), use_cache=False).findings
    assert [(f.file, f.line, f.column, f.code) for f in findings] == [
        ("logs/incidents.csv", 2, column, "LS407")
    ]


def test_ls407_not_for_other_kinds_or_a_reported_row(tmp_path):
    text = INCIDENTS + "2015-10-01 10:00,c1,摔伤,意外伤害,\n"
    text += "2015-10-02 10:00,c1,放学未归,走失,2015-10-02 10:30\n"
    assert found(write_repo(tmp_path, logs={"incidents": text})) == set()


def test_incident_kind_and_return_action_are_enumerations(tmp_path):
    logs = {
        "incidents": INCIDENTS + "2015-10-01 10:00,c1,摔伤,打架,2015-10-01 10:30\n",
        "returns": RETURNS + "2015-10-10,c1,周老师,上门,\n",
    }
    assert found(write_repo(tmp_path, logs=logs)) == {
        ("logs/incidents.csv", 2, "LS404"),
        ("logs/returns.csv", 2, "LS404"),
    }


def test_care_risk_is_an_enumeration(tmp_path):
    ok = GOOD.replace("  mentor: 周老师", "  mentor: 周老师\n  risk: 橙")
    assert found(write_repo(tmp_path / "a", {"2/1/c1.yaml": ok})) == set()
    bad = GOOD.replace("  mentor: 周老师", "  mentor: 周老师\n  risk: 紫")
    assert found(write_repo(tmp_path / "b", {"2/1/c1.yaml": bad})) == {(C1, 33, "LS103")}


def test_settings_standard_may_name_its_care_rule(tmp_path):
    base = "school: 测试小学\nstaff: [周老师]\nstandards:\n"
    good = base + "  - {id: r, name: 劝返, log: returns, every: month, in_care: dropout}\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "liushou.yaml").write_text(good, encoding="utf-8")
    assert load_settings(tmp_path / "a").standards[0].in_care == "dropout"
    bad = base + "  - {id: r, name: 劝返, log: returns, every: month, in_care: 全部}\n"
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "liushou.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(SettingsError):
        load_settings(tmp_path / "b")


# ---------------------------------------------------------------------------- figures


def returns(*rows: tuple[str, str, str]):
    return log([{"date": d, "child_id": c, "staff": "周文", "action": a} for c, d, a in rows])


def incidents(*rows: dict):
    columns = ("occurred_at", "guardian_notified_at", "parents_notified_at", "reported_at")
    return log([{"child_id": "stay", "summary": "事件", **row} for row in rows], columns)


def on_time(day: str, **extra: str) -> dict:
    return {
        "occurred_at": f"{day} 10:00",
        "guardian_notified_at": f"{day} 10:10",
        "parents_notified_at": f"{day} 10:20",
        "reported_at": f"{day} 10:30",
        **extra,
    }


@pytest.fixture
def school():
    children = [
        # returns mid-term: due Oct and Nov (span 10-05 .. 12-02), both done
        child("back", {"status": "辍学", "status_date": D(2015, 10, 5), "care.mentor": "吴静"}),
        # never returns: due Dec and Jan (Nov's midpoint is before 11-20), Dec done
        child("gone", {"status": "辍学", "status_date": D(2015, 11, 20)}),
        # dropped before the term, still out: due every month Sep..Jan, Sep done
        child("old", {"status": "辍学", "status_date": D(2015, 6, 20), "care.mentor": "郑岚"}),
        child("stay"),
        child("noticed", {"guardian.notice_on": D(2015, 9, 3), "guardian.agreement": True}),
        child("late", {"guardian.notice_on": D(2016, 2, 10)}),  # after the as-of date
        child("alone", {"guardianship": "无人监护", "guardian": DROP, "care.mentor": "郑岚"}),
        child("single", {"guardianship": "单亲监护"}),
    ]
    logs = {
        "returns": returns(
            ("old", "2015-09-08", "电话劝返"),
            ("back", "2015-10-20", "电话劝返"),
            ("back", "2015-11-10", "家访劝返"),
            ("back", "2015-12-02", "复学"),
            ("gone", "2015-12-10", "书面报告"),
        ),
        "incidents": incidents(
            on_time("2015-10-08", kind="走失"),
            on_time("2015-11-08", kind=""),
            {**on_time("2015-12-08", kind="乱写"), "reported_at": ""},
        ),
    }
    return repo(children, logs, standards=DEFAULT_STANDARDS)


def test_return_effort_standard_counts_dropouts_from_status_date_until_return(school):
    figures = compute(school, AUTUMN, AFTER)
    entry = figures.standards["monthly-return-effort"]
    assert (entry["due"], entry["done"]) == (9, 4)
    assert entry["rate"] == pytest.approx(4 / 9)
    series = [
        (p["label"], p["due"], p["done"]) for p in figures.standard_periods["monthly-return-effort"]
    ]
    assert series == [
        ("2015-09", 1, 1),
        ("2015-10", 2, 1),
        ("2015-11", 2, 1),
        ("2015-12", 2, 1),
        ("2016-01", 2, 0),
    ]
    assert {
        name: m["standards"]["monthly-return-effort"] for name, m in figures.mentors.items()
    } == {
        "周文": 0.5,
        "吴静": 1.0,
        "郑岚": 0.2,
    }
    # The other standards still count left-behind care: a dropout is not due after leaving.
    assert (
        figures.standards["monthly-talk"]["due"] == 5 * 5 + 1 + 3
    )  # 5 in care; back Sep; gone Sep-Nov


def test_duties_block(school):
    duties = compute(school, AUTUMN, AFTER).duties
    assert duties["notice"] == [1, 3]
    assert duties["unattended"] == 1 and duties["unattended_paired"] == 1
    assert duties["incidents_by_kind"] == {"走失": 1, "其他": 2}
    assert duties["incident_kinds"] == [
        {"kind": "走失", "count": 1, "on_time": 1, "reported": 1},
        {"kind": "其他", "count": 2, "on_time": 1, "reported": 1},
    ]
    assert (duties["dropouts"], duties["returned"], duties["pursued"]) == (2, 1, 2)
    assert duties["efforts"] == {"电话劝返": 2, "家访劝返": 1, "书面报告": 1}
    assert (duties["effort_rows"], duties["effort_children"], duties["agreements"]) == (4, 3, 1)


def test_duties_in_json_exactly_as_spec_and_counts_only(school):
    data = compute(school, AUTUMN, AFTER).to_json()
    assert list(data)[-1] == "duties"
    assert data["duties"] == {
        "notice": [1, 3],
        "unattended": 1,
        "incidents_by_kind": {"走失": 1, "其他": 2},
        "dropouts": 2,
        "returned": 1,
    }
    text = json.dumps(data["duties"], ensure_ascii=False)
    for cid in ("back", "gone", "old", "stay", "alone", "儿童"):
        assert cid not in text


def test_a_return_after_the_as_of_date_is_not_counted(school):
    in_progress = compute(school, AUTUMN, D(2015, 11, 30))
    assert (in_progress.duties["dropouts"], in_progress.duties["returned"]) == (2, 0)


def test_open_duties_become_the_plans_first_items(school):
    duties = open_duties(school, D(2016, 1, 31))
    assert duties == {"notice_missing": 2, "unattended": 1, "dropouts_out": 2}
    items = duty_items(duties)
    assert items == [
        "对1名无人监护的留守儿童立即报告并落实监护",
        "督促2名留守儿童的父母书面告知学校委托照护情况，补齐书面告知",
        "对2名辍学学生每月开展劝返并记录，直至复学",
    ]
    spring = term_for("2016-spring", school.settings)
    context = plan_context(spring, school.settings, duties=duties)
    assert context["schedule"][0]["items"][:3] == items
    assert context["open_duties"] == items
    assert plan_context(spring, school.settings)["open_duties"] == []
