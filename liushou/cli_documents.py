"""The commands that write documents for use in school: contact cards (`card`), the roster
(`roster`), and the school's own report templates (`templates export|check`).

They register on cli.app; cli.py imports this module at its end. Like every command, they exit 2
with a message in Chinese for a usage, settings or file-writing problem.
"""

from pathlib import Path

import typer

from .cli import (
    TODAY_OPTION,
    Options,
    _apply_today,
    _fail,
    _write,
    app,
    load_or_exit,
    settings_failure,
)
from .fsguard import Refused, write_file
from .render import builtin_templates
from .roster import (
    card_docx,
    grade_label,
    parse_class_key,
    roster_children,
    roster_csv,
    roster_md,
    roster_rows,
    roster_xlsx,
)
from .settings import SettingsError, find_root, load_settings

ROSTER_FORMATS = ("xlsx", "csv", "md")
CARD_FULL_WARNING = "注意：输出含完整的电话号码和身份证号，仅限校内工作使用，请妥善保管，不要外传。"
ROSTER_FULL_WARNING = (
    "注意：输出含完整的电话号码、身份证号和父母务工地，仅限校内工作使用，请妥善保管，不要外传。"
)
TEMPLATE_SUFFIXES = (".j2", ".docx")

templates_app = typer.Typer(
    help="导出和检查报告模板（工作总结、工作计划的 Markdown 和 Word 模板）。",
    no_args_is_help=True,
)
app.add_typer(
    templates_app,
    name="templates",
    help="导出和检查报告模板；学校可以把改写的模板（如带红头的 Word 模板）放在 templates/ 中。",
)


# ---------------------------------------------------------------------------- shared steps


def _repo_root(opts: Options) -> Path:
    try:
        return find_root(opts.repo)
    except SettingsError as error:
        raise settings_failure(error) from None


def _class_key(text: str) -> str:
    """--class as "年级-班" ("3年级2班" -> "3-2"); a usage error when it names no class."""
    try:
        grade, klass = parse_class_key(text)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--class") from None
    return f"{grade}-{klass}"


def _scope(key: str | None) -> str:
    if key is None:
        return "全校"
    grade, klass = parse_class_key(key)
    return f"{grade_label(grade)}{klass}班"


def _refuse_overwrite(output: Path | None, default: Path, root: Path, force: bool) -> None:
    """Stop before any work is written over: a card or roster may have been filled in by hand."""
    path = output if output is not None else root / default
    if str(path) == "-":
        return
    if path.is_dir():
        raise _fail(f"{path} 是文件夹；-o 应给出文件路径")
    if path.exists() and not force:
        raise _fail(f"{path} 已存在，未覆盖；如需覆盖请加 --force")


def _write_output(
    data: str | bytes, output: Path | None, default: Path, root: Path, force: bool = False
) -> None:
    """cli._write, with a file-system failure (read-only, full disk...) as a clean exit 2."""
    try:
        _write(data, output, default, root, force)
    except OSError as error:
        raise _fail(f"无法写入 {output or root / default}：{error.strerror or error}") from None


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
    output: Path = typer.Option(
        None,
        "-o",
        "--output",
        help="输出文件；默认写到 reports/cards/编号.docx 或 reports/cards/3-2班.docx，- 表示标准输出。",
    ),
    full: bool = typer.Option(
        False, "--full", help="显示完整的电话号码和身份证号（默认打码，如 138****5678）。"
    ),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的输出文件。"),
    today: str = TODAY_OPTION,
) -> None:
    """生成留守儿童档案卡（联系卡）Word 文档：一名儿童，或一个班每人一页。"""
    if child_id is None and class_key is None:
        raise _fail("请给出儿童编号（如 liushou card yl-2013-0203）或班级（如 --class 3-2）")
    if child_id is not None and class_key is not None:
        raise _fail("儿童编号和 --class 只能给出一个")
    opts = _apply_today(ctx, today)
    key = _class_key(class_key) if class_key is not None else None
    repo = load_or_exit(opts)
    if key is None:
        child = repo.children.get(child_id)
        if child is None:
            raise _fail(f"没有编号为 {child_id} 的儿童档案（应为 children/ 下某个档案的文件名）")
        children, default = [child], Path("reports") / "cards" / f"{child_id}.docx"
    else:
        children = roster_children(repo, key, opts.today)
        if not children:
            raise _fail(f"{key} 班在 {opts.today} 没有在册的留守儿童")
        default = Path("reports") / "cards" / f"{key}班.docx"
    _refuse_overwrite(output, default, repo.root, force)
    if full:
        typer.echo(CARD_FULL_WARNING, err=True)
    _write_output(
        card_docx(children, repo.settings, full=full), output, default, repo.root, force
    )


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
    output: Path = typer.Option(
        None,
        "-o",
        "--output",
        help="输出文件；默认写到 reports/花名册.xlsx（或 reports/花名册-3-2班.xlsx），md 默认输出到屏幕，- 表示标准输出。",
    ),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的输出文件。"),
    today: str = TODAY_OPTION,
) -> None:
    """生成今天在册的留守儿童花名册（不含家庭住址；电话和身份证号默认打码，父母务工地只到省、市）。"""
    if fmt not in ROSTER_FORMATS:
        raise typer.BadParameter(f"应为 {', '.join(ROSTER_FORMATS)} 之一", param_hint="--format")
    opts = _apply_today(ctx, today)
    key = _class_key(class_key) if class_key is not None else None
    repo = load_or_exit(opts)
    rows = roster_rows(repo, key, full=full, today=opts.today)
    if key is not None and not rows:
        raise _fail(f"{key} 班在 {opts.today} 没有在册的留守儿童")
    if not rows:
        typer.echo(f"注意：{opts.today} 没有在册的留守儿童，花名册只有表头。", err=True)
    name = "花名册" + (f"-{key}班" if key else "")
    default = Path("reports") / f"{name}.{fmt}"
    if fmt == "md" and output is None:
        output = Path("-")
    _refuse_overwrite(output, default, repo.root, force)
    if full:
        typer.echo(ROSTER_FULL_WARNING, err=True)
    if fmt == "xlsx":
        title = f"{repo.settings.school}留守儿童花名册（{_scope(key)}，{opts.today}）"
        data: str | bytes = roster_xlsx(rows, title)
    elif fmt == "csv":
        data = roster_csv(rows)
    else:
        data = roster_md(rows)
    _write_output(data, output, default, repo.root, force)


# ---------------------------------------------------------------------------- templates


@templates_app.command("export")
def templates_export(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", help="覆盖 templates/ 中已有的同名文件。"),
) -> None:
    """把内置模板复制到仓库的 templates/，作为学校改写的起点（已有的文件不覆盖）。"""
    root = _repo_root(ctx.obj)
    folder = root / "templates"
    sources = sorted(p for p in builtin_templates().iterdir() if p.suffix in TEMPLATE_SUFFIXES)
    skipped = []
    for source in sources:
        target = folder / source.name
        if target.exists() and not force:
            skipped.append(target)
            continue
        try:
            write_file(target, source.read_bytes(), root=root)
        except Refused as error:
            raise _fail(f"未写入：{error.strerror}") from None
        except OSError as error:
            raise _fail(f"无法写入 {target}：{error.strerror or error}") from None
        typer.echo(f"已写入 {target.relative_to(root).as_posix()}")
    for target in skipped:
        typer.echo(f"已存在，未覆盖：{target.relative_to(root).as_posix()}", err=True)
    if skipped:
        typer.echo(f"有 {len(skipped)} 个模板已存在；如需用内置模板覆盖，请加 --force。", err=True)
        raise typer.Exit(1)


@templates_app.command("check")
def templates_check(ctx: typer.Context) -> None:
    """检查 templates/ 中的模板（没有的查内置模板）：未知变量、被 Word 拆开的标签、试渲染错误。

    有问题时退出码为 1。
    """
    # Imported here, as in cli.py: python-docx and lxml load only when Word files are involved.
    from .docx_render import check_templates

    root = _repo_root(ctx.obj)
    try:
        settings = load_settings(root)
    except SettingsError as error:
        raise settings_failure(error) from None
    checks = check_templates(root, settings)
    for check in checks:
        label = (
            f"{check.name}（内置）" if check.builtin else check.path.relative_to(root).as_posix()
        )
        if not check.problems:
            typer.echo(f"{label}：没有发现问题")
        for problem in check.problems:
            typer.echo(f"{label}：{problem}")
    known = {check.name for check in checks}
    folder = root / "templates"
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.suffix in TEMPLATE_SUFFIXES and path.name not in known:
                typer.echo(f"templates/{path.name}：不是工作总结或工作计划模板，未检查", err=True)
    raise typer.Exit(1 if any(check.problems for check in checks) else 0)
