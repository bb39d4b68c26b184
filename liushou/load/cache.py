"""A cache of parsed files keyed on their bytes, kept outside the school's repository.

It lives in the user's cache folder (LIUSHOU_CACHE_DIR, else XDG_CACHE_HOME/liushou, else
~/.cache/liushou), one folder per repository, so `check` never writes into the repository.
A parsed file is used when the file's bytes hash to the stored digest, or when its size,
modification and change times and inode are those it had when its digest was noted
(index.json, git's index in short), so a report or a check after one record changed reads only
the files that changed. A whole check's result is stored under the digest of every file's bytes
and, to answer an unchanged repository without reading it, under the same stamps of every file
(listing.scan). A file modified less than three seconds before the scan began is not noted
(racily clean); an edit that keeps a file's size, both times and inode, which an ordinary edit
cannot, would be missed, and that is what `check --no-cache` is for. A cache that cannot be read
or written is silently ignored.

The cache is untrusted too (a CI cache restored from a pull request's run, a shared folder):
entries are JSON of plain data, so loading one can never run code (`load_entry` is the only
reader); folders are made 0700 and files 0600; a file not owned by the current user, or
writable by group or others, or reached through a link, is ignored. `clear()` removes it all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import gc
import hashlib
import json
import os
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from liushou import __version__
from liushou.findings import Finding

if TYPE_CHECKING:  # the model is imported where a child is decoded: an unchanged check needs none
    from liushou.load.model import Child


def _code_version() -> str:
    """liushou's version, a stamp of every source file of the package and of the libraries
    that read the files: entries made by other code are void (a stored check result is printed
    as it is, so a change to any check must void it too). Sizes and times, not contents: an
    unchanged check reads no more than it must."""
    package = Path(__file__).parents[1]
    stamps = []
    for folder, _, names in sorted(os.walk(package)):
        for name in sorted(names):
            if name.endswith(".py"):
                info = os.stat(os.path.join(folder, name))
                stamps.append(
                    f"{folder[len(str(package)) :]}/{name}:{info.st_size}:{info.st_mtime_ns}"
                )
    libraries = "-".join(_library_stamp(name) for name in ("yaml", "pandas"))
    return f"{__version__}-{digest(chr(10).join(stamps).encode())}-{libraries}"


def _library_stamp(name: str) -> str:
    """Where a library is installed, with its main file's size and time, found without
    importing it (an unchanged repository's check loads neither PyYAML nor pandas): installing
    another version replaces the file, and so voids the entries."""
    from importlib.util import find_spec

    try:
        spec = find_spec(name)
        info = os.stat(spec.origin) if spec and spec.origin else None
    except (ImportError, ValueError, OSError):
        info = None
    if info is None:
        return f"{name}:none"
    return f"{name}:{spec.origin}:{info.st_size}:{info.st_mtime_ns}"


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def cache_root() -> Path:
    base = os.environ.get("LIUSHOU_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "liushou"


CHILDREN_FILE = "children.json"
RESULT_FILE = "result.json"
WRITTEN_FILE = "written.json"  # what liushou last wrote where (see cli._write)
FACTS_FILE = "facts.json"  # the figures' per-child facts (see FactsStore)
INDEX_FILE = "index.json"  # each file's digest by its size, times and inode
_OUR_FILES = (
    *(CHILDREN_FILE, RESULT_FILE, WRITTEN_FILE, FACTS_FILE, INDEX_FILE),
    *("children.pkl", "result.pkl"),
)


def load_entry(path: Path) -> list[Any] | None:
    """The only way a cache file is read: its JSON lines, or None when it is missing, broken,
    reached through a link, not owned by the current user or writable by group or others.

    JSON holds plain data only (no code runs while loading, unlike pickle).
    """
    lines = _entry_lines(path)
    try:
        return None if lines is None else [_loads_line(line) for line in lines]
    except (ValueError, RecursionError):
        return None


def _entry_lines(path: Path) -> list[bytes] | None:
    """The lines of a cache file, not yet decoded, under load_entry's rules."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not _trusted(info):
                return None
            return [line for line in handle.read().splitlines() if line]
    except OSError:
        return None


def _trusted(info: os.stat_result) -> bool:
    if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
        return False
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    return not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def trusted(info: os.stat_result) -> bool:
    """Whether a cache file with this fstat may be read (see load_entry)."""
    return _trusted(info)


def private_folder(folder: Path) -> None:
    """Create the cache folder `folder` private to the current user (see _private_folder)."""
    _private_folder(folder)


def _private_folder(folder: Path) -> None:
    """Create `folder` (and any missing parent, such as the cache root) readable by the
    current user only; an existing cache root of this user is made private too."""
    missing = []
    for path in (folder, *folder.parents):
        if os.path.lexists(path):
            break
        missing.append(path)
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)
    for path in (folder, folder.parent) if folder.parent == cache_root() else (folder,):
        info = os.lstat(path)
        owned = not hasattr(os, "getuid") or info.st_uid == os.getuid()
        if stat.S_ISLNK(info.st_mode) or not owned:
            if path == folder:
                raise OSError(errno.EACCES, "cache folder not private")
            continue
        if info.st_mode & 0o077:
            os.chmod(path, 0o700)


def _dumps(value: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    return text.encode("utf-8", "surrogatepass")


def _loads_line(line: bytes) -> Any:
    return json.loads(line.decode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------------------- plain data


def _date_paths(value: Any, path: list, dates: list) -> None:
    """Note in `dates` the key path of every date and datetime inside `value` (dicts, lists).

    The values themselves are written by json.dumps (dates through _json_default): walking
    only to find the dates, without copying anything, keeps encoding near pickle's speed.
    """
    items = value.items() if type(value) is dict else enumerate(value)
    for key, item in items:
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None or kind is float:
            continue
        if kind is dict or kind is list or kind is tuple:
            _date_paths(item, [*path, key], dates)
        elif kind is dt.date:
            dates.append([[*path, key], "d"])
        elif kind is dt.datetime:
            dates.append([[*path, key], "t"])
        else:
            raise TypeError(f"not plain data: {kind.__name__}")


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"not plain data: {type(value).__name__}")


def _revive_dates(record: dict, dates: list) -> None:
    for path, kind in dates:
        holder: Any = record
        for part in path[:-1]:
            holder = holder[part]
        text = holder[path[-1]]
        holder[path[-1]] = (dt.datetime if kind == "t" else dt.date).fromisoformat(text)


def encode_finding(f: Finding) -> list:
    return [f.file, f.line, f.column, f.severity, f.code, f.message]


def decode_finding(row: list) -> Finding:
    file, line, column, severity, code, message = row
    if not (isinstance(file, str) and isinstance(code, str) and isinstance(message, str)):
        raise TypeError("not a finding")
    return Finding(file, line, column, severity, code, message)


def encode_parsed(parsed: tuple[Child | None, list[Finding]]) -> list:
    """A parsed child file (child or None, findings) as JSON data."""
    child, findings = parsed
    encoded_child = None
    if child is not None:
        dates: list = []
        record = child.record
        _date_paths(record, [], dates)
        positions = {key: list(where) for key, where in child.positions.items()}
        gaps = list(child.archive_gaps) if child.archive_gaps is not None else None
        encoded_child = [child.id, child.path, record, positions, gaps, dates]
    return [encoded_child, [encode_finding(f) for f in findings]]


def decode_parsed(data: list) -> tuple[Child | None, list[Finding]]:
    from liushou.load.model import Child

    encoded_child, findings = data
    child = None
    if encoded_child is not None:
        child_id, path, record, positions, gaps, dates = encoded_child
        if not (isinstance(child_id, str) and isinstance(record, dict)):
            raise TypeError("not a child")
        _revive_dates(record, dates)
        child = Child(
            child_id,
            path,
            record,
            {key: tuple(where) for key, where in positions.items()},
            tuple(gaps) if gaps is not None else None,
        )
    return child, [decode_finding(row) for row in findings]


def encode_part(parsed: dict[str, tuple[str, Any]]) -> tuple[bytes, set[str]]:
    """Entries {path: (digest, parsed)} as one JSON line, as the cache file stores them.

    Returns:
        The line, and the paths of entries left out because they are not plain data (their
        files are parsed again next time).
    """
    part, left_out = {}, set()
    for path, (digest, value) in parsed.items():
        try:
            part[path] = [digest, encode_parsed(value)]
        except (TypeError, ValueError):
            left_out.add(path)
    try:
        return _dumps(part), left_out
    except (TypeError, ValueError):  # one odd entry: keep the others
        kept = {}
        for path, entry in part.items():
            try:
                _dumps(entry)
                kept[path] = entry
            except (TypeError, ValueError):
                left_out.add(path)
        return _dumps(kept), left_out


def decode_part(blob: bytes) -> dict[str, tuple[str, Any]]:
    """The entries of one line made by encode_part.

    Raises:
        ValueError, TypeError, KeyError, IndexError: the line is not such a line.
    """
    with _collector_paused():
        return _decode_entries(_loads_line(blob))


def _decode_entries(part: dict) -> dict[str, tuple[str, Any]]:
    entries = {}
    for path, (digest, value) in part.items():
        if isinstance(digest, str):
            entries[path] = (digest, decode_parsed(value))
    return entries


@contextlib.contextmanager
def _collector_paused():
    # Hundreds of thousands of small objects, none of them garbage: the cyclic collector
    # would walk them again and again (more than half the time of loading).
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.freeze()  # they live as long as the run: never walked again
            gc.enable()


# children.json is rewritten in one line when more lines than this have piled up (each check
# after a few records changed adds one or two lines)
_MAX_LINES = 1000

# A file changed within this long before the scan began (or during the check) could change
# again unseen with the same size and time, git's "racily clean" case; file systems with coarse
# times (FAT: 2 s) widen the window. A result with such a file is kept by content only.
RACY_WINDOW_NS = 3_000_000_000


@dataclass(frozen=True)
class Listing:
    """Every file a check reads as the quick key's lines: the child files folder by folder, a
    digest of their lines each, then one line per other file, each line "path\0size\0mtime_ns
    \0ctime_ns\0inode" (a link or folder that was refused: "path\0-1\0reason"); the newest
    modification time of them all; and when the scan began (see listing.scan)."""

    lines: tuple[str, ...]
    newest_ns: int
    started_ns: int


@dataclass
class StoredResult:
    """A whole check's outcome as the cache keeps it: its sorted findings and what was read."""

    findings: list[Finding]
    children: int
    logs: int


def quick_key(listing: Listing, today: dt.date) -> str:
    """Sizes and modification times of every file name the same content as last time: the
    quick key lets an unchanged county check return without reading 50,000 files."""
    text = "\n".join([*listing.lines, today.isoformat()])
    return digest(text.encode("utf-8", "surrogateescape"))


def is_racy(listing: Listing) -> bool:
    """Whether a file was modified within RACY_WINDOW_NS before the scan began, or after."""
    return listing.newest_ns >= listing.started_ns - RACY_WINDOW_NS


class Cache:
    """Per-repository cache files: children.json (what each child file parsed to), index.json
    (each file's digest by its stamp), result.json (the last check's result), facts.json (the
    figures' per-child facts, FactsStore), written.json (what liushou last wrote where), and
    the parsed logs (log-*.npz, logcache.py)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.code_version = _code_version()
        self._children: dict[str, tuple[str, Any]] | None = None
        self._children_dirty = False
        self._fresh: list[tuple[bytes, set[str]]] = []  # encoded parts from the workers
        # the lines of children.json as read, with the digests of the entries each holds
        self._stored_parts: list[tuple[bytes, dict[str, str]]] = []
        self._index: dict[str, list] | None = None
        self._index_seen: set[str] = set()
        self._index_dirty = False
        self._started_ns = time.time_ns()

    @classmethod
    def for_repository(cls, root: Path) -> Cache:
        key = hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:16]
        return cls(cache_root() / key)

    def _read(self, name: str) -> list[Any] | None:
        """The JSON lines stored under `name` after its code-version line, or None if missing,
        broken, untrusted or from other code."""
        lines = load_entry(self.folder / name)
        if not lines or lines[0] != self.code_version:
            return None
        return lines[1:]

    def _write(self, name: str, lines: list[bytes]) -> None:
        """Store the code version and `lines` (each one JSON document) atomically, 0600."""
        import tempfile  # not at import: an unchanged check writes nothing

        tmp = None
        try:
            _private_folder(self.folder)
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")  # mode 0600
            with os.fdopen(fd, "wb") as handle:
                handle.write(_dumps(self.code_version) + b"\n")
                for line in lines:
                    handle.write(line + b"\n")
            os.replace(tmp, self.folder / name)
            tmp = None
        except OSError:
            pass  # a full disk or a folder in the way: the cache only saves time
        finally:
            if tmp is not None:  # leave nothing behind, also on Ctrl-C
                with contextlib.suppress(OSError):
                    os.remove(tmp)

    def _children_map(self) -> dict[str, tuple[str, Any]]:
        if self._children is None:
            self._children, self._stored_parts = {}, []
            lines = _entry_lines(self.folder / CHILDREN_FILE) or []
            try:
                if not lines or _loads_line(lines[0]) != self.code_version:
                    return self._children
                with _collector_paused():
                    for line in lines[1:]:
                        entries = _decode_entries(_loads_line(line))
                        self._children.update(entries)
                        digests = {path: entry[0] for path, entry in entries.items()}
                        self._stored_parts.append((line, digests))
            except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError):
                self._children, self._stored_parts = {}, []  # the wrong shape: no entry at all
        return self._children

    def child_digest(self, path: str) -> str | None:
        """The digest of the bytes `path` had when its entry was stored, if there is one."""
        entry = self._children_map().get(path)
        return entry[0] if entry is not None else None

    def get_child(self, path: str, digest: str) -> Any:
        entry = self._children_map().get(path)
        if entry is not None and entry[0] == digest:
            return entry[1]
        return None

    def add_children_part(
        self, part: dict[str, tuple[str, Any]], blob: bytes
    ) -> dict[str, tuple[str, Any]]:
        """Take entries a worker parsed, {path: (digest, value)}, with their encoding (see
        encode_part); the bytes are stored as they are when the cache is saved, so no entry
        is encoded twice.

        Returns:
            The entries.
        """
        if part:
            self._children_map().update(part)
            self._fresh.append((blob, set(part)))
            self._children_dirty = True
        return part

    # ------------------------------------------------------------ a whole check's result

    def lookup_result(self, listing: Listing, today: dt.date) -> StoredResult | None:
        """The stored result of a check of files with these sizes and modification times on
        `today`, answered without reading any file (see quick_key)."""
        return self.get_result(quick_key(listing, today))

    def lookup_content(self, content_key: str) -> StoredResult | None:
        """The stored result of a check of files with exactly these bytes (`content_key`,
        which includes today's date)."""
        return self.get_result(content_key)

    def store_result(
        self, result: StoredResult, content_key: str, listing: Listing, today: dt.date
    ) -> None:
        """Keep `result` under its content key and, unless a file is racily clean, under the
        quick key of `listing` too."""
        racy = is_racy(listing)
        self.put_result(
            (content_key,) if racy else (content_key, quick_key(listing, today)), result
        )

    def get_result(self, key: str) -> StoredResult | None:
        """The stored result of a whole check, if it was stored under `key`."""
        lines = self._read(RESULT_FILE)
        # A file of the right format but the wrong shape (hand-edited, or another tool's) is
        # simply no entry.
        try:
            keys, findings, children, logs = lines[0]
            if key not in keys or not isinstance(children, int) or not isinstance(logs, int):
                return None
            return StoredResult([decode_finding(row) for row in findings], children, logs)
        except (TypeError, ValueError, IndexError, AttributeError):
            return None

    def put_result(self, keys: tuple[str, ...], result: StoredResult) -> None:
        """Keep `result` under every key of `keys` (one entry: the last check's)."""
        try:
            findings = [encode_finding(f) for f in result.findings]
            line = _dumps([list(keys), findings, result.children, result.logs])
        except (TypeError, ValueError, AttributeError):  # not a result: stored as no entry
            line = _dumps([list(keys), None])
        self._write(RESULT_FILE, [line])

    def save(self) -> None:
        """Write the child entries and the index if they changed; entries of deleted files
        are dropped."""
        if self._index_dirty and self._index is not None:
            kept = {path: e for path, e in self._index.items() if path in self._index_seen}
            self._write(INDEX_FILE, [_dumps(kept)])
            self._index_dirty = False
        if not self._children_dirty or self._children is None:
            return
        children = self._children
        fresh = [(blob, paths) for blob, paths in self._fresh if paths <= children.keys()]
        in_fresh = set().union(*(paths for _, paths in fresh)) if fresh else set()
        # A stored line whose entries all stand is written back as it was read: one changed
        # record re-encodes the few hundred entries of its line, not 50,000.
        kept, loose = [], {}
        for line, digests in self._stored_parts:
            if all(
                path not in in_fresh and children.get(path, ("",))[0] == digest
                for path, digest in digests.items()
            ):
                kept.append((line, digests))
            else:
                loose.update(
                    (path, children[path])
                    for path in digests
                    if path in children and path not in in_fresh
                )
        if len(kept) + len(fresh) > _MAX_LINES:  # too scattered: one line of every entry
            kept, loose = [], {p: e for p, e in children.items() if p not in in_fresh}
        if loose:
            kept.append((encode_part(loose)[0], {p: e[0] for p, e in loose.items()}))
        kept += [(blob, {p: children[p][0] for p in paths}) for blob, paths in fresh]
        self._write(CHILDREN_FILE, [line for line, _ in kept])
        self._stored_parts = kept
        self._children_dirty = False
        self._fresh = []

    def prune_children(self, keep: set[str]) -> None:
        children = self._children_map()
        for path in [p for p in children if p not in keep]:
            del children[path]
            self._children_dirty = True

    # ------------------------------------------------- the files' digests by size and time

    def indexed_digest(self, path: str, stamp: tuple[int, ...] | None) -> str | None:
        """The digest of `path`'s bytes as noted when the file had this stamp (size, times,
        inode: loader.Stamp), so an unchanged file need not be read again (git's index does
        the same; an edit that keeps them all is missed, as by the quick key, which is what
        `check --no-cache` is for)."""
        self._index_seen.add(path)
        if stamp is None:
            return None
        entry = self._index_map().get(path)
        if type(entry) is list and len(entry) == len(stamp) + 1 and entry[:-1] == list(stamp):
            return entry[-1] if isinstance(entry[-1], str) else None
        return None

    def note_digest(self, path: str, stamp: tuple[int, ...] | None, digest: str | None) -> None:
        """Remember that `path` with this stamp (size, modification and change times, ...),
        taken before it was read, held bytes of `digest`; not for a file modified shortly before
        this run began (racily clean: it could change again unseen with the same stamp)."""
        self._index_seen.add(path)
        if stamp is None or digest is None or stamp[1] >= self._started_ns - RACY_WINDOW_NS:
            return
        index = self._index_map()
        entry = [*stamp, digest]
        if index.get(path) != entry:
            index[path] = entry
            self._index_dirty = True

    def _index_map(self) -> dict[str, list]:
        if self._index is None:
            lines = self._read(INDEX_FILE)
            stored = lines[0] if lines else None
            self._index = stored if isinstance(stored, dict) else {}
        return self._index

    # ------------------------------------------------------------------ what liushou wrote

    def written_digest(self, path: Path) -> str | None:
        """The digest of the bytes liushou last wrote to `path`, if it remembers writing it."""
        lines = load_entry(self.folder / WRITTEN_FILE)
        try:
            if lines and lines[0] == _WRITTEN_VERSION:
                value = lines[1].get(os.path.abspath(path))
                return value if isinstance(value, str) else None
        except (IndexError, AttributeError):
            pass
        return None

    def note_written(self, path: Path, data: bytes) -> None:
        """Remember that liushou wrote `data` to `path` (so it may replace it unasked)."""
        lines = load_entry(self.folder / WRITTEN_FILE)
        known: dict[str, str] = {}
        if lines and len(lines) > 1 and lines[0] == _WRITTEN_VERSION and isinstance(lines[1], dict):
            known = lines[1]
        known[os.path.abspath(path)] = digest(data)
        saved, self.code_version = self.code_version, _WRITTEN_VERSION
        try:
            self._write(WRITTEN_FILE, [_dumps(known)])
        finally:
            self.code_version = saved


class FactsStore:
    """The per-child facts the figures read from every record (care span, mentor, class…), kept
    as one JSON object of columns so that `report` and `due` after a check need not work them
    out again from 50,000 records.

    `key` is a digest of every child file's path and file digest: the stored columns answer
    for exactly these files (and this code: the cache's code version and the caller's
    `version`); the children, their ids among them, follow from those files alone. Each child's
    row notes the digest of the file it came from (its source), so that after a few records
    changed only their rows are worked out again (earlier). The file is untrusted like every
    cache file: only sorted unique ids, sources and columns of the expected kinds and lengths
    are returned; anything else is no entry.
    """

    def __init__(self, store: Cache, key: str, digests: dict[str, str | None] | None = None):
        self.store = store
        self.key = key
        self.digests = digests or {}
        self._stored: list[Any] | None = None
        self._checked: dict[tuple, tuple | None] = {}  # _stored_rows' answers by version, kinds

    def _entry(self) -> Any:
        """The stored line, read once (current(), get() and earlier() are asked in one run)."""
        if self._stored is None:
            self._stored = self.store._read(FACTS_FILE) or []
        return self._stored[0] if self._stored else None

    def _stored_rows(self, version: str, kinds: dict[str, str]) -> tuple | None:
        """(key, ids, columns, sources) as stored, when made by this code with these kinds, the
        ids sorted and unique, and every column of its kind and length; else None."""
        asked = (version, tuple(sorted(kinds.items())))
        if asked not in self._checked:
            self._checked[asked] = self._check(version, kinds)
        return self._checked[asked]

    def _check(self, version: str, kinds: dict[str, str]) -> tuple | None:
        try:
            key, stored_version, ids, columns, sources = self._entry()
        except (TypeError, ValueError, IndexError, KeyError):
            return None
        if stored_version != version or type(ids) is not list or type(sources) is not list:
            return None
        if not isinstance(columns, dict) or set(columns) != set(kinds):
            return None
        if len(sources) != len(ids) or not _of_kind(sources, "text"):
            return None
        if not set(map(type, ids)) <= {str} or ids != sorted(set(ids)):
            return None
        for name, kind in kinds.items():
            column = columns[name]
            if type(column) is not list or len(column) != len(ids) or not _of_kind(column, kind):
                return None
        return key, ids, columns, sources

    @classmethod
    def for_children(cls, store: Cache, digests: dict[str, str | None]) -> FactsStore:
        """The store for the child files with these digests ({path: digest}); a file that could
        not be read (digest None) is no child, so it counts by its path alone."""
        parts = [f"{path}\0{digests[path] or 'unreadable'}" for path in sorted(digests)]
        return cls(store, digest("\n".join(parts).encode("utf-8", "surrogateescape")), digests)

    def source(self, path: str) -> str | None:
        """The digest of the child file `path` (what a row notes it came from)."""
        return self.digests.get(path)

    def current(self, version: str, kinds: dict[str, str]) -> tuple[list, dict] | None:
        """(ids, columns) stored for exactly these files, ids sorted and each column of the
        kind `kinds` names ("int", "int_or_none", "bool", "text": str or None), or None."""
        stored = self._stored_rows(version, kinds)
        if stored is None or stored[0] != self.key:
            return None
        return stored[1], stored[2]

    def get(self, version: str, ids: list[str], kinds: dict[str, str]) -> dict[str, list] | None:
        """The stored columns for children `ids` (in this order), as current() checks them."""
        stored = self.current(version, kinds)
        return stored[1] if stored is not None and stored[0] == ids else None

    def earlier(self, version: str, kinds: dict[str, str]) -> tuple[list, dict, list] | None:
        """The stored rows whatever files they were for, (ids, columns, sources), to take the
        rows of the children whose file is the same (same id, same source); or None."""
        stored = self._stored_rows(version, kinds)
        return None if stored is None else stored[1:]

    def put(
        self,
        version: str,
        ids: list[str],
        columns: dict[str, list],
        kinds: dict[str, str],
        sources: list[str | None],
    ) -> None:
        """Keep `columns` (and each row's source) when every value is of its kind (else
        nothing is stored)."""
        for name, kind in kinds.items():
            if name not in columns or not _of_kind(columns[name], kind):
                return
        entry = [self.key, version, ids, {name: columns[name] for name in kinds}, sources]
        try:
            line = _dumps(entry)
        except (TypeError, ValueError):
            return
        self.store._write(FACTS_FILE, [line])
        self._stored, self._checked = [entry], {}  # what a read of the file would give


_NONE = type(None)
# The types a fact column of each kind may hold (bool is not an int here: type(), not isinstance)
_KIND_TYPES = {
    "int": {int},
    "int_or_none": {int, _NONE},
    "bool": {bool},
    "text": {_NONE, str},
}


def _of_kind(column: list, kind: str) -> bool:
    """Whether every value of `column` is of `kind`; integers must fit numpy's int64, which
    the figures turn the column into. Checked a column at a time (50,000 values each)."""
    if not set(map(type, column)) <= _KIND_TYPES[kind]:
        return False
    if kind in ("int", "int_or_none"):
        ints = [value for value in column if value is not None]
        return not ints or (min(ints) >= -(1 << 63) and max(ints) < (1 << 63))
    return True


_WRITTEN_VERSION = "written-1"
_FOLDER_NAME = re.compile(r"[0-9a-f]{16}")
_LOG_FILE = re.compile(r"log-[a-z_]+\.npz")  # parsed logs (see logcache.py)


def clear(root: Path | None = None) -> int:
    """Remove liushou's cache: one repository's entries (`root`), or every repository's.

    Only files liushou makes are removed, and no link is followed, so a cache folder set by
    mistake to a folder of other files loses nothing else.

    Returns:
        The number of files removed.
    """
    base = cache_root()
    if root is not None:
        folders = [Cache.for_repository(root).folder]
    else:
        try:
            folders = [base / e.name for e in os.scandir(base) if _FOLDER_NAME.fullmatch(e.name)]
        except OSError:
            return 0
    removed = 0
    for folder in folders:
        try:
            if folder.is_symlink() or not folder.is_dir():
                continue
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            ours = entry.name in _OUR_FILES or _LOG_FILE.fullmatch(entry.name)
            if ours or entry.name.endswith(".tmp"):
                if entry.is_file(follow_symlinks=False) or entry.is_symlink():
                    with contextlib.suppress(OSError):
                        os.remove(entry.path)
                        removed += 1
        with contextlib.suppress(OSError):
            folder.rmdir()
    return removed
