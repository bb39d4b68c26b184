"""Parse one YAML file into plain values that remember the line and column of every key."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import yaml

from .findings import Finding, finding

try:  # libyaml's composer is several times faster; fall back to the pure-Python one
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_STR = "tag:yaml.org,2002:str"

# Values whose construction failed (an impossible date such as 2015-02-30).
INVALID = object()


@dataclass
class ParsedYaml:
    """The result of parsing: `value` is None when the file could not be read as one document."""

    value: Any = None
    positions: dict[str, tuple[int, int]] = field(default_factory=dict)
    invalid: dict[str, str] = field(default_factory=dict)  # dotted key -> YAML tag it failed as
    findings: list[Finding] = field(default_factory=list)


def decode(data: bytes, file: str, findings: list[Finding]) -> str | None:
    """Decode file bytes as SPEC §4 orders: BOM, strict UTF-8, strict GB18030.

    Returns:
        The text, or None (with an LS001 finding) when none of them fits.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if data.startswith(b"\xef\xbb\xbf"):  # a BOM promises UTF-8: nothing else to try
            findings.append(finding("LS001", file, 1))
            return None
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        findings.append(finding("LS001", file, 1))
        return None
    findings.append(finding("LS008", file, 1, encoding="GB18030/GBK"))
    return text


def parse_yaml(data: bytes, file: str) -> ParsedYaml:
    """Parse a YAML file that must hold exactly one mapping.

    Args:
        data: the file's bytes.
        file: its path relative to the repository root, for findings.

    Returns:
        A ParsedYaml; every problem is a finding, nothing is raised.
    """
    out = ParsedYaml()
    text = decode(data, file, out.findings)
    if text is None:
        return out
    if not text.strip():
        out.findings.append(finding("LS006", file, 1))
        return out
    tab_lines = _tab_indented_lines(text) if "\t" in text else []
    for line in tab_lines:
        out.findings.append(finding("LS004", file, line, 1))
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.composer.ComposerError as exc:
        mark = exc.problem_mark
        if "single document" in (exc.context or ""):
            out.findings.append(finding("LS005", file, _line(mark)))
        else:
            out.findings.append(finding("LS002", file, _line(mark), _col(mark), detail=_why(exc)))
        return out
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if not (tab_lines and mark is not None and _line(mark) in tab_lines):
            out.findings.append(finding("LS002", file, _line(mark), _col(mark), detail=_why(exc)))
        return out
    finally:
        loader.dispose()
    if node is None:
        out.findings.append(finding("LS006", file, 1))
        return out
    if not isinstance(node, yaml.MappingNode):
        kind = "列表" if isinstance(node, yaml.SequenceNode) else "单个值"
        out.findings.append(finding("LS007", file, _line(node.start_mark), found=kind))
        return out
    constructor = yaml.constructor.SafeConstructor()
    out.value = _build(node, "", out, file, constructor)
    return out


def _build(node: yaml.Node, path: str, out: ParsedYaml, file: str, constructor: Any) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            # Keys are names, never values: `on:` or `no:` must stay text, not YAML 1.1 booleans.
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            line = _line(key_node.start_mark)
            if key in first_line:
                out.findings.append(
                    finding(
                        "LS003",
                        file,
                        line,
                        _col(key_node.start_mark),
                        key=_join(path, key),
                        first=first_line[key],
                    )
                )
                continue
            first_line[key] = line
            dotted = _join(path, key)
            # A scalar is pointed at where its value starts; a block at its key.
            mark = value_node.start_mark if isinstance(value_node, yaml.ScalarNode) else None
            if mark is not None and mark.line + 1 == line:
                out.positions[dotted] = (line, _col(mark))
            else:
                out.positions[dotted] = (line, _col(key_node.start_mark))
            value = _build(value_node, dotted, out, file, constructor)
            if value is INVALID:
                out.invalid[dotted] = value_node.tag
                continue
            result[key] = value
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item_node in enumerate(node.value):
            dotted = _join(path, str(index))
            out.positions[dotted] = (_line(item_node.start_mark), _col(item_node.start_mark))
            value = _build(item_node, dotted, out, file, constructor)
            if value is INVALID:
                out.invalid[dotted] = item_node.tag
                value = None
            items.append(value)
        return items
    return _scalar(node, constructor)


def _scalar(node: yaml.Node, constructor: Any) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return INVALID
    if node.tag == _STR:  # most values are text; skip the constructor's dispatch for them
        return node.value
    try:
        value = constructor.construct_object(node, deep=True)
    except (ValueError, TypeError, yaml.YAMLError, OverflowError):
        return INVALID
    if isinstance(value, (bytes, set)):
        return INVALID
    return value


def _tab_indented_lines(text: str) -> list[int]:
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            lines.append(number)
    return lines


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _line(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


def _col(mark: Any) -> int | None:
    return mark.column + 1 if mark is not None else None


def _why(exc: yaml.YAMLError) -> str:
    # PyYAML's English problem text is the most precise hint we have; it holds no user value
    # beyond a quoted character, so it is safe to show.
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return _PROBLEMS.get(problem, problem)


_PROBLEMS = {
    "mapping values are not allowed here": "此处不能出现“键: 值”（冒号后是否少了空格，或缩进不对？）",
    "could not find expected ':'": "找不到应有的冒号“:”",
    "found unexpected end of stream": "文件意外结束（引号或括号没有闭合？）",
    "did not find expected key": "缩进不对齐或缺少键",
    "found undefined alias": "引用了未定义的锚点（*）",
}


def is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
