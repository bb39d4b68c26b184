"""The record-keeping commands: `history` (git), `close` (freeze a term), `promote` (升年级).

They register on cli.app. Like every command, they exit 2 with a message in Chinese for a
usage, settings, git or file-writing problem; the library functions do the work.
"""

from __future__ import annotations

from pathlib import Path

import typer

from liushou.api import load
from liushou.cli.common import (
    REPO_OPTION,
    TODAY_OPTION,
    app,
    apply_today,
    fail,
    library_errors,
    repo_root,
)


@app.command()
def history(
    ctx: typer.Context,
    child_id: str = typer.Argument(..., metavar="ID", help="儿童编号（档案文件名）。"),
    full: bool = typer.Option(
        False, "--full", help="显示完整的电话号码、身份证号和地址（仅限校内使用）。"
    ),
    repo: Path = REPO_OPTION,
) -> None:
    """查看一名儿童档案在 git 中的修改历史：每次提交的日期、作者、改动的字段和新增的日志行。

    例：liushou history 2015-302-07
    """
    from liushou.records.history import child_history, history_text

    root = repo_root(apply_today(ctx, None, repo))
    with library_errors():
        result = child_history(root, child_id, full=full)
    typer.echo(history_text(result), nl=False)


@app.command()
def close(
    ctx: typer.Context,
    term_name: str = typer.Option(..., "--term", help="要关账的学期，如 2015-autumn。"),
    reopen: bool = typer.Option(
        False, "--reopen", help="重新打开已关账的学期（须用 --reason 写明原因），直到再次关账。"
    ),
    reason: str = typer.Option(None, "--reason", help="重新打开的原因，记入关账记录。"),
    today: str = TODAY_OPTION,
    repo: Path = REPO_OPTION,
) -> None:
    """学期关账：冻结已结束学期的报告数字，此后改动该学期的记录会被 check 报错。

    例：liushou close --term 2015-autumn
    """
    from liushou.records.closing import close_term, reopen_term  # pandas: only when used

    opts = apply_today(ctx, today, repo)
    if reason is not None and not reopen:
        raise fail("--reason 只能与 --reopen 一起使用")
    root = repo_root(opts)
    with library_errors():
        if reopen:
            path = reopen_term(root, term_name, reason or "", opts.today)
            typer.echo(
                f"已重新打开学期 {term_name}（原因已记入 {path.relative_to(root).as_posix()}）；"
                f"改正后请再次运行 liushou close --term {term_name}"
            )
            return
        repo, findings = load(root)
        result = close_term(repo, findings, term_name, opts.today)
    if result.data_errors:
        typer.echo(
            f"注意：数据中有 {result.data_errors} 个错误（运行 liushou check 查看），"
            "出错的记录和字段没有计入冻结的数字。",
            err=True,
        )
    typer.echo(
        f"学期 {result.term.name}（{result.term.start} 至 {result.term.end}）已关账，"
        f"在册 {result.figures['population']} 人；"
        f"已写入 {result.path.relative_to(root).as_posix()}，请提交到 git"
    )


@app.command()
def promote(
    ctx: typer.Context,
    write: bool = typer.Option(
        False, "--write", help="执行升年级并修改档案；不加时只显示计划，不修改任何文件。"
    ),
    today: str = TODAY_OPTION,
    repo: Path = REPO_OPTION,
) -> None:
    """升年级：在校儿童升一个年级，最高年级的儿童毕业；按年级/班级存放的档案移到新年级的文件夹。

    例：liushou promote　　liushou promote --write
    """
    from liushou.records.promote import apply_promotion, plan_promotion, plan_text

    opts = apply_today(ctx, today, repo)
    root = repo_root(opts)
    with library_errors():
        repo, _ = load(root)
        plan = plan_promotion(repo, opts.today)
    typer.echo(plan_text(plan), nl=False)
    if plan.problems:
        typer.echo("未做任何修改：请先处理上面的问题。", err=True)
        raise typer.Exit(1)
    if not write:
        typer.echo("以上是计划，没有修改任何文件；确认无误后加 --write 执行。")
        return
    with library_errors():
        apply_promotion(plan)
    how = "（已用 git mv 移动）" if plan.in_git else ""
    typer.echo(
        f"已完成升年级{how}：{len(plan.steps)} 份档案已修改，liushou.yaml 记下 promoted: "
        f"{plan.year}。请检查后提交到 git。"
    )
