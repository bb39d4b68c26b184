"""Unbounded inputs end quickly in findings that name the limit; unreadable folders are errors."""

from __future__ import annotations

import errno
import os
import time

import pytest

from liushou.load import loader

from ..repo_factory import CHILD
from .helpers import check_json, codes, repo

C1 = "children/2/1/c1.yaml"


def _timed_check(root):
    started = time.monotonic()
    code, doc = check_json(root, "--no-cache")
    assert time.monotonic() - started < 10
    return code, doc


def _message(doc, file, code):
    return next(f["message"] for f in doc["findings"] if f["file"] == file and f["code"] == code)


def test_a_huge_child_file_is_one_finding_with_the_limit(tmp_path):
    root = repo(tmp_path)
    big = root / "children" / "2" / "1" / "c9.yaml"
    with open(big, "w", encoding="utf-8") as handle:
        handle.write(CHILD.format(id="c9"))
        for i in range(120_000):
            handle.write(f"unknown_key_{i}: 值\n")
    code, doc = _timed_check(root)
    assert code == 1
    assert "1.0 MB" in _message(doc, "children/2/1/c9.yaml", "LS017")


def test_a_sparse_3_gb_file_is_not_read(tmp_path):
    root = repo(tmp_path)
    with open(root / "children" / "2" / "1" / "c9.yaml", "wb") as handle:
        handle.truncate(3 << 30)  # sparse: no disk space used
    with open(root / "logs" / "visits.csv", "wb") as handle:
        handle.truncate(3 << 30)
    code, doc = _timed_check(root)
    assert ("children/2/1/c9.yaml", "LS017") in codes(doc)
    assert "1024.0 MB" in _message(doc, "logs/visits.csv", "LS017")


def test_many_unknown_keys_stop_at_the_key_limit(tmp_path):
    keys = "".join(f"k{i}: 1\n" for i in range(30_000))  # under 1 MB
    root = repo(tmp_path, children={"2/1/c1.yaml": CHILD.format(id="c1") + keys})
    code, doc = _timed_check(root)
    assert codes(doc) >= {(C1, "LS019")}
    assert not any(f["code"] == "LS104" for f in doc["findings"])
    assert "2000" in _message(doc, C1, "LS019")


def test_a_200000_column_csv_is_one_finding_quickly(tmp_path):
    header = "date,child_id,staff," + ",".join(f"c{i}" for i in range(200_000)) + "\n"
    row = "2015-10-10,c1,周老师," + "," * 199_999 + "\n"
    root = repo(tmp_path, logs={"talks": header + row * 200})
    code, doc = _timed_check(root)
    assert code == 1
    assert "200003 列，超过上限 200 列" in _message(doc, "logs/talks.csv", "LS018")


def test_rows_far_wider_than_the_header_are_refused(tmp_path):
    row = "2015-10-10,c1,周老师," + "," * 100_000 + "\n"
    root = repo(tmp_path, logs={"talks": "date,child_id,staff\n" + row * 200})
    code, doc = _timed_check(root)
    assert ("logs/talks.csv", "LS009") in codes(doc)


@pytest.mark.parametrize("folder", ["children/2", "logs", "children"])
def test_an_unreadable_folder_is_an_error_finding(tmp_path, monkeypatch, folder):
    # Root ignores permissions, so chmod 000 is simulated where the folder is listed.
    root = repo(tmp_path)
    denied = str(root / folder)
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) == denied:
            raise PermissionError(errno.EACCES, "Permission denied", denied)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, doc = check_json(root, "--no-cache")
    assert code == 1
    assert (folder, "LS016") in codes(doc)


def test_an_unreadable_file_is_an_error_finding(tmp_path, monkeypatch):
    root = repo(tmp_path)
    real = loader.fsguard.read_limited

    def denied(path, limit=None):
        if path.endswith("c1.yaml"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(path, limit)

    monkeypatch.setattr(loader.fsguard, "read_limited", denied)
    assert (C1, "LS013") in codes(check_json(root, "--no-cache")[1])


def test_a_county_staff_list_is_not_capped(tmp_path):
    staff = ", ".join(f"教师{i}" for i in range(2500))
    root = repo(tmp_path, settings=f"school: 测试县\nstaff: [周老师, {staff}]\n")
    code, doc = check_json(root, "--no-cache")
    assert code == 0, doc
