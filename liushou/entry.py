"""The console entry point: an unchanged repository's check at once, and Ctrl-C at any moment,
even while the libraries import, as one line.

`liushou` (pyproject's console script) starts here rather than in cli.py, because importing
cli.py loads Typer, pydantic and the rest, which takes several times longer than answering an
unchanged check from the cache (see quickcheck); a Ctrl-C then would otherwise print a Python
traceback.
"""

from __future__ import annotations

import sys

from liushou.interrupt import leave, output_failed, say_interrupted


def run() -> None:
    """Answer a plain unchanged check, else import the command line and run it; exit 130 with
    one Chinese line on Ctrl-C."""
    try:
        from liushou.quickcheck import answer

        code = answer(sys.argv[1:])
        if code is None:
            from liushou.cli import run as run_cli
    except KeyboardInterrupt:
        leave(say_interrupted())
    except OSError as error:  # the answer could not be printed
        leave(output_failed(error))
    if code is not None:
        leave(code)
    run_cli()
