"""A Jinja sandbox bounded in work as well as in reach, for the templates a school commits.

Jinja's SandboxedEnvironment stops a template from reaching Python's internals, but not from
working forever: nested `range(100000)`, `'a' * 10**10`, `9**9**9`, a string doubled in a
loop, `lipsum(10**7)`, a recursive macro or include. `BoundedEnvironment` bounds each of them:

- `range()` yields at most MAX_RANGE items; `lipsum()` at most a few paragraphs;
- `*`, `+`, `~` and `%` refuse results longer than MAX_LENGTH characters or items, and `**`
  results beyond MAX_POWER_BITS bits; a filter or method given a number above MAX_LENGTH
  (a width, a count) is refused before it runs;
- calls (macros, methods) nest at most MAX_DEPTH deep, and Python's own recursion limit is
  reported as such;
- rendering stops after TIME_LIMIT seconds (`bounded()` traces the template's own frames).

It is immutable (no `list.append` in a template) and its loader reads templates only under the
read policy (fsguard.readable): a template, or templates/ itself, linked out of the repository
is refused. Every problem is a TemplateLimit or TemplateRefused with a Chinese message; the
renderers add the template's name and line.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
from jinja2.compiler import CodeGenerator
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment

from liushou import fsguard

MAX_RANGE = 10_000
MAX_LENGTH = 1_000_000
MAX_POWER_BITS = 4_096
MAX_DEPTH = 60
TIME_LIMIT = 5.0
_LIPSUM_MAX = 20


class TemplateLimit(Exception):
    """A template asked for more work than the sandbox allows (message in Chinese)."""


class TemplateRefused(Exception):
    """A template the read policy does not allow (a link out of the repository)."""


def _too_long(size: int) -> None:
    if size > MAX_LENGTH:
        raise TemplateLimit(f"结果过长（{size} 个字符或元素，上限 {MAX_LENGTH}）")


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict)) else 0


class _Generator(CodeGenerator):
    """Compiles `a ~ b` through the environment, so a string doubled in a loop is bounded."""

    def visit_Concat(self, node, frame) -> None:  # noqa: N802 - Jinja's visitor name
        if frame.eval_ctx.volatile:
            markup = "context.eval_ctx.volatile"
        else:
            markup = "True" if frame.eval_ctx.autoescape else "False"
        self.write(f"environment.bounded_join({markup}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox of every template liushou renders (see the module docstring)."""

    code_generator_class = _Generator
    intercepted_binops = frozenset({"*", "**", "+", "%", "//"})
    intercepted_unops = frozenset()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._depth = 0
        self.globals["range"] = self._range
        self.globals["lipsum"] = self._lipsum(self.globals["lipsum"])
        self.filters = _BoundedFilters(self.filters)

    # -- things a template can call or compute

    def _range(self, *args: Any) -> Iterator[int]:
        span = range(*args)
        if len(span) > MAX_RANGE:
            raise TemplateLimit(f"range 过大（{len(span)} 项，上限 {MAX_RANGE}）")
        return iter(span)

    @staticmethod
    def _lipsum(lipsum: Callable) -> Callable:
        @functools.wraps(lipsum)
        def bounded(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002
            _check_numbers((n, min, max), _LIPSUM_MAX * 100)
            return lipsum(
                n=int(n) if n <= _LIPSUM_MAX else _LIPSUM_MAX, html=html, min=min, max=max
            )

        return bounded

    def bounded_join(self, markup: bool, parts: tuple) -> str:
        _too_long(sum(len(part) for part in parts if isinstance(part, str)))
        return markup_join(parts) if markup else str_join(parts)

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "**":
            if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
                if right * math.log2(abs(left)) > MAX_POWER_BITS:
                    raise TemplateLimit(f"乘方结果过大（超过 {MAX_POWER_BITS} 位）")
        elif op == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(count, int) and _size(seq):
                    _too_long(_size(seq) * max(count, 0))
        elif op == "+":
            _too_long(_size(left) + _size(right))
        elif op == "%" and isinstance(left, str):
            _check_format(left)
        return super().call_binop(context, op, left, right)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        # str.format is wrapped when it is looked up, so its format string is checked there.
        if getattr(value, "__name__", "") in ("format", "format_map") and isinstance(
            getattr(value, "__self__", None), str
        ):
            _check_format(value.__self__)
        return super().wrap_str_format(value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _check_numbers(args, MAX_LENGTH)
        _check_numbers(kwargs.values(), MAX_LENGTH)
        if __self._depth >= MAX_DEPTH:
            raise TemplateLimit(f"宏或调用嵌套过深（超过 {MAX_DEPTH} 层，是否递归调用了自己？）")
        __self._depth += 1
        try:
            result = super().call(__context, __obj, *args, **kwargs)
        finally:
            __self._depth -= 1
        _too_long(_size(result))
        return result


class _BoundedFilters(dict):
    """The filters, each refusing numbers above MAX_LENGTH and results longer than it."""

    def __init__(self, filters: dict):
        super().__init__({name: _bounded_filter(f) for name, f in filters.items()})

    def __setitem__(self, name: str, function: Callable) -> None:
        super().__setitem__(name, _bounded_filter(function))


def _bounded_filter(function: Callable) -> Callable:
    if getattr(function, "_liushou_bounded", False):
        return function

    @functools.wraps(function)  # keeps jinja_pass_arg (pass_context and the like)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_numbers(args, MAX_LENGTH)
        _check_numbers(kwargs.values(), MAX_LENGTH)
        result = function(*args, **kwargs)
        _too_long(_size(result))
        return result

    bounded._liushou_bounded = True  # type: ignore[attr-defined]
    return bounded


def _check_numbers(values: Any, limit: int) -> None:
    for value in values:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > limit:
            raise TemplateLimit(f"参数 {value:.0f} 过大（上限 {limit}）")


_WIDTH = re.compile(r"\d{7,}")


def _check_format(text: str) -> None:
    """A format string may not ask for a field millions of characters wide."""
    if _WIDTH.search(text):
        raise TemplateLimit("格式字符串中的宽度过大")


# ---------------------------------------------------------------------------- time


@contextlib.contextmanager
def bounded(limit: float | None = None) -> Iterator[None]:
    """Stop the templates rendered inside this block after `limit` seconds (TIME_LIMIT).

    Only frames of template code are traced line by line (Jinja compiles templates to Python
    whose file names end in .j2 or are "<template>"), so the rest runs at full speed.
    """
    deadline = time.monotonic() + (TIME_LIMIT if limit is None else limit)
    previous = sys.gettrace()

    def on_line(frame, event, arg):  # noqa: ARG001 - the tracing protocol
        if event == "line" and time.monotonic() > deadline:
            raise TemplateLimit(f"渲染超时（超过 {TIME_LIMIT if limit is None else limit:g} 秒）")
        return on_line

    def on_call(frame, event, arg):  # noqa: ARG001
        name = frame.f_code.co_filename
        if name == "<template>" or name.endswith(".j2"):
            if time.monotonic() > deadline:
                raise TemplateLimit(
                    f"渲染超时（超过 {TIME_LIMIT if limit is None else limit:g} 秒）"
                )
            return on_line
        return None

    sys.settrace(on_call)
    try:
        yield
    finally:
        sys.settrace(previous)


# ---------------------------------------------------------------------------- reading


class PolicyLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that reads a template only under the read policy of its folder's
    repository (`roots` pairs each search folder with the root it must stay inside)."""

    def __init__(self, roots: list[tuple[str, str]], encoding: str = "utf-8"):
        super().__init__([folder for folder, _ in roots], encoding=encoding)
        self._roots = dict(roots)

    def get_source(self, environment: jinja2.Environment, template: str):
        for folder, root in self._roots.items():
            pieces = jinja2.loaders.split_template_path(template)
            path = os.path.join(folder, *pieces)
            if not os.path.lexists(path):
                continue
            if not fsguard.readable(root, path):
                raise TemplateRefused(f"模板 {template} 是指向仓库之外的链接，未读取")
            break
        return super().get_source(environment, template)


def school_templates(root: Path | None) -> str | None:
    """The repository's templates/ folder when it exists and may be read, else None.

    Raises:
        TemplateRefused: templates/ is a link out of the repository.
    """
    if root is None:
        return None
    folder = root / "templates"
    if not folder.is_dir():
        return None
    if not fsguard.readable(root, folder):
        raise TemplateRefused("templates/ 是指向仓库之外的链接，未读取其中的模板")
    return str(folder)


def school_template_file(root: Path | None, name: str) -> Path | None:
    """`root/templates/<name>` when it exists and may be read (for Word templates).

    Raises:
        TemplateRefused: it, or templates/, links out of the repository.
    """
    folder = school_templates(root)
    if folder is None:
        return None
    path = Path(folder) / name
    if not path.is_file():
        return None
    if not fsguard.readable(root, path):
        raise TemplateRefused(f"模板 templates/{name} 是指向仓库之外的链接，未读取")
    return path


def bounded_environment(root: Path | None, builtin: Path, **options: Any) -> BoundedEnvironment:
    """The sandbox with the school's templates/ (if any) searched before the built-in ones.

    Raises:
        TemplateRefused: templates/ is a link out of the repository.
    """
    roots = []
    folder = school_templates(root)
    if folder is not None:
        roots.append((folder, str(root)))
    roots.append((str(builtin), str(builtin)))
    return BoundedEnvironment(loader=PolicyLoader(roots, encoding="utf-8"), **options)


# Names a renderer catches: every way a template can fail that is the template's fault.
TEMPLATE_FAILURES = (TemplateLimit, TemplateRefused, RecursionError, MemoryError, OverflowError)

__all__ = [
    "BoundedEnvironment",
    "PolicyLoader",
    "TEMPLATE_FAILURES",
    "TemplateLimit",
    "TemplateRefused",
    "bounded",
    "bounded_environment",
    "school_template_file",
    "school_templates",
]
