"""Make text from a school's files safe to print: control characters escaped, personal values masked.

Everything liushou prints about a repository (file names, excerpts of lines, values in
messages) may come from an untrusted file: a newline in a file name can forge a GitHub
annotation (`::error file=…::`), an escape sequence can clear the terminal or write to the
clipboard (OSC 52), and a line can hold an address or an ID number. `escape_controls` makes
every control character visible as `\\x1b`-style text; `mask_yaml_line` hides the value of
every key that is not known to hold a code, a date or a flag, whatever the line's shape
(block or flow style, quoted keys, misspelt keys, values with commas or brackets).
"""

from __future__ import annotations

import re

# C0 and C1 controls (tab kept), DEL, line and paragraph separators, bidirectional overrides
# (which reorder what a reviewer sees), and lone surrogates (which cannot be encoded at all).
_CONTROL = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match) -> str:
    ch = match.group(0)
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """`text` with every control character written out (`\\x1b`, `\\n`, `\\u202e`)."""
    if _CONTROL.search(text) is None:  # the usual case, one C scan
        return text
    return _CONTROL.sub(_escape, text)


# Keys whose values are codes, dates, flags or small numbers: shown in excerpts. Any other
# key's value (names, phones, ID numbers, addresses, health, notes, and any misspelt key) is
# masked, together with everything after it on the line.
SHOWN_KEYS = frozenset(
    {
        "id",
        "gender",
        "grade",
        "class",
        "boarding",
        "enrolled_on",
        "status",
        "status_date",
        "left_behind",
        "type",
        "since",
        "until",
        "guardianship",
        "relation",
        "age",
        "mentor",
        "focus",
        "vaccinated",
        "insured",
        "on",
        "interests",
        "birth_date",
        "care",
        "profile",
        "consent",
        "parents",
        "guardian",
    }
)
# A mapping key: quoted (either quote) or plain, then a colon followed by a space or the end.
_KEY = re.compile(
    r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s\[\]{},:#"'-][^\[\]{},:#"']*?))\s*:(?=[ \t]|$)"""
)
_DIGITS = re.compile(r"\d{7,}[Xx]?|\d(?:[ -]?\d){10,}")
# A key followed by a full-width colon, or by a colon with no space after it
_SLIPPED_KEY = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w.]*)\s*(?:：|:(?=\S))")
_WORDY = re.compile(r"[^\s\-\[\]{},:#|>'\"]")


def mask_digits(text: str) -> str:
    """Mask digit runs that may be a phone or an ID number, keeping the first three."""
    return _DIGITS.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 3), text)


def mask_yaml_line(line: str) -> str:
    """A YAML source line with every personal value hidden, for an excerpt.

    The value of the first key that is not in SHOWN_KEYS, and everything after it on the line,
    becomes ***; a line with no key at all (a continuation of a value over several lines, a
    list item) is shown only as its indentation and ***; digit runs are masked anywhere.
    """
    found_key = False
    for match in _KEY.finditer(line):
        found_key = True
        key = next(group for group in match.groups() if group is not None).strip()
        if key not in SHOWN_KEYS:
            rest = line[match.end() :]
            return mask_digits(line[: match.end()]) + (" ***" if rest.strip() else "")
    if not found_key and (slip := _SLIPPED_KEY.match(line)):
        # `name：…` or `name:…` (a colon slip, reported as LS002): keep the key, hide the value
        if slip[1] in SHOWN_KEYS:
            return mask_digits(line)
        return line[: slip.end()] + (" ***" if line[slip.end() :].strip() else "")
    if not found_key:
        body = line.lstrip(" -")
        if _WORDY.search(body) and not _plain_code(body):
            return line[: len(line) - len(body)] + "***"
    return mask_digits(line)


_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,40}|[\u4e00-\u9fff]{1,4}")


def _plain_code(text: str) -> bool:
    """A lone short word (a list item such as `画画` or an id): harmless to show."""
    stripped = text.strip()
    return bool(_CODE.fullmatch(stripped)) and not _DIGITS.search(stripped)


_ADDRESS_MARKS = re.compile("[省市县區区镇鎮乡鄉村组組路街巷弄号號楼樓室屯寨]")
_PLAIN_ID = re.compile(r"[A-Za-z0-9_.-]{1,40}")
_DIGIT = re.compile(r"\d")


def safe_value(value: object) -> str | None:
    """`value` as text when it is safe to print (an id, a short name), else None.

    Ids of letters, digits, `-` and `_` are shown unless they hold a long digit run (an ID
    number or a phone typed as an id); short text is shown only without digits and without
    the characters addresses are made of (省, 市, 村, 路, 号...).
    """
    text = str(value)
    if _PLAIN_ID.fullmatch(text) and not _DIGITS.search(text):
        return escape_controls(text)
    if len(text) <= 6 and not _DIGIT.search(text) and not _ADDRESS_MARKS.search(text):
        return escape_controls(text)
    return None


def looks_personal(text: str) -> bool:
    """Whether a short value may be a phone, an ID number or an address (digit runs, or the
    characters addresses are made of): such a value is not printed even in a shown column."""
    return bool(_DIGITS.search(text) or _ADDRESS_MARKS.search(text))
