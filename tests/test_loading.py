"""The loader's two CSV readers agree, and the cache never hides a change."""

from __future__ import annotations

import csv
import io
import os
import time

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liushou.api import check_repository
from liushou.load.cache import Cache, StoredResult
from liushou.load.logs import _read_exact, _read_fast, read_log

from .repo_factory import CHILD, TODAY, write_repo

CELL = st.one_of(
    st.text(alphabet='abc周老师 ,"\t2015-09-03', max_size=8),
    st.sampled_from(["2015-09-03", "c1", " c1 ", "周老师", "", "a,b", 'say "hi"']),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELL, min_size=4, max_size=4), max_size=6), st.booleans())
def test_fast_and_exact_readers_agree(rows, crlf):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if crlf else "\n").writerows(
        [["date", "child_id", "staff", "summary"], *rows]
    )
    text = out.getvalue()
    fast = _read_fast(text.encode("utf-8"), "utf-8-sig")
    exact = _read_exact(text, "logs/talks.csv", [])
    assert exact is not None
    if fast is not None:  # the fast reader may decline, never disagree
        pd.testing.assert_frame_equal(fast[2], exact[2], check_dtype=False)


def test_quoted_line_break_falls_back_to_exact_lines():
    text = 'date,child_id,staff\n2015-09-03,"c\n1",周老师\n2015-09-04,c9,周老师\n'
    assert _read_fast(text.encode(), "utf-8-sig") is None
    loaded = read_log(text.encode(), "talks", "logs/talks.csv")
    assert loaded.frame["_line"].tolist() == [2, 4]


def test_padded_cells_are_stripped_and_empty_rows_skipped():
    text = "date,child_id,staff,summary\n2015-09-03, c1 ,周老师\t,  好  \n,,,\n\n"
    loaded = read_log(text.encode(), "talks", "logs/talks.csv", keep=("summary",))
    frame = loaded.frame
    assert frame["child_id"].tolist() == ["c1"] and frame["staff"].tolist() == ["周老师"]
    assert frame["_line"].tolist() == [2]
    assert loaded.findings == []


def test_free_text_is_dropped_unless_a_standard_needs_it():
    text = "date,child_id,staff,summary,extra\n2015-09-03,c1,周老师,好,x\n"
    assert list(read_log(text.encode(), "talks", "f").frame) == [
        "date",
        "child_id",
        "staff",
        "_line",
    ]
    kept = read_log(text.encode(), "talks", "f", keep=("extra",)).frame
    assert list(kept) == ["date", "child_id", "staff", "extra", "_line"]


def test_duplicates_compare_the_free_text_too():
    text = "date,child_id,staff,summary\n2015-09-03,c1,周老师,甲\n2015-09-03,c1,周老师,乙\n"
    assert read_log(text.encode(), "talks", "f").findings == []


def _age(path, seconds):
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp))


def test_unchanged_files_are_answered_from_the_cache(tmp_path, monkeypatch):
    root = write_repo(tmp_path / "r", {"c1.yaml": CHILD.format(id="c1")})
    for path in root.rglob("*.yaml"):
        _age(path, 60)
    first = check_repository(root, TODAY)
    calls = []
    import liushou.api

    monkeypatch.setattr(liushou.api, "read_sources", lambda r: calls.append(r))
    again = check_repository(root, TODAY)
    assert calls == [] and again.findings == first.findings


def test_a_just_written_file_is_read_again(tmp_path):
    root = write_repo(tmp_path / "r", {"c1.yaml": CHILD.format(id="c1")})
    assert check_repository(root, TODAY).errors == 0
    child = root / "children" / "c1.yaml"
    info = child.stat()
    # Same size, same modification time, different content: only reading it can tell.
    child.write_text(child.read_text().replace("gender: 男", "gender: 兒"))
    os.utime(child, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert check_repository(root, TODAY).errors == 1


def test_cache_entries_of_other_code_are_ignored(tmp_path):
    store = Cache(tmp_path)
    store.put_result(("k",), StoredResult([], 1, 0))
    assert store.get_result("k") == StoredResult([], 1, 0)
    store.code_version = "other"
    assert store.get_result("k") is None


def test_cache_files_of_the_wrong_shape_are_no_entry(tmp_path):
    store = Cache(tmp_path)
    store.put_result(("k",), (None, None))  # right format, wrong shape
    assert store.get_result("k") is None
    (tmp_path / "children.json").write_bytes((tmp_path / "result.json").read_bytes())
    assert Cache(tmp_path).child_digest("children/c1.yaml") is None


def test_a_failed_cache_write_leaves_no_temporary_file(tmp_path):
    (tmp_path / "result.json").mkdir()  # a folder in the way
    Cache(tmp_path).put_result(("k",), StoredResult([], 0, 0))
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_a_quote_inside_a_cell_is_not_an_unclosed_quote():
    text = 'date,child_id,staff,summary\n2015-10-12,c1,周老师,他说"想妈妈了\n2015-10-12,c1,周老师,"两\n行"\n2015-10-13,c1,周老师,好\n'
    loaded = read_log(text.encode(), "talks", "f")
    assert loaded.findings == []
    assert loaded.frame["_line"].tolist() == [2, 3, 5]


def test_full_width_spaces_are_stripped_whatever_else_the_file_holds():
    text = "date,child_id,staff\n2015-10-13,c1\u3000,周老师\n"
    for encoding in ("utf-8", "gb18030"):
        frame = read_log(text.encode(encoding), "talks", "f").frame
        assert frame["child_id"].tolist() == ["c1"]


def test_a_lone_carriage_return_keeps_exact_lines():
    data = b'date,child_id,staff\n"2015-09-01",c1,"a\nb"\r2015-09-02,c2,s\n2015-09-03,c3,s\n'
    assert _read_fast(data, "utf-8-sig") is None


def test_very_long_cells_are_read_by_both_readers():
    text = 'date,child_id,staff,summary\n2015-09-01,c1,s,"' + "长" * 140_000 + '\n续"\n'
    loaded = read_log(text.encode(), "talks", "f", keep=("summary",))
    assert loaded.findings == [] and len(loaded.frame) == 1


def test_the_racy_rule_keeps_a_just_written_result_by_content_only(tmp_path):
    from liushou.load.cache import RACY_WINDOW_NS, Listing, quick_key

    today = TODAY
    old = Listing(("liushou.yaml\x0010\x001000",), 1_000, started_ns=1_000 + RACY_WINDOW_NS + 1)
    racy = Listing(("liushou.yaml\x0010\x001000",), 1_000, started_ns=1_000 + RACY_WINDOW_NS)
    result = StoredResult([], 3, 1)
    store = Cache(tmp_path)
    store.store_result(result, "content", racy, today)
    assert store.lookup_result(racy, today) is None
    assert store.lookup_content("content") == result
    store.store_result(result, "content", old, today)
    assert store.lookup_result(old, today) == result
    assert store.get_result(quick_key(old, today)) == result
    assert store.lookup_result(old, today.replace(day=today.day - 1)) is None


def test_a_refused_link_in_an_old_repository_is_checked_twice_without_error(tmp_path):
    root = write_repo(tmp_path / "r", {"c1.yaml": CHILD.format(id="c1")})
    (tmp_path / "elsewhere.yaml").write_text("id: x\n", encoding="utf-8")
    (root / "children" / "out.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    for path in [tmp_path / "elsewhere.yaml", *root.rglob("*")]:
        _age(path, 60)  # no file racily clean: the quick key is stored
    first = check_repository(root, TODAY)
    assert [f.code for f in first.findings if f.code == "LS014"] == ["LS014"]
    assert check_repository(root, TODAY).findings == first.findings


def test_a_load_after_a_check_takes_its_findings_from_the_stored_result(tmp_path, monkeypatch):
    import liushou.api

    talks = "date,child_id,staff\n2015-10-10,c1,周老师\n2015-10-11,ghost,周老师\n"
    root = write_repo(tmp_path, {"c1.yaml": CHILD.format(id="c1")}, logs={"talks": talks})
    checked = check_repository(root, TODAY)
    assert [(f.code, f.line) for f in checked.findings if f.code == "LS201"] == [("LS201", 3)]

    def no_checks(repo, today):
        raise AssertionError("the cross-file checks ran again")

    monkeypatch.setattr(liushou.api, "_checks", no_checks)
    _, findings = liushou.api.load(root, TODAY)
    assert findings == checked.findings
    (root / "logs" / "talks.csv").write_text(talks + "2015-10-12,c1,周老师\n", encoding="utf-8")
    monkeypatch.undo()
    _, changed = liushou.api.load(root, TODAY)  # other bytes: computed, not taken
    assert [(f.code, f.line) for f in changed if f.code == "LS201"] == [("LS201", 3)]
