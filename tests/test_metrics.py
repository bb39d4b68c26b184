"""Term calendar and term figures (data-format §5–§7) on small hand-made repositories."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liushou import terms
from liushou.figures.metrics import compute, in_care
from liushou.load.model import (
    DEFAULT_STANDARDS,
    DEFAULT_TARGETS,
    Child,
    Repository,
    Settings,
    Standard,
)
from liushou.load.schema import archive_missing
from liushou.terms import Term

D = dt.date
AFTER = D(2016, 3, 1)  # a "today" after 2015-autumn has ended
STAFF = ["周文", "吴静", "郑岚"]
DROP = object()  # removes a key from the base record

BASE_RECORD = {
    "name": "测试儿童",
    "gender": "男",
    "birth_date": D(2007, 5, 1),
    "grade": 3,
    "class": 1,
    "address": "东岭镇青石村三组",
    "enrolled_on": D(2014, 9, 1),
    "status": "在校",
    "left_behind": {"type": "父母均外出"},
    "guardianship": "隔代监护",
    "parents": [
        {"relation": "父亲", "name": "某父", "phone": "13800000000", "work_place": "广东东莞"}
    ],
    "guardian": {
        "name": "某祖母",
        "relation": "祖母",
        "age": 63,
        "occupation": "务农",
        "address": "东岭镇青石村三组",
        "phone": "13900000000",
        "health": "良好",
    },
    "profile": {"personality": "内向", "interests": ["画画"], "health": "健康"},
    "care": {"mentor": "周文"},
}


def child(cid: str, fields: dict | None = None) -> Child:
    """A complete record changed at dotted paths ({"care.mentor": "吴静"}); DROP removes a key."""
    record = copy.deepcopy(BASE_RECORD)
    record["id"] = cid
    record["name"] = f"儿童{cid}"
    for dotted, value in (fields or {}).items():
        *parents, last = dotted.split(".")
        node = record
        for part in parents:
            node = node.setdefault(part, {})
        if value is DROP:
            node.pop(last, None)
        else:
            node[last] = value
    return Child(cid, f"children/{cid}.yaml", record)


def log(rows: list[dict], dates: tuple[str, ...] = ("date",)) -> pd.DataFrame:
    """A log as the loader gives it: text columns, parsed date columns, `_line`."""
    frame = pd.DataFrame(rows)
    for column in frame.columns:
        if column in dates:
            frame[column] = pd.to_datetime(frame[column], errors="coerce")
        else:
            frame[column] = frame[column].fillna("").astype(str)
    frame["_line"] = range(2, len(frame) + 2)
    return frame


def talks(*pairs: tuple[str, str]) -> pd.DataFrame:
    return log([{"date": day, "child_id": cid, "staff": "周文"} for cid, day in pairs])


def contact(cid: str, day: str, with_: str, channel: str) -> dict:
    return {"date": day, "child_id": cid, "staff": "周文", "with": with_, "channel": channel}


def due_done(figures, sid: str) -> tuple[int, int]:
    return figures.standards[sid]["due"], figures.standards[sid]["done"]


def repo(children, logs=None, **settings_fields) -> Repository:
    settings_fields.setdefault("standards", (TALK,))
    school = Settings(school="红岭镇中心小学", staff=list(STAFF), **settings_fields)
    return Repository(Path("."), school, {c.id: c for c in children}, logs or {})


TALK = Standard("monthly-talk", "每月谈心一次", "talks", "month")
AUTUMN = Term("2015-autumn", D(2015, 9, 1), D(2016, 1, 31))


# ---------------------------------------------------------------------------- terms


def test_parse_term_name():
    assert terms.parse_term_name("2015-autumn") == (2015, "autumn")
    assert terms.parse_term_name("2016-spring") == (2016, "spring")


@pytest.mark.parametrize("name", ["2015-fall", "15-autumn", "2015autumn", "", "2015-Autumn"])
def test_parse_term_name_rejects_malformed_names_in_chinese(name):
    with pytest.raises(ValueError, match="学期名称"):
        terms.parse_term_name(name)


def test_default_calendar():
    assert terms.term_for("2015-autumn", None) == AUTUMN
    assert terms.term_for("2016-spring", Settings("x", [])) == Term(
        "2016-spring", D(2016, 2, 15), D(2016, 7, 10)
    )


def test_terms_override_both_ends():
    school = Settings("x", [], terms={"2015-autumn": (D(2015, 9, 10), D(2016, 1, 10))})
    assert terms.term_for("2015-autumn", school) == Term(
        "2015-autumn", D(2015, 9, 10), D(2016, 1, 10)
    )
    assert terms.term_for("2016-spring", school).start == D(2016, 2, 15)


def test_as_of_is_end_or_today_while_the_term_runs():
    assert terms.as_of(AUTUMN, AFTER) == D(2016, 1, 31)
    assert terms.as_of(AUTUMN, D(2016, 1, 31)) == D(2016, 1, 31)
    assert terms.as_of(AUTUMN, D(2015, 10, 20)) == D(2015, 10, 20)


def test_term_containing():
    school = Settings("x", [])
    assert terms.term_containing(D(2015, 9, 1), school).name == "2015-autumn"
    assert terms.term_containing(D(2016, 1, 31), school).name == "2015-autumn"
    assert terms.term_containing(D(2016, 2, 1), school) is None  # winter holiday
    assert terms.term_containing(D(2016, 7, 10), school).name == "2016-spring"
    assert terms.term_containing(D(2016, 8, 1), school) is None  # summer holiday
    moved = Settings("x", [], terms={"2015-autumn": (D(2015, 8, 25), D(2016, 1, 20))})
    assert terms.term_containing(D(2015, 8, 26), moved).name == "2015-autumn"
    assert terms.term_containing(D(2016, 1, 25), moved) is None


def test_term_containing_prefers_the_later_term_when_overrides_overlap():
    school = Settings("x", [], terms={"2015-autumn": (D(2015, 9, 1), D(2016, 2, 20))})
    assert terms.term_containing(D(2016, 2, 18), school).name == "2016-spring"
    assert terms.term_containing(D(2016, 2, 10), school).name == "2015-autumn"


def test_term_midpoint():
    # 2015-09-01 .. 2016-01-31 is 152 days apart: midpoint 76 days after the start.
    assert AUTUMN.midpoint == D(2015, 11, 16)


def test_months_belong_by_their_15th():
    assert [p.label for p in terms.months(AUTUMN, D(2016, 1, 31))] == [
        "2015-09",
        "2015-10",
        "2015-11",
        "2015-12",
        "2016-01",
    ]
    spring = terms.term_for("2016-spring", None)
    # Feb 15 is the first day; Jul 15 falls after the term's end on Jul 10.
    assert [p.label for p in terms.months(spring, spring.end)] == [
        "2016-02",
        "2016-03",
        "2016-04",
        "2016-05",
        "2016-06",
    ]
    october = terms.months(AUTUMN, D(2015, 10, 15))[-1]
    assert (october.start, october.end, october.midpoint) == (
        D(2015, 10, 1),
        D(2015, 10, 31),
        D(2015, 10, 15),
    )
    assert [p.label for p in terms.months(AUTUMN, D(2015, 10, 14))] == ["2015-09"]


def test_weeks_belong_by_their_thursday():
    short = Term("2015-autumn", D(2015, 9, 4), D(2015, 9, 30))  # starts on a Friday
    weeks = terms.weeks(short, short.end)
    # Aug 31 – Sep 6 has its Thursday (Sep 3) before the start; Sep 28 – Oct 4 has it after the end.
    assert [(p.start, p.end, p.midpoint) for p in weeks] == [
        (D(2015, 9, 7), D(2015, 9, 13), D(2015, 9, 10)),
        (D(2015, 9, 14), D(2015, 9, 20), D(2015, 9, 17)),
        (D(2015, 9, 21), D(2015, 9, 27), D(2015, 9, 24)),
    ]
    assert weeks[0].label == "2015-W37"
    assert terms.weeks(AUTUMN, AUTUMN.end)[0].start == D(2015, 8, 31)


def test_term_period_belongs_once_the_midpoint_is_reached():
    assert terms.due_periods("term", AUTUMN, D(2015, 11, 15)) == []
    (period,) = terms.due_periods("term", AUTUMN, D(2015, 11, 16))
    assert (period.start, period.end, period.midpoint) == (
        D(2015, 9, 1),
        D(2015, 11, 16),
        D(2015, 11, 16),
    )
    with pytest.raises(ValueError):
        terms.due_periods("day", AUTUMN, AUTUMN.end)


def test_a_term_not_begun_has_no_periods():
    assert terms.due_periods("month", AUTUMN, D(2015, 8, 20)) == []
    assert terms.due_periods("week", AUTUMN, D(2015, 8, 20)) == []


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(D(2000, 1, 1), D(2030, 12, 31)),
    length=st.integers(0, 400),
    cut=st.integers(0, 400),
)
def test_periods_are_the_ones_whose_midpoint_is_in_the_term(start, length, cut):
    term = Term("2015-autumn", start, start + dt.timedelta(days=length))
    as_of_date = min(term.end, start + dt.timedelta(days=cut))
    days = [term.start + dt.timedelta(days=i) for i in range((as_of_date - term.start).days + 1)]
    thursdays = [d for d in days if d.weekday() == 3]
    fifteenths = [d for d in days if d.day == 15]
    for every, expected in (("week", thursdays), ("month", fifteenths)):
        periods = terms.due_periods(every, term, as_of_date)
        assert [p.midpoint for p in periods] == expected
        assert all(p.start <= p.midpoint <= p.end for p in periods)
        # consecutive, so every day between the first and the last belongs to exactly one
        assert all(a.end + dt.timedelta(days=1) == b.start for a, b in zip(periods, periods[1:]))


# ---------------------------------------------------------------------------- in care


def test_in_care_clauses():
    assert in_care(child("a"), D(2015, 9, 1))
    assert not in_care(child("a", {"enrolled_on": D(2015, 10, 20)}), D(2015, 10, 19))
    assert in_care(child("a", {"enrolled_on": D(2015, 10, 20)}), D(2015, 10, 20))
    out = child("a", {"status": "转出", "status_date": D(2015, 11, 10)})
    assert in_care(out, D(2015, 11, 9)) and not in_care(out, D(2015, 11, 10))
    since = child("a", {"left_behind.since": D(2015, 11, 1)})
    assert not in_care(since, D(2015, 10, 31)) and in_care(since, D(2015, 11, 1))
    until = child("a", {"left_behind.until": D(2015, 12, 1)})
    assert in_care(until, D(2015, 11, 30)) and not in_care(until, D(2015, 12, 1))
    # undecidable records are never in care
    assert not in_care(child("a", {"enrolled_on": DROP}), D(2015, 9, 1))
    assert not in_care(child("a", {"status": "休学"}), D(2015, 9, 1))


@settings(max_examples=150, deadline=None)
@given(
    enrolled=st.one_of(st.none(), st.dates(D(2015, 6, 1), D(2016, 3, 1))),
    status=st.sampled_from(["在校", "转出", "辍学", "休学", "毕业"]),
    status_date=st.one_of(st.none(), st.dates(D(2015, 6, 1), D(2016, 3, 1))),
    since=st.one_of(st.none(), st.dates(D(2015, 6, 1), D(2016, 3, 1))),
    until=st.one_of(st.none(), st.dates(D(2015, 6, 1), D(2016, 3, 1))),
    talk_days=st.lists(st.dates(D(2015, 8, 1), D(2016, 2, 28)), max_size=6),
    today=st.dates(D(2015, 8, 15), D(2016, 3, 1)),
)
def test_vectorised_figures_agree_with_the_clauses(
    enrolled, status, status_date, since, until, talk_days, today
):
    one = child(
        "a",
        {
            "enrolled_on": enrolled or DROP,
            "status": status,
            "status_date": status_date or DROP,
            "left_behind.since": since or DROP,
            "left_behind.until": until or DROP,
        },
    )
    other = child("b")
    figures = compute(
        repo([one, other], {"talks": talks(*[("a", d.isoformat()) for d in talk_days])}),
        AUTUMN,
        today,
    )
    as_of_date = min(AUTUMN.end, today)
    assert figures.population == 1 + in_care(one, as_of_date)
    days = [
        AUTUMN.start + dt.timedelta(days=i) for i in range((as_of_date - AUTUMN.start).days + 1)
    ]
    assert figures.retention["u"] == sum(any(in_care(c, d) for d in days) for c in (one, other))
    due = done = 0
    for period in terms.months(AUTUMN, as_of_date):
        for c, rows in ((one, talk_days), (other, [])):
            if in_care(c, period.midpoint):
                due += 1
                done += any(period.start <= d <= min(period.end, as_of_date) for d in rows)
    assert due_done(figures, "monthly-talk") == (due, done)


# ---------------------------------------------------------------------------- archive


def test_archive_complete_record_misses_nothing():
    assert archive_missing(child("a")) == []


def test_archive_missing_fields_are_named():
    record = child(
        "a",
        {
            "address": "  ",
            "parents": [
                {"relation": "父亲", "name": "某父"},
                {"relation": "母亲", "name": "某母", "phone": "13800000001"},
            ],
            "guardian.phone": DROP,
            "profile.interests": [],
            "care.mentor": "",
        },
    )
    assert archive_missing(record) == [
        "address",
        "parents",  # neither parent has name, phone and work_place
        "guardian.phone",
        "profile.interests",
        "care.mentor",
    ]
    assert archive_missing(child("a", {"parents": [], "guardian": DROP, "profile": DROP})) == [
        "parents",
        "guardian",
        "profile.personality",
        "profile.interests",
        "profile.health",
    ]


def test_archive_needs_no_guardian_when_nobody_guards():
    assert archive_missing(child("a", {"guardianship": "无人监护", "guardian": DROP})) == []


# ---------------------------------------------------------------------------- §6.1


def test_rates_over_population():
    children = [
        child("a"),
        child("b", {"care.mentor": DROP, "care.vaccinated": True}),
        child("c", {"address": DROP}),
        child("d", {"status": "转出", "status_date": D(2015, 10, 1)}),  # not in N
    ]
    logs = {
        "health": log(
            [
                # an immunisation before the term counts
                {"date": "2014-03-01", "child_id": "a", "kind": "免疫接种"},
                {"date": "2016-02-10", "child_id": "c", "kind": "免疫接种"},  # after as-of
                {"date": "2015-10-10", "child_id": "c", "kind": "体检"},
                {"date": "2015-10-10", "child_id": "d", "kind": "免疫接种"},
            ]
        ),
        "trainings": log(
            [
                {"date": "2015-08-30", "child_id": "a", "topic": "家教"},  # before start
                {"date": "2015-12-05", "child_id": "b", "topic": "家教"},
                {"date": "2015-12-05", "child_id": "nobody", "topic": "家教"},
            ]
        ),
    }
    figures = compute(repo(children, logs), AUTUMN, AFTER)
    assert figures.population == 3
    assert figures.metrics["archive_rate"] == 1 / 3  # b lacks mentor, c lacks address
    assert figures.metrics["pairing_rate"] == 2 / 3
    assert figures.metrics["vaccination_rate"] == 2 / 3  # a by log, b by record
    assert figures.metrics["training_rate"] == 1 / 3
    assert figures.metrics["training_rate"] != round(1 / 3, 4)  # rates are never rounded
    assert figures.health_checks == {"rows": 1, "children": 1}


def test_left_behind_share_needs_students_total():
    children = [child("a"), child("b")]
    assert compute(repo(children), AUTUMN, AFTER).metrics["left_behind_share"] is None
    assert compute(repo(children), AUTUMN, AFTER).students_total is None
    counted = compute(repo(children, students_total={"2015-autumn": 140}), AUTUMN, AFTER)
    assert counted.metrics["left_behind_share"] == 2 / 140
    assert counted.students_total == 140
    other_term = repo(children, students_total={"2016-spring": 140})
    assert compute(other_term, AUTUMN, AFTER).metrics["left_behind_share"] is None


def test_empty_repository_gives_null_rates():
    figures = compute(repo([]), AUTUMN, AFTER)
    assert figures.population == 0
    assert set(figures.metrics.values()) == {None}
    assert figures.standards["monthly-talk"] == {
        "name": "每月谈心一次",
        "due": 0,
        "done": 0,
        "rate": None,
        "target": 1.0,
        "log": "talks",
        "every": "month",
    }
    assert figures.targets == DEFAULT_TARGETS


# ---------------------------------------------------------------------------- §6.2


def test_retention_counts_transfers_and_dropouts_only():
    children = [
        child("stay"),
        child("moved", {"status": "转出", "status_date": D(2015, 11, 10)}),
        child("quit", {"status": "辍学", "status_date": D(2015, 12, 1)}),
        child("pause", {"status": "休学", "status_date": D(2015, 12, 1)}),
        child("grad", {"status": "毕业", "status_date": D(2016, 1, 15)}),
        child("home", {"left_behind.until": D(2015, 12, 1)}),
        child("gone", {"status": "转出", "status_date": D(2015, 6, 30)}),  # left before the term
        child("edge", {"status": "转出", "status_date": D(2015, 9, 1)}),  # never in care in T
        child("late", {"enrolled_on": D(2016, 2, 1)}),  # after as-of
    ]
    figures = compute(repo(children), AUTUMN, AFTER)
    assert figures.population == 1
    assert figures.retention == {"u": 6, "out": 1, "dropped": 1}
    assert figures.metrics["retention_rate"] == (6 - 1 - 1) / (6 - 1)
    assert figures.status_changes == {"转出": 1, "辍学": 1, "休学": 1, "毕业": 1}
    assert figures.left_behind_ended == 1


def test_retention_transfer_in_and_second_day_transfer_out():
    children = [
        child("new", {"enrolled_on": D(2015, 10, 20)}),
        child("early", {"status": "转出", "status_date": D(2015, 9, 2)}),
    ]
    figures = compute(repo(children), AUTUMN, AFTER)
    assert figures.retention == {"u": 2, "out": 1, "dropped": 0}
    assert figures.metrics["retention_rate"] == 1.0
    assert figures.joined == 1


def test_retention_is_null_when_everyone_transferred_out():
    children = [child("moved", {"status": "转出", "status_date": D(2015, 11, 10)})]
    assert compute(repo(children), AUTUMN, AFTER).metrics["retention_rate"] is None


# ---------------------------------------------------------------------------- §6.4


def test_monthly_standard_with_transfers_and_left_behind_dates():
    children = [
        child("a"),
        child("new", {"enrolled_on": D(2015, 10, 20)}),  # due Nov, Dec, Jan
        child("moved", {"status": "转出", "status_date": D(2015, 11, 10)}),  # due Sep, Oct
        child("since", {"left_behind.since": D(2015, 11, 1)}),  # due Nov, Dec, Jan
        child("until", {"left_behind.until": D(2015, 12, 1)}),  # due Sep, Oct, Nov
    ]
    logs = {
        "talks": talks(
            ("a", "2015-09-10"),
            ("a", "2015-09-20"),  # a second talk in September adds nothing
            ("a", "2016-01-31"),
            ("a", "2016-02-01"),  # after as-of
            ("new", "2015-10-22"),  # not due in October
            ("new", "2015-11-02"),
            ("moved", "2015-10-30"),
            ("moved", "2015-11-12"),  # not due in November
            ("since", "2015-12-24"),
            ("until", "2015-11-30"),
            ("ghost", "2015-11-30"),  # names no child
        )
    }
    figures = compute(repo(children, logs), AUTUMN, AFTER)
    assert figures.population == 3
    assert figures.standards["monthly-talk"] == {
        "name": "每月谈心一次",
        "due": 5 + 3 + 2 + 3 + 3,
        "done": 2 + 1 + 1 + 1 + 1,
        "rate": 6 / 16,
        "target": 1.0,
        "log": "talks",
        "every": "month",
    }
    assert [
        (p["label"], p["due"], p["done"]) for p in figures.standard_periods["monthly-talk"]
    ] == [
        ("2015-09", 3, 1),
        ("2015-10", 3, 1),
        ("2015-11", 4, 2),
        ("2015-12", 3, 1),
        ("2016-01", 3, 1),
    ]
    missing = figures.standard_missing["monthly-talk"]
    assert len(missing) == 10
    assert missing[0] == {
        "child_id": "moved",
        "name": "儿童moved",
        "class": "3-1",
        "period": "2015-09",
    }
    assert [(m["child_id"], m["period"]) for m in missing if m["period"] == "2015-11"] == [
        ("a", "2015-11"),
        ("since", "2015-11"),
    ]


def test_term_in_progress_counts_up_to_today():
    children = [child("a"), child("b")]
    logs = {
        "talks": talks(("a", "2015-09-10"), ("a", "2015-10-18"), ("b", "2015-10-21")),
        "visits": log([{"date": "2015-09-20", "child_id": "a", "staff": "周文"}]),
    }
    visit = Standard("term-visit", "每学期家访一次", "visits", "term")
    figures = compute(repo(children, logs, standards=(TALK, visit)), AUTUMN, D(2015, 10, 20))
    assert figures.as_of == D(2015, 10, 20)
    assert figures.to_json()["as_of"] == "2015-10-20"
    assert figures.to_json()["end"] == "2016-01-31"
    assert figures.standards["monthly-talk"]["due"] == 4  # September and October
    assert figures.standards["monthly-talk"]["done"] == 2  # b's talk is after as-of
    # The term's midpoint (Nov 16) is not reached: no visit is due yet.
    assert figures.standards["term-visit"]["due"] == 0
    assert figures.standards["term-visit"]["rate"] is None


def test_term_standard_counts_visits_inside_start_and_as_of():
    children = [
        child("a"),
        child("b"),
        child("c"),
        child("moved", {"status": "转出", "status_date": D(2015, 11, 16)}),  # out at midpoint
        child("new", {"enrolled_on": D(2015, 11, 16)}),  # in at midpoint
    ]
    visits = log(
        [
            {"date": "2015-12-01", "child_id": "a", "staff": "周文"},
            {"date": "2015-08-30", "child_id": "b", "staff": "周文"},  # before the start
            {"date": "2016-02-02", "child_id": "c", "staff": "周文"},  # after as-of
            {"date": "2016-01-31", "child_id": "new", "staff": "周文"},
        ]
    )
    visit = Standard("term-visit", "每学期家访一次", "visits", "term")
    figures = compute(repo(children, {"visits": visits}, standards=(visit,)), AUTUMN, AFTER)
    assert due_done(figures, "term-visit") == (4, 2)
    assert [p["label"] for p in figures.standard_periods["term-visit"]] == ["2015-autumn"]


def test_weekly_standard_and_at_least():
    short = Term("2015-autumn", D(2015, 9, 1), D(2015, 9, 30))  # weeks: Aug 31 .. Sep 27
    weekly = Standard("weekly-talk", "每周谈心", "talks", "week")
    twice = Standard("weekly-twice", "每周谈心两次", "talks", "week", at_least=2)
    logs = {
        "talks": talks(
            ("a", "2015-08-31"),  # inside the first week, though before the term's start
            ("a", "2015-09-09"),
            ("a", "2015-09-10"),
            ("a", "2015-09-30"),  # its week's Thursday (Oct 1) is after the end
        )
    }
    figures = compute(repo([child("a")], logs, standards=(weekly, twice)), short, AFTER)
    assert figures.standards["weekly-talk"]["due"] == 4
    assert figures.standards["weekly-talk"]["rate"] == 2 / 4
    assert figures.standards["weekly-twice"]["rate"] == 1 / 4
    assert [p["label"] for p in figures.standard_periods["weekly-talk"]] == [
        "2015-W36",
        "2015-W37",
        "2015-W38",
        "2015-W39",
    ]


def test_terms_override_changes_months_and_as_of():
    school_terms = {"2015-autumn": (D(2015, 9, 10), D(2016, 1, 10))}
    term = terms.term_for("2015-autumn", Settings("x", [], terms=school_terms))
    children = [child("a"), child("leaves", {"status": "转出", "status_date": D(2016, 1, 12)})]
    logs = {"talks": talks(("a", "2015-09-05"))}  # before the start but inside September
    figures = compute(repo(children, logs, terms=school_terms), term, AFTER)
    assert figures.as_of == D(2016, 1, 10)
    assert figures.population == 2
    assert [p["label"] for p in figures.standard_periods["monthly-talk"]] == [
        "2015-09",
        "2015-10",
        "2015-11",
        "2015-12",
    ]
    assert figures.standards["monthly-talk"]["done"] == 1
    assert figures.retention == {"u": 2, "out": 0, "dropped": 0}


def test_where_and_applies_to_guardianship():
    children = [
        child("grand"),  # 隔代监护
        child("alone", {"guardianship": "无人监护", "guardian": DROP}),
    ]
    contacts = log(
        [
            contact("grand", "2015-09-05", "父母", "电话"),
            contact("grand", "2015-09-06", "监护人", "面谈"),
            contact("grand", "2015-10-06", "监护人", "面谈"),
            contact("alone", "2015-09-07", "父母", "微信"),
            contact("alone", "2015-09-08", "监护人", "电话"),
        ]
    )
    parent = Standard(
        "monthly-parent-contact", "每月与父母联系一次", "contacts", "month", where={"with": "父母"}
    )
    guardian = Standard(
        "monthly-guardian-contact",
        "每月与监护人沟通一次",
        "contacts",
        "month",
        where={"with": "监护人"},
        applies_to={"guardianship": ["隔代监护", "寄养监护", "单亲监护", "其他"]},
    )
    by_phone = Standard(
        "phone", "电话联系父母", "contacts", "month", where={"with": "父母", "channel": "电话"}
    )
    figures = compute(
        repo(children, {"contacts": contacts}, standards=(parent, guardian, by_phone)),
        AUTUMN,
        AFTER,
    )
    assert due_done(figures, "monthly-parent-contact") == (10, 2)
    assert due_done(figures, "monthly-guardian-contact") == (5, 2)  # not for 无人监护
    assert figures.standards["phone"]["done"] == 1


def test_where_on_a_column_the_log_lacks_matches_nothing():
    odd = Standard("odd", "有跟进的谈心", "talks", "month", where={"follow_up": "是"})
    figures = compute(
        repo([child("a")], {"talks": talks(("a", "2015-09-10"))}, standards=(odd,)), AUTUMN, AFTER
    )
    assert figures.standards["odd"]["done"] == 0


def test_applies_to_booleans_and_their_default():
    children = [
        child("focus", {"care.focus": True, "care.plan": "每周谈心"}),
        child("plain", {"care.focus": False}),
        child("unsaid"),  # no care.focus: false by default
    ]
    focus = Standard(
        "focus", "重点对象每月谈心", "talks", "month", applies_to={"care.focus": [True]}
    )
    others = Standard(
        "others", "其他对象每月谈心", "talks", "month", applies_to={"care.focus": [False]}
    )
    # settings.py may hand over "true" as text; it must mean the same as YAML's true.
    text = Standard("text", "重点对象", "talks", "month", applies_to={"care.focus": ["true"]})
    boarders = Standard(
        "board", "寄宿生", "talks", "month", applies_to={"boarding": [False], "grade": ["3"]}
    )
    figures = compute(repo(children, standards=(focus, others, text, boarders)), AUTUMN, AFTER)
    assert figures.standards["focus"]["due"] == 5
    assert figures.standards["others"]["due"] == 10
    assert figures.standards["text"]["due"] == 5
    assert figures.standards["board"]["due"] == 15


def test_absent_log_counts_as_empty():
    figures = compute(repo([child("a")]), AUTUMN, AFTER)
    assert figures.standards["monthly-talk"]["rate"] == 0.0
    assert figures.log_counts == {
        "talks": 0,
        "visits": 0,
        "contacts": 0,
        "trainings": 0,
        "health": 0,
        "aid": 0,
    }


def test_a_term_not_begun_counts_nothing_of_the_term():
    children = [child("a")]
    figures = compute(repo(children, {"talks": talks(("a", "2015-08-10"))}), AUTUMN, D(2015, 8, 20))
    assert figures.as_of == D(2015, 8, 20)
    assert figures.population == 1  # in care on the as-of date, which is today
    assert figures.retention == {"u": 0, "out": 0, "dropped": 0}
    assert figures.metrics["retention_rate"] is None
    assert due_done(figures, "monthly-talk") == (0, 0)


def test_where_accepts_a_list_of_values():
    either = Standard(
        "either", "与父母或监护人联系", "contacts", "month", where={"with": ["父母", "监护人"]}
    )
    contacts = log(
        [contact("a", "2015-09-05", "父母", "电话"), contact("a", "2015-10-05", "监护人", "电话")]
    )
    figures = compute(
        repo([child("a")], {"contacts": contacts}, standards=(either,)), AUTUMN, AFTER
    )
    assert due_done(figures, "either") == (5, 2)


# ---------------------------------------------------------------------------- §6.3


def incident(occurred, guardian="", parents="", reported="", cid="a"):
    return {
        "occurred_at": occurred,
        "child_id": cid,
        "summary": "摔伤",
        "guardian_notified_at": guardian,
        "parents_notified_at": parents,
        "reported_at": reported,
    }


INCIDENT_DATES = ("occurred_at", "guardian_notified_at", "parents_notified_at", "reported_at")


def test_incidents_on_time_late_and_missing_times():
    rows = [
        incident("2015-10-01 08:00", "2015-10-01 08:10", "2015-10-01 08:30", "2015-10-01 09:00"),
        incident("2015-10-02 08:00", "2015-10-02 08:30", "2015-10-02 09:00", "2015-10-02 10:00"),
        incident("2015-10-03 08:00", "2015-10-03 08:45", "2015-10-03 08:50", "2015-10-03 09:00"),
        incident("2015-10-04 08:00", "2015-10-04 08:10", "", "2015-10-04 09:00"),
        incident("2015-08-20 08:00", "2015-08-20 08:10", "2015-08-20 08:20", "2015-08-20 08:30"),
        incident(
            "2015-10-05 08:00", "2015-10-05 08:10", "2015-10-05 08:20", "2015-10-05 08:30", "x"
        ),
        incident("2016-01-31 23:30", "2016-01-31 23:40", "2016-01-31 23:50", "2016-02-01 00:10"),
    ]
    logs = {"incidents": log(rows, dates=INCIDENT_DATES)}
    figures = compute(repo([child("a")], logs), AUTUMN, AFTER)
    assert figures.incidents == {"count": 5, "on_time": 3}
    assert figures.metrics["incident_on_time_rate"] == 3 / 5
    assert [
        (e["occurred_on"], e["on_time"], e["missing"], e["late"]) for e in figures.incident_list
    ] == [
        (D(2015, 10, 1), True, [], []),
        (D(2015, 10, 2), True, [], []),  # exactly at each limit
        (D(2015, 10, 3), False, [], ["guardian"]),
        (D(2015, 10, 4), False, ["parents"], []),
        (D(2016, 1, 31), True, [], []),
    ]
    relaxed = repo(
        [child("a")],
        logs,
        incident_limits_minutes={"guardian": 60, "parents": 60, "authority": 120},
    )
    assert compute(relaxed, AUTUMN, AFTER).incidents == {"count": 5, "on_time": 4}


def test_no_incidents_means_null_rate():
    figures = compute(repo([child("a")]), AUTUMN, AFTER)
    assert figures.incidents == {"count": 0, "on_time": 0}
    assert figures.metrics["incident_on_time_rate"] is None


# ---------------------------------------------------------------------------- §6.5


def test_breakdowns_count_the_population():
    children = [
        child("a", {"grade": 3, "class": 2, "boarding": True}),
        child("b", {"grade": 3, "class": 2, "gender": "女", "guardianship": "寄养监护"}),
        child("c", {"grade": 5, "class": 1, "left_behind.type": "母亲外出"}),
        child("d", {"grade": 12, "class": 1}),
        child("e", {"gender": DROP}),
        child("gone", {"status": "转出", "status_date": D(2015, 10, 1)}),
    ]
    figures = compute(repo(children), AUTUMN, AFTER)
    assert figures.breakdowns == {
        "by_guardianship": {"隔代监护": 4, "寄养监护": 1},
        "by_type": {"父母均外出": 4, "母亲外出": 1},
        "by_gender": {"男": 3, "女": 1, "未填": 1},
        "by_grade": {"3": 3, "5": 1, "12": 1},
        "by_boarding": {"true": 1, "false": 4},
        "by_class": {"3-1": 1, "3-2": 2, "5-1": 1, "12-1": 1},
    }


def test_class_rows():
    children = [
        child("a", {"class": 2}),
        child("b", {"class": 2, "address": DROP}),
        child("c", {"class": 1, "care.mentor": DROP}),
        child("gone", {"class": 1, "status": "转出", "status_date": D(2015, 10, 1)}),
    ]
    logs = {"talks": talks(("a", "2015-09-10"), ("gone", "2015-09-10"))}
    figures = compute(repo(children, logs), AUTUMN, AFTER)
    assert figures.class_rows == [
        {
            "class": "3-1",
            "children": 1,
            "archive_rate": 0.0,
            "pairing_rate": 0.0,
            # c: 5 months; gone: September only (Oct 15 is after the transfer)
            "standards": {"monthly-talk": {"due": 6, "done": 1, "rate": 1 / 6}},
        },
        {
            "class": "3-2",
            "children": 2,
            "archive_rate": 0.5,
            "pairing_rate": 1.0,
            "standards": {"monthly-talk": {"due": 10, "done": 1, "rate": 0.1}},
        },
    ]


def test_mentors_include_children_who_left():
    children = [
        child("a", {"care.mentor": "周文"}),
        child("moved", {"care.mentor": "周文", "status": "转出", "status_date": D(2015, 11, 10)}),
        child("b", {"care.mentor": "吴静"}),
        child("gone", {"care.mentor": "吴静", "status": "转出", "status_date": D(2015, 6, 1)}),
        child("c", {"care.mentor": "郑岚", "status": "转出", "status_date": D(2015, 10, 10)}),
        child("d", {"care.mentor": "外校老师"}),  # a name not in staff still counts
        child("e", {"care.mentor": DROP}),
        child("f", {"care.mentor": "从前的老师", "enrolled_on": D(2016, 2, 1)}),  # not in U
    ]
    logs = {
        "talks": talks(
            ("a", "2015-09-10"),
            ("a", "2015-10-10"),
            ("moved", "2015-09-10"),
            ("moved", "2015-10-10"),
            ("c", "2015-09-30"),
        )
    }
    figures = compute(repo(children, logs), AUTUMN, AFTER)
    assert figures.mentors == {
        "周文": {"children": 1, "standards": {"monthly-talk": 4 / 7}},
        "吴静": {"children": 1, "standards": {"monthly-talk": 0.0}},
        "郑岚": {"children": 0, "standards": {"monthly-talk": 1.0}},  # c was due in September
        "外校老师": {"children": 1, "standards": {"monthly-talk": 0.0}},
        "从前的老师": {
            "children": 0,
            "standards": {"monthly-talk": None},
        },  # the data format: every name
    }
    assert figures.mentor_rows[0]["mentor"] == "周文"
    assert figures.mentor_rows[0]["standards"]["monthly-talk"] == {
        "due": 7,
        "done": 4,
        "rate": 4 / 7,
    }


def test_mentor_with_nothing_due_has_null_rate():
    children = [
        child("x", {"care.mentor": "吴静", "status": "转出", "status_date": D(2015, 9, 10)})
    ]
    figures = compute(repo(children), AUTUMN, AFTER)
    # in care Sep 1–9 but not at September's midpoint
    assert figures.mentors == {"吴静": {"children": 0, "standards": {"monthly-talk": None}}}


def test_mentor_whose_children_all_left_before_the_term_is_listed_with_nothing():
    children = [
        child("a", {"care.mentor": "周文"}),
        child("early", {"care.mentor": "郑岚", "status": "转出", "status_date": D(2015, 6, 1)}),
        child("later", {"care.mentor": "郑岚", "enrolled_on": D(2016, 3, 1)}),
        child("ended", {"care.mentor": "新来的老师", "left_behind.until": D(2015, 7, 1)}),
    ]
    logs = {"talks": talks(("early", "2015-05-10"), ("a", "2015-09-10"))}
    school = repo(children, logs, standards=DEFAULT_STANDARDS)
    figures = compute(school, AUTUMN, AFTER)
    nothing = {sid: None for sid in figures.standards}
    assert figures.mentors["郑岚"] == {"children": 0, "standards": nothing}
    assert figures.mentors["新来的老师"] == {"children": 0, "standards": nothing}
    assert list(figures.mentors) == ["周文", "郑岚", "新来的老师"]  # staff order, then the rest
    assert figures.to_json()["mentors"]["郑岚"] == {"children": 0, "standards": nothing}
    assert [row["mentor"] for row in figures.mentor_rows] == list(figures.mentors)
    assert figures.mentor_rows[1] == {
        "mentor": "郑岚",
        "children": 0,
        "archive_rate": None,
        "pairing_rate": None,
        "standards": {sid: {"due": 0, "done": 0, "rate": None} for sid in figures.standards},
    }
    # Classes stay limited to children in care during the term.
    assert [row["class"] for row in figures.class_rows] == ["3-1"]
    assert [row["children"] for row in figures.class_rows] == [1]


def test_mentor_without_due_periods_reads_as_a_dash_in_the_summary():
    from liushou.documents.render import report_context

    children = [
        child("a"),
        child("early", {"care.mentor": "郑岚", "status": "转出", "status_date": D(2015, 6, 1)}),
    ]
    school = repo(children)
    context = report_context(compute(school, AUTUMN, AFTER), school.settings)
    row = next(m for m in context["mentors"] if m["mentor"] == "郑岚")
    assert row["standards"] == {"monthly-talk": None}
    assert row not in context["mentors_behind"]


# ---------------------------------------------------------------------------- detail


def test_aid_activities_and_log_counts():
    children = [child("a"), child("b"), child("home", {"left_behind.until": D(2015, 8, 1)})]
    logs = {
        "aid": log(
            [
                {"date": "2015-09-10", "child_id": "a", "kind": "助学金", "amount": "500"},
                {"date": "2015-12-10", "child_id": "a", "kind": "助学金", "amount": "250.5"},
                {"date": "2015-10-10", "child_id": "b", "kind": "物质资助", "amount": ""},
                {"date": "2015-10-10", "child_id": "home", "kind": "助学金", "amount": "900"},
                {"date": "2015-08-10", "child_id": "b", "kind": "保险", "amount": "100"},
            ]
        ),
        "activities": log(
            [
                {
                    "date": "2015-10-01",
                    "title": "中秋联欢",
                    "kind": "节日活动",
                    "participants": "全体",
                },
                {
                    "date": "2015-09-20",
                    "title": "心理课",
                    "kind": "心理健康课",
                    "participants": "a;b;ghost",
                },
                {"date": "2016-02-20", "title": "春节", "kind": "节日活动", "participants": "全体"},
            ]
        ),
        "talks": talks(("a", "2015-09-10"), ("home", "2015-09-10"), ("a", "2015-08-30")),
    }
    figures = compute(repo(children, logs), AUTUMN, AFTER)
    assert figures.aid == {
        "物质资助": {"rows": 1, "children": 1, "amount": 0.0},
        "助学金": {"rows": 2, "children": 1, "amount": 750.5},
    }
    assert figures.aid_total == {"rows": 3, "children": 2, "amount": 750.5}
    assert figures.activities == [
        {
            "date": D(2015, 9, 20),
            "title": "心理课",
            "kind": "心理健康课",
            "participants_count": 2,
            "everyone": False,
        },
        {
            "date": D(2015, 10, 1),
            "title": "中秋联欢",
            "kind": "节日活动",
            "participants_count": 2,
            "everyone": True,
        },
    ]
    assert figures.log_counts["talks"] == 1
    assert figures.log_counts["aid"] == 3


def test_aid_leaves_out_rows_whose_kind_is_not_allowed():
    children = [child("a"), child("b")]
    logs = {
        "aid": log(
            [
                {"date": "2015-09-10", "child_id": "a", "kind": "助学金", "amount": "500"},
                {"date": "2015-09-11", "child_id": "a", "kind": "张三 13812345678", "amount": "80"},
                {"date": "2015-09-12", "child_id": "b", "kind": "", "amount": "20"},
                {"date": "2015-09-13", "child_id": "b", "kind": "助学金 ", "amount": "30"},
                {"date": "2015-09-14", "child_id": "b", "kind": "其他", "amount": "10"},
            ]
        )
    }
    figures = compute(repo(children, logs), AUTUMN, AFTER)
    assert figures.aid == {
        "助学金": {"rows": 1, "children": 1, "amount": 500.0},
        "其他": {"rows": 1, "children": 1, "amount": 10.0},
    }
    assert figures.aid_total == {"rows": 2, "children": 2, "amount": 510.0}
    assert "13812345678" not in repr(figures)


def test_activity_kinds_outside_the_list_read_as_other():
    logs = {
        "activities": log(
            [
                {
                    "date": "2015-09-20",
                    "title": "心理课",
                    "kind": "心理健康课",
                    "participants": "a",
                },
                {
                    "date": "2015-09-21",
                    "title": "家访",
                    "kind": "李四 13812345678",
                    "participants": "a",
                },
                {"date": "2015-09-22", "title": "游戏", "kind": "", "participants": "a"},
            ]
        )
    }
    figures = compute(repo([child("a")], logs), AUTUMN, AFTER)
    assert [(a["title"], a["kind"]) for a in figures.activities] == [
        ("心理课", "心理健康课"),
        ("家访", "其他"),
        ("游戏", "其他"),
    ]
    assert "13812345678" not in repr(figures)


# ---------------------------------------------------------------------------- §7


def test_to_json_has_exactly_the_contract_keys_and_no_personal_data():
    children = [
        child("a", {"id_number": "110101200705010011", "care.mentor": "周文"}),
        child("b", {"class": 2}),
    ]
    logs = {"talks": talks(("a", "2015-09-10"))}
    school = repo(children, logs, students_total={"2015-autumn": 40}, standards=DEFAULT_STANDARDS)
    data = compute(school, AUTUMN, AFTER).to_json()
    assert list(data) == [
        "school",
        "term",
        "start",
        "end",
        "as_of",
        "population",
        "metrics",
        "targets",
        "standards",
        "incidents",
        "breakdowns",
        "mentors",
        "counts",
        "duties",
    ]
    assert list(data["counts"]) == list(data["metrics"])
    assert data["counts"]["left_behind_share"] == [2, 40]
    assert data["counts"]["retention_rate"] == [2, 2]
    assert list(data["metrics"]) == [
        "archive_rate",
        "pairing_rate",
        "vaccination_rate",
        "training_rate",
        "retention_rate",
        "left_behind_share",
        "incident_on_time_rate",
    ]
    assert list(data["standards"]) == [
        "monthly-talk",
        "monthly-parent-contact",
        "monthly-guardian-contact",
        "term-visit",
        "monthly-return-effort",
    ]
    assert all(
        set(entry) == {"name", "due", "done", "rate", "target"}
        for entry in data["standards"].values()
    )
    assert set(data["incidents"]) == {"count", "on_time"}
    assert list(data["breakdowns"]) == [
        "by_guardianship",
        "by_type",
        "by_gender",
        "by_grade",
        "by_boarding",
        "by_class",
    ]
    assert data["mentors"] == {
        "周文": {
            "children": 2,
            "standards": {
                "monthly-talk": 0.1,
                "monthly-parent-contact": 0.0,
                "monthly-guardian-contact": 0.0,
                "term-visit": 0.0,
                "monthly-return-effort": None,
            },
        }
    }
    assert (data["term"], data["start"], data["end"], data["as_of"]) == (
        "2015-autumn",
        "2015-09-01",
        "2016-01-31",
        "2016-01-31",
    )
    assert data["targets"] == DEFAULT_TARGETS
    text = json.dumps(data, ensure_ascii=False)
    for secret in ("13800000000", "13900000000", "110101200705010011", "青石村", "儿童a"):
        assert secret not in text


def test_targets_follow_settings():
    school = repo([child("a")], targets={**DEFAULT_TARGETS, "vaccination_rate": 0.9})
    assert compute(school, AUTUMN, AFTER).to_json()["targets"]["vaccination_rate"] == 0.9


def test_targets_and_incident_limits_come_from_settings_alone():
    # Settings are always complete (the reader and the dataclass fill in the defaults), so
    # compute takes them as they are rather than merging the defaults in a second time.
    targets = {"archive_rate": 0.8, "incident_on_time_rate": 0.9}
    rows = [
        incident("2015-10-01 08:00", "2015-10-01 08:50", "2015-10-01 08:55", "2015-10-01 09:00")
    ]
    logs = {"incidents": log(rows, dates=INCIDENT_DATES)}
    limits = {"guardian": 50, "parents": 55, "authority": 60}
    school = repo([child("a")], logs, targets=targets, incident_limits_minutes=limits)
    figures = compute(school, AUTUMN, AFTER)
    assert figures.targets == targets
    assert figures.targets is not school.settings.targets
    assert figures.incidents == {"count": 1, "on_time": 1}
    by_hand = compute(repo([child("a")], logs), AUTUMN, AFTER)  # the dataclass defaults
    assert by_hand.targets == DEFAULT_TARGETS
    assert by_hand.incidents == {"count": 1, "on_time": 0}


def test_a_standard_on_incidents_counts_by_occurred_at():
    incidents = log(
        [
            {"occurred_at": "2015-10-08 09:00", "child_id": "a", "summary": "摔伤"},
            {"occurred_at": "2015-11-20 15:30", "child_id": "a", "summary": "发烧"},
        ],
        dates=("occurred_at",),
    )
    follow_up = Standard("incident-month", "当月事件跟进", "incidents", "month")
    figures = compute(
        repo([child("a")], {"incidents": incidents}, standards=(follow_up,)), AUTUMN, AFTER
    )
    # October (2015-10) and November have a row; the term's other three months do not.
    assert due_done(figures, "incident-month") == (5, 2)
