"""The Typer app, the global options and the steps every command shares: load, fail, write."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

import typer

from liushou import __version__
from liushou.api import UsageError, load
from liushou.check.reporters import REPORTER_BY_NAME
from liushou.check.result import CheckResult
from liushou.cli import zh  # noqa: F401 - installs Chinese for Typer's and Click's own words
from liushou.documents.output import STDOUT, Document
from liushou.findings import ERROR
from liushou.load.loader import Progress
from liushou.load.model import Repository
from liushou.load.settings import SettingsError, find_root

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Options:
    """Global options shared by every command."""

    def __init__(self, repo: Path, today: dt.date | None):
        self.repo = repo
        self._today = today

    @property
    def today(self) -> dt.date:
        return self._today or dt.date.today()


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("日期应写成 YYYY-MM-DD，例如 2016-01-20") from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"liushou {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    repo: Path = typer.Option(
        Path("."), "-C", "--repo", help="学校数据仓库所在目录（默认：当前目录或其上级）。"
    ),
    today: str = typer.Option(
        None, "--today", help="把这一天当作“今天”（YYYY-MM-DD），便于复现和测试。"
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="显示版本后退出。"
    ),
) -> None:
    """留守儿童关爱工作记录的检查与学期报告工具。

    例：liushou check　　liushou -C 学校数据 report --term 2015-autumn
    """
    ctx.obj = Options(repo, _parse_date(today))


TODAY_OPTION = typer.Option(None, "--today", hidden=True, help="同全局选项 --today。")
REPO_OPTION = typer.Option(
    None,
    "-C",
    "--repo",
    help="学校数据仓库所在目录（默认：当前目录或其上级）。",
    show_default=False,
)


def apply_today(ctx: typer.Context, today: str | None, repo: Path | None = None) -> Options:
    """Accept --today and -C after the command name too (`liushou check -C 学校 --today ...`)."""
    opts: Options = ctx.find_root().obj or Options(Path("."), None)
    if today is not None or repo is not None:
        opts = Options(repo if repo is not None else opts.repo, opts._today)
        if today is not None:
            opts = Options(opts.repo, _parse_date(today))
    return opts


def settings_failure(error: SettingsError, fmt: str = "text") -> typer.Exit:
    """Print a settings problem and return the exit (code 2) to raise.

    Machine formats go to standard output like any check result, so CI annotates the file.
    """
    if fmt != "text" and fmt in REPORTER_BY_NAME:
        REPORTER_BY_NAME[fmt](CheckResult(Path("."), error.findings), sys.stdout).report()
    else:
        for f in error.findings:
            where = f.file + (f":{f.line}" if f.line else "")
            typer.echo(f"{where}: 错误 {f.code} {f.message}", err=True)
    return typer.Exit(2)


@contextlib.contextmanager
def progress_bar() -> Iterator[Progress | None]:
    """A progress callback drawing a bar on stderr while loading, or None when stderr is not a
    terminal (CI logs and pipes get no control codes)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress as Bar

    labels = {"children": "读取儿童档案"}
    tasks: dict[str, int] = {}
    with Bar(transient=True, console=Console(stderr=True)) as bar:

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done)

        yield update


def load_or_exit(opts: Options) -> Repository:
    """Load the repository for a command that writes a document.

    A settings problem ends the command (exit 2); errors in the data do not, since a report is
    still useful, but they are counted on stderr because the records with errors are left out.
    """
    try:
        with progress_bar() as progress:
            repo, findings = load(opts.repo, opts.today, progress=progress)
    except SettingsError as error:
        raise settings_failure(error) from None
    errors = sum(f.severity == ERROR for f in findings)
    if errors:
        typer.echo(
            f"注意：数据中有 {errors} 个错误（运行 liushou check 查看），出错的记录和字段不计入。",
            err=True,
        )
    return repo


def fail(message: str) -> typer.Exit:
    typer.echo(f"错误：{message}", err=True)
    return typer.Exit(2)


def repo_root(opts: Options) -> Path:
    """The repository root for a command that needs no loading; a settings problem exits 2."""
    try:
        return find_root(opts.repo)
    except SettingsError as error:
        raise settings_failure(error) from None


@contextlib.contextmanager
def library_errors() -> Iterator[None]:
    """Turn the library's usage, settings and template errors into a Chinese line and exit 2."""
    from liushou.documents.render import RenderError  # jinja2: only for document commands

    try:
        yield
    except SettingsError as error:
        raise settings_failure(error) from None
    except (UsageError, RenderError) as error:
        raise fail(str(error)) from None


def choice(value: str, allowed, option: str = "--format") -> str:
    """A usage error unless `value` is one of `allowed` (a table's keys)."""
    if value not in allowed:
        raise typer.BadParameter(f"应为 {', '.join(allowed)} 之一", param_hint=option)
    return value


def write_document(
    document: Document, output: Path | None, root: Path, force: bool = False
) -> None:
    """Write a document to -o (or its default place under the repository; "-" is stdout).

    A document a person may have filled in (cards, rosters) is not replaced without --force.
    Companion files (charts) go into the same folder. A file-system failure exits 2.
    """
    target = (
        output
        if output is not None
        else (STDOUT if document.default == STDOUT else root / document.default)
    )
    if target != STDOUT:
        if target.is_dir():
            raise fail(f"{target} 是文件夹；-o 应给出文件路径")
        if document.keep_existing and target.exists() and not force:
            raise fail(f"{target} 已存在，未覆盖；如需覆盖请加 --force")
    if document.notice:
        typer.echo(document.notice, err=True)
    data = document.data
    if target == STDOUT:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data)
        return
    written = [(target, data)] + [
        (target.parent / name, png) for name, png in document.beside.items()
    ]
    for path, content in written:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        except OSError as error:
            raise fail(f"无法写入 {path}：{error.strerror or error}") from None
        typer.echo(f"已写入 {path}", err=True)
