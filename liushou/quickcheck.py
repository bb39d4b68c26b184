"""`liushou check` on an unchanged repository, answered before the command line is loaded.

Most checks a school runs find nothing changed since the last one (a teacher running it twice,
CI on a push that touched no record). The full command line imports Typer, pydantic, PyYAML
and the schema, which takes several times longer than the answer itself: the stored result of
the last check, found by the sizes and modification times of the files (cache.quick_key).
So `entry.run` first hands the arguments here. When they are a plain check (the global and
check options `-C/--repo`, `--today`, `--format`, `--strict`) and the cache holds the result
for these files and this day, it is printed by the same reporter the full command uses, with
the same exit code. Anything else (another command, help, --changed, --no-cache, a date or a
path to complain about, a cache miss) returns None and the full command line runs, so every
message and error stays in one place.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from liushou.check.reporters import REPORTER_BY_NAME
from liushou.check.result import CheckResult
from liushou.load.listing import locate_root, lookup_unchanged

# The range cli.common accepts for --today; other dates are refused there, with its message.
_TODAY_RANGE = (dt.date(1900, 1, 1), dt.date(2999, 12, 31))


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
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return day if _TODAY_RANGE[0] <= day <= _TODAY_RANGE[1] else None


def answer(argv: list[str]) -> int | None:
    """Print the stored result of a plain, unchanged check and return its exit code; None
    when the full command line must run (see the module's docstring)."""
    request = parse(argv)
    if request is None:
        return None
    root = locate_root(request.repo)
    if root is None:
        return None
    try:
        _, _, stored = lookup_unchanged(root, request.today or dt.date.today())
    except OSError:
        return None
    if stored is None:
        return None
    result = CheckResult(root, stored.findings, stored.children, stored.logs)
    REPORTER_BY_NAME[request.fmt](result, sys.stdout).report()
    return result.exit_code(request.strict)
