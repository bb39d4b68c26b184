"""The record-keeping commands: `history` (git), `close` (freeze a term), `promote` (升年级).

They register on cli.app. Like every command, they exit 2 with a message in Chinese for a
usage, settings, git or file-writing problem; the library functions do the work.
"""

from __future__ import annotations

import typer

from .cli import TODAY_OPTION, _apply_today, _fail, app, settings_failure
from .history import child_history, history_text
from .recordfiles import RecordsError
from .settings import SettingsError, find_root


@app.command()
def history(
    ctx: typer.Context,
    child_id: str = typer.Argument(..., metavar="ID", help="儿童编号（档案文件名）。"),
    full: bool = typer.Option(
        False, "--full", help="显示完整的电话号码、身份证号和地址（仅限校内使用）。"
    ),
) -> None:
    """查看一名儿童档案在 git 中的修改历史：每次提交的日期、作者、改动的字段和新增的日志行。"""
    opts = ctx.obj
    try:
        root = find_root(opts.repo)
        result = child_history(root, child_id, full=full)
    except SettingsError as error:
        raise settings_failure(error) from None
    except RecordsError as error:
        raise _fail(str(error)) from None
    typer.echo(history_text(result), nl=False)
