"""Template bombs end quickly with exit 2 naming the template and line; links out are refused."""

from __future__ import annotations

import os
import time

import pytest

from liushou import sandbox

from .helpers import SECRET, cli, outside_secret, repo

NAME = "工作总结.md.j2"
BOMBS = {
    "nested range": "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
    "long loops": "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
    "growing list": "{% set ns = namespace(l=[1]) %}"
    "{% for i in range(60) %}{% set ns.l = ns.l + ns.l %}{% endfor %}",
    "doubling string": "{% set ns = namespace(s='ab') %}"
    "{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "lipsum": "{{ lipsum(10**7) }}",
    "power": "{{ 9**(9**9) }}",
    "string times": "{{ 'a' * 10**10 }}",
    "list times": "{{ ([1] * 10**9) | length }}",
    "filter width": "{{ 'a' | center(10**9) }}",
    "format width": "{{ '%0999999999d' % 1 }}",
    "method width": "{{ '{:>999999999}'.format(1) }}",
    "recursive macro": "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",
    "recursive include": "{% include '工作总结.md.j2' %}",
}


def _school_with(tmp_path, text, name=NAME):
    root = repo(tmp_path)
    (root / "templates").mkdir()
    (root / "templates" / name).write_text("第一行\n第二行\n" + text + "\n", encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def _short_time_limit(monkeypatch):
    monkeypatch.setattr(sandbox, "TIME_LIMIT", 1.0)


@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_template_bombs_exit_2_with_file_and_line(tmp_path, bomb):
    root = _school_with(tmp_path, BOMBS[bomb])
    started = time.monotonic()
    result = cli("-C", str(root), "report", "--term", "2015-autumn", "-o", "-")
    assert time.monotonic() - started < 8
    assert result.exit_code == 2, result.output
    assert f"模板 {NAME} 第 3 行" in result.output, result.output
    assert not (root / "reports").exists()


@pytest.mark.parametrize("bomb", ["nested range", "power", "recursive macro", "long loops"])
def test_templates_check_survives_bombs(tmp_path, bomb):

    root = _school_with(tmp_path, BOMBS[bomb])
    started = time.monotonic()
    result = cli("-C", str(root), "templates", "check")
    assert time.monotonic() - started < 8
    assert result.exit_code == 1, result.output
    assert "试渲染出错" in result.output and "第 3 行" in result.output


def test_docx_template_bomb_exits_2(tmp_path):
    from docx import Document

    root = repo(tmp_path)
    (root / "templates").mkdir()
    document = Document()
    document.add_paragraph("校名")
    document.add_paragraph("{{ 'a' * 10**10 }}")
    document.save(root / "templates" / "工作总结.docx")
    result = cli("-C", str(root), "report", "--term", "2015-autumn", "--format", "docx")
    assert result.exit_code == 2, result.output
    assert "工作总结.docx" in result.output and "结果过长" in result.output


def test_include_of_an_outside_file_names_that_file(tmp_path):
    root = _school_with(tmp_path, "{% include '/etc/passwd' %}")
    result = cli("-C", str(root), "report", "--term", "2015-autumn", "-o", "-")
    assert result.exit_code == 2
    assert "找不到模板 /etc/passwd（模板 工作总结.md.j2 中引用）" in result.output
    assert "root:" not in result.output


def test_a_template_linked_outside_is_refused(tmp_path):
    root = repo(tmp_path)
    (root / "templates").mkdir()
    os.symlink(outside_secret(tmp_path), root / "templates" / NAME)
    result = cli("-C", str(root), "report", "--term", "2015-autumn", "-o", "-")
    assert result.exit_code == 2
    assert "链接" in result.output and SECRET not in result.output


def test_included_template_linked_outside_is_refused(tmp_path):
    root = _school_with(tmp_path, "{% include 'part.j2' %}")
    os.symlink(outside_secret(tmp_path), root / "templates" / "part.j2")
    result = cli("-C", str(root), "report", "--term", "2015-autumn", "-o", "-")
    assert result.exit_code == 2
    assert "part.j2 是指向仓库之外的链接" in result.output and "SECRET" not in result.output


def test_templates_folder_linked_outside_is_refused(tmp_path):
    root = repo(tmp_path)
    outside = tmp_path / "outside_templates"
    outside.mkdir()
    (outside / NAME).write_text("{{ school }}" + SECRET, encoding="utf-8")
    os.symlink(outside, root / "templates")
    for fmt in ("md", "docx"):
        result = cli("-C", str(root), "report", "--term", "2015-autumn", "--format", fmt, "-o", "-")
        assert result.exit_code == 2, (fmt, result.output)
        assert "templates/ 是指向仓库之外的链接" in result.output and "SECRET" not in result.output


def test_left_associative_power_is_small_and_renders(tmp_path):
    # Jinja reads 9**9**9 as (9**9)**9, a 78-digit number: no bomb, and shown as such.
    root = _school_with(tmp_path, "{{ 9**9**9 }}")
    result = cli("-C", str(root), "report", "--term", "2015-autumn", "-o", "-")
    assert result.exit_code == 0 and str(9**81) in result.stdout


def test_built_in_templates_still_render(tmp_path):
    result = cli("-C", str(repo(tmp_path)), "report", "--term", "2015-autumn", "-o", "-")
    assert result.exit_code == 0 and "测试镇测试小学" in result.stdout
