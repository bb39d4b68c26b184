"""Load a whole school repository: settings, child records and logs, with a content-keyed cache.

The cache (see cache.py) holds what each child file parsed to, keyed on the file's bytes, so a
record that did not change is not parsed again; logs are read afresh (pandas reads a million
rows in about a second), and anything that depends on more than one file, or on today's date,
is recomputed on every run.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import cache as cache_mod
from .findings import Finding, finding
from .logs import read_log
from .model import LOG_NAMES, Child, Repository
from .schema import validate_child
from .settings import load_settings
from .yamlsource import parse_yaml

Progress = Callable[[str, int, int], None]

# Below this many files to parse, starting worker processes costs more than it saves.
_PARALLEL_FROM = 2000
_CHUNK = 500


@dataclass
class SourceFiles:
    """Every input file of a repository, read once: relative path -> bytes.

    `stats` holds (size, mtime_ns) of each file read, for the cache's quick "nothing changed"
    test; `unreadable` the files that exist but could not be read.
    """

    root: Path
    settings: bytes
    children: dict[str, bytes] = field(default_factory=dict)
    logs: dict[str, bytes] = field(default_factory=dict)  # log name -> bytes
    unknown_logs: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    def digest(self, *extra: str) -> str:
        """One key for the content of every file (and `extra`, such as today's date)."""
        parts = [cache_mod.digest(self.settings)]
        parts += [f"{p}\0{cache_mod.digest(d)}" for p, d in sorted(self.children.items())]
        parts += [f"{n}\0{cache_mod.digest(d)}" for n, d in sorted(self.logs.items())]
        parts += [f"{p}\0unreadable" for p in self.unreadable]
        parts += list(extra)
        return cache_mod.digest("\n".join(parts).encode())


def scan(root: Path) -> list[tuple[str, int, int]]:
    """(relative path, size, mtime_ns) of liushou.yaml, every child file and every log file.

    Cheap (no file is opened), so a repeated check can tell that nothing changed in well under
    a second even for a county's 50,000 records.
    """
    found = []
    skip = len(str(root)) + 1
    for path in _child_paths(root) + _log_paths(root) + [str(root / "liushou.yaml")]:
        try:
            info = os.stat(path)
        except OSError:
            continue
        found.append((path[skip:], info.st_size, info.st_mtime_ns))
    return found


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
            elif entry.name.endswith((".yaml", ".yml")) and entry.is_file():
                paths.append(entry.path)
    return sorted(paths)


def _log_paths(root: Path) -> list[str]:
    try:
        entries = list(os.scandir(root / "logs"))
    except OSError:
        return []
    return sorted(e.path for e in entries if e.name.lower().endswith(".csv") and e.is_file())


def _read(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_sources(root: Path) -> SourceFiles:
    """Read every file the repository's data consists of (SPEC §1)."""
    sources = SourceFiles(root, (root / "liushou.yaml").read_bytes())
    for path in _child_paths(root):
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        try:
            sources.children[rel] = _read(path)
        except OSError:
            sources.unreadable.append(rel)
    for path in _log_paths(root):
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        stem, suffix = os.path.splitext(os.path.basename(path))
        if stem not in LOG_NAMES or suffix != ".csv":
            sources.unknown_logs.append(rel)
            continue
        try:
            sources.logs[stem] = _read(path)
        except OSError:
            sources.unreadable.append(rel)
    return sources


def parse_child_file(item: tuple[str, bytes]) -> tuple[Child | None, list[Finding]]:
    """Parse and validate one child file; a unit of work for the worker processes."""
    path, data = item
    parsed = parse_yaml(data, path)
    child, findings = validate_child(parsed, path, Path(path).stem)
    return child, parsed.findings + findings


def _parse_chunk(items: list[tuple[str, bytes]]) -> list[tuple[Child | None, list[Finding]]]:
    return [parse_child_file(item) for item in items]


def load_repository(
    sources: SourceFiles, *, use_cache: bool = True, progress: Progress | None = None
) -> tuple[Repository, list[Finding]]:
    """Build the Repository from its files, with the findings of each file on its own.

    Args:
        sources: the files, from read_sources().
        use_cache: reuse what unchanged files parsed to last time.
        progress: called as progress(stage, done, total) during long work.

    Returns:
        (repository, findings). Raises SettingsError when liushou.yaml is wrong.
    """
    settings = load_settings(sources.root, sources.settings)
    store = cache_mod.Cache.for_repository(sources.root) if use_cache else None
    repo = Repository(sources.root, settings)
    findings = [finding("LS013", path, None) for path in sources.unreadable]
    for path in sources.unknown_logs:
        findings.append(
            finding(
                "LS012",
                path,
                None,
                name=Path(path).name,
                known="、".join(f"{n}.csv" for n in LOG_NAMES),
            )
        )
    parsed = _load_children(sources, store, progress)
    first_path: dict[str, str] = {}
    for path in sorted(parsed):
        child, child_findings = parsed[path]
        findings.extend(child_findings)
        if child is None:
            continue
        if child.id in first_path:
            position = child.positions.get("id", (1, None))
            repo.duplicates.append((child.id, first_path[child.id], path, position))
            continue
        first_path[child.id] = path
        repo.children[child.id] = child
    for name, data in sources.logs.items():
        keep = tuple({c for s in settings.standards if s.log == name for c in s.where})
        loaded = read_log(data, name, f"logs/{name}.csv", keep)
        findings.extend(loaded.findings)
        if loaded.header:
            repo.log_headers[name] = loaded.header
        if loaded.frame is not None:
            repo.logs[name] = loaded.frame
    if store is not None:
        store.prune_children(set(sources.children))
        store.save()
    return repo, findings


def _load_children(
    sources: SourceFiles, store: cache_mod.Cache | None, progress: Progress | None
) -> dict[str, tuple[Child | None, list[Finding]]]:
    result: dict[str, tuple[Child | None, list[Finding]]] = {}
    todo: list[tuple[str, bytes]] = []
    for path, data in sources.children.items():
        hit = store.get_child(path, data) if store else None
        if hit is not None:
            result[path] = hit
        else:
            todo.append((path, data))
    total = len(sources.children)
    done = len(result)
    if progress:
        progress("children", done, total)
    chunks = [todo[i : i + _CHUNK] for i in range(0, len(todo), _CHUNK)]
    workers = min(os.cpu_count() or 1, 4)
    if len(todo) >= _PARALLEL_FROM and workers > 1:
        context = multiprocessing.get_context("fork" if os.name == "posix" else None)
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            outcomes = pool.map(_parse_chunk, chunks)
            done = _collect(chunks, outcomes, result, store, done, total, progress)
    else:
        done = _collect(chunks, map(_parse_chunk, chunks), result, store, done, total, progress)
    return result


def _collect(chunks, outcomes, result, store, done, total, progress) -> int:
    for chunk, outcome in zip(chunks, outcomes):
        for (path, data), parsed in zip(chunk, outcome):
            result[path] = parsed
            if store:
                store.put_child(path, data, parsed)
        done += len(chunk)
        if progress:
            progress("children", done, total)
    return done
