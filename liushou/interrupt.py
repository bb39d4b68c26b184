"""Ctrl-C as one Chinese line: the exception our SIGINT handler raises, and the line said."""

from __future__ import annotations

INTERRUPTED = "已中断（Ctrl-C）：没有写入不完整的文件。"


class Interrupted(BaseException):
    """Ctrl-C, raised by our SIGINT handler instead of KeyboardInterrupt: Click turns a
    KeyboardInterrupt into "Aborted!" and exit 1, but lets this reach cli.run (exit 130).
    Cleanups (`finally`, `except BaseException`) run for it as for any exception."""


def on_interrupt(signum, frame) -> None:  # noqa: ARG001 - the signal module's signature
    raise Interrupted()
