"""The figures' per-child facts are kept between runs, void when a record changes, and never
trusted blindly; the due list's JSON is written byte for byte as json.dumps writes it."""

from __future__ import annotations

import datetime as dt
import json
import os
import re

import pytest

from liushou import api
from liushou.documents.due_sheets import due_json
from liushou.figures import metrics
from liushou.figures.due import DueItem, DueList
from liushou.load import cache as cache_mod
from liushou.terms import Period

from .repo_factory import copy_example

TODAY = dt.date(2016, 1, 20)
MID_NOVEMBER = dt.date(2015, 11, 16)


@pytest.fixture
def school(tmp_path):
    return copy_example(tmp_path / "school")


def _facts_file(root):
    return cache_mod.Cache.for_repository(root).folder / cache_mod.FACTS_FILE


def _outputs(root, use_cache=True):
    """The due list (two days) and the report figures, as JSON text."""
    texts = []
    for day in (MID_NOVEMBER, TODAY):
        repo, _ = api.load(root, day, use_cache=use_cache)
        texts.append(due_json(api.due(repo, day)))
    repo, _ = api.load(root, TODAY, use_cache=use_cache)
    texts.append(api.report(repo, "2015-autumn", TODAY, "json").data)
    return texts


def _count_fact_rows(monkeypatch):
    """Count the children whose facts are worked out from their records."""
    calls = []
    real = metrics._Roster._facts
    monkeypatch.setattr(
        metrics._Roster, "_facts", staticmethod(lambda child: calls.append(1) or real(child))
    )
    return calls


def test_facts_are_stored_reused_and_give_the_same_outputs(school, monkeypatch):
    fresh = _outputs(school, use_cache=False)
    assert not _facts_file(school).exists()
    first = _outputs(school)
    assert _facts_file(school).exists()
    calls = _count_fact_rows(monkeypatch)
    again = _outputs(school)
    assert calls == []  # every roster came from the stored facts
    _outputs(school, use_cache=False)
    assert len(calls) == 3 * 30  # (the count sees every record whose facts are worked out)
    assert fresh == first == again


def test_facts_are_void_after_a_record_changes(school, monkeypatch):
    _outputs(school)
    record = next((school / "children").glob("**/*.yaml"))
    text = record.read_text(encoding="utf-8")
    assert "mentor: " in text
    mentor = text.split("mentor: ", 1)[1].split("\n", 1)[0]
    other = "陈秀英" if mentor != "陈秀英" else "刘建华"
    record.write_text(text.replace(f"mentor: {mentor}", f"mentor: {other}", 1), encoding="utf-8")
    calls = _count_fact_rows(monkeypatch)
    cached = _outputs(school)
    assert len(calls) == 30  # worked out again once, then reused
    monkeypatch.undo()
    assert cached == _outputs(school, use_cache=False)
    repo, _ = api.load(school, TODAY)
    roster = metrics._Roster(repo.children, repo.facts_store)
    assert roster.mentor[roster.ids.index(record.stem)] == other


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # cut short
        lambda text: text.replace("true", "1"),  # booleans that are not
        lambda text: text.replace('"stop":[', '"stop":["x",', 1),  # a column one too long
        lambda text: text.replace('"first":[', '"first":[null,', 1),
        lambda text: "\n".join(text.splitlines()[:1] + ['["x", 1, [], {}]']),
        lambda text: "\n".join(text.splitlines()[:1] + ["{}"]),
        lambda text: "\x00\xff",
        # an integer numpy cannot hold, a grade written as text
        lambda text: re.sub(r'"first":\[-?\d+', f'"first":[{1 << 70}', text, count=1),
        lambda text: re.sub(
            r'"grade_number":\[(null|-?\d+)', '"grade_number":["三"', text, count=1
        ),
    ],
)
def test_a_broken_facts_file_is_ignored(school, monkeypatch, damage):
    expected = _outputs(school, use_cache=False)
    _outputs(school)
    path = _facts_file(school)
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    os.chmod(path, 0o600)
    calls = _count_fact_rows(monkeypatch)
    assert _outputs(school) == expected
    assert calls  # worked out from the records, not read from the broken file


def test_facts_store_refuses_values_that_are_not_plain(tmp_path):
    store = cache_mod.FactsStore(cache_mod.Cache(tmp_path / "cache"), "k")
    kinds = {"a": "int", "b": "plain"}
    store.put("v", ["c1"], {"a": [1], "b": [dt.date(2015, 9, 1)]}, kinds)
    assert not (tmp_path / "cache" / cache_mod.FACTS_FILE).exists()
    store.put("v", ["c1"], {"a": [1], "b": ["x"]}, kinds)
    assert store.get("v", ["c1"], kinds) == {"a": [1], "b": ["x"]}
    assert store.get("w", ["c1"], kinds) is None  # other code
    assert store.get("v", ["c2"], kinds) is None  # other children
    assert cache_mod.FactsStore(store.store, "other").get("v", ["c1"], kinds) is None
    assert store.get("v", ["c1"], {"a": "bool", "b": "plain"}) is None


def test_cache_clear_removes_the_facts(school):
    _outputs(school)
    assert _facts_file(school).exists()
    cache_mod.clear(school)
    assert not _facts_file(school).exists()


def test_due_json_items_are_written_as_json_dumps_writes_them():
    day = dt.date(2015, 11, 16)
    period = Period(day, day, day, "x")
    odd = [
        ("c1", 'name "quoted" \\ 和\u2028', 3, 2, "李\t老师", "红", 0, 1, None),
        ("c2", None, None, None, None, None, 5, 2, day),
        ("c3", 12, True, 1.5, ["x"], {"k": 1}, 1, 1, day),  # values no valid record has
        ("c1", 'name "quoted" \\ 和\u2028', 3, 2, "李\t老师", "红", 1, 3, day),
    ]
    items = [
        DueItem(
            kind="open",
            item="monthly-talk",
            title="每月谈心一次",
            child_id=child_id,
            name=name,
            grade=grade,
            klass=klass,
            mentor=mentor,
            risk=risk,
            period=period,
            done=done,
            at_least=at_least,
            deadline=day,
            last=last,
        )
        for child_id, name, grade, klass, mentor, risk, done, at_least, last in odd
    ]
    due = DueList("学校", day, None, items)
    lines = due_json(due).decode().split("\n")[5:-3]
    expected = [json.dumps(item.to_json(), ensure_ascii=False) for item in items]
    assert [line.strip().rstrip(",") for line in lines] == expected
    assert json.loads(due_json(due)) == due.to_json()
    assert json.loads(due_json(DueList("学校", day, None, []))) == {
        "school": "学校",
        "today": "2015-11-16",
        "term": None,
        "items": [],
    }


def test_due_items_equal_those_made_by_the_dataclass(school):
    repo, _ = api.load(school, MID_NOVEMBER)
    due = api.due(repo, MID_NOVEMBER)
    assert due.items
    for item in due.items:
        made = DueItem(**{name: getattr(item, name) for name in DueItem.__dataclass_fields__})
        assert made == item and hash(made) == hash(item) and repr(made) == repr(item)
        assert list(vars(made)) == list(vars(item))
