"""The Typer app, the global options and the steps every command shares: load, fail, write."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import typer

from liushou import __version__, fsguard
from liushou.api import UsageError, load
from liushou.check.reporters import REPORTER_BY_NAME
from liushou.check.result import CheckResult
from liushou.cli import zh  # noqa: F401 - installs Chinese for Typer's and Click's own words
from liushou.documents.output import STDOUT, Document
from liushou.errors import os_reason
from liushou.findings import ERROR
from liushou.labels import DayOutOfRange, parse_today
from liushou.load import cache as cache_mod
from liushou.load.model import Repository
from liushou.load.settings import SettingsError, find_root
from liushou.progress import progress_bar
from liushou.textsafe import escape_controls

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
        return parse_today(value)
    except DayOutOfRange as error:
        raise typer.BadParameter(str(error), param_hint="--today") from None
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


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


def output_option(default_place: str):
    """The -o/--output option of a command that writes a document, its default said in help."""
    return typer.Option(None, "-o", "--output", help=f"输出文件；{default_place}- 表示标准输出。")


# Cards and rosters are refused when they exist at all (they may have been filled in by hand);
# summaries and plans when they differ from what liushou last wrote there.
FORCE_OPTION = typer.Option(False, "--force", help="覆盖已存在或已被修改过的输出文件。")


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


def load_or_exit(opts: Options, records: bool = True) -> Repository:
    """Load the repository for a command that writes a document; `records=False` for one that
    needs only the figures (a JSON report, a due list; see api.load).

    A settings problem ends the command (exit 2); errors in the data do not, since a report is
    still useful, but they are counted on stderr because the records with errors are left out.
    """
    try:
        with progress_bar() as progress:
            repo, findings = load(opts.repo, opts.today, progress=progress, records=records)
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

    Every write is atomic and follows the write policy (fsguard.write_file): a file liushou
    generates is never written through a link unless -o names it. A file that differs from what
    liushou last wrote there (a principal's edits) is not replaced without --force, and a card or
    roster (keep_existing) not at all. Companion files (charts) go into the same folder; every
    target is checked before the first is written, so a refusal never leaves half a report.
    """
    target = (
        output
        if output is not None
        else (STDOUT if document.default == STDOUT else root / document.default)
    )
    data = document.data.encode("utf-8") if isinstance(document.data, str) else document.data
    if target == STDOUT:
        if document.notice:
            typer.echo(document.notice, err=True)
        sys.stdout.buffer.write(data)
        return
    targets = [(target, data)] + [
        (target.parent / name, png) for name, png in document.beside.items()
    ]
    if target.is_dir():
        raise fail(f"无法写入 {_shown_path(target)}：这是文件夹；-o 应给出文件路径")
    if document.keep_existing and os.path.lexists(target) and not force:
        raise fail(f"{_shown_path(target)} 已存在，未覆盖；如需覆盖请加 --force")
    check_overwrite(targets, root, force)
    if document.notice:
        typer.echo(document.notice, err=True)
    within = target.parent if output is not None else root
    for path, content in targets:
        save(path, content, root, within=within, explicit=output is not None and path == target)


def check_overwrite(targets: list[tuple[Path, bytes]], root: Path, force: bool) -> None:
    """Stop (exit 2) before anything is written when a target holds something liushou did not
    write there: data-format §8, nothing a person may have edited is overwritten unasked.

    A target may be replaced when it is missing, already holds the new bytes, or holds exactly
    what liushou last wrote to it (remembered in the cache, see Cache.note_written).
    """
    store = None
    for path, data in targets:
        if path.is_dir():
            raise fail(f"无法写入 {_shown_path(path)}：这是文件夹；-o 应给出文件路径")
        if force or not os.path.lexists(path):
            continue
        try:
            current = fsguard.read_limited(os.path.realpath(path), 1 << 30)
        except OSError:
            current = None
        if current == data:
            continue
        store = store or cache_mod.Cache.for_repository(root)
        if current is not None and store.written_digest(path) == cache_mod.digest(current):
            continue
        raise fail(
            f"{_shown_path(path)} 已存在，且与 liushou 上次写入的内容不同（可能有人修改过），"
            "未覆盖；如需覆盖请加 --force"
        )


def save(path: Path, data: bytes, root: Path, *, within: Path, explicit: bool) -> None:
    """Write one output file atomically under the write policy, and remember its bytes.

    Args:
        within: the folder the file must stay in (the repository, or the folder of an -o).
        explicit: the user named this path, so a link there is written through.
    """
    try:
        written = fsguard.write_file(path, data, root=within, explicit=explicit)
    except fsguard.Refused as error:
        raise fail(f"未写入：{error.strerror}") from None
    except OSError as error:
        raise fail(f"无法写入 {_shown_path(path)}：{os_reason(error)}") from None
    store = cache_mod.Cache.for_repository(root)
    store.note_written(path, data)
    if written != path:
        store.note_written(written, data)
    typer.echo(f"已写入 {_shown_path(path)}", err=True)


def _shown_path(path: Path) -> str:
    return escape_controls(str(path))
