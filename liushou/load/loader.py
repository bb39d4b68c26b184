"""Load a whole school repository: settings, child records and logs, with a content-keyed cache.

The cache (see cache.py) holds what each child file parsed to, keyed on the file's bytes, so a
record that did not change is not parsed again. At county scale the child files are read,
hashed and parsed by worker processes, so the main process never holds their bytes. Logs are
read afresh every time (pandas reads a million rows in about a second); anything that depends
on more than one file, or on today's date, is recomputed on every run.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from liushou.findings import Finding, finding
from liushou.load import cache as cache_mod
from liushou.load.model import Child, Repository, Settings
from liushou.load.schema import validate_child
from liushou.load.settings import SETTINGS_FILE, check_where_columns
from liushou.load.yamlsource import parse_yaml
from liushou.logspec import LOG_NAMES

Progress = Callable[[str, int, int], None]
Parsed = tuple[Child | None, list[Finding]]

# Below this many child files, starting worker processes costs more than it saves.
_PARALLEL_FROM = 2000
_CHUNK = 500


@dataclass
class SourceFiles:
    """A repository's input: the settings read, the logs hashed, the child files found.

    `children` maps each child file's display path (relative, with "/") to its real path. No
    file's bytes are kept but the settings': a county's logs are read again when parsed, so a
    run never holds them twice.
    """

    root: Path
    settings: bytes
    children: dict[str, str] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)  # log name -> digest of its bytes
    log_files: dict[str, str] = field(default_factory=dict)  # log name -> path as found
    unknown_logs: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    closed: dict[str, str] = field(default_factory=dict)  # closed/<T>.yaml -> digest of its bytes


@dataclass
class ChildFiles:
    """What every child file parsed to, and each file's digest (None: could not be read)."""

    parsed: dict[str, Parsed] = field(default_factory=dict)
    digests: dict[str, str | None] = field(default_factory=dict)


def scan(root: Path) -> list[tuple[str, int, int]]:
    """(relative path, size, mtime_ns) of liushou.yaml, every child file and every log file.

    Cheap (no file is opened), so a repeated check can tell that nothing changed in well under
    a second even for a county's 50,000 records.
    """
    found = []
    skip = len(str(root)) + 1
    paths = _child_paths(root) + _log_paths(root) + _closed_paths(root)
    for path in paths + [str(root / SETTINGS_FILE)]:
        try:
            info = os.stat(path)
        except OSError:
            continue
        found.append((path[skip:], info.st_size, info.st_mtime_ns))
    return found


def read_sources(root: Path) -> SourceFiles:
    """Read the settings and the logs, and find every child file (SPEC §1).

    Raises:
        SettingsError: liushou.yaml cannot be read.
    """
    try:
        settings = (root / SETTINGS_FILE).read_bytes()
    except OSError:
        from liushou.load.settings import SettingsError

        raise SettingsError([finding("LS013", SETTINGS_FILE, 1)]) from None
    sources = SourceFiles(root, settings)
    skip = len(str(root)) + 1
    for path in _child_paths(root):
        sources.children[_display(path[skip:])] = path
    for path in _log_paths(root):
        rel = _display(path[skip:])
        stem, suffix = os.path.splitext(os.path.basename(path))
        if stem not in LOG_NAMES or suffix.lower() != ".csv" or stem in sources.log_files:
            sources.unknown_logs.append(rel)
            continue
        try:
            sources.logs[stem] = cache_mod.digest(_read(path))
            sources.log_files[stem] = rel
        except OSError:
            sources.unreadable.append(rel)
    for path in _closed_paths(root):
        try:
            sources.closed[_display(path[skip:])] = cache_mod.digest(_read(path))
        except OSError:
            sources.unreadable.append(_display(path[skip:]))
    return sources


def content_key(sources: SourceFiles, children: ChildFiles, *extra: str) -> str:
    """One key for the content of every file (and `extra`, such as today's date)."""
    parts = [cache_mod.digest(sources.settings)]
    parts += [f"{p}\0{d}" for p, d in sorted(children.digests.items())]
    parts += [f"{n}\0{d}" for n, d in sorted(sources.logs.items())]
    parts += [f"{p}\0{d}" for p, d in sorted(sources.closed.items())]
    parts += [f"{p}\0unknown" for p in sources.unknown_logs]
    parts += [f"{p}\0unreadable" for p in sources.unreadable]
    parts += list(extra)
    return cache_mod.digest("\n".join(parts).encode("utf-8", "surrogateescape"))


def load_children(
    sources: SourceFiles,
    store: cache_mod.Cache | None,
    progress: Progress | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> ChildFiles:
    """Read, hash and (unless the cache knows the bytes) parse every child file.

    Args:
        sources: from read_sources().
        store: the repository's cache, or None.
        progress: called as progress("children", done, total).
        meanwhile: work for the main process while the workers parse (reading the logs);
            called exactly once.

    Returns:
        The ChildFiles; the cache is updated but not saved (see Cache.save).
    """

    def chunked() -> list[list[tuple[str, str, str | None]]]:
        items = [
            (rel, path, store.child_digest(rel) if store else None)
            for rel, path in sources.children.items()
        ]
        return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]

    result = ChildFiles()
    total, done = len(sources.children), 0
    if progress:
        progress("children", done, total)
    workers = min(os.cpu_count() or 1, 4)
    if total >= _PARALLEL_FROM and workers > 1:
        context = multiprocessing.get_context("fork" if os.name == "posix" else None)
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            # Start the workers before the cache's entries are loaded: a forked worker maps
            # its parent's heap, which would then count once per worker in the tree's memory.
            pool.submit(int).result()
            outcomes = pool.map(_work, chunked())
            if meanwhile:
                meanwhile()
            for outcome in outcomes:
                done += _collect(outcome, result, store)
                if progress:
                    progress("children", done, total)
    else:
        if meanwhile:
            meanwhile()
        for chunk in chunked():
            done += _collect(_work(chunk), result, store)
            if progress:
                progress("children", done, total)
    if store is not None:
        store.prune_children(set(sources.children))
    return result


def _work(items: list[tuple[str, str, str | None]]) -> tuple[dict[str, str | None], bytes]:
    """A worker's share: each file's digest (None if unreadable), and the pickled entries
    {path: (digest, parsed)} of the files it parsed, which the cache stores as they are."""
    digests: dict[str, str | None] = {}
    parsed: dict[str, tuple[str, Parsed]] = {}
    for rel, path, known in items:
        try:
            data = _read(path)
        except OSError:
            digests[rel] = None
            continue
        digest = digests[rel] = cache_mod.digest(data)
        if digest != known:
            parsed[rel] = (digest, parse_child_file(rel, data))
    return digests, pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)


def _collect(outcome, result: ChildFiles, store: cache_mod.Cache | None) -> int:
    digests, blob = outcome
    fresh = store.add_children_part(blob) if store else pickle.loads(blob)
    for rel, digest in digests.items():
        result.digests[rel] = digest
        if digest is None:
            result.parsed[rel] = (None, [finding("LS013", rel, 1)])
        elif rel in fresh:
            result.parsed[rel] = fresh[rel][1]
        else:
            result.parsed[rel] = store.get_child(rel, digest)
    return len(digests)


def parse_child_file(path: str, data: bytes) -> Parsed:
    """Parse and validate one child file.

    Args:
        path: its display path, relative to the repository root.
        data: its bytes.

    Returns:
        (child or None, findings).
    """
    parsed = parse_yaml(data, path)
    child, findings = validate_child(parsed, path, Path(path).stem)
    return child, parsed.findings + findings


@dataclass
class LogFiles:
    """Every log parsed: frames, headers and the findings of each file on its own."""

    frames: dict[str, object] = field(default_factory=dict)
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


# Logs of at most this many bytes in all are read by the csv module into plain columns
# (smalllog.Table) when the caller can use them (check): below this, importing pandas costs more
# than it saves. A school's logs are a few hundred rows (tens of KB).
SMALL_LOGS_BYTES = 4 << 20


def read_logs(sources: SourceFiles, settings: Settings, tables: bool = False) -> LogFiles:
    """Parse every log file (SPEC §4), keeping the free-text columns a standard's where needs.

    With `tables`, small logs (SMALL_LOGS_BYTES in all) are read without pandas, into
    smalllog.Table instead of DataFrames, with the same findings; a file holding a value
    only pandas reads (an Excel-style date) is still read by pandas.
    """
    logs = LogFiles()
    small = tables and _logs_size(sources) <= SMALL_LOGS_BYTES
    for name, rel in sources.log_files.items():
        keep = tuple({c for s in settings.standards if s.log == name for c in s.where})
        try:
            data = _read(str(sources.root / rel))
        except OSError:
            logs.findings.append(finding("LS013", rel, 1))
            continue
        loaded = None
        if small:
            from liushou.load.smalllog import Unusual, read_small_log

            try:
                loaded = read_small_log(data, name, rel, keep)
            except Unusual:
                loaded = None
        if loaded is None:
            from liushou.load.logs import read_log

            loaded = read_log(data, name, rel, keep)
        del data
        logs.files[name] = rel
        logs.findings.extend(loaded.findings)
        if loaded.header:
            logs.headers[name] = loaded.header
        if loaded.frame is not None:
            logs.frames[name] = loaded.frame
    return logs


def _logs_size(sources: SourceFiles) -> int:
    total = 0
    for rel in sources.log_files.values():
        try:
            total += os.path.getsize(sources.root / rel)
        except OSError:
            pass
    return total


def assemble(
    sources: SourceFiles, settings: Settings, children: ChildFiles, logs: LogFiles
) -> tuple[Repository, list[Finding]]:
    """Build the Repository from parsed children and logs, with the files' own findings.

    Raises:
        SettingsError: a standard's where names a column its log does not have.
    """
    repo = Repository(sources.root, settings)
    findings = [finding("LS013", path, 1) for path in sources.unreadable]
    known = "、".join(f"{n}.csv" for n in LOG_NAMES)
    findings += [
        finding("LS012", path, 1, name=Path(path).name, known=known)
        for path in sources.unknown_logs
    ]
    first_path: dict[str, str] = {}
    for path in sorted(children.parsed):
        child, child_findings = children.parsed[path]
        findings.extend(child_findings)
        if child is None:
            # The record exists but could not be read: its id must not make every log row
            # that names it an error too.
            repo.unreadable_ids.add(Path(path).stem)
            continue
        if child.id in first_path:
            position = child.positions.get("id", (1, None))
            repo.duplicates.append((child.id, first_path[child.id], path, position))
            continue
        first_path[child.id] = path
        repo.children[child.id] = child
    repo.logs, repo.log_headers, repo.log_files = logs.frames, logs.headers, logs.files
    findings += logs.findings
    check_where_columns(settings, repo.log_headers)
    return repo, findings


def _child_paths(root: Path) -> list[str]:
    paths: list[str] = []
    stack = [str(root / "children")]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:  # missing, unreadable, or not a folder
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.name.lower().endswith((".yaml", ".yml")) and entry.is_file():
                paths.append(entry.path)
    return sorted(paths)


def _closed_paths(root: Path) -> list[str]:
    """The closing records closed/<T>.yaml (SPEC §10 close), whose seals the check reads."""
    try:
        return sorted(
            entry.path
            for entry in os.scandir(root / "closed")
            if entry.name.endswith(".yaml") and not entry.name.startswith(".")
        )
    except OSError:
        return []


def _log_paths(root: Path) -> list[str]:
    try:
        entries = list(os.scandir(root / "logs"))
    except OSError:
        return []
    return sorted(e.path for e in entries if e.name.lower().endswith(".csv") and e.is_file())


def _display(rel: str) -> str:
    """A relative path as text with "/": names that are not UTF-8 (a zip made on Chinese
    Windows) are shown as GB18030 where that reads, never as undecodable surrogates."""
    raw = os.fsencode(rel.replace(os.sep, "/"))
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()
