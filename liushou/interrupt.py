"""Ctrl-C as one Chinese line, and the way every run ends: the exception our SIGINT handler
raises, the lines said on Ctrl-C or when the output cannot be written, and the exit."""

from __future__ import annotations

import contextlib
import os
import sys

from liushou.errors import os_reason

INTERRUPTED = "已中断（Ctrl-C）：没有写入不完整的文件。"


class Interrupted(BaseException):
    """Ctrl-C, raised by our SIGINT handler instead of KeyboardInterrupt: Click turns a
    KeyboardInterrupt into "Aborted!" and exit 1, but lets this reach cli.run (exit 130).
    Cleanups (`finally`, `except BaseException`) run for it as for any exception."""


def on_interrupt(signum, frame) -> None:  # noqa: ARG001 - the signal module's signature
    raise Interrupted()


def catch_interrupts() -> None:
    """Make Ctrl-C raise Interrupted (not in a thread other than the main one: Python's handler
    stays there)."""
    import signal

    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGINT, on_interrupt)


def say_interrupted() -> int:
    """Say in one line that the command was interrupted; the exit code for it (130)."""
    with contextlib.suppress(OSError, ValueError):
        print(INTERRUPTED, file=sys.stderr)
        sys.stderr.flush()
    return 130


def output_failed(error: OSError) -> int:
    """Say that standard output cannot be written (a full disk, a closed pipe); exit code 2."""
    # Nothing more can go to standard output; drop what is buffered so exit does not retry.
    with contextlib.suppress(OSError, ValueError):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until the process ends
    with contextlib.suppress(OSError, ValueError):
        print(f"错误：无法写出结果：{os_reason(error)}", file=sys.stderr)
    return 2


def internal_error(error: Exception) -> int:
    """Say that liushou itself failed (not the teacher's data); exit code 3. With LIUSHOU_DEBUG
    set, the error is raised instead, with its traceback."""
    if os.environ.get("LIUSHOU_DEBUG"):
        raise error
    print(
        f"liushou 内部错误（{type(error).__name__}）。这不是您的数据的问题，请把这条信息和"
        "所运行的命令告诉维护人员；设置环境变量 LIUSHOU_DEBUG=1 可看到详细信息。",
        file=sys.stderr,
    )
    return 3


def leave(code: int) -> None:
    """Flush the output and end the process with `code`, without tearing down the heap.

    A county-scale run holds millions of small objects; freeing them one by one at exit takes
    seconds that the operating system does at once. Every file a command writes is written and
    closed before this point.
    """
    try:
        sys.stdout.flush()
    except OSError as error:
        code = output_failed(error)
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(code)
