"""The library's front door: one call per command, each returning a result or a Document.

The CLI parses options, calls one function here and writes what it returns; nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

from liushou.check.result import CheckResult
from liushou.check.rules import run_checks
from liushou.findings import Finding
from liushou.load import cache as cache_mod
from liushou.load.loader import (
    ChildFiles,
    LogFiles,
    Progress,
    SourceFiles,
    assemble,
    content_key,
    load_children,
    read_logs,
    read_sources,
    scan,
)
from liushou.load.model import Repository, Settings
from liushou.load.settings import find_root, load_settings
from liushou.terms import Term, term_containing, term_for

if TYPE_CHECKING:  # figures and documents import pandas, numpy and jinja2: only when used
    from liushou.documents.output import Document
    from liushou.figures.metrics import TermFigures

__all__ = ["CheckResult", "Document", "Progress"]


def __getattr__(name: str):
    """`api.Document` without importing the documents package when it is not used."""
    if name == "Document":
        from liushou.documents.output import Document

        return Document
    raise AttributeError(name)


class UsageError(Exception):
    """A command was asked for something it cannot do; the message is Chinese, exit code 2."""


class TermError(UsageError):
    """A term name that is malformed, or a term with nothing to report."""


def _read(
    root: Path, store: cache_mod.Cache | None, progress: Progress | None, tables: bool = False
) -> tuple[SourceFiles, Settings, list[Finding], ChildFiles, LogFiles]:
    """The one load path: settings, then children (in workers) while the logs are parsed.

    `tables`: small logs may come as plain columns (smalllog.Table), enough for the checks.
    Raises SettingsError when liushou.yaml is missing or wrong.
    """
    sources = read_sources(root)
    warnings: list[Finding] = []
    settings = load_settings(root, sources.settings, warnings)
    logs: list[LogFiles] = []
    children = load_children(
        sources, store, progress, meanwhile=lambda: logs.append(read_logs(sources, settings, tables))
    )
    if store is not None:
        store.save()
    return sources, settings, warnings, children, logs[0]


def check_repository(
    start: Path, today: dt.date, *, use_cache: bool = True, progress: Progress | None = None
) -> CheckResult:
    """Check the repository at `start` (or the nearest parent holding liushou.yaml).

    Args:
        start: a folder inside the repository.
        today: the date after which nothing may be dated.
        use_cache: reuse results for files whose content did not change.
        progress: called as progress(stage, done, total) during long work.

    Returns:
        The CheckResult. Raises SettingsError when liushou.yaml is missing or wrong.
    """
    root = find_root(start)
    store = cache_mod.Cache.for_repository(root) if use_cache else None
    scanned_at = time.time_ns()
    listing = scan(root) if store else []
    # Sizes and modification times of every file name the same content as last time: the
    # quick key lets an unchanged county check return without reading 50,000 files.
    quick = cache_mod.digest(repr((listing, today.isoformat())).encode())
    cached = store.get_result(quick) if store else None
    if cached is not None:
        return CheckResult(root, *cached)
    sources, settings, warnings, children, logs = _read(root, store, progress, tables=True)
    key = content_key(sources, children, today.isoformat())
    cached = store.get_result(key) if store else None
    if cached is None:
        repo, findings = assemble(sources, settings, children, logs)
        findings = sorted(warnings + findings + run_checks(repo, today), key=Finding.sort_key)
        cached = (findings, len(sources.children), len(sources.logs))
    if store:
        # A file changed shortly before the scan (or during the check) could change again
        # unseen with the same size and time, git's "racily clean" case; file systems with
        # coarse times (FAT: 2 s) widen the window. Such a result is kept by content only.
        recent = scanned_at - 3_000_000_000
        racy = any(mtime >= recent for _, _, mtime in listing)
        store.put_result((key,) if racy else (key, quick), cached)
    return CheckResult(root, *cached)


def load(
    start: Path,
    today: dt.date | None = None,
    *,
    use_cache: bool = True,
    progress: Progress | None = None,
) -> tuple[Repository, list[Finding]]:
    """Load the repository at `start` for computing figures; findings are returned, not raised.

    With `today`, the findings include the cross-file checks, as `check` would report them.
    """
    root = find_root(start)
    store = cache_mod.Cache.for_repository(root) if use_cache else None
    sources, settings, warnings, children, logs = _read(root, store, progress)
    repo, findings = assemble(sources, settings, children, logs)
    findings = warnings + findings
    if today is not None:
        findings += run_checks(repo, today)
    return repo, findings


def resolve_term(name: str | None, settings: Settings, today: dt.date) -> Term:
    """The term to report on: `name`, or the term containing today, or the latest one ended.

    Raises:
        TermError: the name is malformed.
    """
    if name is None:
        term = term_containing(today, settings)
        if term is not None:
            return term
        # Between terms (winter or summer break) the summary being written is the last term's.
        year = today.year
        candidates = [f"{y}-{s}" for y in (year - 1, year) for s in ("spring", "autumn")]
        ended = [t for t in (term_for(n, settings) for n in candidates) if t.end < today]
        return max(ended, key=lambda t: t.end)
    try:
        return term_for(name, settings)
    except ValueError as exc:
        raise TermError(str(exc)) from None


def term_figures(repo: Repository, term: Term, today: dt.date) -> TermFigures:
    """Compute a term's figures; a term in which no child was ever in care is a TermError."""
    from liushou.figures.metrics import compute

    figures = compute(repo, term, today)
    if not figures.retention.get("u"):
        raise TermError(
            f"学期 {term.name}（{term.start} 至 {term.end}）没有在册的留守儿童，无法生成报告；"
            "请检查学期名称和儿童档案的入学日期"
        )
    return figures


def report(
    repo: Repository,
    term_name: str | None,
    today: dt.date,
    fmt: str = "md",
    with_names: bool = False,
) -> Document:
    """The term summary (工作总结) in `fmt` (a key of REPORT_WRITERS).

    Raises:
        TermError: the term is malformed or has no child in care.
        RenderError: a school template is broken.
    """
    from liushou.documents.output import REPORT_WRITERS

    term = resolve_term(term_name, repo.settings, today)
    figures = term_figures(repo, term, today)
    return REPORT_WRITERS[fmt](figures, repo.settings, repo.root, with_names)


def plan(root: Path, term_name: str | None, today: dt.date, fmt: str = "md") -> Document:
    """The term plan (工作计划) in `fmt` (a key of PLAN_WRITERS); needs only liushou.yaml.

    Raises:
        SettingsError, TermError, RenderError.
    """
    from liushou.documents.output import PLAN_WRITERS

    settings = load_settings(root)
    term = resolve_term(term_name, settings, today)
    return PLAN_WRITERS[fmt](term, settings, root)


def cards(
    repo: Repository, child_id: str | None, class_key: str | None, today: dt.date, full: bool
) -> Document:
    """Contact cards (联系卡) for one child, or for every child in care today in one class.

    Raises:
        UsageError: neither or both of child_id and class_key, or nobody to print.
    """
    from liushou.documents.output import Document
    from liushou.documents.roster import card_docx, roster_children

    if child_id is None and class_key is None:
        raise UsageError("请给出儿童编号（如 liushou card yl-2013-0203）或班级（如 --class 3-2）")
    if child_id is not None and class_key is not None:
        raise UsageError("儿童编号和 --class 只能给出一个")
    if class_key is None:
        child = repo.children.get(child_id)
        if child is None:
            raise UsageError(
                f"没有编号为 {child_id} 的儿童档案（应为 children/ 下某个档案的文件名）"
            )
        children, default = [child], Path("reports") / "cards" / f"{child_id}.docx"
    else:
        children = roster_children(repo, class_key, today)
        if not children:
            raise UsageError(f"{class_key} 班在 {today} 没有在册的留守儿童")
        default = Path("reports") / "cards" / f"{class_key}班.docx"
    data = card_docx(children, repo.settings, full=full)
    return Document(data, default, keep_existing=True, notice=CARD_FULL_NOTICE if full else None)


CARD_FULL_NOTICE = "注意：输出含完整的电话号码和身份证号，仅限校内工作使用，请妥善保管，不要外传。"
ROSTER_FULL_NOTICE = (
    "注意：输出含完整的电话号码、身份证号和父母务工地，仅限校内工作使用，请妥善保管，不要外传。"
)


def roster(
    repo: Repository, class_key: str | None, today: dt.date, fmt: str = "xlsx", full: bool = False
) -> Document:
    """The roster (花名册) of children in care today, of the school or one class "G-C".

    Raises:
        UsageError: the class has nobody in care today.
    """
    from liushou.documents.output import ROSTER_WRITERS
    from liushou.documents.roster import grade_label, parse_class_key, roster_rows

    rows = roster_rows(repo, class_key, full=full, today=today)
    if class_key is not None and not rows:
        raise UsageError(f"{class_key} 班在 {today} 没有在册的留守儿童")
    if class_key is None:
        scope = "全校"
    else:
        grade, klass = parse_class_key(class_key)
        scope = f"{grade_label(grade)}{klass}班"
    title = f"{repo.settings.school}留守儿童花名册（{scope}，{today}）"
    document = ROSTER_WRITERS[fmt](rows, title, "花名册" + (f"-{class_key}班" if class_key else ""))
    notices = []
    if not rows:
        notices.append(f"注意：{today} 没有在册的留守儿童，花名册只有表头。")
    if full:
        notices.append(ROSTER_FULL_NOTICE)
    document.notice = "\n".join(notices) or None
    return document


def changed_files(root: Path, base: str) -> set[str]:
    """Files that differ from git revision `base`, plus untracked ones, relative to `root`.

    Raises:
        UsageError: not inside a git repository, or `base` is not a revision.
    """

    def git(*args: str) -> list[str]:
        out = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
        )
        return [line for line in out.stdout.splitlines() if line]

    try:
        top = Path(git("rev-parse", "--show-toplevel")[0])
        names = git("diff", "--name-only", base) + git("ls-files", "--others", "--exclude-standard")
    except (OSError, subprocess.CalledProcessError, IndexError):
        raise UsageError(f"--changed 需要在 git 仓库中使用，且 {base} 是有效的提交") from None
    result = set()
    for name in names:
        path = (top / name).resolve()
        if path.is_relative_to(root):
            result.add(path.relative_to(root).as_posix())
    return result
