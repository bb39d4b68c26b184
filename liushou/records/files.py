"""Small helpers shared by the record-keeping commands: atomic writes, git calls, loading."""

from __future__ import annotations

import subprocess
from pathlib import Path

from liushou import fsguard
from liushou.errors import UsageError, os_reason


class RecordsError(UsageError):
    """A problem that stops a record-keeping command (exit code 2); the message is Chinese."""


class GitError(RecordsError):
    """git is missing, or the folder is not inside a git repository."""


def write_atomic(path: Path, data: bytes, *, root: Path, exclusive: bool = False) -> None:
    """Write `data` to `path` so that a reader sees the old file or the new one, never half
    (fsguard.write_file: temporary file, fsync, rename; never through a link). With `exclusive`,
    the file must not exist yet (a new record): it is never written over.

    Raises:
        RecordsError: the file exists (exclusive), `path` is a symbolic link, or the write failed.
    """
    try:
        fsguard.write_file(path, data, root=root, exclusive=exclusive)
    except FileExistsError:
        raise RecordsError(f"{path} 已存在，不会覆盖") from None
    except fsguard.Refused as error:
        raise RecordsError(error.strerror) from None
    except OSError as error:
        raise RecordsError(f"无法写入 {path}：{os_reason(error)}") from None


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run `git -C root args...` (no shell) and return the finished process, output as bytes.

    Raises:
        GitError: git is not installed, or (with `check`) the command failed.
    """
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotepath=off", "-C", str(root), *args],
            capture_output=True,
            check=False,
        )
    except OSError:
        raise GitError("找不到 git 命令：请先安装 git（https://git-scm.com）") from None
    if check and done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} 失败：{detail[-1] if detail else done.returncode}")
    return done


def git_toplevel(root: Path) -> Path | None:
    """The top folder of the git work tree holding `root`, or None outside git (or without git)."""
    try:
        done = git(root, "rev-parse", "--show-toplevel", check=False)
    except GitError:
        return None
    if done.returncode != 0:
        return None
    return Path(done.stdout.decode("utf-8", "surrogateescape").strip())


def decode_text(data: bytes) -> str:
    """Text of a file or of git output: UTF-8 (BOM dropped), else GB18030, else UTF-8 with
    replacement characters; never fails."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")
