"""The cache cannot run code, is private to its user, ignores others' files and can be cleared."""

from __future__ import annotations

import os
import pickle
import stat

from liushou.load import cache as cache_mod
from liushou.load.cache import Cache, StoredResult, clear

from .helpers import check_json, cli, repo

MARKER = "planted-pickle-ran"


class _Boom:
    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))


def _plant(folder, tmp_path):
    folder.mkdir(parents=True, exist_ok=True)
    payload = pickle.dumps(_Boom())
    for name in ("children.pkl", "result.pkl", "children.json", "result.json"):
        (folder / name).write_bytes(payload)
    return tmp_path / MARKER


def test_planted_pickle_is_never_executed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = repo(tmp_path)
    marker = _plant(Cache.for_repository(root).folder, tmp_path)
    code, doc = check_json(root)
    assert code == 0 and doc["errors"] == 0
    assert not marker.exists()


def test_cache_entries_are_plain_json_and_round_trip(tmp_path):
    root = repo(tmp_path)
    first = check_json(root)
    folder = Cache.for_repository(root).folder
    assert sorted(p.name for p in folder.iterdir()) == ["children.json", "result.json"]
    assert folder.joinpath("children.json").read_bytes().split(b"\n")[0].startswith(b'"')
    os.utime(root / "liushou.yaml")  # the quick key misses: children come from the cache
    assert check_json(root) == first
    store = Cache.for_repository(root)
    child, findings = store.get_child(
        "children/2/1/c1.yaml", store.child_digest("children/2/1/c1.yaml")
    )
    assert child.id == "c1" and str(child.get("enrolled_on")) == "2014-09-01"
    assert type(child.get("enrolled_on")).__name__ == "date"


def test_cache_folders_are_0700_and_files_0600(tmp_path, monkeypatch):
    base = tmp_path / "fresh-cache"
    monkeypatch.setenv("LIUSHOU_CACHE_DIR", str(base))
    root = repo(tmp_path)
    check_json(root)
    folder = Cache.for_repository(root).folder
    for path in (base, folder):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_entries_writable_by_others_or_owned_by_others_are_ignored(tmp_path, monkeypatch):
    root = repo(tmp_path)
    check_json(root)
    folder = Cache.for_repository(root).folder
    result = folder / "result.json"
    assert cache_mod.load_entry(result) is not None
    os.chmod(result, 0o666)
    assert cache_mod.load_entry(result) is None
    os.chmod(result, 0o600)
    monkeypatch.setattr(os, "getuid", lambda: 12345)  # as if another user made the file
    assert cache_mod.load_entry(result) is None


def test_a_linked_cache_entry_is_ignored(tmp_path):
    root = repo(tmp_path)
    check_json(root)
    folder = Cache.for_repository(root).folder
    real = tmp_path / "elsewhere.json"
    os.replace(folder / "result.json", real)
    os.symlink(real, folder / "result.json")
    assert cache_mod.load_entry(folder / "result.json") is None


def test_cache_clear_removes_every_entry(tmp_path, monkeypatch):

    root = repo(tmp_path)
    check_json(root)
    folder = Cache.for_repository(root).folder
    keep = folder.parent / "notes.txt"  # not liushou's: never removed
    keep.write_text("mine")
    result = cli("cache", "clear")
    assert result.exit_code == 0, result.output
    assert not folder.exists() and keep.exists()
    assert "已清除" in result.output
    assert clear() == 0


def test_ctrl_c_while_saving_leaves_the_old_entry_and_no_temporary_file(tmp_path, monkeypatch):
    store = Cache(tmp_path / "c")
    store.put_result(("k",), StoredResult([], 1, 0))
    real_replace = os.replace

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    try:
        store.put_result(("k2",), StoredResult([], 2, 0))
    except KeyboardInterrupt:
        pass
    monkeypatch.setattr(os, "replace", real_replace)
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["result.json"]
    assert store.get_result("k") == StoredResult([], 1, 0)
