"""The console entry point: Ctrl-C at any moment, even while the libraries import, is one line.

`liushou` (pyproject's console script) starts here rather than in cli.py, because importing
cli.py loads Typer, pandas and the rest, which takes most of a second; a Ctrl-C then would
otherwise print a Python traceback.
"""

from __future__ import annotations

import os
import sys

from liushou.interrupt import INTERRUPTED


def run() -> None:
    """Import the command line and run it; exit 130 with one Chinese line on Ctrl-C."""
    try:
        from liushou.cli import run as run_cli
    except KeyboardInterrupt:
        try:
            print(INTERRUPTED, file=sys.stderr)
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os._exit(130)
    run_cli()
