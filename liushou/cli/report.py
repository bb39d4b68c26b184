"""`liushou report` and `liushou plan`: the term summary and the term plan."""

from __future__ import annotations

from pathlib import Path

import typer

from liushou import api
from liushou.cli.common import (
    FORCE_OPTION,
    REPO_OPTION,
    TODAY_OPTION,
    app,
    apply_today,
    choice,
    library_errors,
    load_or_exit,
    output_option,
    write_document,
)
from liushou.documents.output import PLAN_WRITERS, REPORT_WRITERS


@app.command()
def report(
    ctx: typer.Context,
    term_name: str = typer.Option(
        None, "--term", help="学期，如 2015-autumn、2016-spring；默认为今天所在的学期。"
    ),
    fmt: str = typer.Option("md", "--format", help="输出格式：md（默认）、docx（Word）、json。"),
    output: Path = output_option("默认写到 reports/学期/工作总结.md（docx 为 工作总结.docx），"),
    with_names: bool = typer.Option(
        False, "--with-names", help="在未完成名单中列出儿童姓名（仅供校内使用）。"
    ),
    internal: bool = typer.Option(
        False, "--internal", help="附上各帮扶教师的完成情况（校内附件，不报送上级）。"
    ),
    force: bool = FORCE_OPTION,
    today: str = TODAY_OPTION,
    repo: Path = REPO_OPTION,
) -> None:
    """生成学期关爱留守儿童工作总结（工作总结），或供上级汇总的 JSON 数据。

    例：liushou report --term 2015-autumn --format docx
    """
    choice(fmt, REPORT_WRITERS)
    opts = apply_today(ctx, today, repo)
    repo = load_or_exit(opts, records=fmt != "json")  # the documents show what records say
    with library_errors():
        document = api.report(repo, term_name, opts.today, fmt, with_names, internal)
    write_document(document, output, repo.root, force)


@app.command()
def plan(
    ctx: typer.Context,
    term_name: str = typer.Option(
        None, "--term", help="计划所针对的学期，如 2016-spring；默认为下一个学期。"
    ),
    fmt: str = typer.Option("md", "--format", help="输出格式：md（默认）、docx（Word）。"),
    output: Path = output_option("默认写到 reports/学期/工作计划.md（docx 为 工作计划.docx），"),
    force: bool = FORCE_OPTION,
    today: str = TODAY_OPTION,
    repo: Path = REPO_OPTION,
) -> None:
    """生成学期关爱留守儿童工作计划（工作目标、主要措施、逐月工作安排）。

    例：liushou plan --term 2016-spring --format docx
    """
    choice(fmt, PLAN_WRITERS)
    opts = apply_today(ctx, today, repo)
    repo = load_or_exit(opts)
    with library_errors():
        document = api.plan(repo, term_name, opts.today, fmt)
    write_document(document, output, repo.root, force)
