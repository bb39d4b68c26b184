"""The `liushou` command line: each module parses one command's options and calls the library.

`common` holds the Typer app, the global options and the shared steps (loading, writing,
errors); every other module registers its commands on that app and imports nothing else here.
"""

from __future__ import annotations

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
from liushou.interrupt import internal_error, leave, output_failed, say_interrupted

__all__ = ["app", "run"]


def run() -> None:
    """Run the app, then leave without tearing down the heap (see liushou.entry for Ctrl-C
    during start-up, and interrupt.leave)."""
    from liushou.interrupt import Interrupted, catch_interrupts

    code = 0
    try:
        catch_interrupts()
        app()
    except (Interrupted, KeyboardInterrupt):
        # Files are written atomically (fsguard.write_file), so nothing half-written remains.
        code = say_interrupted()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        if isinstance(exit_.code, str):
            print(exit_.code, file=sys.stderr)
    except OSError as error:
        # Output that cannot be written (standard output on a full disk, a closed pipe): every
        # file the commands write is handled where it is written.
        code = output_failed(error)
    except Exception as error:  # noqa: BLE001 - a bug must still not greet a teacher with a traceback
        code = internal_error(error)
    leave(code)
