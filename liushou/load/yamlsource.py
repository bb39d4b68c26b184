"""Parse one YAML file into plain values that remember the line and column of every key."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from liushou.findings import Finding, finding, shown
from liushou.load.fastyaml import fast_parse

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


def detect_encoding(data: bytes, file: str, findings: list[Finding]) -> str | None:
    """The encoding to read file bytes with, tried as data-format §4 orders: BOM, UTF-8, GB18030.

    Checked piece by piece, so a large log is never held twice as text just to be checked.

    Returns:
        "utf-8-sig" or "gb18030" (with an LS008 warning), or None (with an LS001 finding).
    """
    bom = data.startswith(b"\xef\xbb\xbf")
    for encoding in ("utf-8-sig", "gb18030"):
        if bom and encoding != "utf-8-sig":
            break  # a BOM promises UTF-8: nothing else to try
        # Plain UTF-8 past any BOM: the utf-8-sig incremental decoder accepts a lone b"\xef".
        decoder = codecs.getincrementaldecoder("utf-8" if encoding == "utf-8-sig" else encoding)(
            "strict"
        )
        body = data[3:] if bom else data
        try:
            for start in range(0, len(body), _PIECE):
                decoder.decode(body[start : start + _PIECE])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        if encoding == "gb18030":
            findings.append(finding("LS008", file, 1, encoding="GB18030/GBK"))
        return encoding
    findings.append(finding("LS001", file, 1))
    return None


_PIECE = 1 << 22


def decode(data: bytes, file: str, findings: list[Finding]) -> str | None:
    """Decode file bytes (see detect_encoding); None, with a finding, when none fits."""
    try:  # the usual case, in one pass: a small UTF-8 file
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        encoding = detect_encoding(data, file, findings)
        return None if encoding is None else data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


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
    # A key written `name：值` or `name:值` is no key to YAML: found before parsing, so the
    # finding is at its line whatever YAML makes of it (a string, or an error lines later).
    slips = colon_slips(text, file) if _SLIP.search(text) else []
    fast = fast_parse(text)
    if fast is not None:
        out.value, out.positions = fast
        return _unread(out, slips) if slips else out
    if "\\u" in text or "\\U" in text:
        # A lone surrogate escape ("\udc80") is no character at all: read it as U+FFFD, an
        # escape of the same length, so a key holding one is an unknown field (LS104), a value
        # an ordinary wrong value, and every position stays where it was.
        text = _SURROGATE_ESCAPE.sub(_replace_surrogate, text)
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
            out.findings += _yaml_error(file, mark, _why(exc), slips)
        return out
    except yaml.reader.ReaderError as exc:  # a control character: it has a position, no mark
        # libyaml counts the position in bytes of UTF-8, the pure-Python reader in characters
        if _Loader is getattr(yaml, "CSafeLoader", None):
            before = text.encode("utf-8")[: exc.position].decode("utf-8", "ignore")
        else:
            before = text[: exc.position]
        line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
        out.findings.append(finding("LS002", file, line, column, detail=_why(exc)))
        return out
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if not (tab_lines and mark is not None and _line(mark) in tab_lines):
            out.findings += _yaml_error(file, mark, _why(exc), slips)
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
    try:
        out.value = _Builder(out, file).build(node, "")
    except _TooComplex as exc:
        out.findings.append(finding("LS002", file, _line(exc.mark), _col(exc.mark), detail=exc.why))
        out.value = None
    return _unread(out, slips) if slips and out.value is not None else out


# A line that starts (after its indent and any `- `) with a key and a full-width colon, or a
# colon with no space after it (a URL's `://` and a path's `:\` are values, not slips).
_SLIP = re.compile(r"^[ ]*(?:-[ ]+)?([A-Za-z_][A-Za-z0-9_]*)(：|:(?=[^\s/\\]))", re.M)
# A line whose value goes on over the lines below: a block scalar (| or >) or an open quote.
_BLOCK_SCALAR = re.compile(r"(?:^|[ :-])[|>][-+0-9]*[ ]*(?:#.*)?$")
_OPEN_QUOTE = re.compile(r"""^[ ]*(?:-[ ]+)?(?:[^:#'"]+:[ ]+)?(["'])""")


def colon_slips(text: str, file: str) -> list[Finding]:
    """LS002 at each line whose key has a full-width colon or no space after its colon.

    Lines inside a block scalar (`notes: |`) or a quoted value over several lines are text, not
    keys, and are left alone.
    """
    out = []
    inside: int | None = None  # the indent a block scalar's lines go deeper than
    quote: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        content = line.lstrip(" ")
        indent = len(line) - len(content)
        if quote is not None:
            if quote in line:
                quote = None
            continue
        if inside is not None:
            if not content or indent > inside:
                continue
            inside = None
        match = _SLIP.match(line)
        if match is not None:
            key, colon = match.group(1, 2)
            if colon == "：":
                detail = (
                    f"{key} 后的冒号是中文全角冒号“：”，请改成英文冒号加一个空格，写成“{key}: 值”"
                )
            else:
                detail = f"{key} 后的冒号“:”后面缺少空格，请写成“{key}: 值”"
            out.append(finding("LS002", file, number, match.start(2) + 1, detail=detail))
            continue
        if _BLOCK_SCALAR.search(line.split(" #")[0] if " #" in line else line):
            inside = indent
        opened = _OPEN_QUOTE.match(line)
        if opened is not None and line.rstrip(" ").count(opened.group(1)) == 1:
            quote = opened.group(1)
    return out


def _unread(out: ParsedYaml, slips: list[Finding]) -> ParsedYaml:
    """A file YAML could read but with a mistyped key: unread, as after a syntax error."""
    out.findings += slips
    out.value, out.positions, out.invalid = None, {}, {}
    return out


def _yaml_error(file: str, mark: Any, detail: str, slips: list[Finding]) -> list[Finding]:
    """The syntax error YAML reports, unless it is the knock-on of a mistyped key above it."""
    if slips and (mark is None or _line(mark) >= slips[0].line):
        return slips
    return [finding("LS002", file, _line(mark), _col(mark), detail=detail), *slips]


# A child record has a few dozen keys; beyond this many it is not a record, and checking each
# key (with a did-you-mean search for every unknown one) would take minutes.
MAX_KEYS = 2000


def capped(out: ParsedYaml, file: str) -> ParsedYaml:
    """`out`, or no value and an LS019 finding when it holds more than MAX_KEYS keys and
    list items (for a child record; liushou.yaml may list thousands of staff)."""
    if out.value is not None and len(out.positions) > MAX_KEYS:
        out.findings.append(finding("LS019", file, 1, limit=MAX_KEYS))
        out.value, out.positions, out.invalid = None, {}, {}
    return out


_SURROGATE_ESCAPE = re.compile(
    r"(?<!\\)((?:\\\\)*)\\(u[dD][89a-fA-F][0-9a-fA-F]{2}|U0000[dD][89a-fA-F][0-9a-fA-F]{2})"
)


def _replace_surrogate(match: re.Match) -> str:
    escape = match.group(2)
    return match.group(1) + ("\\ufffd" if escape[0] == "u" else "\\U0000fffd")


class _TooComplex(Exception):
    def __init__(self, mark: Any, why: str):
        super().__init__(why)
        self.mark, self.why = mark, why


class _Builder:
    """Turns composed nodes into plain values, recording positions and findings.

    Aliases make the node graph a DAG or even a cycle, so the walk is bounded: a record is a
    few dozen values, and a file that expands far beyond that is refused, not followed.
    """

    MAX_NODES = 10_000
    MAX_DEPTH = 50

    def __init__(self, out: ParsedYaml, file: str):
        self.out = out
        self.file = file
        self.constructor = yaml.constructor.SafeConstructor()
        self.nodes = 0
        self.path_ids: set[int] = set()

    def build(self, node: yaml.Node, path: str) -> Any:
        self.nodes += 1
        if self.nodes > self.MAX_NODES:
            raise _TooComplex(node.start_mark, "文件展开后过大（锚点 & 和别名 * 用得太多？）")
        if id(node) in self.path_ids:
            raise _TooComplex(node.start_mark, "别名 * 引用了包含它自己的内容（循环引用）")
        if len(self.path_ids) >= self.MAX_DEPTH:
            raise _TooComplex(node.start_mark, "嵌套层数太多")
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node, self.constructor)
        self.path_ids.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return self._sequence(node, path)
        finally:
            self.path_ids.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: str) -> dict[str, Any]:
        out = self.out
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = _line(key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode):
                out.findings.append(
                    finding(
                        "LS002",
                        self.file,
                        line,
                        _col(key_node.start_mark),
                        detail="键必须是简单的文字，不能是列表或映射",
                    )
                )
                continue
            # Keys are names, never values: `on:` or `no:` must stay text, not YAML 1.1 booleans.
            key = key_node.value
            dotted = _join(path, key)
            if key in first_line:
                out.findings.append(
                    finding(
                        "LS003",
                        self.file,
                        line,
                        _col(key_node.start_mark),
                        key=shown(dotted),
                        first=first_line[key],
                    )
                )
                continue
            first_line[key] = line
            # A scalar is pointed at where its value starts; a block at its key.
            mark = value_node.start_mark if isinstance(value_node, yaml.ScalarNode) else None
            if mark is not None and mark.line + 1 == line:
                out.positions[dotted] = (line, _col(mark))
            else:
                out.positions[dotted] = (line, _col(key_node.start_mark))
            value = self.build(value_node, dotted)
            if value is INVALID:
                out.invalid[dotted] = value_node.tag
                continue
            result[key] = value
        return result

    def _sequence(self, node: yaml.SequenceNode, path: str) -> list[Any]:
        items = []
        for index, item_node in enumerate(node.value):
            dotted = _join(path, str(index))
            self.out.positions[dotted] = (_line(item_node.start_mark), _col(item_node.start_mark))
            value = self.build(item_node, dotted)
            if value is INVALID:
                self.out.invalid[dotted] = item_node.tag
                value = None
            items.append(value)
        return items


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
    """PyYAML's English problem, said in Chinese (by prefix; unknown ones get a general hint)."""
    problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or ""
    for prefix, chinese in _PROBLEMS:
        if problem.startswith(prefix):
            return chinese
    return "格式不正确，请检查这一行的缩进、冒号后的空格和引号"


_PROBLEMS = (
    ("mapping values are not allowed", "此处不能出现“键: 值”（冒号后是否少了空格，或缩进不对？）"),
    ("could not find expected ':'", "找不到应有的冒号“:”"),
    ("found unexpected end of stream", "文件意外结束（引号或括号没有闭合？）"),
    ("did not find expected key", "缩进不对齐或缺少键"),
    ("did not find expected node content", "冒号或短横线后缺少内容（括号没有闭合？）"),
    ("did not find expected ',' or ']'", "方括号列表 [ ] 没有闭合，或项之间缺少逗号"),
    ("did not find expected ',' or '}'", "花括号 { } 没有闭合，或项之间缺少逗号"),
    ("did not find expected '-' indicator", "列表项应以“- ”开头，且缩进一致"),
    ("expected <block end>", "缩进不对齐"),
    ("found undefined alias", "引用了未定义的锚点（*）"),
    ("found duplicate anchor", "锚点（&）重复定义"),
    ("found character", "有不能出现在这里的字符（例如制表符 Tab 或全角符号）"),
    ("found a tab character", "缩进中有制表符（Tab），YAML 只允许用空格缩进"),
    ("found unknown escape character", "双引号中有无法识别的转义（\\），请改用单引号"),
    ("found unexpected ':'", "冒号位置不对（冒号后要有空格）"),
    ("control characters are not allowed", "文件中有不可见的控制字符"),
    ("special characters are not allowed", "文件中有不可见的控制字符"),
    ("found undefined tag handle", "有无法识别的标签（!）"),
    ("expected alphabetic or numeric character", "锚点或别名的名字不对"),
)


def is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
