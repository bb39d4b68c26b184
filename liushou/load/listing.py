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


def locate_root(start: Path) -> Path | None:
    """The folder holding liushou.yaml: `start` or its nearest parent that has one, or None."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None


def child_paths(root: Path) -> fsguard.Scan:
    return fsguard.scan(root, str(root / "children"), (".yaml", ".yml"))


def log_paths(root: Path) -> fsguard.Scan:
    return fsguard.scan(root, str(root / "logs"), (".csv",), recursive=False, skip_hidden=False)


def closed_paths(root: Path) -> fsguard.Scan:
    """The closing records closed/<T>.yaml (data-format §10 close), whose seals the check reads."""
    return fsguard.scan(root, str(root / "closed"), (".yaml",), recursive=False)


def scan(root: Path) -> Listing:
    """(relative path, size, mtime_ns) of liushou.yaml, every child file and every log file,
    and when the scan began (for the cache's racily-clean rule).

    Cheap (no file is opened), so a repeated check can tell that nothing changed in well under
    a second even for a county's 50,000 records.
    """
    started = time.time_ns()
    found: list[tuple[str, int, int | str]] = []
    skip = len(str(root)) + 1
    children, logs, closed = child_paths(root), log_paths(root), closed_paths(root)
    for path in children.files + logs.files + closed.files + [str(root / SETTINGS_FILE)]:
        try:
            info = os.stat(path)
        except OSError:
            continue
        found.append((path[skip:], info.st_size, info.st_mtime_ns))
    # A refused link or folder is part of the answer: a change to one must change the key.
    found += [(path[skip:], -1, reason) for path, reason in children.problems + logs.problems]
    return Listing(tuple(found), started)


# The repository's cache, its listing, and the stored result for unchanged files if any
Unchanged = tuple[Cache, Listing, StoredResult | None]


def lookup_unchanged(root: Path, today: dt.date) -> Unchanged:
    """The repository's cache, its listing, and the stored result of a check on `today` of
    files with the same sizes and modification times, if there is one."""
    store = Cache.for_repository(root)
    listing = scan(root)
    return store, listing, store.lookup_result(listing, today)
