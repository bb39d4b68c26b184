"""The `liushou rollup` command (data-format §12): add schools' report JSON files up for a county.

It registers on cli.app. Exit codes: 0 when every input file was used (a duplicate that was set
aside for a newer one is only a warning), 1 when some file was listed as a problem (missing,
unreadable, malformed, another term) but the roll-up of the others was written, or when no file
could be used at all (then nothing is written), 2 for a usage problem or an output that cannot
be written.
"""

from __future__ import annotations

from pathlib import Path

import typer

from liushou import api
from liushou.cli.common import (
    REPO_OPTION,
    app,
    apply_today,
    choice,
    library_errors,
    write_document,
)
from liushou.documents.output import ROLLUP_WRITERS
from liushou.figures.rollup import DEFAULT_NAME


@app.command(
    "rollup",
    help=(
        "把各校报送的学期 JSON（liushou report --format json）相加，生成县级汇总。\n\n"
        "比率为各校分子之和除以分母之和，制度完成率为已完成人次之和除以应完成人次之和。"
        "参数可以是文件或文件夹（文件夹内所有 .json，含子文件夹）。"
        "md、docx、xlsx 默认写到当前文件夹的 县级汇总-学期.扩展名（md 另写图表 PNG）；"
        "json 默认输出到标准输出。-o - 表示标准输出。"
        "同一学校同一学期有两份时用统计日期（as_of）较新的一份并给出警告。"
        "退出码：0 所有文件都已汇总；1 有文件未纳入（找不到、无法读取、格式不对或学期不符，"
        "已列出，其余学校照常汇总），或没有可用的文件；2 用法错误或无法写入。"
        "内置模板 县级汇总.md.j2、县级汇总.docx 可被 -C 所指文件夹下 templates/ 中的同名文件替换。"
        "\n\n例：liushou rollup 各校报告/ --term 2015-autumn --name 青禾县 --format docx"
    ),
)
def rollup_command(
    ctx: typer.Context,
    inputs: list[Path] = typer.Argument(
        ..., help="各校的报告 JSON 文件或所在文件夹。", show_default=False
    ),
    term: str = typer.Option(
        None,
        "--term",
        help="学期，如 2015-autumn；默认取输入中最多的学期，其余学期的文件列为不符。",
    ),
    name: str = typer.Option(
        None, "--name", help=f"汇总单位名称，如 青禾县；默认为“{DEFAULT_NAME}”。"
    ),
    fmt: str = typer.Option(
        "md", "--format", help="输出格式：md（默认）、docx（Word）、xlsx（Excel，每校一行）、json。"
    ),
    output: Path = typer.Option(
        None, "-o", "--output", help="输出文件；- 表示标准输出。", show_default=False
    ),
    repo: Path = REPO_OPTION,
) -> None:
    choice(fmt, ROLLUP_WRITERS)
    with library_errors():
        figures, problems = api.rollup(inputs, term, name)
    for problem in problems:
        label = "警告" if problem.is_warning else "未纳入"
        typer.echo(f"{problem.file}: {label}：{problem.message}", err=True)
    failed = any(not p.is_warning for p in problems)
    if figures is None:
        typer.echo("错误：没有可以汇总的学校报告 JSON，未生成汇总。", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"已汇总 {len(figures.schools)} 所学校（{figures.term}）"
        + (f"，{sum(not p.is_warning for p in problems)} 个文件未纳入" if failed else "")
        + "。",
        err=True,
    )
    # School templates (templates/ under -C) override the built-in county templates.
    root = apply_today(ctx, None, repo).repo
    with library_errors():
        document = ROLLUP_WRITERS[fmt](figures, root)
    write_document(document, output, Path.cwd())
    raise typer.Exit(1 if failed else 0)
