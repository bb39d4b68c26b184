"""Errors the library raises for a person to read: the message is Chinese, the exit code 2."""

import errno


class UsageError(Exception):
    """A command was asked for something it cannot do."""


class TermError(UsageError):
    """A term name that is malformed, or a term with nothing to report."""


_OS_REASONS = {
    errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "磁盘配额已用完",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "文件系统只读",
    errno.ENOENT: "找不到文件或文件夹",
    errno.EISDIR: "这是文件夹",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EEXIST: "已存在",
    errno.ELOOP: "循环的链接",
    errno.ENAMETOOLONG: "文件名太长",
    errno.EPIPE: "输出已被关闭",
    errno.EIO: "读写错误",
}


def os_reason(error: OSError) -> str:
    """Why a file operation failed, in Chinese (the system's own text only when unknown)."""
    return _OS_REASONS.get(error.errno, error.strerror or str(error))
