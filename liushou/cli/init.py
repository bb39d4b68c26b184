"""`liushou init`: a new school repository with its settings, empty logs and CI files."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from liushou import api
from liushou.cli.common import REPO_OPTION, TODAY_OPTION, app, apply_today, library_errors


@app.command()
def init(
    ctx: typer.Context,
    directory: Path = typer.Argument(Path("."), help="新仓库的文件夹（默认：当前文件夹）。"),
    school: str = typer.Option(..., "--school", help="学校名称，写入 liushou.yaml。"),
    staff: str = typer.Option(
        None, "--staff", help="教师姓名，用逗号或顿号分隔，如 张明远,李红；也可以稍后写入。"
    ),
    today: str = TODAY_OPTION,
    repo: Path = REPO_OPTION,
) -> None:
    """新建学校的数据仓库：liushou.yaml、children/、带表头的日志和自动检查（CI）文件。

    例：liushou init 红星小学 --school 东岭镇红星小学
    """
    opts = apply_today(ctx, today, repo)
    names = [n for n in re.split(r"[,，、;；\s]+", staff or "") if n]
    with library_errors():
        result = api.init(directory, school, opts.today, names)
    for relative in result.written:
        typer.echo(f"已写入 {directory / relative}", err=True)
    for relative in result.kept:
        typer.echo(f"{directory / relative} 已存在，未改动", err=True)
    if result.git_initialised:
        typer.echo(f"已在 {directory} 建立 git 仓库", err=True)
    elif result.git_missing:
        typer.echo("未找到 git：请安装 git 后在此文件夹运行 git init，便于保存修改记录", err=True)
    typer.echo(f"学期：{result.term.name}（{result.term.start} 至 {result.term.end}）", err=True)
    if result.staff_missing:
        typer.echo(
            "下一步：在 liushou.yaml 的 staff 中写上教师姓名，然后运行 liushou check", err=True
        )
