"""Print a CheckResult as text (with the offending line and a caret), JSON, or GitHub commands."""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import re
from typing import TextIO

from liushou import __version__, fsguard
from liushou.check.result import CheckResult
from liushou.display import display_width
from liushou.findings import CATALOGUE, ERROR, Finding
from liushou.textsafe import escape_controls, looks_personal, mask_digits, mask_yaml_line

SEVERITY_ZH = {"error": "错误", "warning": "警告"}
# Findings about a file liushou refused to read (a link out of the repository, a loop, a file
# too large): no excerpt, since showing one would read the very file refused.
_NO_EXCERPT = {"LS013", "LS014", "LS015", "LS016", "LS017", "LS018", "LS019"}
_EXCERPT_LIMIT = 1 << 30
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

# Excerpts are shown in CI logs: personal values must never be printed. In a YAML line only the
# values of keys that hold codes, dates and flags are shown (names, phones, addresses, health and
# notes become ***, wherever they stand, block or flow style); in a CSV row every free-text cell
# becomes "…"; and anywhere, digit runs that may be a phone or an ID number are masked.


def mask_excerpt(line: str, csv_header: str | None = None) -> str:
    """Hide personal values in a source line shown as context.

    Args:
        line: the line as written.
        csv_header: for a CSV row, the file's header line; free-text and extra columns are
            then shown as "…".
    """
    if csv_header is not None:
        return escape_controls(mask_digits(_mask_csv_cells(line, csv_header)))
    # Any key not known to hold a code, date or flag hides the rest of the line (textsafe).
    return escape_controls(mask_yaml_line(line))


@functools.cache
def _csv_shown() -> frozenset[str]:
    """The log columns shown in an excerpt: every known column but the free-text ones (the log
    specifications are read only when a log row is shown)."""
    from liushou.logspec import FREE_TEXT, LOGS

    return frozenset({c for spec in LOGS.values() for c in spec.columns} - set(FREE_TEXT))


def _mask_csv_cells(line: str, header_line: str) -> str:
    from liushou.logspec import canonical_header

    try:
        header = canonical_header(next(csv.reader([header_line]), []))
        cells = next(csv.reader([line]), [])
    except csv.Error:
        return "…"
    shown = [
        cell
        if index < len(header) and header[index] in _csv_shown() and not looks_personal(cell)
        else "…"
        for index, cell in enumerate(cells)
    ]
    return ",".join(shown)


class TextReporter:
    """`file:line:col: 级别 CODE 消息`, the masked line with a caret, then a summary."""

    def __init__(self, result: CheckResult, out: TextIO):
        self.result = result
        self.out = out
        self._lines: dict[str, list[str]] = {}

    def _source_line(self, file: str, line: int) -> str | None:
        if file not in self._lines:
            try:
                # The read policy again: never an excerpt of a file outside the repository.
                data = fsguard.safe_read_bytes(
                    self.result.root, self.result.root / file, _EXCERPT_LIMIT
                )
                try:
                    text = data.decode("utf-8-sig")
                except UnicodeDecodeError:
                    text = data.decode("gb18030", errors="replace")
                self._lines[file] = text.splitlines()
            except OSError:
                self._lines[file] = []
        lines = self._lines[file]
        return lines[line - 1] if 0 < line <= len(lines) else None

    def report(self) -> None:
        for f in self.result.findings:
            where = escape_controls(f.file) + "".join(f":{n}" for n in (f.line, f.column) if n)
            message = escape_controls(f.message)
            self.out.write(f"{where}: {SEVERITY_ZH[f.severity]} {f.code} {message}\n")
            source = self._source_line(f.file, f.line) if f.line else None
            if source is not None and f.code not in _NO_EXCERPT:
                is_csv = f.file.endswith(".csv")
                header = self._source_line(f.file, 1) if is_csv else None
                excerpt = mask_excerpt(source.rstrip("\r\n"), header)
                gutter = " " * len(str(f.line))
                self.out.write(f"  {f.line} | {excerpt}\n")
                if f.column:
                    if is_csv:
                        pad = display_width(excerpt[: _csv_offset(excerpt, f.column) - 1])
                    else:
                        pad = display_width(escape_controls(source[: f.column - 1]))
                    self.out.write(f"  {gutter} | {' ' * pad}^\n")
        r = self.result
        if r.findings:
            self.out.write(
                f"共 {r.errors} 个错误，{r.warnings} 个警告"
                f"（{r.children} 份儿童档案，{r.logs} 个日志文件）\n"
            )
        else:
            self.out.write(f"检查通过：{r.children} 份儿童档案，{r.logs} 个日志文件\n")


class JsonReporter:
    """data-format §8: {"findings": [...], "errors": n, "warnings": n}."""

    def __init__(self, result: CheckResult, out: TextIO):
        self.result = result
        self.out = out

    def report(self) -> None:
        doc = {
            "findings": [
                {
                    "file": f.file,
                    "line": f.line,
                    "column": f.column,
                    "severity": f.severity,
                    "code": f.code,
                    "message": f.message,
                }
                for f in self.result.findings
            ],
            "errors": self.result.errors,
            "warnings": self.result.warnings,
        }
        text = json.dumps(doc, ensure_ascii=False, indent=2)
        # JSON escapes C0 controls itself; C1 controls, separators and lone surrogates are
        # written as \u escapes too, so a terminal showing the output acts on none of them.
        self.out.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text) + "\n")


class GithubReporter:
    """GitHub Actions workflow commands, one per finding, so findings annotate the diff."""

    def __init__(self, result: CheckResult, out: TextIO):
        self.result = result
        self.out = out

    def report(self) -> None:
        for f in self.result.findings:
            props = [f"file={_escape_property(f.file)}"]
            if f.line:
                props.append(f"line={f.line}")
            if f.column:
                props.append(f"col={f.column}")
            props.append(f"title={_escape_property(f.code)}")
            kind = "error" if f.severity == ERROR else "warning"
            self.out.write(f"::{kind} {','.join(props)}::{_escape_data(f.message)}\n")
        r = self.result
        self.out.write(f"共 {r.errors} 个错误，{r.warnings} 个警告\n")


def fingerprints(findings: list[Finding]) -> list[str]:
    """A stable id per finding: a hash of code, file, line and message (never of the time).

    Two identical findings in one file get the same hash plus their occurrence number, so every
    fingerprint in a report is unique and a rerun gives the same ones.
    """
    seen: dict[str, int] = {}
    result = []
    for f in findings:
        digest = hashlib.sha256(
            "\x1f".join((f.code, f.file, str(f.line or 0), f.message)).encode("utf-8")
        ).hexdigest()
        seen[digest] = seen.get(digest, 0) + 1
        result.append(digest if seen[digest] == 1 else f"{digest[:56]}-{seen[digest]}")
    return result


class GitlabReporter:
    """GitLab Code Quality (data-format §8): a JSON array, severity major for errors, minor for warnings."""

    def __init__(self, result: CheckResult, out: TextIO):
        self.result = result
        self.out = out

    def report(self) -> None:
        findings = self.result.findings
        doc = [
            {
                "description": f"{f.code} {f.message}",
                "check_name": f.code,
                "fingerprint": fingerprint,
                "severity": "major" if f.severity == ERROR else "minor",
                "location": {"path": f.file, "lines": {"begin": f.line or 1}},
            }
            for f, fingerprint in zip(findings, fingerprints(findings))
        ]
        json.dump(doc, self.out, ensure_ascii=False, indent=2)
        self.out.write("\n")


SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)


class SarifReporter:
    """SARIF 2.1.0 (data-format §8): one run of the tool `liushou`, one rule per catalogue code."""

    def __init__(self, result: CheckResult, out: TextIO):
        self.result = result
        self.out = out

    def report(self) -> None:
        findings = self.result.findings
        codes = sorted(CATALOGUE)
        index = {code: i for i, code in enumerate(codes)}
        rules = [
            {
                "id": code,
                "name": code,
                "shortDescription": {"text": CATALOGUE[code].title},
                "defaultConfiguration": {
                    "level": "error" if CATALOGUE[code].severity == ERROR else "warning"
                },
            }
            for code in codes
        ]
        results = []
        for f, fingerprint in zip(findings, fingerprints(findings)):
            region = {"startLine": f.line or 1}
            if f.column:
                region["startColumn"] = f.column
            entry = {
                "ruleId": f.code,
                "level": "error" if f.severity == ERROR else "warning",
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f.file, "uriBaseId": "SRCROOT"},
                            "region": region,
                        }
                    }
                ],
                "partialFingerprints": {"liushouFinding/v1": fingerprint},
            }
            if f.code in index:
                entry["ruleIndex"] = index[f.code]
            results.append(entry)
        doc = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "liushou",
                            "version": __version__,
                            "rules": rules,
                        }
                    },
                    "columnKind": "unicodeCodePoints",
                    "results": results,
                }
            ],
        }
        json.dump(doc, self.out, ensure_ascii=False, indent=2)
        self.out.write("\n")


REPORTER_BY_NAME = {
    "text": TextReporter,
    "json": JsonReporter,
    "github": GithubReporter,
    "gitlab": GitlabReporter,
    "sarif": SarifReporter,
}


def _escape_data(text: str) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return escape_controls(text)


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _csv_offset(line: str, field: int) -> int:
    """The 1-based character position where CSV field number `field` starts in `line`."""
    cells = next(csv.reader([line]), [])
    return 1 + sum(len(cell) + 1 for cell in cells[: field - 1])
