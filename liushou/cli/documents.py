"""`card`, `roster` and `templates export|check`: documents for use inside the school."""

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
    repo_root,
    write_document,
)
from liushou.documents.output import ROSTER_WRITERS
from liushou.labels import parse_class_key
from liushou.textsafe import escape_controls

templates_app = typer.Typer(
    help="导出和检查报告模板（工作总结、工作计划的 Markdown 和 Word 模板）。\n\n"
    "例：liushou templates export",
    no_args_is_help=True,
)
app.add_typer(
    templates_app,
    name="templates",
    help="导出和检查报告模板；学校可以把改写的模板（如带红头的 Word 模板）放在 templates/ 中。"
    "\n\n例：liushou templates export　　liushou templates check",
)


def _class_key(text: str) -> str:
    """--class as "年级-班" ("3年级2班" -> "3-2"); a usage error when it names no class."""
    try:
        grade, klass = parse_class_key(text)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--class") from None
    return f"{grade}-{klass}"


# ---------------------------------------------------------------------------- card, roster


@app.command()
def card(
    ctx: typer.Context,
    child_id: str = typer.Argument(
        None, help="儿童编号（档案文件名），如 yl-2013-0203。", show_default=False
    ),
    class_key: str = typer.Option(
        None, "--class", help="为一个班在册的全部留守儿童生成，写成“年级-班”，如 3-2。"
    ),
    output: Path = output_option("默认写到 reports/cards/编号.docx 或 reports/cards/3-2班.docx，"),
    full: bool = typer.Option(
        False, "--full", help="显示完整的电话号码和身份证号（默认打码，如 138****5678）。"
    ),
    force: bool = FORCE_OPTION,
    today: str = TODAY_OPTION,
    repo: Path = REPO_OPTION,
) -> None:
    """生成留守儿童档案卡（联系卡）Word 文档：一名儿童，或一个班每人一页。

    例：liushou card --class 3-2
    """
    opts = apply_today(ctx, today, repo)
    key = _class_key(class_key) if class_key is not None else None
    repo = load_or_exit(opts)
    with library_errors():
        document = api.cards(repo, child_id, key, opts.today, full)
    write_document(document, output, repo.root, force)


@app.command()
def roster(
    ctx: typer.Context,
    class_key: str = typer.Option(
        None, "--class", help="只列一个班，写成“年级-班”，如 3-2；默认全校。"
    ),
    fmt: str = typer.Option(
        "xlsx",
        "--format",
        help="输出格式：xlsx（默认，Excel/WPS 表格）、csv（供其他软件导入）或 md（Markdown 表格）。",
    ),
    full: bool = typer.Option(
        False,
        "--full",
        help="显示完整的电话号码、身份证号和父母务工地 （默认电话打码，如 138****5678；务工地只到省、市）。",
    ),
    output: Path = output_option(
        "默认写到 reports/花名册.xlsx（或 reports/花名册-3-2班.xlsx），md 默认输出到屏幕，"
    ),
    force: bool = FORCE_OPTION,
    today: str = TODAY_OPTION,
    repo: Path = REPO_OPTION,
) -> None:
    """生成今天在册的留守儿童花名册（不含家庭住址；电话和身份证号默认打码，父母务工地只到省、市）。

    例：liushou roster --format xlsx
    """
    choice(fmt, ROSTER_WRITERS)
    opts = apply_today(ctx, today, repo)
    key = _class_key(class_key) if class_key is not None else None
    repo = load_or_exit(opts)
    with library_errors():
        document = api.roster(repo, key, opts.today, fmt, full)
    write_document(document, output, repo.root, force)


# ---------------------------------------------------------------------------- templates


@templates_app.command("export")
def templates_export(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", help="覆盖 templates/ 中已有的同名文件。"),
    repo: Path = REPO_OPTION,
) -> None:
    """把内置模板复制到仓库的 templates/，作为学校改写的起点（已有的文件不覆盖）。

    例：liushou templates export
    """
    root = repo_root(apply_today(ctx, None, repo))
    with library_errors():
        written, skipped = api.export_templates(root, force)
    for target in written:
        typer.echo(f"已写入 {target.relative_to(root).as_posix()}")
    for target in skipped:
        typer.echo(f"已存在，未覆盖：{target.relative_to(root).as_posix()}", err=True)
    if skipped:
        typer.echo(f"有 {len(skipped)} 个模板已存在；如需用内置模板覆盖，请加 --force。", err=True)
        raise typer.Exit(1)


@templates_app.command("check")
def templates_check(ctx: typer.Context, repo: Path = REPO_OPTION) -> None:
    """检查 templates/ 中的模板（没有的查内置模板）：未知变量、被 Word 拆开的标签、试渲染错误。

    有问题时退出码为 1。

    例：liushou templates check
    """
    root = repo_root(apply_today(ctx, None, repo))
    with library_errors():
        checks, others = api.check_templates(root)
    for check in checks:
        label = (
            f"{check.name}（内置）" if check.builtin else check.path.relative_to(root).as_posix()
        )
        if not check.problems:
            typer.echo(f"{label}：没有发现问题")
        for problem in check.problems:
            typer.echo(f"{label}：{problem}")
    for path in others:
        typer.echo(
            f"templates/{escape_controls(path.name)}：不是工作总结或工作计划模板，未检查", err=True
        )
    raise typer.Exit(1 if any(check.problems for check in checks) else 0)
