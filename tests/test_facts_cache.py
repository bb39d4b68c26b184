"""The figures' per-child facts are kept between runs, worked out again for the records that
changed, and never trusted blindly; a report after a check of a large repository takes them
without reading the records; the due list's JSON is written byte for byte as json.dumps
writes it."""

from __future__ import annotations

import datetime as dt
import json
import os
import re

import pytest

from liushou import api
from liushou.documents.due_sheets import due_json
from liushou.figures import facts, metrics
from liushou.figures.due import DueItem, DueList
from liushou.load import cache as cache_mod
from liushou.load import loader
from liushou.load.model import LazyChildren
from liushou.terms import Period

from .repo_factory import copy_example, settled

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
    real = facts.fact_columns

    def counting(children, fields=()):
        calls.extend([1] * len(children))
        return real(children, fields)

    monkeypatch.setattr(facts, "fact_columns", counting)
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


def test_a_changed_record_has_its_facts_worked_out_again(school, monkeypatch):
    _outputs(school)
    record = next((school / "children").glob("**/*.yaml"))
    text = record.read_text(encoding="utf-8")
    assert "mentor: " in text
    mentor = text.split("mentor: ", 1)[1].split("\n", 1)[0]
    other = "陈秀英" if mentor != "陈秀英" else "刘建华"
    record.write_text(text.replace(f"mentor: {mentor}", f"mentor: {other}", 1), encoding="utf-8")
    calls = _count_fact_rows(monkeypatch)
    cached = _outputs(school)
    assert len(calls) == 1  # the changed record's facts worked out again once, then reused
    monkeypatch.undo()
    assert cached == _outputs(school, use_cache=False)
    repo, _ = api.load(school, TODAY)
    roster = metrics._Roster.of(repo, repo.facts_store)
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


def test_only_the_rows_of_changed_records_are_worked_out(school, monkeypatch):
    _outputs(school)
    records = sorted((school / "children").glob("**/*.yaml"))
    for record in records[:2]:
        record.write_text(record.read_text(encoding="utf-8") + "# 改过\n", encoding="utf-8")
    records[2].unlink()
    (records[3].parent / "yl-new-0001.yaml").write_text(
        records[3].read_text(encoding="utf-8").replace(records[3].stem, "yl-new-0001"),
        encoding="utf-8",
    )
    expected = _outputs(school, use_cache=False)
    calls = _count_fact_rows(monkeypatch)
    assert _outputs(school) == expected
    assert len(calls) == 3  # two changed records and the new one; the removed one is gone


def test_a_row_whose_source_differs_is_worked_out_again(school, monkeypatch):
    _outputs(school)
    path = _facts_file(school)
    key, version, ids, columns, sources = json.loads(
        path.read_text(encoding="utf-8").splitlines()[1]
    )
    where = ids.index("yl-2013-0203")
    columns["mentor"][where] = "不该出现的老师"  # a row that no longer matches its record…
    sources[where] = "0" * 32  # …noted as coming from other bytes
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = json.dumps(["other key", version, ids, columns, sources], ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    calls = _count_fact_rows(monkeypatch)
    repo, _ = api.load(school, TODAY)
    roster = metrics._Roster.of(repo, repo.facts_store)
    assert len(calls) == 1
    assert roster.mentor[where] == repo.children["yl-2013-0203"].record["care"]["mentor"]


def test_facts_store_refuses_values_that_are_not_of_their_kind(tmp_path):
    store = cache_mod.FactsStore(cache_mod.Cache(tmp_path / "cache"), "k")
    kinds = {"a": "int", "b": "text"}
    store.put("v", ["c1"], {"a": [1], "b": [dt.date(2015, 9, 1)]}, kinds, ["d1"])
    store.put("v", ["c1"], {"a": [1], "b": [3]}, kinds, ["d1"])  # a number is not text
    store.put("v", ["c1"], {"a": [True], "b": ["x"]}, kinds, ["d1"])  # a bool is not an int
    assert not (tmp_path / "cache" / cache_mod.FACTS_FILE).exists()
    store.put("v", ["c1"], {"a": [1], "b": ["x"]}, kinds, ["d1"])
    read = cache_mod.FactsStore(store.store, "k")  # as the next run reads the file
    assert read.get("v", ["c1"], kinds) == {"a": [1], "b": ["x"]}
    assert store.get("v", ["c1"], kinds) == {"a": [1], "b": ["x"]}  # as kept in memory
    assert read.get("w", ["c1"], kinds) is None  # other code
    assert read.get("v", ["c2"], kinds) is None  # other children
    assert cache_mod.FactsStore(store.store, "other").get("v", ["c1"], kinds) is None
    assert read.get("v", ["c1"], {"a": "bool", "b": "text"}) is None


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


# ---------------------------------------------------------------- a report after a check


@pytest.fixture
def large(monkeypatch):
    """Treat the example school as a large repository: a check keeps the figures' facts."""
    monkeypatch.setattr(api, "FACTS_FROM", 1)


def _no_record_read(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a record was loaded")

    monkeypatch.setattr(loader, "load_children", refuse)  # the lazy children's records
    monkeypatch.setattr(api, "load_children", refuse)  # the whole load


def test_a_report_after_a_check_reads_no_record(school, large, monkeypatch):
    settled(school)
    expected = _outputs(school, use_cache=False)
    api.check_repository(school, TODAY)
    assert _facts_file(school).exists()  # kept by the check
    with monkeypatch.context() as patched:
        _no_record_read(patched)
        repo, findings = api.load(school, TODAY, records=False)
        assert isinstance(repo.children, LazyChildren)
        assert len(repo.children) == 30 and "yl-2013-0203" in repo.children
        assert api.report(repo, "2015-autumn", TODAY, "json").data == expected[2]
        assert findings == api.check_repository(school, TODAY).findings
    # Loaded for a document that shows records, they are read at once, as before a check.
    assert isinstance(api.load(school, TODAY)[0].children, dict)
    # A document made from lazy children reads the records then, and is what it was.
    assert api.report(repo, "2015-autumn", TODAY, "md").data == (
        api.report(api.load(school, TODAY, use_cache=False)[0], "2015-autumn", TODAY, "md").data
    )
    assert isinstance(repo.children.records(), dict) and len(repo.children) == 30
    assert _outputs(school) == expected


def test_a_small_repository_reads_its_records(school, monkeypatch):
    settled(school)
    api.check_repository(school, TODAY)
    assert not _facts_file(school).exists()  # a school's few records: nothing kept
    cache_mod.clear(school)
    with monkeypatch.context() as patched:
        patched.setattr(api, "FACTS_FROM", 1)
        api.check_repository(school, TODAY)  # kept now, as if the school were large
    assert _facts_file(school).exists()
    repo, _ = api.load(school, TODAY, records=False)
    assert isinstance(repo.children, dict)  # a small repository's report reads its records


def test_after_a_record_changed_the_records_are_read(school, large):
    settled(school)
    api.check_repository(school, TODAY)
    record = next((school / "children").glob("**/*.yaml"))
    record.write_text(
        record.read_text(encoding="utf-8").replace(
            "status: 在校", "status: 转出\nstatus_date: 2015-10-08", 1
        ),
        encoding="utf-8",
    )
    then = record.stat().st_mtime_ns - 60 * 10**9  # this file only: the others keep their stamps
    os.utime(record, ns=(then, then))
    repo, _ = api.load(school, TODAY, records=False)
    assert isinstance(repo.children, dict)  # the check's facts are not these files'
    assert repo.children[record.stem].record["status"] == "转出"
    assert _outputs(school) == _outputs(school, use_cache=False)


def test_records_read_later_bring_the_repeats_and_unreadable_records(school, large):
    children = school / "children"
    first = next(children.glob("**/*.yaml"))
    (first.parent / "copy-of-first.yaml").write_bytes(first.read_bytes())  # the same id again
    (first.parent / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    settled(school)
    eager, _ = api.load(school, TODAY, use_cache=False)
    api.check_repository(school, TODAY)
    repo, _ = api.load(school, TODAY, records=False)
    assert isinstance(repo.children, LazyChildren)
    assert list(repo.children) == list(eager.children)  # iterating reads the records, in order
    assert repo.duplicates == eager.duplicates and repo.duplicates
    assert repo.unreadable_ids == eager.unreadable_ids == {"broken"}


def _rewrite_facts(root, change):
    path = _facts_file(root)
    lines = path.read_text(encoding="utf-8").splitlines()
    entry = json.loads(lines[1])
    change(entry)
    lines[1] = json.dumps(entry, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.chmod(path, 0o600)


def _swap_first_ids(entry):
    entry[2][:2] = entry[2][1::-1]


@pytest.mark.parametrize(
    "change",
    [
        _swap_first_ids,  # ids out of order
        lambda entry: entry[2].__setitem__(0, entry[2][1]),  # an id twice
        lambda entry: entry[4].pop(),  # one source too few
        lambda entry: entry[4].__setitem__(0, 7),  # a source that is not a digest
        lambda entry: entry[3]["mentor"].__setitem__(0, 5),  # a number where text belongs
        lambda entry: entry[3]["class"].__setitem__(0, True),
        lambda entry: entry.pop(),  # the layout of an older version
    ],
)
def test_damaged_facts_after_a_check_are_ignored(school, large, change):
    settled(school)
    expected = _outputs(school, use_cache=False)
    api.check_repository(school, TODAY)
    _rewrite_facts(school, change)
    repo, _ = api.load(school, TODAY, records=False)
    assert isinstance(repo.children, dict)  # not taken for the lazy children
    assert _outputs(school) == expected


def test_report_after_check_through_the_command_line(school, large, monkeypatch):
    from typer.testing import CliRunner

    from liushou.cli import app

    settled(school)
    runner = CliRunner()
    base = ["-C", str(school), "--today", TODAY.isoformat()]
    report = [*base, "report", "--term", "2015-autumn", "--format", "json"]
    cold = runner.invoke(app, report)  # no check before it: the records are read
    cache_mod.clear(school)
    assert runner.invoke(app, [*base, "check"]).exit_code == 0
    _no_record_read(monkeypatch)
    warm = runner.invoke(app, report)
    assert warm.exit_code == cold.exit_code == 0
    assert warm.stdout == cold.stdout and json.loads(warm.stdout)["population"] > 0


def test_a_json_report_lists_no_child_who_missed_a_period(school, monkeypatch):
    """The lists of who missed what are made only for a document that names children."""
    repo, _ = api.load(school, TODAY)
    named = api.report(repo, "2015-autumn", TODAY, "md", with_names=True).data

    def refuse(*args):
        raise AssertionError("the missed child-periods were listed")

    monkeypatch.setattr(metrics, "_missing", refuse)
    repo, _ = api.load(school, TODAY)
    document = api.report(repo, "2015-autumn", TODAY, "json")
    assert json.loads(document.data)["standards"]
    api.report(repo, "2015-autumn", TODAY, "md")  # without names: not listed either
    monkeypatch.undo()
    repo, _ = api.load(school, TODAY)
    assert api.report(repo, "2015-autumn", TODAY, "md", with_names=True).data == named
    figures = api.term_figures(repo, api.resolve_term("2015-autumn", repo.settings, TODAY), TODAY)
    assert set(figures.standard_missing) == set(figures.standards)
    for sid, rows in figures.standard_missing.items():  # each missed period, once
        periods = figures.standard_periods[sid]
        assert len(rows) == sum(p["due"] - p["done"] for p in periods)
        assert {row["period"] for row in rows} <= {p["label"] for p in periods}
    assert any(figures.standard_missing.values())


def test_each_child_file_is_stamped_once_per_run(school, large, monkeypatch):
    """Trying the check's stored answer first and then loading every record takes each child
    file's stamp once."""
    settled(school)
    api.check_repository(school, MID_NOVEMBER)  # a check of another day: no answer for TODAY
    stamped = []
    real = loader.file_stamp

    def counting(path):
        stamped.append(path)
        return real(path)

    monkeypatch.setattr(loader, "file_stamp", counting)
    repo, _ = api.load(school, TODAY, records=False)
    assert isinstance(repo.children, dict)  # the records were read
    children = [p for p in stamped if "/children/" in p]
    assert len(children) == len(set(children)) == 30


def test_only_commands_that_need_no_record_take_the_lazy_children(school, large, monkeypatch):
    """A JSON report and a due list take the check's facts; the Markdown summary, the plan,
    cards and rosters show what the records say and load them (with progress) at once."""
    from typer.testing import CliRunner

    from liushou.cli import app

    settled(school)
    runner = CliRunner()
    base = ["-C", str(school), "--today", TODAY.isoformat()]
    assert runner.invoke(app, [*base, "check"]).exit_code == 0
    asked = []
    real = api._load_after_check
    monkeypatch.setattr(api, "_load_after_check", lambda *a: asked.append(1) or real(*a))
    commands = {
        ("report", "--term", "2015-autumn", "--format", "json"): 1,
        ("due", "--format", "json"): 1,
        ("report", "--term", "2015-autumn", "-o", str(school / "s.md")): 0,
        ("plan", "-o", str(school / "p.md")): 0,
        ("roster", "--format", "csv", "-o", str(school / "r.csv")): 0,
    }
    for command, lazy in commands.items():
        asked.clear()
        result = runner.invoke(app, [*base, *command])
        assert result.exit_code == 0, result.output
        assert len(asked) == lazy, command
