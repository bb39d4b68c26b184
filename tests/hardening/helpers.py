"""Shared helpers for the hardening tests: a repository with a secret outside it, the CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from liushou.cli import app

from ..repo_factory import CHILD, TODAY, write_repo

runner = CliRunner()
SECRET = "root:x:0:0:SECRET-LINE-7f3a:/root:/bin/bash"
TALKS = "date,child_id,staff,summary\n2015-10-10,c1,周老师,谈学习\n"


def outside_secret(tmp_path: Path) -> Path:
    """An /etc/passwd-like file outside the repository."""
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text(SECRET + "\n" + SECRET + "\n", encoding="utf-8")
    return secret


def repo(tmp_path: Path, **kwargs) -> Path:
    kwargs.setdefault("children", {"2/1/c1.yaml": CHILD.format(id="c1")})
    kwargs.setdefault("logs", {"talks": TALKS})
    return write_repo(tmp_path / "repo", **kwargs)


def cli(*args: str):
    return runner.invoke(app, ["--today", TODAY.isoformat(), *args])


def check_json(root: Path, *extra: str) -> tuple[int, dict]:
    result = cli("-C", str(root), "check", "--format", "json", *extra)
    return result.exit_code, json.loads(result.stdout)


def codes(doc: dict) -> set[tuple[str, str]]:
    return {(f["file"], f["code"]) for f in doc["findings"]}
