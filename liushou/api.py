"""The library's front door: find a repository, check it, load it for the figures."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import cache as cache_mod
from .checks import run_checks
from .findings import ERROR, WARNING, Finding
from .loader import (
    LogFiles,
    Progress,
    assemble,
    content_key,
    load_children,
    load_repository,
    read_logs,
    read_sources,
    scan,
)
from .metrics import TermFigures, compute
from .model import Repository, Settings
from .settings import find_root, load_settings
from .terms import Term, term_containing, term_for


@dataclass
class CheckResult:
    """Every finding of one `check` run, sorted by file and line."""

    root: Path
    findings: list[Finding] = field(default_factory=list)
    children: int = 0
    logs: int = 0

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == WARNING for f in self.findings)


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
    sources = read_sources(root)
    warnings: list[Finding] = []
    settings = load_settings(root, sources.settings, warnings)
    # The logs are parsed while the workers parse the children; they are wasted only when
    # the content key below finds the whole result already known.
    logs: list[LogFiles] = []
    children = load_children(
        sources, store, progress, meanwhile=lambda: logs.append(read_logs(sources, settings))
    )
    if store:
        store.save()
    key = content_key(sources, children, today.isoformat())
    cached = store.get_result(key) if store else None
    if cached is None:
        repo, findings = assemble(sources, settings, children, logs[0])
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
    start: Path, *, use_cache: bool = True, progress: Progress | None = None
) -> tuple[Repository, list[Finding]]:
    """Load the repository at `start` for computing figures; findings are returned, not raised."""
    root = find_root(start)
    return load_repository(read_sources(root), use_cache=use_cache, progress=progress)


class TermError(Exception):
    """A term name that is malformed, or a term with nothing to report; message in Chinese."""


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
    figures = compute(repo, term, today)
    if not figures.retention.get("u"):
        raise TermError(
            f"学期 {term.name}（{term.start} 至 {term.end}）没有在册的留守儿童，无法生成报告；"
            "请检查学期名称和儿童档案的入学日期"
        )
    return figures
