"""A plain `liushou check`, run without loading the command-line framework.

A school's check is mostly start-up: Typer and the pydantic it loads take longer than checking
thirty records, and much longer than answering an unchanged repository from the cache (the
stored result of the last check, found by the sizes and modification times of the files,
cache.quick_key), which needs neither PyYAML, the schema nor pandas. So `entry.run` first hands
the arguments here. When they are a plain check (the global and check options `-C/--repo`,
`--today`, `--format`, `--strict`), the library's check runs (or the stored result is taken) and
is printed by the same reporter the full command uses, with the same exit code. Anything else
(another command, help, --changed, --no-cache, a date or a path to complain about, a
liushou.yaml that cannot be read or names columns the logs lack) returns None and the full
command line runs, so every message about the command line and the settings stays in one
place.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from liushou.check.reporters import REPORTER_BY_NAME
from liushou.check.result import CheckResult
from liushou.labels import parse_today
from liushou.load.listing import Unchanged, locate_root, lookup_unchanged


@dataclass
class CheckRequest:
    """The options of a plain `liushou check` command."""

    repo: Path = Path(".")
    today: dt.date | None = None
    fmt: str = "text"
    strict: bool = False


def parse(argv: list[str]) -> CheckRequest | None:
    """The request `argv` (without the program name) makes, if it is a plain check; else None.

    Options take the last value given, and a command's own -C and --today win over the global
    ones, as in the full command line.
    """
    request = CheckRequest()
    args = iter(argv)
    command = None
    for arg in args:
        if command is None and arg == "check":
            command = arg
            continue
        name, has_value, value = arg.partition("=")
        if name in ("-C", "--repo", "--today") or (command and name == "--format"):
            if not has_value:
                value = next(args, None)
                if value is None:
                    return None
            if not value or value.startswith("-") or (has_value and name == "-C"):
                return None
            if name == "--today":
                day = _parse_today(value)
                if day is None:
                    return None
                request.today = day
            elif name == "--format":
                request.fmt = value
            else:
                request.repo = Path(value)
        elif command and arg == "--strict":
            request.strict = True
        else:
            return None
    if command is None or request.fmt not in REPORTER_BY_NAME:
        return None
    return request


def _parse_today(value: str) -> dt.date | None:
    """The day, or None: a wrong --today is refused by the full command line, with its words."""
    try:
        return parse_today(value)
    except ValueError:
        return None


def answer(argv: list[str]) -> int | None:
    """Run a plain check and print its result; return its exit code, or None when the full
    command line must run (see the module's docstring)."""
    request = parse(argv)
    if request is None:
        return None
    root = locate_root(request.repo)
    if root is None:
        return None
    today = request.today or dt.date.today()
    try:
        looked_up = lookup_unchanged(root, today)
    except OSError:
        return None
    _, _, stored = looked_up
    if stored is not None:
        result = CheckResult(root, stored.findings, stored.children, stored.logs)
    else:
        result = _check(root, today, looked_up)
        if result is None:
            return None
    REPORTER_BY_NAME[request.fmt](result, sys.stdout).report()
    return result.exit_code(request.strict)


def _check(root: Path, today: dt.date, looked_up: Unchanged) -> CheckResult | None:
    """Check the files (the cache had no result for them), or None when liushou.yaml cannot
    be read: the full command line then says why, in the one place that says it."""
    from liushou import api
    from liushou.interrupt import catch_interrupts
    from liushou.load.settings import SettingsError
    from liushou.progress import progress_bar

    catch_interrupts()
    try:
        with progress_bar() as progress:
            return api.check_repository(root, today, progress=progress, looked_up=looked_up)
    except SettingsError:
        return None
