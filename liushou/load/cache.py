"""A cache of parsed files keyed on their bytes, kept outside the school's repository.

It lives in the user's cache folder (LIUSHOU_CACHE_DIR, else XDG_CACHE_HOME/liushou, else
~/.cache/liushou), one folder per repository, so `check` never writes into the repository.
A parsed file is used only when the file's bytes hash to the stored digest. A whole check's
result is stored under the digest of every file's bytes and, to answer an unchanged repository
without reading it, under every file's size and modification time, as git does: an edit that
keeps both (and happens at least three seconds before the check began) would be missed, which
is what `check --no-cache` is for. A cache that cannot be read or written is silently ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import yaml

from liushou import __version__


def _code_version() -> str:
    """liushou's version, a digest of its source and the versions of the libraries that read
    the files: entries made by other code are void."""
    package = Path(__file__).parent
    sources = b"".join(path.read_bytes() for path in sorted(package.glob("*.py")))
    return f"{__version__}-{digest(sources)}-yaml{yaml.__version__}-pandas{_pandas_version()}"


def _pandas_version() -> str:
    """pandas' version without importing pandas (a small school's check never needs it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pandas")
    except PackageNotFoundError:
        return "none"


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def cache_root() -> Path:
    base = os.environ.get("LIUSHOU_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "liushou"


_PART = 2000


class Cache:
    """Per-repository cache files: children.pkl and result.pkl."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.code_version = _code_version()
        self._children: dict[str, tuple[str, Any]] | None = None
        self._children_dirty = False
        self._fresh: list[tuple[bytes, set[str]]] = []  # pickled parts from the workers

    @classmethod
    def for_repository(cls, root: Path) -> Cache:
        key = hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:16]
        return cls(cache_root() / key)

    def _read(self, name: str) -> Any:
        """The value stored under `name`, or None if missing, broken or from other code.

        A file is the code version, then the value in one or more parts (dicts to merge, for
        the children; see _write), each pickled on its own.
        """
        try:
            with open(self.folder / name, "rb") as handle:
                if pickle.load(handle) != self.code_version:
                    return None
                value = pickle.load(handle)
                while isinstance(value, dict):
                    try:
                        value.update(pickle.load(handle))
                    except EOFError:
                        break
                return value
        except Exception:  # noqa: BLE001 - a missing or broken cache only costs time
            return None

    def _write(self, name: str, value: Any, pickled_parts: list[bytes] = ()) -> None:
        """Store `value`; a dict goes in parts, so the pickler's memo of every object it has
        written (several times the data for 50,000 records) never holds more than a part."""
        tmp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(self.code_version, handle, protocol=pickle.HIGHEST_PROTOCOL)
                if isinstance(value, dict):
                    items = list(value.items())
                    for start in range(0, max(len(items), 1), _PART):
                        part = dict(items[start : start + _PART])
                        pickle.dump(part, handle, protocol=pickle.HIGHEST_PROTOCOL)
                    for blob in pickled_parts:  # dicts pickled elsewhere, merged on reading
                        handle.write(blob)
                else:
                    pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.folder / name)
        except OSError:
            if tmp is not None:  # a full disk or a folder in the way: leave nothing behind
                with contextlib.suppress(OSError):
                    os.remove(tmp)

    def _children_map(self) -> dict[str, tuple[str, Any]]:
        if self._children is None:
            stored = self._read("children.pkl")
            valid = isinstance(stored, dict) and all(
                isinstance(entry, tuple) and len(entry) == 2 for entry in stored.values()
            )
            self._children = stored if valid else {}
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

    def add_children_part(self, blob: bytes) -> dict[str, tuple[str, Any]]:
        """Take entries a worker pickled, {path: (digest, value)}; the bytes are stored as
        they are when the cache is saved, so no entry is pickled twice.

        Returns:
            The entries.
        """
        part = pickle.loads(blob)
        if part:
            self._children_map().update(part)
            self._fresh.append((blob, set(part)))
            self._children_dirty = True
        return part

    def get_result(self, key: str) -> Any:
        """The stored result of a whole check, if it was stored under `key`."""
        entry = self._read("result.pkl")
        # A file of the right format but the wrong shape (hand-edited, or another tool's) is
        # simply no entry.
        if (
            isinstance(entry, tuple)
            and len(entry) == 2
            and isinstance(entry[0], set)
            and key in entry[0]
            and isinstance(entry[1], tuple)
            and len(entry[1]) == 3
        ):
            return entry[1]
        return None

    def put_result(self, keys: tuple[str, ...], value: Any) -> None:
        self._write("result.pkl", (set(keys), value))

    def save(self) -> None:
        """Write the child entries if any changed; entries of deleted files are dropped."""
        if not self._children_dirty or self._children is None:
            return
        children = self._children
        fresh = [(blob, paths) for blob, paths in self._fresh if paths <= children.keys()]
        in_fresh = set().union(*(paths for _, paths in fresh)) if fresh else set()
        older = {path: entry for path, entry in children.items() if path not in in_fresh}
        self._write("children.pkl", older, [blob for blob, _ in fresh])
        self._children_dirty = False
        self._fresh = []

    def prune_children(self, keep: set[str]) -> None:
        children = self._children_map()
        for path in [p for p in children if p not in keep]:
            del children[path]
            self._children_dirty = True
