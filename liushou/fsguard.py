"""The one place that decides which files liushou may read from a repository and how it writes.

A school's repository is untrusted input (CI runs `liushou check` on pull requests), so:

- `readable(root, path)` is the read policy: a path may be read only when its real path lies
  inside the repository's real root. A symbolic link that leads out of the repository (to
  /etc/passwd, /proc/self/environ, a user's home) or that loops is never followed.
- `scan(root, folder, ...)` lists a folder's files under that policy, cheaply: one realpath for
  the folder and one per symbolic link, none for ordinary files, and reports every link it
  refused and every folder it could not read instead of skipping them silently.
- `write_file(path, data, root=..., explicit=...)` is the only way liushou writes a file:
  a temporary file in the same folder, fsync, then rename, so a failure leaves the old file;
  never through a symbolic link or into a folder outside the repository unless the user named
  the path explicitly (`-o`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

OUTSIDE = "outside"  # a link whose target lies outside the repository
LOOP = "loop"  # a link that loops (or a folder reached twice through links)
UNREADABLE = "unreadable"  # a folder or file the operating system refuses to open

_ROOTS: dict[str, str] = {}


def real_root(root: Path | str) -> str:
    """The real path of a repository root (memoised: it is asked for every link)."""
    key = os.fspath(root)
    real = _ROOTS.get(key)
    if real is None:
        real = _ROOTS[key] = os.path.realpath(key)
    return real


def _inside(real: str, root_real: str) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def link_problem(root: Path | str, path: Path | str) -> str | None:
    """Why `path` may not be read: OUTSIDE, LOOP, or None when it may be (or does not exist,
    which the caller's open() reports as usual)."""
    try:
        real = os.path.realpath(path, strict=True)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return LOOP
        # A dangling link: its target may still be outside; judge the path it names.
        real = os.path.realpath(path)
    return None if _inside(real, real_root(root)) else OUTSIDE


def readable(root: Path | str, path: Path | str) -> bool:
    """The read policy: may liushou read `path` of the repository at `root`?

    True when the path's real location (every symbolic link resolved) is inside the real
    repository root and no link on the way loops.
    """
    return link_problem(root, path) is None


class Refused(OSError):
    """A read or write the policy does not allow; the message is Chinese."""


class TooLarge(OSError):
    """A file larger than the limit its reader sets."""

    def __init__(self, size: int, limit: int):
        super().__init__(errno.EFBIG, "文件过大")
        self.size, self.limit = size, limit


def read_limited(path: str, limit: int | None = None) -> bytes:
    """A file's bytes, refusing anything but a regular file and more than `limit` bytes.

    The path must already have passed the read policy (a `scan` result); this costs one open
    and one fstat, so the hot per-file path stays cheap.

    Raises:
        TooLarge: the file is larger than `limit`.
        OSError: it cannot be read, or is not a regular file (a FIFO, a device).
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "不是普通文件")
        if limit is not None and info.st_size > limit:
            raise TooLarge(info.st_size, limit)
        # One read of one byte more than the size: the whole file in one system call on the hot
        # path (50,000 records); a short read, or a file that grew, reads on to its end.
        data = os.read(fd, info.st_size + 1)
        if len(data) != info.st_size:
            parts, got = [data], len(data)
            while chunk := os.read(fd, 1 << 20):
                parts.append(chunk)
                got += len(chunk)
                if limit is not None and got > limit:
                    raise TooLarge(got, limit)
            data = b"".join(parts)
        if limit is not None and len(data) > limit:
            raise TooLarge(len(data), limit)
        return data
    finally:
        os.close(fd)


def safe_read_bytes(root: Path | str, path: Path | str, limit: int | None = None) -> bytes:
    """Read a repository file under the read policy.

    Raises:
        Refused: the path leads outside the repository or loops (errno EACCES / ELOOP).
        TooLarge, OSError: as read_limited.
    """
    problem = link_problem(root, path)
    if problem == LOOP:
        raise Refused(errno.ELOOP, "循环的链接")
    if problem == OUTSIDE:
        raise Refused(errno.EACCES, "链接指向仓库之外")
    return read_limited(os.fspath(path), limit)


@dataclass
class Scan:
    """What a folder holds under the read policy.

    `files` are paths as found (under the folder's path as given), to be read; `problems` are
    (path as found, OUTSIDE | LOOP | UNREADABLE) for every link refused and folder unreadable.
    """

    files: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)


def scan(
    root: Path | str,
    folder: Path | str,
    suffixes: tuple[str, ...],
    recursive: bool = True,
    skip_hidden: bool = True,
) -> Scan:
    """List the files ending in `suffixes` (lower-case) under `folder` (hidden names skipped
    unless `skip_hidden` is False).

    Links are followed only when they stay inside the repository; a folder reached twice
    through links is a LOOP, not a second walk. A missing folder is simply empty.
    """
    out = Scan()
    top = os.fspath(folder)
    if os.path.islink(top):
        problem = link_problem(root, top)
        if problem is not None:
            out.problems.append((top, problem))
            return out
    seen: set[str] = set()
    stack = [top]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
        except FileNotFoundError:
            continue
        except NotADirectoryError:
            continue
        except OSError as error:
            if error.errno == errno.ELOOP:
                out.problems.append((current, LOOP))
            else:
                out.problems.append((current, UNREADABLE))
            continue
        for entry in entries:
            name = entry.name
            if skip_hidden and name.startswith("."):
                continue
            if entry.is_symlink():
                problem = link_problem(root, entry.path)
                if problem is not None:
                    if problem == LOOP or name.lower().endswith(suffixes) or _is_dir(entry):
                        out.problems.append((entry.path, problem))
                    continue
                if _is_dir(entry):
                    if recursive:
                        real = os.path.realpath(entry.path)
                        if real in seen or _inside(os.path.realpath(current), real):
                            out.problems.append((entry.path, LOOP))
                        else:
                            seen.add(real)
                            stack.append(entry.path)
                    continue
            elif entry.is_dir(follow_symlinks=False):
                if recursive:
                    stack.append(entry.path)
                continue
            if name.lower().endswith(suffixes) and entry.is_file():
                out.files.append(entry.path)
    out.files.sort()
    out.problems.sort()
    return out


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


# ---------------------------------------------------------------------------- writing


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_write_target(path: Path, *, root: Path | str | None, explicit: bool) -> Path:
    """The file that writing `path` would replace, after the write policy.

    Without `explicit`, `path` must not be a symbolic link and its folder (once created)
    must lie inside `root`. With `explicit` (the user named the path with -o), a link is
    written through: its target is replaced, the link kept.

    Raises:
        Refused: the policy forbids the write (message in Chinese).
    """
    if path.is_symlink():
        if not explicit:
            raise Refused(
                errno.EACCES,
                f"{path} 是符号链接，不会通过链接写入；如确需写到链接指向处，请用 -o 明确给出该路径",
            )
        return Path(os.path.realpath(path))
    if explicit or root is None:
        return path
    # The deepest folder that exists decides where a new folder would be created.
    existing = path.parent
    while not existing.exists() and existing != existing.parent:
        if existing.is_symlink():  # a dangling link on the way
            raise Refused(errno.EACCES, f"{existing} 是指向别处的链接，不会通过它写入")
        existing = existing.parent
    if not _inside(os.path.realpath(existing), real_root(root)):
        raise Refused(
            errno.EACCES,
            f"{path.parent} 经链接指向仓库之外，不会写入；如确需写到那里，请用 -o 明确给出路径",
        )
    return path


def write_file(
    path: Path | str,
    data: bytes | str,
    *,
    root: Path | str | None,
    explicit: bool = False,
    exclusive: bool = False,
) -> Path:
    """Write `data` to `path` atomically: temporary file in the same folder, fsync, rename.

    Args:
        path: the file to write; its folders are created.
        data: bytes, or text written as UTF-8.
        root: the repository the file belongs to (None: a path outside any repository,
            which must then be `explicit`).
        explicit: the user named this path (-o): links are written through.
        exclusive: the file must not exist yet (a new child record): it is linked into place,
            which fails with FileExistsError if the name appeared meanwhile; never overwrites.

    Returns:
        The path actually replaced (a link's target when explicit).

    Raises:
        Refused: the write policy forbids it. OSError: the write failed; the old file, if
        any, is unchanged and no temporary file is left behind.
    """
    target = check_write_target(Path(path), root=root, explicit=explicit)
    if isinstance(data, str):
        data = data.encode("utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    import tempfile  # not at import: a check that writes nothing never needs it

    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            view = memoryview(data)
            while view:
                written = os.write(handle.fileno(), view)
                view = view[written:]
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if exclusive:
            try:
                os.link(tmp, target)
            except FileExistsError:
                raise
            except OSError:  # a file system without hard links: check, then rename
                if os.path.lexists(target):
                    raise FileExistsError(errno.EEXIST, "已存在", str(target)) from None
                os.replace(tmp, target)
            else:
                os.remove(tmp)
        else:
            os.replace(tmp, target)
    except BaseException:  # a full disk, Ctrl-C: leave the old file and nothing else
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return target
