"""Change a few fields of a child's YAML file, keeping every other line, comment and key order."""

from __future__ import annotations

import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from liushou.display import display_width
from liushou.load.schema import CHILD_FIELDS

_QUOTED = ("phone", "employer_phone", "id_number")
_PARENT_ORDER = ("relation", "name", "phone", "work_place", "employer", "employer_phone")


class EditError(Exception):
    """A record file that the round-trip editor cannot read; the message is in Chinese."""


def _yaml(text: str) -> YAML:
    yaml = YAML()  # round-trip: comments, key order and quoting survive load + dump
    yaml.preserve_quotes = True
    yaml.width = 1 << 16  # never fold a long line the school wrote on one line
    mapping, offset = _indents(text)
    yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    return yaml


def _indents(text: str) -> tuple[int, int]:
    """The file's mapping indent and the indent of `-` under its key (as examples: 2 and 2)."""
    mapping, offset = 2, 2
    lines = text.splitlines()
    for above, line in zip(lines, lines[1:]):
        if re.match(r"^[A-Za-z_]\w*:\s*(#.*)?$", above):
            indent = len(line) - len(line.lstrip(" "))
            if line.lstrip(" ").startswith("- "):
                offset = indent
            elif indent and line.strip() and not line.lstrip().startswith("#"):
                mapping = indent
    return mapping, offset


def _value(key: str, value: Any) -> Any:
    if isinstance(value, str) and key in _QUOTED:
        return DoubleQuotedScalarString(value)
    if isinstance(value, list):
        seq = CommentedSeq(value)
        seq.fa.set_flow_style()
        return seq
    return value


def _order(path: tuple[str, ...]) -> tuple[str, ...]:
    """The keys of the mapping at `path` in the order of data-format §3."""
    if path == ("parents",):
        return _PARENT_ORDER
    fields = CHILD_FIELDS
    for part in path:
        fields = fields[part].children or {}
    return tuple(fields)


def _set(mapping: CommentedMap, key: str, value: Any, order: tuple[str, ...]) -> None:
    if key in mapping:
        current = mapping[key]
        if isinstance(current, CommentedSeq) and isinstance(value, list):
            current[:] = value  # keeps the list's style (flow or block) and comments
        else:
            mapping[key] = _value(key, value)
        return
    # A new key goes after the last key that comes before it in the data format order.
    rank = order.index(key) if key in order else len(order)
    position = 0
    for index, existing in enumerate(mapping):
        if existing in order and order.index(existing) < rank:
            position = index + 1
    mapping.insert(position, key, _value(key, value))


def _mapping(parent: CommentedMap, key: str, order: tuple[str, ...]) -> CommentedMap:
    current = parent.get(key)
    if not isinstance(current, CommentedMap):
        _set(parent, key, CommentedMap(), order)
        current = parent[key]
    return current


def edit_record(text: str, changes: dict[str, Any]) -> str:
    """Apply field changes to a record's YAML text.

    Args:
        text: the file as it is.
        changes: dotted keys to new values: "address", "guardian.phone",
            "parents.父亲.phone" (the item of `parents` whose relation is 父亲, added when
            missing), "profile.interests" (a list). Dates as datetime.date.

    Returns:
        The new text; lines of keys not in `changes` are unchanged. Raises EditError.
    """
    yaml = _yaml(text)
    try:
        data = yaml.load(text)
    except YAMLError as error:
        raise EditError(f"档案不是有效的 YAML，无法修改：{error.__class__.__name__}") from None
    if not isinstance(data, CommentedMap):
        raise EditError("档案顶层不是“键: 值”的映射，无法修改")
    top = tuple(CHILD_FIELDS)
    for dotted, value in changes.items():
        parts = dotted.split(".")
        if parts[0] == "parents":
            _set_parent(data, parts[1], parts[2], value, top)
        elif len(parts) == 1:
            _set(data, parts[0], value, top)
        else:
            inner = _mapping(data, parts[0], top)
            _set(inner, parts[1], value, _order((parts[0],)))
    out = io.StringIO()
    yaml.dump(data, out)
    return _realign(text, out.getvalue())


_COMMENTED = re.compile(r"^(?P<body>.*?\S)(?P<gap> +)(?P<comment>#[^\"']*)$")


def _realign(before: str, after: str) -> str:
    """Put the end-of-line comments of changed lines back in their display column.

    ruamel keeps a comment's column in characters; a Chinese value is two columns wide on
    screen, so a filled-in line's comment would drift right of its neighbours.
    """
    kept = set(before.splitlines())
    lines = []
    for line in after.splitlines(keepends=True):
        match = _COMMENTED.match(line.rstrip("\n"))
        if line.rstrip("\n") not in kept and match and match["body"].count('"') % 2 == 0:
            column = len(match["body"]) + len(match["gap"])
            pad = max(column - display_width(match["body"]), 1)
            line = f"{match['body']}{' ' * pad}{match['comment']}" + (
                "\n" if line.endswith("\n") else ""
            )
        lines.append(line)
    return "".join(lines)


def _set_parent(data: CommentedMap, relation: str, key: str, value: Any, top) -> None:
    parents = data.get("parents")
    if not isinstance(parents, CommentedSeq):
        _set(data, "parents", CommentedSeq(), top)
        parents = data["parents"]
    for item in parents:
        if isinstance(item, CommentedMap) and item.get("relation") == relation:
            break
    else:
        item = CommentedMap()
        item["relation"] = relation
        # 父亲 before 母亲, as a school lists them
        position = 0 if relation == "父亲" and parents else len(parents)
        parents.insert(position, item)
    _set(item, key, value, _PARENT_ORDER)
