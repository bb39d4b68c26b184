"""Outputs: atomic, never through a link, never over a person's edits without --force."""

from __future__ import annotations

import errno
import os

import pytest

from liushou import fsguard

from .helpers import cli, repo

TERM = ("--term", "2015-autumn")
SUMMARY = ("reports", "2015-autumn", "工作总结.md")


def _report(root, *extra):
    return cli("-C", str(root), "report", *TERM, *extra)


@pytest.fixture
def school(tmp_path):
    return repo(tmp_path)


def test_report_twice_is_fine_but_an_edited_summary_is_kept(school):
    assert _report(school).exit_code == 0
    assert _report(school).exit_code == 0  # what liushou wrote may be replaced
    summary = school.joinpath(*SUMMARY)
    summary.write_text(
        summary.read_text(encoding="utf-8") + "\n校长补充：本学期……\n", encoding="utf-8"
    )
    result = _report(school)
    assert result.exit_code == 2 and "--force" in result.output
    assert "校长补充" in summary.read_text(encoding="utf-8")
    assert _report(school, "--force").exit_code == 0
    assert "校长补充" not in summary.read_text(encoding="utf-8")


def test_a_committed_summary_liushou_never_wrote_is_not_replaced(school):
    summary = school.joinpath(*SUMMARY)
    summary.parent.mkdir(parents=True)
    summary.write_text("手写的总结\n", encoding="utf-8")
    for extra in ((), ("--format", "docx")):
        target = summary.with_suffix(".docx") if extra else summary
        if extra:
            target.write_bytes(b"PK hand-made")
        result = _report(school, *extra)
        assert result.exit_code == 2, result.output
    assert summary.read_text(encoding="utf-8") == "手写的总结\n"
    assert summary.with_suffix(".docx").read_bytes() == b"PK hand-made"


def test_plan_refuses_to_overwrite_an_edited_plan(school):
    assert cli("-C", str(school), "plan", *TERM).exit_code == 0
    plan = school / "reports" / "2015-autumn" / "工作计划.md"
    plan.write_text("改过的计划\n", encoding="utf-8")
    result = cli("-C", str(school), "plan", *TERM)
    assert result.exit_code == 2 and "--force" in result.output
    assert plan.read_text(encoding="utf-8") == "改过的计划\n"


def test_charts_beside_an_output_are_not_overwritten_unasked(school, tmp_path):
    out = tmp_path / "out" / "总结.md"
    out.parent.mkdir()
    chart = out.parent / "图表-监护类型.png"
    chart.write_bytes(b"a chart someone drew")
    result = _report(school, "-o", str(out))
    assert result.exit_code == 2
    assert chart.read_bytes() == b"a chart someone drew" and not out.exists()


def test_outputs_are_never_written_through_committed_links(school, tmp_path):
    victim = tmp_path / "home" / ".bashrc"
    victim.parent.mkdir()
    victim.write_text("export PATH=/usr/bin\n")
    summary = school.joinpath(*SUMMARY)
    summary.parent.mkdir(parents=True)
    os.symlink(victim, summary)
    result = _report(school)
    assert result.exit_code == 2, result.output
    assert victim.read_text() == "export PATH=/usr/bin\n"
    # The same for a chart, and for reports/ itself pointing outside.
    os.remove(summary)
    os.symlink(victim, summary.parent / "图表-制度完成率.png")
    assert _report(school).exit_code == 2
    assert victim.read_text() == "export PATH=/usr/bin\n"


def test_reports_folder_linked_outside_gets_no_roster(school, tmp_path):

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, school / "reports")
    result = cli("-C", str(school), "roster")
    assert result.exit_code == 2, result.output
    assert list(outside.iterdir()) == []


def test_an_explicit_o_may_name_a_link(school, tmp_path):
    target = tmp_path / "shared" / "总结.md"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "link.md"
    os.symlink(target, link)
    result = _report(school, "-o", str(link), "--force")
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and "2015" in target.read_text(encoding="utf-8")


def test_a_full_disk_leaves_the_old_file_and_exits_2(school, monkeypatch):
    assert _report(school, "--format", "docx").exit_code == 0
    docx = school.joinpath(*SUMMARY).with_suffix(".docx")
    before = docx.read_bytes()

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    result = _report(school, "--format", "docx", "--with-names")
    assert result.exit_code == 2
    assert "磁盘已满" in result.output and "No space" not in result.output
    assert docx.read_bytes() == before
    assert [p.name for p in docx.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_fsync_failure_is_a_failed_write(tmp_path, monkeypatch):
    target = tmp_path / "a.md"
    target.write_text("good")

    def broken(fd):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError):
        fsguard.write_file(target, "new", root=tmp_path)
    assert target.read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md"]


def test_write_file_refuses_links_unless_explicit(tmp_path):
    (tmp_path / "real.md").write_text("x")
    os.symlink(tmp_path / "real.md", tmp_path / "link.md")
    with pytest.raises(fsguard.Refused):
        fsguard.write_file(tmp_path / "link.md", "y", root=tmp_path)
    assert fsguard.write_file(tmp_path / "link.md", "y", root=tmp_path, explicit=True)
    assert (tmp_path / "real.md").read_text() == "y" and (tmp_path / "link.md").is_symlink()


def test_templates_export_never_writes_through_a_link_out(school, tmp_path):

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, school / "templates")
    result = cli("-C", str(school), "templates", "export")
    assert result.exit_code == 2, result.output
    assert list(outside.iterdir()) == []
