"""The `liushou import roster` and `liushou import log` commands: options → plan → text → exit code."""

from __future__ import annotations

from pathlib import Path

import typer

from liushou.api import load
from liushou.cli.common import REPO_OPTION, TODAY_OPTION, app, settings_failure
from liushou.cli.common import apply_today as _apply_today
from liushou.cli.common import fail as _fail
from liushou.edit.sheets import SheetError
from liushou.load.model import Repository
from liushou.load.settings import SettingsError
from liushou.logspec import LOGS
from liushou.records.files import RecordsError

import_app = typer.Typer(
    help="从 Excel/WPS 表格（.xlsx、.xls、.csv）导入花名册或工作记录；默认只预览，加 --write 才写入。"
    "\n\n例：liushou import roster 花名册.xlsx　　liushou import log talks 谈心记录.xlsx --write",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

WRITE_OPTION = typer.Option(False, "--write", help="按预览的内容写入（默认只预览，不写任何文件）。")


def _repository(repo: Path) -> Repository:
    try:
        # No cache: a dry run writes nothing, not even the cache.
        return load(repo, use_cache=False)[0]
    except SettingsError as error:
        raise settings_failure(error) from None


@import_app.command("roster")
def import_roster(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="花名册文件：.xlsx、.xls 或 .csv（UTF-8 或 GB18030）。"),
    sheet: str = typer.Option(
        None, "--sheet", help="工作表名称（默认：第一个有“姓名”表头的工作表）。"
    ),
    write: bool = WRITE_OPTION,
    today: str = TODAY_OPTION,
    repo: Path = REPO_OPTION,
) -> None:
    """导入花名册：新建儿童档案，更新已有档案中变化的字段。

    按学号匹配已有档案，没有学号时按身份证号，再按姓名加出生日期。退出码：0 全部可导入，
    1 有的行被拒绝（其余行照常导入），2 文件无法读取或用法错误。

    例：liushou import roster 花名册.xlsx --write
    """
    # The spreadsheet readers load only for an import, not for every other command.
    from liushou.edit.importing import (
        format_roster_plan,
        plan_roster,
        read_roster,
        write_roster_plan,
    )

    opts = _apply_today(ctx, today, repo)
    try:
        table = read_roster(file, sheet)
    except SheetError as error:
        raise _fail(str(error)) from None
    repo = _repository(opts.repo)
    plan = plan_roster(table, repo)
    if write and not plan.empty:
        try:
            write_roster_plan(plan, repo.root)
        except RecordsError as error:
            raise _fail(str(error)) from None
    typer.echo(format_roster_plan(plan, written=write), nl=False)
    raise typer.Exit(plan.exit_code)


@import_app.command("log")
def import_log(
    ctx: typer.Context,
    log: str = typer.Argument(..., help=f"日志名称：{'、'.join(LOGS)}。"),
    file: Path = typer.Argument(..., help="记录表文件：.xlsx、.xls 或 .csv（UTF-8 或 GB18030）。"),
    write: bool = WRITE_OPTION,
    today: str = TODAY_OPTION,
    repo: Path = REPO_OPTION,
) -> None:
    """导入工作记录（谈心、家访、家校联系……），追加到 logs/<LOG>.csv。

    已导入过的行（各列都与已有的一行相同）自动跳过，重复导入同一文件不会重复写入。
    退出码同 import roster。

    例：liushou import log talks 谈心记录.xlsx --write
    """
    from liushou.edit.importlog import (
        LogNameError,
        format_log_plan,
        plan_log,
        read_log_sheet,
        write_log_plan,
    )

    opts = _apply_today(ctx, today, repo)
    try:
        table = read_log_sheet(log, file)
    except (SheetError, LogNameError) as error:
        raise _fail(str(error)) from None
    repo = _repository(opts.repo)
    try:
        plan = plan_log(log, table, repo, opts.today)
        if write and not plan.empty:
            write_log_plan(plan, repo.root)
    except (SheetError, RecordsError) as error:
        raise _fail(str(error)) from None
    typer.echo(format_log_plan(plan, written=write), nl=False)
    raise typer.Exit(plan.exit_code)
