"""Load a whole school repository: settings, child records and logs, with a content-keyed cache.

The cache (see cache.py) holds what each file parsed to, keyed on the file's bytes, so a file
that did not change is not parsed again; anything that depends on more than one file, or on
today's date, is recomputed on every run.
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
from .logs import LoadedLog, read_log
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
    """Every input file of a repository, read once: relative path -> bytes."""

    root: Path
    settings: bytes
    children: dict[str, bytes] = field(default_factory=dict)
    logs: dict[str, bytes] = field(default_factory=dict)  # log name -> bytes
    unknown_logs: list[str] = field(default_factory=list)

    def digest(self, *extra: str) -> str:
        """One key for the content of every file (and `extra`, such as today's date)."""
        parts = [cache_mod.digest(self.settings)]
        parts += [f"{p}\0{cache_mod.digest(d)}" for p, d in sorted(self.children.items())]
        parts += [f"{n}\0{cache_mod.digest(d)}" for n, d in sorted(self.logs.items())]
        parts += list(extra)
        return cache_mod.digest("\n".join(parts).encode())


def read_sources(root: Path) -> SourceFiles:
    """Read every file the repository's data consists of (SPEC §1)."""
    sources = SourceFiles(root, (root / "liushou.yaml").read_bytes())
    children_dir = root / "children"
    if children_dir.is_dir():
        for folder, dirs, files in os.walk(children_dir):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.endswith((".yaml", ".yml")) and not name.startswith("."):
                    path = Path(folder, name)
                    sources.children[path.relative_to(root).as_posix()] = path.read_bytes()
    logs_dir = root / "logs"
    if logs_dir.is_dir():
        for path in sorted(logs_dir.iterdir()):
            if path.suffix.lower() != ".csv" or not path.is_file():
                continue
            if path.stem in LOG_NAMES and path.suffix == ".csv":
                sources.logs[path.stem] = path.read_bytes()
            else:
                sources.unknown_logs.append(path.relative_to(root).as_posix())
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
    settings = load_settings(sources.root)
    store = cache_mod.Cache.for_repository(sources.root) if use_cache else None
    repo = Repository(sources.root, settings)
    findings: list[Finding] = []
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
        loaded = _load_log(name, data, store)
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


def _load_log(name: str, data: bytes, store: cache_mod.Cache | None) -> LoadedLog:
    hit = store.get_log(name, data) if store else None
    if hit is not None:
        return hit
    loaded = read_log(data, name, f"logs/{name}.csv")
    if store:
        store.put_log(name, data, loaded)
    return loaded
