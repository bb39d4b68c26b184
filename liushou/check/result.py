"""The result of one `check` run: its findings and what was read, for the reporters to print."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from liushou.findings import ERROR, WARNING, Finding


@dataclass
class CheckResult:
    """Every finding of one `check` run, sorted by file and line."""

    root: Path
    findings: list[Finding] = field(default_factory=list)
    children: int = 0
    logs: int = 0

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == WARNING for f in self.findings)

    def exit_code(self, strict: bool = False) -> int:
        """1 when there are errors (or, with `strict`, warnings), else 0."""
        return 1 if self.errors or (strict and self.warnings) else 0
