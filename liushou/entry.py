"""The console entry point: a plain check without the command-line framework, and Ctrl-C at
any moment, even while the libraries import, as one line.

`liushou` (pyproject's console script) starts here rather than in cli.py, because importing
cli.py loads Typer, pydantic and the rest, which takes longer than checking a school's records
or answering an unchanged check from the cache (see quickcheck); a Ctrl-C then would otherwise
print a Python traceback.
"""

from __future__ import annotations

import sys

from liushou.interrupt import (
    Interrupted,
    internal_error,
    leave,
    output_failed,
    say_interrupted,
)


def run() -> None:
    """Run a plain check (quickcheck), else import the command line and run it; exit 130 with
    one Chinese line on Ctrl-C."""
    try:
        from liushou.quickcheck import answer

        code = answer(sys.argv[1:])
        if code is None:
            from liushou.cli import run as run_cli
    except (Interrupted, KeyboardInterrupt):
        leave(say_interrupted())
    except OSError as error:  # the answer could not be printed
        leave(output_failed(error))
    except Exception as error:  # noqa: BLE001 - a bug must still not greet a teacher with a traceback
        leave(internal_error(error))
    if code is not None:
        leave(code)
    run_cli()
