"""The `liushou` command line: each module parses one command's options and calls the library.

`common` holds the Typer app, the global options and the shared steps (loading, writing,
errors); every other module registers its commands on that app and imports nothing else here.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

from liushou.cli import (  # noqa: F401 - registers the commands
    cache,
    check,
    documents,
    due,
    imports,
    init,
    new,
    records,
    report,
    rollup,
)
from liushou.cli.common import app
from liushou.errors import os_reason

__all__ = ["app", "run"]


def run() -> None:
    """Run the app, then leave without tearing down the heap (see liushou.entry for Ctrl-C
    during start-up).

    A county-scale check holds millions of small objects; freeing them one by one at exit
    takes seconds that the operating system does at once. Output is flushed first, and
    nothing is left to do at exit (every file the command writes is written and closed).
    """
    from liushou.interrupt import Interrupted, on_interrupt

    code = 0
    try:
        with contextlib.suppress(ValueError):  # not the main thread: keep Python's handler
            signal.signal(signal.SIGINT, on_interrupt)
        app()
    except Interrupted:
        code = interrupted()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if isinstance(exit_.code, str):
            print(exit_.code, file=sys.stderr)
    except KeyboardInterrupt:
        # Files are written atomically (fsguard.write_file), so nothing half-written remains.
        code = interrupted()
    except OSError as error:
        # Output that cannot be written (standard output on a full disk, a closed pipe): every
        # file the commands write is handled where it is written.
        code = _output_failed(error)
    except Exception as error:  # noqa: BLE001 - a bug must still not greet a teacher with a traceback
        if os.environ.get("LIUSHOU_DEBUG"):
            raise
        print(
            f"liushou 内部错误（{type(error).__name__}）。这不是您的数据的问题，请把这条信息和"
            "所运行的命令告诉维护人员；设置环境变量 LIUSHOU_DEBUG=1 可看到详细信息。",
            file=sys.stderr,
        )
        code = 3
    try:
        sys.stdout.flush()
    except OSError as error:
        code = _output_failed(error)
    with contextlib.suppress(OSError):
        sys.stderr.flush()
    os._exit(code)


def interrupted() -> int:
    """Say in one line that the command was interrupted; the exit code for it (130)."""
    from liushou.interrupt import INTERRUPTED

    with contextlib.suppress(OSError, ValueError):
        print(INTERRUPTED, file=sys.stderr)
    return 130


def _output_failed(error: OSError) -> int:
    # Nothing more can go to standard output; drop what is buffered so exit does not retry.
    with contextlib.suppress(OSError, ValueError):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until the process ends
    with contextlib.suppress(OSError, ValueError):
        print(f"错误：无法写出结果：{os_reason(error)}", file=sys.stderr)
    return 2
