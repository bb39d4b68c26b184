"""The `liushou` command line: parses options, calls the library, picks a reporter."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import typer

from . import __version__
from .api import check_repository
from .reporters import REPORTER_BY_NAME
from .settings import SettingsError

app = typer.Typer(
    help="留守儿童关爱工作记录的检查与学期报告工具。",
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
    """留守儿童关爱工作记录的检查与学期报告工具。"""
    ctx.obj = Options(repo, _parse_date(today))


def settings_failure(error: SettingsError, fmt: str = "text") -> typer.Exit:
    """Print a settings problem and return the exit (code 2) to raise."""
    if fmt == "json":
        from .api import CheckResult
        from .reporters import JsonReporter

        JsonReporter(CheckResult(Path("."), error.findings), sys.stdout).report()
    else:
        for f in error.findings:
            where = f.file + (f":{f.line}" if f.line else "")
            typer.echo(f"{where}: 错误 {f.code} {f.message}", err=True)
    return typer.Exit(2)


def _progress():
    """A progress callback drawing a bar on stderr, or None when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import Progress

    bar = Progress(transient=True, console=None)
    tasks: dict[str, int] = {}
    labels = {"children": "读取儿童档案"}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
        bar.update(tasks[stage], completed=done)

    return bar, update


def changed_files(root: Path, base: str) -> set[str]:
    """Files that differ from git revision `base`, plus untracked ones, relative to `root`."""

    def git(*args: str) -> list[str]:
        out = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
        )
        return [line for line in out.stdout.splitlines() if line]

    try:
        top = Path(git("rev-parse", "--show-toplevel")[0])
        names = git("diff", "--name-only", base) + git("ls-files", "--others", "--exclude-standard")
    except (OSError, subprocess.CalledProcessError, IndexError):
        raise typer.BadParameter(
            f"--changed 需要在 git 仓库中使用，且 {base} 是有效的提交", param_hint="--base"
        ) from None
    result = set()
    for name in names:
        path = (top / name).resolve()
        if path.is_relative_to(root):
            result.add(path.relative_to(root).as_posix())
    return result


@app.command()
def check(
    ctx: typer.Context,
    fmt: str = typer.Option(
        "text", "--format", help="输出格式：text（默认）、json 或 github（GitHub Actions 注释）。"
    ),
    strict: bool = typer.Option(False, "--strict", help="有警告也以失败（退出码 1）结束。"),
    changed: bool = typer.Option(
        False, "--changed", help="只报告相对 --base 有改动（含未提交、未跟踪）的文件中的问题。"
    ),
    base: str = typer.Option("HEAD", "--base", help="--changed 比较的 git 版本，默认 HEAD。"),
    no_cache: bool = typer.Option(False, "--no-cache", help="不使用缓存，重新读取全部文件。"),
) -> None:
    """检查档案和日志：格式、引用和制度要求。没有错误时退出码为 0。"""
    if fmt not in REPORTER_BY_NAME:
        raise typer.BadParameter(f"应为 {', '.join(REPORTER_BY_NAME)} 之一", param_hint="--format")
    opts: Options = ctx.obj
    bar, progress = _progress()
    try:
        if bar:
            with bar:
                result = check_repository(
                    opts.repo, opts.today, use_cache=not no_cache, progress=progress
                )
        else:
            result = check_repository(opts.repo, opts.today, use_cache=not no_cache)
    except SettingsError as error:
        raise settings_failure(error, fmt) from None
    if changed:
        keep = changed_files(result.root, base)
        result.findings = [f for f in result.findings if f.file in keep]
    REPORTER_BY_NAME[fmt](result, sys.stdout).report()
    failed = result.errors or (strict and result.warnings)
    raise typer.Exit(1 if failed else 0)
