"""Which files make a repository, found without opening any: the light first step of every run.

Finding the repository's root and listing its files with their sizes and modification times is
all an unchanged repository's check needs (see cache.quick_key), so this module imports nothing
heavier than the standard library: `liushou check` answers from the cache without loading the
YAML parser, the schema or pandas (see liushou.quickcheck).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from liushou import fsguard
from liushou.load.cache import Cache, Listing, StoredResult

SETTINGS_FILE = "liushou.yaml"
_CHILD_SUFFIXES = (".yaml", ".yml")
# A county keeps one folder per school of a few hundred to a few thousand records: when the
# first folder holds this many, the other folders are listed by two processes.
_HALVES_FROM = 500


def locate_root(start: Path) -> Path | None:
    """The folder holding liushou.yaml: `start` or its nearest parent that has one, or None."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None


def child_paths(root: Path) -> fsguard.Scan:
    return fsguard.scan(root, str(root / "children"), _CHILD_SUFFIXES)


def log_paths(root: Path) -> fsguard.Scan:
    return fsguard.scan(root, str(root / "logs"), (".csv",), recursive=False, skip_hidden=False)


def closed_paths(root: Path) -> fsguard.Scan:
    """The closing records closed/<T>.yaml (data-format §10 close), whose seals the check reads."""
    return fsguard.scan(root, str(root / "closed"), (".yaml",), recursive=False)


def scan(root: Path) -> Listing:
    """Every file a check reads (liushou.yaml, the child files, the logs, the closing records)
    with its size and modification time, and when the scan began (for the cache's
    racily-clean rule).

    No file is opened, so a repeated check can tell that nothing changed in a fraction of a
    second even for a county's 50,000 records; a county's school folders are listed by two
    processes (see _children_in_halves).
    """
    started = time.time_ns()
    skip = len(str(root)) + 1
    children = _children_in_halves(root, skip)
    if children is None:
        found = child_paths(root)
        children = (*_stat_lines(found.files, skip), _problem_lines(found.problems, skip))
    child_lines, child_newest, child_problems = children
    logs, closed = log_paths(root), closed_paths(root)
    more, newest = _stat_lines([*logs.files, *closed.files, str(root / SETTINGS_FILE)], skip)
    # A refused link or folder is part of the answer: a change to one must change the key.
    problems = child_problems + _problem_lines(logs.problems, skip)
    lines = tuple(child_lines + more + problems)
    return Listing(lines, max(child_newest, newest), started)


def _stat_lines(paths: list[str], skip: int) -> tuple[list[str], int]:
    """ "path\0size\0mtime_ns" of each file (relative to the root), and the newest mtime."""
    lines, newest = [], 0
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            continue
        mtime = info.st_mtime_ns
        if mtime > newest:
            newest = mtime
        lines.append(f"{path[skip:]}\0{info.st_size}\0{mtime}")
    return lines, newest


def _problem_lines(problems: list[tuple[str, str]], skip: int) -> list[str]:
    return [f"{path[skip:]}\0-1\0{reason}" for path, reason in problems]


def _children_in_halves(root: Path, skip: int) -> tuple[list[str], int, list[str]] | None:
    """The child files' lines, their newest mtime and the refused links' lines, with half of
    the folders under children/ listed by a forked process; None when the sequential walk
    (child_paths) is to be used: no fork here, a link or a file at the top of children/, few
    folders or few records.

    The lines come in a fixed order for a given tree (folder by folder, each sorted), so the
    quick key does not depend on how they were listed.
    """
    top = os.path.join(str(root), "children")
    if not hasattr(os, "fork") or os.path.islink(top):
        return None
    try:
        with os.scandir(top) as listing:
            entries = sorted((e for e in listing if not e.name.startswith(".")), key=_name)
        if len(entries) < 4 or not all(e.is_dir(follow_symlinks=False) for e in entries):
            return None
    except OSError:
        return None
    first = _folder_lines(root, entries[0].path, skip)
    if len(first[0]) < _HALVES_FROM:
        return None
    rest = [entry.path for entry in entries[1:]]
    mine, theirs = rest[: len(rest) // 2], rest[len(rest) // 2 :]
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the forked process: list its folders, send them, leave at once
        code = 1
        try:
            os.close(read_end)
            lines, newest, problems = _folders_lines(root, theirs, skip)
            payload = "\0\0".join([str(newest), str(len(lines)), *lines, *problems])
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload.encode("utf-8", "surrogateescape"))
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        ours = _folders_lines(root, mine, skip)
        with os.fdopen(read_end, "rb") as pipe:
            payload = pipe.read().decode("utf-8", "surrogateescape")
    finally:
        _, status = os.waitpid(pid, 0)
    if status != 0:  # the other half failed: list it here
        other = _folders_lines(root, theirs, skip)
    else:
        # lines hold single NULs between their fields, never two: "\0\0" parts them
        parts = payload.split("\0\0")
        count = int(parts[1])
        other = (parts[2 : 2 + count], int(parts[0]), parts[2 + count :])
    halves = (first, ours, other)
    lines = [line for half in halves for line in half[0]]
    problems = [line for half in halves for line in half[2]]
    return lines, max(half[1] for half in halves), problems


def _name(entry: os.DirEntry) -> str:
    return entry.name


def _folder_lines(root: Path, folder: str, skip: int) -> tuple[list[str], int, list[str]]:
    found = fsguard.scan(root, folder, _CHILD_SUFFIXES)
    return (*_stat_lines(found.files, skip), _problem_lines(found.problems, skip))


def _folders_lines(root: Path, folders: list[str], skip: int) -> tuple[list[str], int, list[str]]:
    lines, newest, problems = [], 0, []
    for folder in folders:
        more, latest, refused = _folder_lines(root, folder, skip)
        lines += more
        newest = max(newest, latest)
        problems += refused
    return lines, newest, problems


# The repository's cache, its listing, and the stored result for unchanged files if any
Unchanged = tuple[Cache, Listing, StoredResult | None]


def lookup_unchanged(root: Path, today: dt.date) -> Unchanged:
    """The repository's cache, its listing, and the stored result of a check on `today` of
    files with the same sizes and modification times, if there is one."""
    store = Cache.for_repository(root)
    listing = scan(root)
    return store, listing, store.lookup_result(listing, today)
