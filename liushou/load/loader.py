"""Load a whole school repository: settings, child records and logs, with a content-keyed cache.

The cache (see cache.py) holds what each child file parsed to, keyed on the file's bytes, so a
record that did not change is not parsed again. At county scale the child files are read,
hashed and parsed by worker processes, so the main process never holds their bytes. Logs are
read afresh every time (pandas reads a million rows in about a second); anything that depends
on more than one file, or on today's date, is recomputed on every run.
"""

from __future__ import annotations

import errno
import functools
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from liushou import fsguard
from liushou.findings import Finding, finding
from liushou.load import cache as cache_mod
from liushou.load.listing import (
    SETTINGS_FILE,
    Stamp,
    child_paths,
    closed_paths,
    file_stamp,
    log_paths,
)
from liushou.load.model import Child, LazyChildren, Repository, Settings
from liushou.load.schema import validate_child
from liushou.load.yamlsource import capped, parse_yaml
from liushou.logspec import LOG_NAMES
from liushou.progress import Progress

Parsed = tuple[Child | None, list[Finding]]

# Below this many child files, starting worker processes costs more than it saves.
_PARALLEL_FROM = 2000
_CHUNK = 500
# Limits on one file: a child record is a few kilobytes, a county's talks a few hundred MB.
CHILD_FILE_LIMIT = 1 << 20
LOG_FILE_LIMIT = 1 << 30
# What a refused path becomes: a link out of the repository, a loop, an unreadable folder.
_REFUSED_CODES = {fsguard.OUTSIDE: "LS014", fsguard.LOOP: "LS015", fsguard.UNREADABLE: "LS016"}


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
    # (display path, fsguard reason) of every link refused and folder that could not be read
    refused: list[tuple[str, str]] = field(default_factory=list)
    too_large: list[tuple[str, int]] = field(default_factory=list)  # (display path, size)
    # The child files' stamps and the digests the cache's index gives for them, taken once
    # (index_children) however many times the files are then looked at in one run
    indexed: tuple[dict[str, Stamp | None], dict[str, str | None]] | None = None


@dataclass
class ChildFiles:
    """What every child file parsed to, and each file's digest (None: could not be read)."""

    parsed: dict[str, Parsed] = field(default_factory=dict)
    digests: dict[str, str | None] = field(default_factory=dict)


def read_sources(root: Path, store: cache_mod.Cache | None = None) -> SourceFiles:
    """Read the settings and the logs, and find every child file (data-format §1).

    With `store`, a log or closing record whose size, times and inode are those noted
    when it was last read is not read again for its digest (Cache.indexed_digest).

    Raises:
        SettingsError: liushou.yaml cannot be read.
    """
    try:
        settings = fsguard.safe_read_bytes(root, root / SETTINGS_FILE, LOG_FILE_LIMIT)
    except fsguard.Refused as error:
        from liushou.load.settings import SettingsError

        reason = fsguard.LOOP if error.errno == errno.ELOOP else fsguard.OUTSIDE
        code = _REFUSED_CODES[reason]
        raise SettingsError([finding(code, SETTINGS_FILE, 1, name=SETTINGS_FILE)]) from None
    except OSError:
        from liushou.load.settings import SettingsError

        raise SettingsError([finding("LS013", SETTINGS_FILE, 1)]) from None
    sources = SourceFiles(root, settings)
    skip = len(str(root)) + 1
    children, logs, closed = child_paths(root), log_paths(root), closed_paths(root)
    for path, reason in children.problems + logs.problems + closed.problems:
        sources.refused.append((_display(path[skip:]), reason))
    for path in children.files:
        sources.children[_display(path[skip:])] = path
    for path in logs.files:
        rel = _display(path[skip:])
        stem, suffix = os.path.splitext(os.path.basename(path))
        if stem not in LOG_NAMES or suffix.lower() != ".csv" or stem in sources.log_files:
            sources.unknown_logs.append(rel)
            continue
        try:
            sources.logs[stem] = _file_digest(store, rel, path, _read_log)
            sources.log_files[stem] = rel
        except fsguard.TooLarge as error:
            sources.too_large.append((rel, error.size))
        except OSError:
            sources.unreadable.append(rel)
    for path in closed.files:
        rel = _display(path[skip:])
        try:
            sources.closed[rel] = _file_digest(store, rel, path, _read)
        except OSError:
            sources.unreadable.append(_display(path[skip:]))
    return sources


def _file_digest(
    store: cache_mod.Cache | None, rel: str, path: str, read: Callable[[str], bytes]
) -> str:
    """The digest of a file's bytes: from the cache's index when its size and time are those
    noted, else read (`read` may raise TooLarge or OSError) and noted."""
    stamp = file_stamp(path) if store else None
    known = store.indexed_digest(rel, stamp) if store else None
    if known is not None:
        return known
    digest = cache_mod.digest(read(path))
    if store:
        store.note_digest(rel, stamp, digest)
    return digest


def content_key(sources: SourceFiles, children: ChildFiles, *extra: str) -> str:
    """One key for the content of every file (and `extra`, such as today's date)."""
    parts = [cache_mod.digest(sources.settings)]
    parts += [f"{p}\0{d}" for p, d in sorted(children.digests.items())]
    parts += [f"{n}\0{d}" for n, d in sorted(sources.logs.items())]
    parts += [f"{p}\0{d}" for p, d in sorted(sources.closed.items())]
    parts += [f"{p}\0unknown" for p in sources.unknown_logs]
    parts += [f"{p}\0unreadable" for p in sources.unreadable]
    parts += [f"{p}\0{reason}" for p, reason in sources.refused]
    parts += [f"{p}\0large{size}" for p, size in sources.too_large]
    parts += list(extra)
    return cache_mod.digest("\n".join(parts).encode("utf-8", "surrogateescape"))


def load_children(
    sources: SourceFiles,
    store: cache_mod.Cache | None,
    progress: Progress | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> ChildFiles:
    """Read, hash and (unless the cache knows the bytes) parse every child file; a file the
    cache's index knows by its size and time is neither read nor hashed.

    Args:
        sources: from read_sources().
        store: the repository's cache, or None.
        progress: called as progress("children", done, total).
        meanwhile: work for the main process while the workers parse (reading the logs);
            called exactly once.

    Returns:
        The ChildFiles; the cache is updated but not saved (see Cache.save).
    """

    result = ChildFiles()
    # Files whose size and times are those noted when they were last read, and whose entry
    # the cache holds, are neither read nor hashed again (Cache.indexed_digest).
    stamps, known = index_children(sources, store) if store is not None else ({}, {})

    def unknown() -> list[tuple[str, str, str | None]]:
        """The files to read: those the index or the cache's entries do not answer."""
        items = []
        for rel, path in sources.children.items():
            digest = known.get(rel)
            parsed = store.get_child(rel, digest) if store is not None and digest else None
            if parsed is None:
                items.append((rel, path, store.child_digest(rel) if store is not None else None))
            else:
                result.digests[rel], result.parsed[rel] = digest, parsed
        return items

    total, done = len(sources.children), 0
    workers = min(os.cpu_count() or 1, 4)
    if (
        sum(digest is None for digest in known.values()) + (total - len(known)) >= _PARALLEL_FROM
        and workers > 1
    ):
        import concurrent.futures  # not at import: a school's few records need no workers
        import multiprocessing

        context = multiprocessing.get_context("fork" if os.name == "posix" else None)
        # Ctrl-C reaches every process of the terminal: the workers leave it to the main
        # process, which stops them (no traceback from each worker, no waiting for them).
        with concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=context, initializer=_ignore_interrupt
        ) as pool:
            try:
                # Start the workers before the cache's entries are loaded: a forked worker
                # maps its parent's heap, which would then count once per worker in the tree.
                pool.submit(int).result()
                items = unknown()
                done = len(result.parsed)
                if progress:
                    progress("children", done, total)
                chunks = [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
                outcomes = pool.map(functools.partial(_work, encode=store is not None), chunks)
                if meanwhile:
                    meanwhile()
                for outcome in outcomes:
                    done += _collect(outcome, result, store, stamps)
                    if progress:
                        progress("children", done, total)
            except BaseException:  # Ctrl-C (entry.Interrupted) or a failure: stop the workers
                for process in list(getattr(pool, "_processes", {}).values()):
                    process.terminate()
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    else:
        items = unknown()
        done = len(result.parsed)
        if progress:
            progress("children", done, total)
        if meanwhile:
            meanwhile()
        for i in range(0, len(items), _CHUNK):
            done += _collect(_work(items[i : i + _CHUNK], store is not None), result, store, stamps)
            if progress:
                progress("children", done, total)
    if store is not None:
        store.prune_children(set(sources.children))
        # in the order of the files, whichever were read
        result.digests = {rel: result.digests[rel] for rel in sources.children}
        result.parsed = {rel: result.parsed[rel] for rel in sources.children}
    return result


def _ignore_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _work(
    items: list[tuple[str, str, str | None]], encode: bool = True
) -> tuple[dict[str, str | None], bytes, dict]:
    """A worker's share: each file's digest (None if unreadable), and the entries
    {path: (digest, parsed)} of the files it parsed as the JSON line the cache stores (plus,
    as they are, the rare entries that are not plain data)."""
    digests: dict[str, str | None] = {}
    parsed: dict[str, tuple[str, Parsed]] = {}
    for rel, path, known in items:
        try:
            data = _read(path)
        except fsguard.TooLarge as error:
            # Not read, so keyed on its size: the finding is cached like a parse.
            digest = digests[rel] = f"large-{error.size}"
            if digest != known:
                parsed[rel] = (digest, (None, [_too_large(rel, error.size, CHILD_FILE_LIMIT)]))
            continue
        except OSError:
            digests[rel] = None
            continue
        digest = digests[rel] = cache_mod.digest(data)
        if digest != known:
            parsed[rel] = (digest, parse_child_file(rel, data))
    # Encoded here, in parallel: the main process decodes the line (faster than unpickling
    # the objects) and the cache stores it as it is.
    if not encode or not parsed:  # no cache to store them in
        return digests, b"{}", parsed
    blob, left_out = cache_mod.encode_part(parsed)
    return digests, blob, {path: parsed[path] for path in left_out}


def _collect(outcome, result: ChildFiles, store: cache_mod.Cache | None, stamps: dict) -> int:
    digests, blob, left_out = outcome
    fresh = cache_mod.decode_part(blob)
    if store is not None:
        store.add_children_part(fresh, blob)
    fresh.update(left_out)
    for rel, digest in digests.items():
        result.digests[rel] = digest
        if store is not None:
            store.note_digest(rel, stamps.get(rel), digest)
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
    parsed = capped(parse_yaml(data, path), path)
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


def read_logs(
    sources: SourceFiles,
    settings: Settings,
    tables: bool = False,
    store: cache_mod.Cache | None = None,
) -> LogFiles:
    """Parse every log file (data-format §4), keeping the free-text columns a standard's where needs.

    With `tables`, small logs (SMALL_LOGS_BYTES in all) are read without pandas, into
    smalllog.Table instead of DataFrames, with the same findings; a file holding a value
    only pandas reads (an Excel-style date) is still read by pandas.
    With `store`, logs of more than SMALL_LOGS_BYTES in all are parsed once per content: the
    parse is kept in the cache (logcache.py) and reused while the file's bytes are the same.
    """
    logs = LogFiles()
    size = _logs_size(sources)
    small = tables and size <= SMALL_LOGS_BYTES
    logcache = None
    if store is not None and size > SMALL_LOGS_BYTES:
        from liushou.load import logcache
    for name, rel in sources.log_files.items():
        keep = tuple(sorted({c for s in settings.standards if s.log == name for c in s.where}))
        if logcache is not None:
            loaded = logcache.get_log(store, name, sources.logs[name], rel, keep)
            if loaded is not None:
                _add_log(logs, name, rel, loaded)
                continue
        try:
            data = _read_log(str(sources.root / rel))
        except fsguard.TooLarge as error:
            logs.findings.append(_too_large(rel, error.size, LOG_FILE_LIMIT))
            continue
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
            if logcache is not None and cache_mod.digest(data) == sources.logs[name]:
                logcache.put_log(store, name, sources.logs[name], rel, keep, loaded)
        del data
        _add_log(logs, name, rel, loaded)
    return logs


def _add_log(logs: LogFiles, name: str, rel: str, loaded) -> None:
    logs.files[name] = rel
    logs.findings.extend(loaded.findings)
    if loaded.header:
        logs.headers[name] = loaded.header
    if loaded.frame is not None:
        logs.frames[name] = loaded.frame


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
    """Build the Repository from parsed children and logs, with the files' own findings."""
    repo = Repository(sources.root, settings)
    findings = [finding("LS013", path, 1) for path in sources.unreadable]
    findings += [
        finding(_REFUSED_CODES[reason], path, 1, name=path) for path, reason in sources.refused
    ]
    findings += [_too_large(path, size, LOG_FILE_LIMIT) for path, size in sources.too_large]
    known = "、".join(f"{n}.csv" for n in LOG_NAMES)
    findings += [
        finding("LS012", path, 1, name=Path(path).name, known=known)
        for path in sources.unknown_logs
    ]
    findings += add_children(repo, children)
    repo.logs, repo.log_headers, repo.log_files = logs.frames, logs.headers, logs.files
    findings += logs.findings
    return repo, findings


def add_children(repo: Repository, children: ChildFiles) -> list[Finding]:
    """Put the parsed children into `repo` (the first file of an id wins; the repeats and the
    unreadable records are noted); returns the child files' own findings."""
    findings: list[Finding] = []
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
    return findings


def index_children(
    sources: SourceFiles, store: cache_mod.Cache
) -> tuple[dict[str, Stamp | None], dict[str, str | None]]:
    """Each child file's stamp, taken before it is read, and its digest as the cache's index
    knows it by that stamp (None: not known so); taken once per run (sources.indexed)."""
    if sources.indexed is None:
        stamps: dict[str, Stamp | None] = {}
        known: dict[str, str | None] = {}
        for rel, path in sources.children.items():
            stamp = stamps[rel] = file_stamp(path)
            known[rel] = store.indexed_digest(rel, stamp)
        sources.indexed = stamps, known
    return sources.indexed


def known_digests(sources: SourceFiles, store: cache_mod.Cache) -> ChildFiles | None:
    """Every child file's digest as the cache's index knows it by the file's stamp, no file
    read; None when a file is not known so (changed since it was last read, or never read)."""
    _, known = index_children(sources, store)
    if None in known.values():
        return None
    return ChildFiles(digests=dict(known))


def lazy_children(
    repo: Repository,
    sources: SourceFiles,
    store: cache_mod.Cache,
    ids: list[str],
    progress: Progress | None = None,
) -> LazyChildren:
    """`repo`'s children as `ids` (from the facts cache), the records loaded when first needed
    (see model.LazyChildren), reporting to `progress`; loading them also notes the repeats and
    unreadable records."""

    def fill() -> dict[str, Child]:
        loaded = Repository(repo.root, repo.settings)
        add_children(loaded, load_children(sources, store, progress))
        store.save()
        repo.duplicates, repo.unreadable_ids = loaded.duplicates, loaded.unreadable_ids
        return loaded.children

    return LazyChildren(ids, fill)


def _too_large(rel: str, size: int, limit: int) -> Finding:
    return finding("LS017", rel, 1, size=_megabytes(size), limit=_megabytes(limit))


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):.1f} MB" if size >= 1 << 20 else f"{size} 字节"


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
    # The scan already applied the read policy to every folder and link on the way.
    return fsguard.read_limited(path, CHILD_FILE_LIMIT)


def _read_log(path: str) -> bytes:
    return fsguard.read_limited(path, LOG_FILE_LIMIT)
