"""A fast reader for the plain YAML that child records are written in, or None to defer.

A county holds tens of thousands of records, and libyaml spends most of its time building
nodes that a record's few dozen lines do not need. Records are written in a small, regular part
of YAML: block mappings of `key: value`, block sequences (`- key: value` items or `- value`),
and one-line `[a, b]` lists of plain words. This module reads exactly that part, with PyYAML's
own rules for what a plain value means (its implicit resolvers and constructors), and returns
the same value and positions that yamlsource.parse_yaml builds. Anything else — a flow mapping, an
anchor, a quote with an escape, a value over two lines, a duplicate key, an odd indent — makes
it return None, and the full parser takes over, so its findings are unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: |$)")
# A whole `key: value` (or `key:`) line: the key, then the value after its spaces
_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: +(.*))?$")
_STR = "tag:yaml.org,2002:str"
_RESOLVERS = {
    first: [*resolvers, *yaml.resolver.Resolver.yaml_implicit_resolvers.get(None, [])]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
_ANY_FIRST = yaml.resolver.Resolver.yaml_implicit_resolvers.get(None, [])
# A plain value may not start with these, nor contain the flow or comment marks in a list.
_PLAIN_START_BAD = set("[]{},#&*!|>'\"%@`?:-")
_FLOW_ITEM_BAD = re.compile(r"[\[\]{},:#&*!|>'\"%@`?]")
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


# Characters libyaml treats specially: other line breaks (NEL, LS, PS), a BOM, and anything
# outside its printable set (control characters); a file holding one goes to the full parser.
_UNUSUAL = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


class _Defer(Exception):
    """Raised inside the reader: the text is outside the part it reads."""


def fast_parse(text: str) -> tuple[dict[str, Any], dict[str, tuple[int, int]]] | None:
    """Read a child record written in plain block YAML.

    Args:
        text: the decoded file.

    Returns:
        (value, positions) as yamlsource.parse_yaml would build them, or None when the full
        parser must read the file.
    """
    if "\t" in text or "\r" in text or "\\" in text or _UNUSUAL.search(text):
        return None
    try:
        return _Reader().read(text)
    except _Defer:
        return None


class _Frame:
    __slots__ = ("indent", "container", "prefix", "is_seq")

    def __init__(self, indent: int, container: Any, prefix: str, is_seq: bool):
        self.indent = indent
        self.container = container
        self.prefix = prefix
        self.is_seq = is_seq


class _Reader:
    def __init__(self) -> None:
        self.positions: dict[str, tuple[int, int]] = {}
        self.root: dict[str, Any] = {}
        self.stack = [_Frame(0, self.root, "", False)]
        # A `key:` with nothing after it: its block starts on a later line.
        self.pending: tuple[dict, str, str, int, int, int] | None = None

    def read(self, text: str) -> tuple[dict[str, Any], dict[str, tuple[int, int]]]:
        started = False
        for number, raw in enumerate(text.split("\n"), start=1):
            line = raw.rstrip(" ")
            content = line.lstrip(" ")
            if not content or content[0] == "#":
                continue
            if content.startswith(("---", "...", "%")):
                raise _Defer
            indent = len(line) - len(content)
            if not started:
                if indent != 0:
                    raise _Defer
                started = True
            self._line(number, indent, content)
        if self.pending is not None or not started:
            raise _Defer
        return self.root, self.positions

    def _line(self, number: int, indent: int, content: str) -> None:
        item = content == "-" or content.startswith("- ")
        if self.pending is not None:
            self._open_block(indent, item)
        while self.stack[-1].indent > indent or (
            self.stack[-1].is_seq and self.stack[-1].indent == indent and not item
        ):
            self.stack.pop()
            if not self.stack:
                raise _Defer
        frame = self.stack[-1]
        if frame.indent != indent:
            raise _Defer
        if item:
            if not frame.is_seq:
                raise _Defer
            self._item(number, indent, content, frame)
        elif frame.is_seq:
            raise _Defer
        else:
            self._pair(number, indent, content, frame.container, frame.prefix)

    def _open_block(self, indent: int, item: bool) -> None:
        parent, key, dotted, line, column, key_indent = self.pending
        self.pending = None
        if item and indent >= key_indent:
            block: Any = []
        elif not item and indent > key_indent:
            block = {}
        else:
            raise _Defer  # an empty value: PyYAML places its mark in ways not worth copying
        parent[key] = block
        self.positions[dotted] = (line, column)
        self.stack.append(_Frame(indent, block, dotted + ".", isinstance(block, list)))

    def _item(self, number: int, indent: int, content: str, frame: _Frame) -> None:
        rest = content[1:].lstrip(" ")
        if not rest:
            raise _Defer
        column = indent + (len(content) - len(rest))  # 0-based column of the item's content
        index = len(frame.container)
        dotted = f"{frame.prefix}{index}"
        self.positions[dotted] = (number, column + 1)
        if _KEY.match(rest):
            mapping: dict[str, Any] = {}
            frame.container.append(mapping)
            self.stack.append(_Frame(column, mapping, dotted + ".", False))
            self._pair(number, column, rest, mapping, dotted + ".")
        else:
            frame.container.append(self._value(rest, number, column, dotted))

    def _pair(self, number: int, indent: int, content: str, mapping: dict, prefix: str) -> None:
        match = _PAIR.match(content)
        if match is None:
            raise _Defer
        key, rest = match.group(1, 2)
        if key in mapping or key == "<<" or len(key) > 1000:  # libyaml: keys under 1024
            raise _Defer
        dotted = prefix + key
        if not rest or rest[0] == "#":
            mapping[key] = None  # placeholder keeps the key order; the block replaces it
            self.pending = (mapping, key, dotted, number, indent + 1, indent)
            return
        column = indent + match.start(2)
        first = rest[0]
        if first == "[":
            self.positions[dotted] = (number, indent + 1)
            mapping[key] = self._flow_list(rest, number, column, dotted)
            return
        self.positions[dotted] = (number, column + 1)
        mapping[key] = self._value(rest, number, column, dotted)

    def _value(self, text: str, number: int, column: int, dotted: str) -> Any:
        first = text[0]
        if first == '"' or first == "'":
            if len(text) < 2 or text[-1] != first or first in text[1:-1]:
                raise _Defer
            return text[1:-1]
        if first == "[":
            return self._flow_list(text, number, column, dotted)
        if "#" in text:
            text = _strip_comment(text)
        return _plain(text)

    def _flow_list(self, text: str, number: int, column: int, dotted: str) -> list[Any]:
        if not text.endswith("]"):
            raise _Defer
        inner = text[1:-1]
        if not inner.strip(" "):
            return []
        items = []
        offset = column + 1
        for index, part in enumerate(inner.split(",")):
            value = part.strip(" ")
            if not value or _FLOW_ITEM_BAD.search(value):
                raise _Defer
            start = offset + (len(part) - len(part.lstrip(" ")))
            self.positions[f"{dotted}.{index}"] = (number, start + 1)
            items.append(_plain(value))
            offset += len(part) + 1
        return items


def _strip_comment(text: str) -> str:
    position = text.find(" #")
    if position >= 0:
        text = text[:position].rstrip(" ")
    return text


# A county's records repeat the same plain values (true, 女, 务农, a grade, a common date):
# each is resolved once per process. The values are immutable (str, int, float, bool, None,
# date, datetime); the cache is emptied when it grows past its bound.
_PLAIN_SEEN: dict[str, Any] = {}
_PLAIN_SEEN_LIMIT = 100_000


def _plain(text: str) -> Any:
    """A plain scalar's value by PyYAML's own resolvers and constructors."""
    try:
        return _PLAIN_SEEN[text]
    except KeyError:
        pass
    value = _resolve_plain(text)
    if len(_PLAIN_SEEN) >= _PLAIN_SEEN_LIMIT:
        _PLAIN_SEEN.clear()
    _PLAIN_SEEN[text] = value
    return value


def _resolve_plain(text: str) -> Any:
    if text[0] in _PLAIN_START_BAD or ": " in text or text.endswith(":") or " #" in text:
        raise _Defer
    tag = _STR
    for candidate, pattern in _RESOLVERS.get(text[0], _ANY_FIRST):
        if pattern.match(text):
            tag = candidate
            break
    if tag == _STR:
        return text
    # The constructor function itself, not construct_object: that one remembers every node.
    construct = _CONSTRUCTOR.yaml_constructors.get(tag)
    if construct is None:
        raise _Defer
    try:
        value = construct(_CONSTRUCTOR, yaml.ScalarNode(tag, text))
    except (ValueError, TypeError, yaml.YAMLError, OverflowError):
        raise _Defer from None
    if isinstance(value, (bytes, set)):
        raise _Defer
    return value
