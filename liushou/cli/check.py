"""`liushou check`: options to the library's check, the result to the chosen reporter."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from liushou import api
from liushou.check.reporters import REPORTER_BY_NAME
from liushou.cli.common import (
    REPO_OPTION,
    TODAY_OPTION,
    app,
    apply_today,
    choice,
    settings_failure,
)
from liushou.load.settings import SettingsError
from liushou.progress import progress_bar


@app.command()
def check(
    ctx: typer.Context,
    fmt: str = typer.Option(
        "text",
        "--format",
        help="输出格式：text（默认）、json、github（GitHub Actions 注释）、"
        "gitlab（GitLab 代码质量报告）或 sarif（SARIF 2.1.0）。",
    ),
    strict: bool = typer.Option(False, "--strict", help="有警告也以失败（退出码 1）结束。"),
    changed: bool = typer.Option(
        False, "--changed", help="只报告相对 --base 有改动（含未提交、未跟踪）的文件中的问题。"
    ),
    base: str = typer.Option("HEAD", "--base", help="--changed 比较的 git 版本，默认 HEAD。"),
    no_cache: bool = typer.Option(False, "--no-cache", help="不使用缓存，重新读取全部文件。"),
    today: str = TODAY_OPTION,
    repo: Path = REPO_OPTION,
) -> None:
    """检查档案和日志：格式、引用和制度要求。没有错误时退出码为 0。

    例：liushou check　　liushou check --format json --strict
    """
    choice(fmt, REPORTER_BY_NAME)
    opts = apply_today(ctx, today, repo)
    try:
        with progress_bar() as progress:
            result = api.check_repository(
                opts.repo, opts.today, use_cache=not no_cache, progress=progress
            )
    except SettingsError as error:
        raise settings_failure(error, fmt) from None
    if changed:
        try:
            keep = api.changed_files(result.root, base)
        except api.UsageError as error:
            raise typer.BadParameter(str(error), param_hint="--base") from None
        result.findings = [f for f in result.findings if f.file in keep]
    REPORTER_BY_NAME[fmt](result, sys.stdout).report()
    raise typer.Exit(result.exit_code(strict))
