"""The cache's index: a file whose size and time are those noted when it was read is not read
again (load/cache.py Cache.indexed_digest)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from liushou import api
from liushou.load import cache as cache_mod
from liushou.load import listing, loader

from .repo_factory import CHILD, TODAY, settled, write_repo

TALKS = "child_id,date,staff,topic\nc1,2015-10-12,周老师,学习\n"


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The files the loader reads for their bytes (children and logs)."""
    seen: list[str] = []
    for name in ("_read", "_read_log"):
        original = getattr(loader, name)

        def counted(path, original=original):
            seen.append(os.path.basename(path))
            return original(path)

        monkeypatch.setattr(loader, name, counted)
    return seen


def _repo(tmp_path: Path) -> Path:
    children = {f"2/1/c{i}.yaml": CHILD.format(id=f"c{i}") for i in (1, 2, 3)}
    return settled(write_repo(tmp_path, children, logs={"talks": TALKS}))


def _codes(root: Path, **kwargs) -> list[tuple[str, str]]:
    result = api.check_repository(root, TODAY, **kwargs)
    return [(f.file, f.code) for f in result.findings]


def test_unchanged_files_are_not_read_again(tmp_path, reads):
    root = _repo(tmp_path)
    first = _codes(root)
    assert sorted(reads) == ["c1.yaml", "c2.yaml", "c3.yaml", "talks.csv", "talks.csv"]
    reads.clear()
    repo, findings = api.load(root, TODAY)  # a report after the check
    assert [(f.file, f.code) for f in findings] == first
    assert sorted(repo.children) == ["c1", "c2", "c3"]
    assert reads == ["talks.csv"]  # parsed for the report (its table is not cached this small)


def test_a_changed_record_is_the_only_file_read(tmp_path, reads):
    root = _repo(tmp_path)
    assert _codes(root) == []
    record = root / "children" / "2" / "1" / "c2.yaml"
    record.write_text(CHILD.format(id="c2") + "phone: 13800001234\n", encoding="utf-8")
    then = int((dt.datetime.now().timestamp() - 30) * 1e9)  # another time than the one noted
    os.utime(record, ns=(then, then))
    reads.clear()
    assert _codes(root) == [("children/2/1/c2.yaml", "LS104")]
    assert sorted(reads) == ["c2.yaml", "talks.csv"]  # the log is parsed for the checks


def test_a_file_changed_just_before_the_run_is_read_every_time(tmp_path, reads):
    root = write_repo(tmp_path, {"2/1/c1.yaml": CHILD.format(id="c1")})  # written now
    _codes(root)
    reads.clear()
    _codes(root)
    assert reads == ["c1.yaml"]  # racily clean: not in the index


def test_a_replacement_keeping_size_and_modification_time_is_seen(tmp_path, reads):
    root = _repo(tmp_path)
    assert _codes(root) == []
    record = root / "children" / "2" / "1" / "c3.yaml"
    info = record.stat()
    text = CHILD.format(id="c4")  # same length, but not the file's name (as `cp -p` would)
    record.write_text(text, encoding="utf-8")
    os.utime(record, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert (record.stat().st_size, record.stat().st_mtime_ns) == (info.st_size, info.st_mtime_ns)
    reads.clear()
    expected = [("children/2/1/c3.yaml", "LS105")]
    assert _codes(root) == expected == _codes(root, use_cache=False)  # its change time moved
    assert "c3.yaml" in reads


@pytest.mark.parametrize(
    "spoiled",
    ['{"children/2/1/c1.yaml": [1, 2, 3, 4]}', '["not", "a", "map"]', "{", '{"x": "y"}'],
)
def test_a_spoiled_index_is_no_entry(tmp_path, reads, spoiled):
    root = _repo(tmp_path)
    _codes(root)
    index = cache_mod.Cache.for_repository(root).folder / cache_mod.INDEX_FILE
    version = index.read_text(encoding="utf-8").splitlines()[0]
    index.write_text(f"{version}\n{spoiled}\n", encoding="utf-8")
    os.chmod(index, 0o600)
    reads.clear()
    assert api.load(root, TODAY)[1] == []  # a report: no stored result of a check is used
    assert sorted(reads) == ["c1.yaml", "c2.yaml", "c3.yaml", "talks.csv", "talks.csv"]
    entries = json.loads(index.read_text(encoding="utf-8").splitlines()[1])
    assert sorted(entries) == [
        "children/2/1/c1.yaml",
        "children/2/1/c2.yaml",
        "children/2/1/c3.yaml",
        "logs/talks.csv",
    ]


def _children_lines(root: Path) -> list[bytes]:
    folder = cache_mod.Cache.for_repository(root).folder
    return (folder / cache_mod.CHILDREN_FILE).read_bytes().splitlines()[1:]


def _touch(record: Path, text: str, seconds_ago: int) -> None:
    record.write_text(text, encoding="utf-8")
    then = int((dt.datetime.now().timestamp() - seconds_ago) * 1e9)
    os.utime(record, ns=(then, then))


def test_stored_lines_whose_entries_stand_are_written_back_as_read(tmp_path, monkeypatch):
    root = _repo(tmp_path)
    folder = root / "children" / "2" / "1"
    assert _codes(root) == []
    assert len(_children_lines(root)) == 1  # the three records, as the first check parsed them
    _touch(folder / "c2.yaml", CHILD.format(id="c2") + "phone: 13800001234\n", 40)
    assert _codes(root) == [("children/2/1/c2.yaml", "LS104")]
    lines = _children_lines(root)
    assert [sorted(json.loads(line)) for line in lines] == [
        ["children/2/1/c1.yaml", "children/2/1/c3.yaml"],  # what stood of the first line
        ["children/2/1/c2.yaml"],  # the record parsed again
    ]
    _touch(folder / "c1.yaml", CHILD.format(id="c1") + "# 改过\n", 30)
    assert _codes(root) == [("children/2/1/c2.yaml", "LS104")]
    after = _children_lines(root)
    assert lines[1] in after  # c2's line untouched, byte for byte
    assert sorted(sorted(json.loads(line)) for line in after) == [
        ["children/2/1/c1.yaml"],
        ["children/2/1/c2.yaml"],
        ["children/2/1/c3.yaml"],
    ]
    monkeypatch.setattr(cache_mod, "_MAX_LINES", 2)  # too many lines: one line of everything
    _touch(folder / "c3.yaml", CHILD.format(id="c3") + "# 改过\n", 20)
    assert _codes(root) == _codes(root, use_cache=False) == [("children/2/1/c2.yaml", "LS104")]
    assert [sorted(json.loads(line)) for line in _children_lines(root)] == [
        ["children/2/1/c1.yaml", "children/2/1/c2.yaml"],
        ["children/2/1/c3.yaml"],
    ]


def _county(tmp_path: Path) -> Path:
    """Five school folders of three records each, and a link refused in one of them."""
    children = {
        f"学校{s}/{g}/c{s}{g}{i}.yaml": CHILD.format(id=f"c{s}{g}{i}")
        for s in range(5)
        for g in (1, 2)
        for i in range(3)
    }
    root = write_repo(tmp_path / "county", children, logs={"talks": TALKS})
    (tmp_path / "secret.yaml").write_text("id: x\n", encoding="utf-8")
    (root / "children" / "学校3" / "1" / "out.yaml").symlink_to(tmp_path / "secret.yaml")
    return settled(root)


def test_a_county_is_listed_by_two_processes_as_by_one(tmp_path, monkeypatch):
    root = _county(tmp_path)
    alone = listing.scan(root)  # 6 records in the first folder: under _HALVES_FROM, one process
    monkeypatch.setattr(listing, "_HALVES_FROM", 2)
    pid, fork, forks = os.getpid(), os.fork, []
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or fork())
    shown = listing.scan(root)
    assert forks == [1]
    assert shown.lines == alone.lines and shown.newest_ns == alone.newest_ns
    assert len(shown.lines) == 5 + 2  # a part per school folder, talks.csv, liushou.yaml
    # the forked half (the last folders) sees an edit, and a link that is no longer there
    record = root / "children" / "学校4" / "2" / "c422.yaml"
    record.write_text(CHILD.format(id="c422") + "# 改\n", encoding="utf-8")
    edited = listing.scan(root)
    assert edited.lines != shown.lines and edited.newest_ns > shown.newest_ns
    (root / "children" / "学校3" / "1" / "out.yaml").unlink()
    assert listing.scan(root).lines[3] != edited.lines[3]
    # a forked half that fails is listed by the main process
    listed = listing._folder

    def failing(*args):
        if os.getpid() != pid:
            raise OSError("no")
        return listed(*args)

    monkeypatch.setattr(listing, "_folder", failing)
    again = listing.scan(root)
    monkeypatch.setattr(listing, "_HALVES_FROM", 10**6)
    assert again.lines == listing.scan(root).lines
    assert len(forks) == 4


def test_a_link_at_the_top_of_children_is_listed_in_one_walk(tmp_path, monkeypatch):
    root = _county(tmp_path)
    monkeypatch.setattr(listing, "_HALVES_FROM", 2)
    (root / "children" / "link").symlink_to(root / "children" / "学校0")
    forks: list[int] = []
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or (_ for _ in ()).throw(OSError()))
    shown = listing.scan(root)
    assert len(shown.lines) == 1 + 2 and forks == []
    record = root / "children" / "学校4" / "2" / "c422.yaml"
    record.write_text(CHILD.format(id="c422") + "# 改\n", encoding="utf-8")
    assert listing.scan(root).lines[0] != shown.lines[0]
