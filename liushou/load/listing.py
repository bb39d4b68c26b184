"""Which files make a repository, found without opening any: the light first step of every run.

Finding the repository's root and listing its files with their sizes and modification times is
all an unchanged repository's check needs (see cache.quick_key), so this module imports nothing
heavier than the standard library: `liushou check` answers from the cache without loading the
YAML parser, the schema or pandas (see liushou.quickcheck).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from pathlib import Path

from liushou import fsguard
from liushou.load.cache import Cache, Listing, StoredResult, digest

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
    second even for a county's 50,000 records. The child files are taken folder by folder
    under children/, each folder as the digest of its lines; a county's school folders are
    listed by two processes (see _folder_parts).
    """
    started = time.time_ns()
    skip = len(str(root)) + 1
    folders = _top_folders(root)
    if folders is None:  # a link or a file at the top of children/: one walk of it all
        part, newest, _ = _lines_part(child_paths(root), skip)
        parts = [part]
    else:
        parts, newest = _folder_parts(root, folders, skip)
    logs, closed = log_paths(root), closed_paths(root)
    more = _stat_lines([*logs.files, *closed.files, str(root / SETTINGS_FILE)], skip)
    # A refused link or folder is part of the answer: a change to one must change the key.
    lines = [line for line, _ in more] + _problem_lines(logs.problems + closed.problems, skip)
    newest = max([newest, *(mtime for _, mtime in more)])
    return Listing(tuple(parts + lines), newest, started)


# What says a file is unchanged (the quick key's lines, the cache's index): size, modification
# and change times, inode. The change time and inode catch a replacement that kept the size and
# modification time, such as `cp -p`, a rename over the file or a permission change.
Stamp = tuple[int, int, int, int]


def file_stamp(path: str) -> Stamp | None:
    """The file's Stamp, taken before it is read; None if it cannot be had."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino


def _stat_lines(paths: list[str], skip: int) -> list[tuple[str, int]]:
    """("path\0size\0mtime_ns\0ctime_ns\0inode", mtime_ns) of each file: its Stamp, its path
    relative to the root."""
    lines = []
    for path in paths:
        found = file_stamp(path)
        if found is not None:
            size, mtime, ctime, inode = found
            lines.append((f"{path[skip:]}\0{size}\0{mtime}\0{ctime}\0{inode}", mtime))
    return lines


def _problem_lines(problems: list[tuple[str, str]], skip: int) -> list[str]:
    return [f"{path[skip:]}\0-1\0{reason}" for path, reason in problems]


def _top_folders(root: Path) -> list[str] | None:
    """The folders directly under children/ in name order, when that is all it holds (as a
    county's school folders or a school's grade folders); else None."""
    top = os.path.join(str(root), "children")
    if os.path.islink(top):
        return None
    try:
        with os.scandir(top) as listing:
            entries = sorted((e for e in listing if not e.name.startswith(".")), key=_name)
        if not all(entry.is_dir(follow_symlinks=False) for entry in entries):
            return None
    except FileNotFoundError:
        return []
    except OSError:
        return None
    return [entry.path for entry in entries]


def _name(entry: os.DirEntry) -> str:
    return entry.name


def _folder(root: Path, folder: str, skip: int) -> tuple[str, int, int]:
    """A folder's part of the key (the digest of its lines), its newest mtime, its files."""
    return _lines_part(fsguard.scan(root, folder, _CHILD_SUFFIXES), skip)


def _lines_part(found: fsguard.Scan, skip: int) -> tuple[str, int, int]:
    lines = _stat_lines(found.files, skip)
    newest = max([0, *(mtime for _, mtime in lines)])
    text = "\n".join([line for line, _ in lines] + _problem_lines(found.problems, skip))
    return digest(text.encode("utf-8", "surrogateescape")), newest, len(lines)


def _folder_parts(root: Path, folders: list[str], skip: int) -> tuple[list[str], int]:
    """Each folder's part of the key, in name order, and the newest mtime.

    When the first folder holds _HALVES_FROM records or more (a county's school), a forked
    process lists the second half of the other folders and sends back only their parts; the
    parts do not depend on which process made them, and a half that fails is listed here.
    """
    if not folders:
        return [], 0
    first = _folder(root, folders[0], skip)
    rest = folders[1:]
    split = len(rest) // 2 if hasattr(os, "fork") and first[2] >= _HALVES_FROM else len(rest)
    theirs = _forked(root, rest[split:], skip) if split < len(rest) else None
    try:
        ours = [first] + [_folder(root, folder, skip) for folder in rest[:split]]
    finally:
        others = theirs() if theirs else None
    if others is None:  # no other process, or it failed: the rest is listed here
        others = [_folder(root, folder, skip) for folder in rest[split:]]
    results = ours + others
    return [part for part, _, _ in results], max(newest for _, newest, _ in results)


def _forked(root: Path, folders: list[str], skip: int):
    """Start a process listing `folders`; returns the function that waits for its results
    [(part, newest, count)] or None if they did not all come, or None at once when no process
    could be started. The waiting function reads what the process sends before it reaps it."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    code = 1
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the forked process: list, send, leave at once whatever happens
        try:
            os.close(read_end)
            rows = [_folder(root, folder, skip) for folder in folders]
            text = "".join(f"{part} {newest} {count}\n" for part, newest, count in rows)
            os.write(write_end, f"{text}end\n".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)

    def results() -> list[tuple[str, int, int]] | None:
        try:
            with os.fdopen(read_end, "rb") as pipe:
                lines = pipe.read().decode("utf-8", "replace").split("\n")
        finally:
            # Reaped whatever happened; with SIGCHLD ignored it was reaped already.
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        if lines[-2:] != ["end", ""] or len(lines) != len(folders) + 2:
            return None  # the process failed: its folders are listed by the caller
        rows = [line.split(" ") for line in lines[:-2]]
        return [(part, int(newest), int(count)) for part, newest, count in rows]

    return results


# The repository's cache, its listing, and the stored result for unchanged files if any
Unchanged = tuple[Cache, Listing, StoredResult | None]


def lookup_unchanged(root: Path, today: dt.date) -> Unchanged:
    """The repository's cache, its listing, and the stored result of a check on `today` of
    files with the same stamps, if there is one."""
    store = Cache.for_repository(root)
    listing = scan(root)
    return store, listing, store.lookup_result(listing, today)
