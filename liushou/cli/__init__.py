"""The `liushou` command line: each module parses one command's options and calls the library.

`common` holds the Typer app, the global options and the shared steps (loading, writing,
errors); every other module registers its commands on that app and imports nothing else here.
"""

from __future__ import annotations

import os
import sys

from liushou.cli import (  # noqa: F401 - registers the commands
    check,
    documents,
    due,
    init,
    records,
    report,
    rollup,
)
from liushou.cli.common import app

__all__ = ["app", "run"]


def run() -> None:
    """The console entry point: run the app, then leave without tearing down the heap.

    A county-scale check holds millions of small objects; freeing them one by one at exit
    takes seconds that the operating system does at once. Output is flushed first, and
    nothing is left to do at exit (every file the command writes is written and closed).
    """
    code = 0
    try:
        app()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if isinstance(exit_.code, str):
            print(exit_.code, file=sys.stderr)
    except KeyboardInterrupt:
        code = 130
    except Exception as error:  # noqa: BLE001 - a bug must still not greet a teacher with a traceback
        if os.environ.get("LIUSHOU_DEBUG"):
            raise
        print(
            f"liushou 内部错误（{type(error).__name__}）。这不是您的数据的问题，请把这条信息和"
            "所运行的命令告诉维护人员；设置环境变量 LIUSHOU_DEBUG=1 可看到详细信息。",
            file=sys.stderr,
        )
        code = 3
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
