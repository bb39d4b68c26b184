"""The library's front door: one call per command, each returning a result or a Document.

The CLI parses options, calls one function here and writes what it returns; nothing here prints.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from liushou.check.result import CheckResult
from liushou.check.rules import run_checks
from liushou.errors import TermError, UsageError
from liushou.findings import Finding
from liushou.labels import class_label, parse_class_key, zh_date
from liushou.load import cache as cache_mod
from liushou.load.listing import Unchanged, lookup_unchanged
from liushou.load.loader import (
    ChildFiles,
    LogFiles,
    SourceFiles,
    assemble,
    content_key,
    known_digests,
    lazy_children,
    load_children,
    read_logs,
    read_sources,
)
from liushou.load.model import Repository, Settings
from liushou.load.settings import check_where_columns, find_root, load_settings
from liushou.progress import Progress
from liushou.terms import resolve_term

if TYPE_CHECKING:  # figures, documents and records import pandas, numpy, jinja2: when used
    from liushou.documents.output import Document
    from liushou.figures.due import DueList
    from liushou.figures.metrics import term_figures  # noqa: F401 - offered by __getattr__
    from liushou.scaffold import Scaffold

__all__ = [
    "CheckResult",
    "Document",
    "DueList",
    "Progress",
    "TermError",
    "UsageError",
    "resolve_term",
    "term_figures",
]

# From this many child files on, a check keeps the figures' per-child facts in the cache, and
# a JSON report or due list after it need not read the records (_load_after_check); a school's
# few hundred records are read faster than the figures' libraries (pandas, numpy) are imported.
FACTS_FROM = 2000

# Names this module offers that live in the heavy packages, imported on first use.
_LAZY = {
    "Document": "liushou.documents.output",
    "DueList": "liushou.figures.due",
    "term_figures": "liushou.figures.metrics",
}


def __getattr__(name: str):
    """`api.Document`, `api.DueList`, `api.term_figures` without importing pandas for `check`."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)


def _read(
    root: Path,
    store: cache_mod.Cache | None,
    progress: Progress | None,
    tables: bool = False,
    sources: SourceFiles | None = None,
) -> tuple[SourceFiles, Settings, list[Finding], ChildFiles, LogFiles]:
    """The one load path: settings, then children (in workers) while the logs are parsed.

    `tables`: small logs may come as plain columns (smalllog.Table), enough for the checks.
    `sources`: read_sources(root, store), if the caller has read them.
    Raises SettingsError when liushou.yaml is missing or wrong.
    """
    if sources is None:
        sources = read_sources(root, store)
    warnings: list[Finding] = []
    settings = load_settings(root, sources.settings, warnings)
    logs: list[LogFiles] = []
    children = load_children(
        sources,
        store,
        progress,
        meanwhile=lambda: logs.append(read_logs(sources, settings, tables, store)),
    )
    if store is not None:
        store.save()
    return sources, settings, warnings, children, logs[0]


def _assemble(
    sources: SourceFiles, settings: Settings, children: ChildFiles, logs: LogFiles
) -> tuple[Repository, list[Finding]]:
    """The repository, once its logs' headers are known to hold every column a standard's
    `where` names (else SettingsError, exit 2, like any other settings problem)."""
    repo, findings = assemble(sources, settings, children, logs)
    check_where_columns(settings, repo.log_headers)
    return repo, findings


def _checks(repo: Repository, today: dt.date) -> list[Finding]:
    """The checks across files, and the seals of closed terms (data-format §10 close)."""
    findings = run_checks(repo, today)
    if (repo.root / "closed").is_dir():  # closing.CLOSED_DIR; the seals need pandas
        from liushou.records.closing import check_closed_terms

        findings += check_closed_terms(repo, repo.root)
    return findings


def check_repository(
    start: Path,
    today: dt.date,
    *,
    use_cache: bool = True,
    progress: Progress | None = None,
    looked_up: Unchanged | None = None,
) -> CheckResult:
    """Check the repository at `start` (or the nearest parent holding liushou.yaml).

    Args:
        start: a folder inside the repository.
        today: the date after which nothing may be dated.
        use_cache: reuse results for files whose content did not change.
        progress: called as progress(stage, done, total) during long work.
        looked_up: what listing.lookup_unchanged(root, today) gave just before, if the caller
            asked already (quickcheck), so the files are not listed twice.

    Returns:
        The CheckResult. Raises SettingsError when liushou.yaml is missing or wrong.
    """
    root = find_root(start)
    if not use_cache:
        store, listing, stored = None, None, None
    else:
        store, listing, stored = looked_up or lookup_unchanged(root, today)
    if stored is not None:  # nothing changed since the last check: no file is read
        return CheckResult(root, stored.findings, stored.children, stored.logs)
    sources, settings, warnings, children, logs = _read(root, store, progress, tables=True)
    key = content_key(sources, children, today.isoformat())
    stored = store.lookup_content(key) if store else None
    if stored is None:
        repo, findings = _assemble(sources, settings, children, logs)
        findings = sorted(warnings + findings + _checks(repo, today), key=Finding.sort_key)
        stored = cache_mod.StoredResult(findings, len(sources.children), len(sources.logs))
        if store is not None and len(sources.children) >= FACTS_FROM:
            # What a report or due list after this check would work out of every record again
            from liushou.figures.facts import keep_facts

            keep_facts(repo, cache_mod.FactsStore.for_children(store, children.digests))
    if store and listing:
        store.store_result(stored, key, listing, today)
    return CheckResult(root, stored.findings, stored.children, stored.logs)


def load(
    start: Path,
    today: dt.date | None = None,
    *,
    use_cache: bool = True,
    progress: Progress | None = None,
    records: bool = True,
) -> tuple[Repository, list[Finding]]:
    """Load the repository at `start` for computing figures; findings are returned, not raised.

    With `today`, the findings are those `check` reports: taken from the stored result of a check
    of exactly these files when there is one (the checks change nothing in the repository, so a
    report or due list after a check does not run them again), else computed.

    `records=False` says the caller needs the figures rather than the records (a report in
    JSON, a due list): when the check also kept the figures' facts (a large repository),
    `repo.children` is then a model.LazyChildren whose records are read only if something asks
    for one, and `repo.duplicates` and `repo.unreadable_ids` are filled only then (the checks,
    import and promote, which read them, load the records).
    """
    root = find_root(start)
    store = cache_mod.Cache.for_repository(root) if use_cache else None
    sources = read_sources(root, store)
    if store is not None and today is not None and not records:
        after_check = _load_after_check(sources, store, today, progress)
        if after_check is not None:
            return after_check
    sources, settings, warnings, children, logs = _read(root, store, progress, sources=sources)
    repo, findings = _assemble(sources, settings, children, logs)
    if store is not None:
        repo.facts_store = cache_mod.FactsStore.for_children(store, children.digests)
    if today is None:
        return repo, warnings + findings
    stored = (
        store.lookup_content(content_key(sources, children, today.isoformat())) if store else None
    )
    if stored is not None:
        return repo, list(stored.findings)
    return repo, sorted(warnings + findings + _checks(repo, today), key=Finding.sort_key)


def _load_after_check(
    sources: SourceFiles, store: cache_mod.Cache, today: dt.date, progress: Progress | None
) -> tuple[Repository, list[Finding]] | None:
    """A large repository whose files are all as a check of `today` left them (by their
    stamps) and whose figures' facts that check kept: the stored findings, and the children
    as ids whose records are read only if something asks for them (model.LazyChildren)."""
    if len(sources.children) < FACTS_FROM:
        return None
    children = known_digests(sources, store)
    if children is None:
        return None
    stored = store.lookup_content(content_key(sources, children, today.isoformat()))
    if stored is None:
        return None
    from liushou.figures.facts import stored_ids

    settings = load_settings(sources.root, sources.settings, [])  # its warnings: in `stored`
    facts = cache_mod.FactsStore.for_children(store, children.digests)
    ids = stored_ids(facts, settings)
    if ids is None:
        return None
    repo, _ = _assemble(sources, settings, ChildFiles(), read_logs(sources, settings, False, store))
    store.save()
    repo.children = lazy_children(repo, sources, store, ids, progress)
    repo.facts_store = facts
    return repo, list(stored.findings)


def report(
    repo: Repository,
    term_name: str | None,
    today: dt.date,
    fmt: str = "md",
    with_names: bool = False,
    internal: bool = False,
) -> Document:
    """The term summary (工作总结) in `fmt` (a key of REPORT_WRITERS); `internal` adds the
    annex of per-mentor figures, which stays inside the school.

    Raises:
        TermError: the term is malformed or has no child in care.
        RenderError: a school template is broken.
    """
    from liushou.documents.output import REPORT_WRITERS, STDOUT, Document
    from liushou.figures.metrics import term_figures
    from liushou.records.closing import frozen_figures

    term = resolve_term(term_name, repo.settings, today)
    figures = term_figures(repo, term, today)
    frozen = frozen_figures(repo.root, term.name)
    if frozen is None:
        return REPORT_WRITERS[fmt](figures, repo, with_names, internal)
    # A closed term's figures are the frozen ones (data-format §10): JSON gives them as they were
    # closed; the documents are rendered from the records, which the seals keep equal.
    if fmt == "json":
        document = Document(json.dumps(frozen, ensure_ascii=False, indent=2) + "\n", STDOUT)
    else:
        document = REPORT_WRITERS[fmt](figures, repo, with_names, internal)
    notice = f"学期 {term.name} 已关账（closed/{term.name}.yaml），报告数字为关账时冻结的数字。"
    if figures.to_json() != frozen:
        notice += "注意：现有数据算出的数字与冻结的不同，请运行 liushou check 查看改动。"
    document.notice = notice
    return document


def plan(repo: Repository, term_name: str | None, today: dt.date, fmt: str = "md") -> Document:
    """The term plan (工作计划) in `fmt` (a key of PLAN_WRITERS), for `term_name` or else the
    next term, carrying forward the shortfalls of the term before it.

    Raises:
        TermError, RenderError.
    """
    from liushou.documents.output import PLAN_WRITERS
    from liushou.documents.planning import carried_shortfalls, next_term
    from liushou.figures.metrics import open_duties

    if term_name is None:
        term = next_term(today, repo.settings)
    else:
        term = resolve_term(term_name, repo.settings, today)
    carried = carried_shortfalls(repo, term, today)
    # The legal duties still open when the term begins (or today, for a plan written ahead)
    # become the plan's first items.
    duties = open_duties(repo, min(today, term.start))
    return PLAN_WRITERS[fmt](term, repo.settings, repo.root, carried, today, duties)


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
    from liushou.documents.roster import roster_rows

    rows = roster_rows(repo, class_key, full=full, today=today)
    if class_key is not None and not rows:
        raise UsageError(f"{class_key} 班在 {today} 没有在册的留守儿童")
    if class_key is None:
        scope = "全校"
    else:
        scope = class_label(*parse_class_key(class_key))
    title = f"{repo.settings.school}留守儿童花名册（{scope}，{zh_date(today)}）"
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
        # core.quotepath=off: names under 3年级/2班 come back as written, not as "\345..."
        out = subprocess.run(
            ["git", "-c", "core.quotepath=off", "-C", str(root), *args],
            capture_output=True,
            text=True,
            check=True,
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


def due(
    repo: Repository,
    today: dt.date,
    *,
    standard: str | None = None,
    mentor: str | None = None,
    class_key: str | None = None,
) -> DueList:
    """The due list of data-format §9 for `today` (empty, with term None, outside every term).

    Args:
        repo: the loaded repository.
        today: the clock's date or `--today`.
        standard: only this standard's items (an id of the school's standards).
        mentor: only the children of this mentor (a name of liushou.yaml staff).
        class_key: only this class, "G-C" such as "3-2" (or "3年级2班").

    Raises:
        UsageError: an unknown standard, mentor or class.
    """
    ids = [s.id for s in repo.settings.standards]
    if standard is not None and standard not in ids:
        raise UsageError(f"没有编号为 {standard} 的关爱制度；可选：{'、'.join(ids)}")
    if mentor is not None and mentor not in repo.settings.staff:
        if mentor not in {c.get("care.mentor") for c in repo.children.values()}:
            raise UsageError(f"{mentor} 不在 liushou.yaml 的 staff 中，也不是任何儿童的帮扶教师")
    parsed = None
    if class_key is not None:
        try:
            parsed = parse_class_key(class_key)
        except ValueError as error:
            raise UsageError(str(error)) from None
    from liushou.figures.due import compute_due

    return compute_due(repo, today, standard_id=standard, mentor=mentor, class_key=parsed)


def init(directory: Path, school: str, today: dt.date, staff: list[str] | None = None) -> Scaffold:
    """Create a new school repository (data-format §10 `init`); nothing existing is overwritten.

    Raises:
        UsageError: the folder already holds liushou.yaml, or cannot be written.
    """
    from liushou import scaffold  # not at import: check never creates a repository

    try:
        return scaffold.create(directory, school, today, staff)
    except scaffold.ScaffoldError as error:
        raise UsageError(str(error)) from None


def rollup(inputs: list[Path], term_name: str | None, name: str | None):
    """Add schools' report JSON files (or folders of them) up for one term (data-format §12).

    Returns:
        (CountyFigures or None when no file could be used, the problem files listed).

    Raises:
        UsageError: a malformed term name or an empty name.
    """
    from liushou.figures.rollup import DEFAULT_NAME, load_reports
    from liushou.figures.rollup import rollup as add_up
    from liushou.terms import parse_term_name

    if term_name is not None:
        try:
            parse_term_name(term_name)
        except ValueError as error:
            raise UsageError(str(error)) from None
        term_name = term_name.strip()
    if name is not None and not name.strip():
        raise UsageError("汇总单位名称 --name 不能为空")
    reports, problems = load_reports(inputs, term_name)
    if not reports:
        return None, problems
    county = add_up(reports, reports[0].term, (name or DEFAULT_NAME).strip(), problems)
    return county, problems


TEMPLATE_SUFFIXES = (".j2", ".docx")


def export_templates(root: Path, force: bool = False) -> tuple[list[Path], list[Path]]:
    """Copy the built-in templates into the repository's templates/, as a school's starting point.

    Returns:
        (written, skipped): the files written, and those already there and kept (without `force`).

    Raises:
        UsageError: a file could not be written (the write policy or the file system refused).
    """
    from liushou import fsguard
    from liushou.documents.render import builtin_templates
    from liushou.errors import os_reason

    folder = root / "templates"
    sources = sorted(p for p in builtin_templates().iterdir() if p.suffix in TEMPLATE_SUFFIXES)
    written, skipped = [], []
    for source in sources:
        target = folder / source.name
        if target.exists() and not force:
            skipped.append(target)
            continue
        try:
            fsguard.write_file(target, source.read_bytes(), root=root)
        except fsguard.Refused as error:
            raise UsageError(f"未写入：{error.strerror}") from None
        except OSError as error:
            raise UsageError(f"无法写入 {target}：{os_reason(error)}") from None
        written.append(target)
    return written, skipped


def check_templates(root: Path):
    """`templates check`: the checks of each report and plan template, and the other template
    files in templates/ that are not checked (not a summary or plan template).

    Raises:
        SettingsError: liushou.yaml is missing or wrong.
    """
    from liushou.documents.templates_lint import check_templates as run

    checks = run(root, load_settings(root))
    known = {check.name for check in checks}
    folder = root / "templates"
    others = []
    if folder.is_dir():
        others = [
            path
            for path in sorted(folder.iterdir())
            if path.suffix in TEMPLATE_SUFFIXES and path.name not in known
        ]
    return checks, others
