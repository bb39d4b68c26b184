"""Links out of the repository are never read, excerpted or rendered; loops are findings."""

from __future__ import annotations

import os

from liushou.fsguard import readable

from ..repo_factory import CHILD
from .helpers import SECRET, check_json, cli, codes, outside_secret, repo


def _all_formats_hide(root, secret_text=SECRET):
    outputs = []
    for fmt in ("text", "json", "github"):
        result = cli("-C", str(root), "check", "--format", fmt)
        assert result.exit_code == 1, result.output
        outputs.append(result.output)
    for out in outputs:
        assert "SECRET-LINE" not in out and "root:x:0:0" not in out
    return outputs


def test_readable_is_the_one_read_policy(tmp_path):
    root = repo(tmp_path)
    secret = outside_secret(tmp_path)
    os.symlink(secret, root / "children" / "evil.yaml")
    os.symlink(root / "children" / "2" / "1" / "c1.yaml", root / "inside.yaml")
    assert readable(root, root / "children" / "2" / "1" / "c1.yaml")
    assert readable(root, root / "inside.yaml")
    assert not readable(root, root / "children" / "evil.yaml")


def test_child_record_linked_to_an_outside_file(tmp_path):
    root = repo(tmp_path)
    os.symlink(outside_secret(tmp_path), root / "children" / "2" / "1" / "c2.yaml")
    code, doc = check_json(root)
    assert code == 1
    assert ("children/2/1/c2.yaml", "LS014") in codes(doc)
    _all_formats_hide(root)


def test_children_folder_linked_outside(tmp_path):
    root = repo(tmp_path, children={})
    outside = tmp_path / "outside_children"
    (outside / "2").mkdir(parents=True)
    (outside / "2" / "leak.yaml").write_text(SECRET + "\n", encoding="utf-8")
    os.symlink(outside, root / "children")
    code, doc = check_json(root)
    assert code == 1
    assert ("children", "LS014") in codes(doc)
    assert not any(f.startswith("children/") for f, _ in codes(doc))
    _all_formats_hide(root)


def test_log_linked_to_proc_environ_like_file(tmp_path):
    root = repo(tmp_path)
    os.remove(root / "logs" / "talks.csv")
    os.symlink(outside_secret(tmp_path), root / "logs" / "talks.csv")
    code, doc = check_json(root)
    assert ("logs/talks.csv", "LS014") in codes(doc)
    _all_formats_hide(root)


def test_logs_folder_linked_outside(tmp_path):
    root = repo(tmp_path, logs={})
    outside = tmp_path / "outside_logs"
    outside.mkdir()
    (outside / "talks.csv").write_text("date,child_id,staff\n" + SECRET + "\n", encoding="utf-8")
    os.symlink(outside, root / "logs")
    code, doc = check_json(root)
    assert codes(doc) == {("logs", "LS014")}
    _all_formats_hide(root)


def test_link_inside_the_repository_is_read(tmp_path):
    root = repo(tmp_path, children={})
    store = root / "store"
    store.mkdir()
    (store / "c1.yaml").write_text(CHILD.format(id="c1"), encoding="utf-8")
    (root / "children").mkdir(exist_ok=True)
    os.symlink(store / "c1.yaml", root / "children" / "c1.yaml")
    code, doc = check_json(root)
    assert code == 0, doc


def test_link_loops_are_findings_not_crashes(tmp_path):
    root = repo(tmp_path)
    folder = root / "children" / "2"
    os.symlink(folder / "b.yaml", folder / "a.yaml")
    os.symlink(folder / "a.yaml", folder / "b.yaml")
    os.symlink(root / "children", folder / "again")  # a folder link back up the tree
    code, doc = check_json(root)
    assert code == 1
    assert {
        ("children/2/a.yaml", "LS015"),
        ("children/2/b.yaml", "LS015"),
        ("children/2/again", "LS015"),
    } <= codes(doc)


def test_settings_linked_outside_is_refused(tmp_path):
    root = repo(tmp_path)
    os.remove(root / "liushou.yaml")
    secret = outside_secret(tmp_path)
    os.symlink(secret, root / "liushou.yaml")
    result = cli("-C", str(root), "check")
    assert result.exit_code == 2
    assert "LS014" in result.output and "SECRET-LINE" not in result.output
