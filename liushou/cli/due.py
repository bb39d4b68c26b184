"""`liushou due`: who still needs what today under each care standard (data-format §9)."""

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
from liushou.documents.output import DUE_WRITERS


@app.command()
def due(
    ctx: typer.Context,
    standard: str = typer.Option(None, "--standard", help="只列这一项关爱制度，如 monthly-talk。"),
    mentor: str = typer.Option(None, "--mentor", help="只列这位帮扶教师结对的儿童。"),
    class_key: str = typer.Option(None, "--class", help="只列这个班，写成 年级-班，如 3-2。"),
    fmt: str = typer.Option(
        "text",
        "--format",
        help="输出格式：text（默认，按教师分表）、md、docx（每位教师一页的打印表）、csv、json。",
    ),
    output: Path = output_option(
        "text、md、json 默认输出到屏幕，csv、docx 默认写到 reports/due/；"
    ),
    force: bool = FORCE_OPTION,
    today: str = TODAY_OPTION,
    repo: Path = REPO_OPTION,
) -> None:
    """列出今天的待办：本期待完成、上期未完成和紧急事项（无人监护、突发事件未按时通报）。

    例：liushou due --mentor 李老师 --format docx
    """
    choice(fmt, DUE_WRITERS)
    opts = apply_today(ctx, today, repo)
    repo = load_or_exit(opts, records=False)
    with library_errors():
        result = api.due(repo, opts.today, standard=standard, mentor=mentor, class_key=class_key)
    if result.term is None and fmt not in ("text", "md"):
        typer.echo(f"{opts.today} 不在任何学期内，没有待办事项。", err=True)
    write_document(DUE_WRITERS[fmt](result), output, repo.root, force)
