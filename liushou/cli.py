"""The `liushou` command line: parses options, calls the library, picks a reporter."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import typer

from . import __version__
from .api import CheckResult, TermError, check_repository, load, resolve_term, term_figures
from .findings import ERROR
from .loader import Progress
from .model import Repository
from .render import RenderError, plan_context, render, report_context
from .reporters import REPORTER_BY_NAME
from .settings import SettingsError, find_root, load_settings

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
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("日期应写成 YYYY-MM-DD，例如 2016-01-20") from None
    if not TODAY_RANGE[0] <= day <= TODAY_RANGE[1]:
        # Terms around a date reach a year either side; dates near the calendar's ends fail.
        raise typer.BadParameter(
            f"日期超出可用范围（{TODAY_RANGE[0]} 至 {TODAY_RANGE[1]}）", param_hint="--today"
        )
    return day


TODAY_RANGE = (dt.date(1900, 1, 1), dt.date(2999, 12, 31))


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


TODAY_OPTION = typer.Option(None, "--today", hidden=True, help="同全局选项 --today。")


def _apply_today(ctx: typer.Context, today: str | None) -> Options:
    """Accept --today after the command name too (`liushou check --today ...`)."""
    opts: Options = ctx.obj
    if today is not None:
        opts = Options(opts.repo, _parse_date(today))
    return opts


def settings_failure(error: SettingsError, fmt: str = "text") -> typer.Exit:
    """Print a settings problem and return the exit (code 2) to raise.

    json and github go to standard output like any check result, so CI annotates the file.
    """
    if fmt in ("json", "github"):
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
    today: str = TODAY_OPTION,
) -> None:
    """检查档案和日志：格式、引用和制度要求。没有错误时退出码为 0。"""
    if fmt not in REPORTER_BY_NAME:
        raise typer.BadParameter(f"应为 {', '.join(REPORTER_BY_NAME)} 之一", param_hint="--format")
    opts = _apply_today(ctx, today)
    try:
        with progress_bar() as progress:
            result = check_repository(
                opts.repo, opts.today, use_cache=not no_cache, progress=progress
            )
    except SettingsError as error:
        raise settings_failure(error, fmt) from None
    if changed:
        keep = changed_files(result.root, base)
        result.findings = [f for f in result.findings if f.file in keep]
    REPORTER_BY_NAME[fmt](result, sys.stdout).report()
    failed = result.errors or (strict and result.warnings)
    raise typer.Exit(1 if failed else 0)


def load_or_exit(opts: Options) -> Repository:
    """Load the repository for a command that writes a document.

    A settings problem ends the command (exit 2); errors in the data do not, since a report is
    still useful, but they are counted on stderr because the records with errors are left out.
    """
    try:
        with progress_bar() as progress:
            repo, findings = load(opts.repo, progress=progress)
    except SettingsError as error:
        raise settings_failure(error) from None
    errors = sum(f.severity == ERROR for f in findings)
    if errors:
        typer.echo(
            f"注意：数据中有 {errors} 个错误（运行 liushou check 查看），出错的记录和字段不计入。",
            err=True,
        )
    return repo


def _fail(message: str) -> typer.Exit:
    typer.echo(f"错误：{message}", err=True)
    return typer.Exit(2)


def _write(
    text: str | bytes, target: Path | None, default: Path, root: Path, force: bool = False
) -> None:
    """Write a document to -o (or `default` under the repository); "-" means standard output.

    The write is atomic and follows the write policy (fsguard.write_file): a file liushou
    generates is never written through a link unless -o names it. A file that differs from
    what liushou last wrote there (a principal's edits) is not replaced without `force`.
    """
    if target is not None and str(target) == "-":
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
        else:
            sys.stdout.write(text)
        return
    data = text.encode("utf-8") if isinstance(text, str) else text
    path = target if target is not None else root / default
    within = path.parent if target is not None else root
    check_overwrite([(path, data)], root, force)
    save(path, data, root, within=within, explicit=target is not None)


def check_overwrite(targets: list[tuple[Path, bytes]], root: Path, force: bool) -> None:
    """Stop (exit 2) before anything is written when a target holds something liushou did not
    write there: SPEC §8, nothing a person may have edited is overwritten unasked.

    A target may be replaced when it is missing, already holds the new bytes, or holds exactly
    what liushou last wrote to it (remembered in the cache, see Cache.note_written).
    """
    from . import cache as cache_mod
    from . import fsguard

    store = None
    for path, data in targets:
        if path.is_dir():
            raise _fail(f"无法写入 {_shown_path(path)}：这是文件夹；-o 应给出文件路径")
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
        raise _fail(
            f"{_shown_path(path)} 已存在，且与 liushou 上次写入的内容不同（可能有人修改过），"
            "未覆盖；如需覆盖请加 --force"
        )


def save(path: Path, data: bytes, root: Path, *, within: Path, explicit: bool) -> None:
    """Write one output file atomically under the write policy, and remember its bytes.

    Args:
        within: the folder the file must stay in (the repository, or the folder of an -o).
        explicit: the user named this path, so a link there is written through.
    """
    from . import cache as cache_mod
    from . import fsguard

    try:
        written = fsguard.write_file(path, data, root=within, explicit=explicit)
    except fsguard.Refused as error:
        raise _fail(f"未写入：{error.strerror}") from None
    except OSError as error:
        raise _fail(f"无法写入 {_shown_path(path)}：{error.strerror or error}") from None
    cache_mod.Cache.for_repository(root).note_written(path, data)
    if written != path:
        cache_mod.Cache.for_repository(root).note_written(written, data)
    typer.echo(f"已写入 {_shown_path(path)}", err=True)


def _shown_path(path: Path) -> str:
    from .textsafe import escape_controls

    return escape_controls(str(path))


@app.command()
def report(
    ctx: typer.Context,
    term_name: str = typer.Option(
        None, "--term", help="学期，如 2015-autumn、2016-spring；默认为今天所在的学期。"
    ),
    fmt: str = typer.Option("md", "--format", help="输出格式：md（默认）、docx（Word）、json。"),
    output: Path = typer.Option(
        None,
        "-o",
        "--output",
        help="输出文件；默认写到 reports/学期/工作总结.md（docx 为 工作总结.docx），- 表示标准输出。",
    ),
    with_names: bool = typer.Option(
        False, "--with-names", help="在未完成名单中列出儿童姓名（仅供校内使用）。"
    ),
    force: bool = typer.Option(
        False, "--force", help="覆盖已被修改过的输出文件（默认不覆盖别人改过的总结和图表）。"
    ),
    today: str = TODAY_OPTION,
) -> None:
    """生成学期关爱留守儿童工作总结（工作总结），或 SPEC 规定的 JSON 数据。"""
    if fmt not in REPORT_FORMATS:
        raise typer.BadParameter(f"应为 {', '.join(REPORT_FORMATS)} 之一", param_hint="--format")
    opts = _apply_today(ctx, today)
    repo = load_or_exit(opts)
    try:
        term = resolve_term(term_name, repo.settings, opts.today)
        figures = term_figures(repo, term, opts.today)
    except TermError as error:
        raise _fail(str(error)) from None
    if fmt == "json":
        text = json.dumps(figures.to_json(), ensure_ascii=False, indent=2) + "\n"
        _write(text, output if output is not None else Path("-"), Path(), repo.root)
        return
    if fmt == "docx":
        from .docx_render import report_docx

        try:
            data = report_docx(figures, repo.settings, repo.root, with_names=with_names)
        except RenderError as error:
            raise _fail(str(error)) from None
        _write(data, output, Path("reports") / term.name / "工作总结.docx", repo.root, force)
        return
    context = report_context(figures, repo.settings, with_names=with_names)
    try:
        text = render("工作总结.md.j2", context, repo.root)
    except RenderError as error:
        raise _fail(str(error)) from None
    default = Path("reports") / term.name / "工作总结.md"
    if output is not None and str(output) == "-":
        _write(text, output, default, repo.root)
        return
    from .docx_render import CHART_FILES, report_charts

    path = output if output is not None else repo.root / default
    within = path.parent if output is not None else repo.root
    data = text.encode("utf-8")
    charts = [(path.parent / CHART_FILES[key], png) for key, png in report_charts(figures).items()]
    # Every target is checked before the first is written: never half a report.
    check_overwrite([(path, data), *charts], repo.root, force)
    save(path, data, repo.root, within=within, explicit=output is not None)
    for chart, png in charts:
        save(chart, png, repo.root, within=within, explicit=False)


@app.command()
def plan(
    ctx: typer.Context,
    term_name: str = typer.Option(
        None, "--term", help="计划所针对的学期，如 2016-spring；默认为今天所在的学期。"
    ),
    fmt: str = typer.Option("md", "--format", help="输出格式：md（默认）、docx（Word）。"),
    output: Path = typer.Option(
        None,
        "-o",
        "--output",
        help="输出文件；默认写到 reports/学期/工作计划.md（docx 为 工作计划.docx），- 表示标准输出。",
    ),
    force: bool = typer.Option(False, "--force", help="覆盖已被修改过的输出文件。"),
    today: str = TODAY_OPTION,
) -> None:
    """生成学期关爱留守儿童工作计划（工作目标、主要措施、逐月工作安排）。"""
    if fmt not in PLAN_FORMATS:
        raise typer.BadParameter(f"应为 {', '.join(PLAN_FORMATS)} 之一", param_hint="--format")
    opts = _apply_today(ctx, today)
    try:
        root = find_root(opts.repo)
        settings = load_settings(root)
    except SettingsError as error:
        raise settings_failure(error) from None
    try:
        term = resolve_term(term_name, settings, opts.today)
    except TermError as error:
        raise _fail(str(error)) from None
    if fmt == "docx":
        from .docx_render import plan_docx

        try:
            data = plan_docx(term, settings, root)
        except RenderError as error:
            raise _fail(str(error)) from None
        _write(data, output, Path("reports") / term.name / "工作计划.docx", root, force)
        return
    try:
        text = render("工作计划.md.j2", plan_context(term, settings), root)
    except RenderError as error:
        raise _fail(str(error)) from None
    _write(text, output, Path("reports") / term.name / "工作计划.md", root, force)


REPORT_FORMATS = ("md", "docx", "json")
PLAN_FORMATS = ("md", "docx")


# Commands for Word documents, cards and rosters live in their own module and register on `app`.
from . import cli_documents  # noqa: E402, F401


def run() -> None:
    """The console entry point: run the app, then leave without tearing down the heap.

    A county-scale check holds millions of small objects; freeing them one by one at exit
    takes seconds that the operating system does at once. Output is flushed first, and
    nothing is left to do at exit (every file the command writes is written and closed).
    """
    from .entry import Interrupted, on_interrupt

    code = 0
    try:
        with contextlib.suppress(ValueError):  # not the main thread: keep Python's handler
            signal.signal(signal.SIGINT, on_interrupt)
        app()
    except Interrupted:
        code = interrupted()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if isinstance(exit_.code, str):
            print(exit_.code, file=sys.stderr)
    except KeyboardInterrupt:
        # Files are written atomically (fsguard.write_file), so nothing half-written remains.
        code = interrupted()
    except OSError as error:
        # Output that cannot be written (standard output on a full disk, a closed pipe): every
        # file the commands write is handled where it is written.
        code = _output_failed(error)
    except Exception as error:  # noqa: BLE001 - a bug must still not greet a teacher with a traceback
        if os.environ.get("LIUSHOU_DEBUG"):
            raise
        print(
            f"liushou 内部错误（{type(error).__name__}）。这不是您的数据的问题，请把这条信息和"
            "所运行的命令告诉维护人员；设置环境变量 LIUSHOU_DEBUG=1 可看到详细信息。",
            file=sys.stderr,
        )
        code = 3
    try:
        sys.stdout.flush()
    except OSError as error:
        code = _output_failed(error)
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    os._exit(code)


def interrupted() -> int:
    """Say in one line that the command was interrupted; the exit code for it (130)."""
    from .entry import INTERRUPTED

    with contextlib.suppress(OSError, ValueError):
        print(INTERRUPTED, file=sys.stderr)
    return 130


def _output_failed(error: OSError) -> int:
    # Nothing more can go to standard output; drop what is buffered so exit does not retry.
    with contextlib.suppress(OSError, ValueError):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until the process ends
    with contextlib.suppress(OSError, ValueError):
        print(f"错误：无法写出结果：{error.strerror or error}", file=sys.stderr)
    return 2
