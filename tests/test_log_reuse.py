"""A log parsed by one command is reused by the next while its bytes hold, and never trusted blindly."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from liushou import api
from liushou.load import cache as cache_mod
from liushou.load import loader, logcache
from liushou.load import logs as logs_mod

from .repo_factory import CHILD, TODAY, write_repo

TALKS = (
    "date,child_id,staff,summary\n"
    "2015-09-03,c1,周老师,聊了学习\n"
    "2015-09-04,c1,周老师,聊了学习\n"
    "2015-09-04,c1,周老师,聊了学习\n"  # a duplicate: a finding that must survive the cache
    "2099-01-01,c9,吴老师,未来\n"
)
VISITS = "date,child_id,staff\n2015-09-05,c1,吴老师\n2015-09-06, c1 ,吴老师\n"


@pytest.fixture
def county_sized(monkeypatch):
    """Treat every log as large, so the small test repository takes the cached path."""
    monkeypatch.setattr(loader, "SMALL_LOGS_BYTES", 0)


def _root(tmp_path):
    return write_repo(
        tmp_path / "r",
        {"c1.yaml": CHILD.format(id="c1")},
        logs={"talks": TALKS, "visits": VISITS},
    )


def _log_files(root):
    return sorted(p.name for p in cache_mod.Cache.for_repository(root).folder.glob("log-*"))


def test_a_check_stores_the_logs_and_load_gets_identical_frames(tmp_path, county_sized):
    root = _root(tmp_path)
    fresh_repo, fresh = api.load(root, TODAY, use_cache=False)
    checked = api.check_repository(root, TODAY)
    assert _log_files(root) == ["log-talks.npz", "log-visits.npz"]
    parsed = []
    real = logs_mod.read_log
    logs_mod.read_log = lambda data, name, *rest: parsed.append(name) or real(data, name, *rest)
    try:
        repo, findings = api.load(root, TODAY)
    finally:
        logs_mod.read_log = real
    assert parsed == []  # hashed when listed, never parsed
    assert sorted(findings, key=lambda f: f.sort_key()) == checked.findings
    assert sorted(fresh, key=lambda f: f.sort_key()) == checked.findings
    assert {f.code for f in checked.findings} == {"LS201", "LS304", "LS305"}
    for name, frame in fresh_repo.logs.items():
        pd.testing.assert_frame_equal(repo.logs[name], frame, check_exact=True)
    assert repo.log_headers == fresh_repo.log_headers


def test_a_changed_log_is_parsed_again(tmp_path, county_sized):
    root = _root(tmp_path)
    api.check_repository(root, TODAY)
    (root / "logs" / "visits.csv").write_text(VISITS + "2015-09-07,c1,吴老师\n", encoding="utf-8")
    repo, _ = api.load(root, TODAY)
    assert repo.logs["visits"]["_line"].tolist() == [2, 3, 4]


def test_a_stored_log_of_another_user_or_writable_by_others_is_ignored(
    tmp_path, county_sized, monkeypatch
):
    root = _root(tmp_path)
    api.check_repository(root, TODAY)
    store = cache_mod.Cache.for_repository(root)
    sources = loader.read_sources(root)
    args = (store, "talks", sources.logs["talks"], "logs/talks.csv", ())
    assert logcache.get_log(*args) is not None
    path = store.folder / "log-talks.npz"
    os.chmod(path, 0o666)
    assert logcache.get_log(*args) is None
    os.chmod(path, 0o600)
    assert logcache.get_log(store, "talks", "other-digest", "logs/talks.csv", ()) is None
    monkeypatch.setattr(os, "getuid", lambda: 12345)
    assert logcache.get_log(*args) is None


def test_a_broken_stored_log_is_no_entry_and_clear_removes_them(tmp_path, county_sized):
    root = _root(tmp_path)
    api.check_repository(root, TODAY)
    folder = cache_mod.Cache.for_repository(root).folder
    (folder / "log-talks.npz").write_bytes(b"PK\x03\x04 not a zip")
    repo, _ = api.load(root, TODAY)
    assert repo.logs["talks"]["_line"].tolist() == [2, 3, 4, 5]
    assert cache_mod.clear(root) >= 4
    assert not folder.exists()


def test_a_small_school_stores_no_log(tmp_path):
    root = _root(tmp_path)
    api.check_repository(root, TODAY)
    api.load(root, TODAY)
    assert _log_files(root) == []
