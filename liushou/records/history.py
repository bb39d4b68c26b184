"""A child's record through git (data-format §10 `history`): who changed which field when, and log rows.

git is run as a program (`git -C root ...`, no shell); its output is read as bytes and decoded
as UTF-8, else GB18030 (what a record or log saved on Chinese Windows is in), never failing.
The record file is followed through renames (`git log --follow`), so a record moved by `promote`
from 3年级/2班/ to 4年级/2班/ keeps its history. Lists of mappings are compared item by item,
keyed by `relation` when every item has a distinct one (parents[父亲].phone), else by position
(parents[0].phone). Phones, ID numbers and addresses are masked unless `full` is asked for.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from liushou.documents.roster import coarse_place, mask_id_number, mask_phone
from liushou.logspec import LOG_NAMES, canonical_header
from liushou.records.files import GitError, RecordsError, decode_text, git, git_toplevel

# Headers naming the child in a log (data-format §4 allows the Chinese names of `import log`).
CHILD_COLUMNS = ("child_id", "学号", "编号")
PHONE_KEYS = ("phone", "employer_phone")
ADDRESS_KEYS = ("address",)
PLACE_KEYS = ("work_place",)
ABSENT = "（无）"

_SEP_COMMIT = b"\x1e"
_SEP_FIELD = b"\x1f"
_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_LONG_DIGITS = re.compile(r"\d{7,}[\dXx]?")
_TOWN = re.compile(r"^.*?(?:镇|乡|街道)")
_COUNTY = re.compile(r"^.*?(?:县|区|市)")


@dataclass(frozen=True)
class FieldChange:
    """One field of the record, as a dotted path, with its old and new value as shown."""

    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    """One commit that changed the child's record or added log rows for the child."""

    commit: str
    date: str  # author date, "YYYY-MM-DD HH:MM"
    author: str
    path: str | None = None  # the record's path in this commit (relative to the repository)
    event: str = ""  # 新建 | 修改 | 移动 | 删除, or "" when only log rows changed
    moved_from: str | None = None
    changes: list[FieldChange] = field(default_factory=list)
    unreadable: bool = False  # this version of the record is not a YAML mapping
    rows_added: dict[str, int] = field(default_factory=dict)
    rows_removed: dict[str, int] = field(default_factory=dict)
    timestamp: int = 0


@dataclass
class ChildHistory:
    """The history of one child's record, oldest commit first."""

    child_id: str
    path: str  # the record's current path (or last path, when deleted), relative to the root
    entries: list[HistoryEntry]


# ---------------------------------------------------------------------------- values


def mask_address(text: str) -> str:
    """Keep an address up to its town (镇, 乡, 街道; else county or district) and hide the rest."""
    for pattern in (_TOWN, _COUNTY):
        match = pattern.match(text)
        if match and len(match[0]) < len(text):
            return match[0] + "****"
    return "****"


def _mask_digits(text: str) -> str:
    """Hide long digit runs inside free text (a phone or ID number written into notes)."""

    def hide(match: re.Match[str]) -> str:
        run = match[0]
        return mask_id_number(run) if len(run) == 18 else mask_phone(run)

    return _LONG_DIGITS.sub(hide, text)


def shown_value(path: str, value: Any, full: bool = False) -> str:
    """A record value as history shows it: dates ISO, lists joined, personal values masked."""
    if value is None or value == "" or value == [] or value == {}:
        return ABSENT
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (dt.date, dt.datetime)):
        text = value.isoformat()
    elif isinstance(value, list):
        text = "、".join(shown_value(path, item, full) for item in value)
    elif isinstance(value, dict):
        text = "{" + "，".join(f"{k}: {shown_value(path, v, full)}" for k, v in value.items()) + "}"
    else:
        text = str(value)
    if full:
        return text
    last = path.rsplit(".", 1)[-1]
    if last in PHONE_KEYS:
        return mask_phone(text)
    if last == "id_number":
        return mask_id_number(text)
    if last in ADDRESS_KEYS:
        return mask_address(text)
    if last in PLACE_KEYS:
        return coarse_place(text)
    return _mask_digits(text)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A record as {dotted path: leaf value}; lists of mappings are opened item by item."""
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        if not value and prefix:
            out[prefix] = None
        return out
    if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
        relations = [i.get("relation") for i in value]
        keyed = all(isinstance(r, str) and r for r in relations) and len(set(relations)) == len(
            relations
        )
        for index, item in enumerate(value):
            label = relations[index] if keyed else index
            out.update(flatten(item, f"{prefix}[{label}]"))
        return out
    out[prefix] = value
    return out


def field_changes(
    old: dict[str, Any] | None, new: dict[str, Any] | None, full: bool
) -> list[FieldChange]:
    """The fields that differ between two versions of a record, in the new version's key order."""
    before, after = flatten(old or {}), flatten(new or {})
    keys = list(after) + [k for k in before if k not in after]
    out = []
    for key in keys:
        a, b = shown_value(key, before.get(key), True), shown_value(key, after.get(key), True)
        if a != b:
            out.append(
                FieldChange(
                    key,
                    shown_value(key, before.get(key), full),
                    shown_value(key, after.get(key), full),
                )
            )
    return out


def _parse(data: bytes | None) -> tuple[dict[str, Any] | None, bool]:
    """(mapping or None, unreadable) of one version of a record."""
    if data is None:
        return None, False
    try:
        value = yaml.safe_load(decode_text(data))
    except yaml.YAMLError:
        return None, True
    return (value, False) if isinstance(value, dict) else (None, True)


# ---------------------------------------------------------------------------- git


def _blobs(root: Path, specs: list[str]) -> dict[str, bytes | None]:
    """The contents of several `rev:path` objects through one `git cat-file --batch`."""
    if not specs:
        return {}
    unique = list(dict.fromkeys(specs))
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "cat-file", "--batch"],
            input="".join(f"{s}\n" for s in unique).encode("utf-8"),
            capture_output=True,
            check=False,
        )
    except OSError:
        raise GitError("找不到 git 命令：请先安装 git（https://git-scm.com）") from None
    out: dict[str, bytes | None] = {}
    data, pos = done.stdout, 0
    for spec in unique:
        end = data.find(b"\n", pos)
        if end < 0:
            out[spec] = None
            continue
        head = data[pos:end].split()
        pos = end + 1
        if len(head) == 3 and head[1] == b"blob":
            size = int(head[2])
            out[spec] = data[pos : pos + size]
            pos += size + 1
        else:
            out[spec] = None
            if len(head) == 3:  # an object that is not a blob: skip its content too
                pos += int(head[2]) + 1
    return out


def _record_path(root: Path, child_id: str, top: Path) -> str:
    """The record's path relative to the git top folder: in the work tree, else from history."""
    found = sorted(
        p
        for pattern in (f"{child_id}.yaml", f"{child_id}.yml")
        for p in (root / "children").rglob(pattern)
        if p.is_file()
    )
    if len(found) > 1:
        names = "、".join(p.relative_to(root).as_posix() for p in found)
        raise RecordsError(f"编号 {child_id} 有多份档案（{names}），请先处理重复")
    if found:
        return found[0].resolve().relative_to(top.resolve()).as_posix()
    done = git(
        root,
        "log",
        "--format=",
        "--name-only",
        "-z",
        "--",
        f":(glob)children/**/{child_id}.yaml",
        f":(glob)children/**/{child_id}.yml",
    )
    names = [n for n in done.stdout.split(b"\0") if n.strip()]
    if not names:
        raise RecordsError(f"找不到编号为 {child_id} 的儿童档案（children/ 下和 git 历史中都没有）")
    return decode_text(names[0].strip())


def _record_commits(root: Path, path: str, top: Path) -> list[tuple[HistoryEntry, str | None]]:
    """Each commit that changed the record, oldest first, with the path before it (renames)."""
    relative = (top / path).resolve().relative_to(root.resolve()).as_posix()
    done = git(
        root,
        "log",
        "--follow",
        "-M",
        "--format=%x1e%H%x1f%aI%x1f%an%x1f%ct",
        "--name-status",
        "-z",
        "--",
        relative,
    )
    out = []
    for chunk in done.stdout.split(_SEP_COMMIT)[1:]:
        head, _, rest = chunk.partition(b"\0")
        commit, date, author, stamp = head.split(_SEP_FIELD)
        tokens = [t for t in rest.strip(b"\n").split(b"\0") if t.strip(b"\n")]
        tokens = [t.strip(b"\n") for t in tokens]
        entry = HistoryEntry(
            commit.decode(), _short_date(date.decode()), decode_text(author), timestamp=int(stamp)
        )
        before: str | None = None
        if tokens:
            status = tokens[0].decode()[:1]
            if status in "RC" and len(tokens) >= 3:
                before, entry.path = decode_text(tokens[1]), decode_text(tokens[2])
                entry.event, entry.moved_from = "移动", before
            elif len(tokens) >= 2:
                entry.path = decode_text(tokens[1])
                before = entry.path if status in "MCT" else None
                entry.event = {"A": "新建", "D": "删除"}.get(status, "修改")
                if status == "D":
                    before = entry.path
        out.append((entry, before))
    out.reverse()
    return out


def _short_date(iso: str) -> str:
    try:
        return dt.datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def _log_rows(root: Path, child_id: str) -> dict[str, HistoryEntry]:
    """Per commit touching logs/*.csv: rows for the child added and removed, per log."""
    done = git(
        root,
        "log",
        "--reverse",
        "--no-renames",
        "--format=%x1e%H%x1f%aI%x1f%an%x1f%ct",
        "-p",
        "--unified=0",
        "--text",
        "--no-color",
        "--no-ext-diff",
        "--",
        "logs/*.csv",
    )
    headers: dict[str, list[str]] = {}
    out: dict[str, HistoryEntry] = {}
    for chunk in done.stdout.split(_SEP_COMMIT)[1:]:
        head, _, body = chunk.partition(b"\n")
        commit, date, author, stamp = head.split(_SEP_FIELD)
        entry = HistoryEntry(
            commit.decode(), _short_date(date.decode()), decode_text(author), timestamp=int(stamp)
        )
        added: Counter[tuple[str, str]] = Counter()
        removed: Counter[tuple[str, str]] = Counter()
        path = log = None
        old_line = new_line = 0
        in_header = False  # between "diff --git" and the first hunk: ---/+++ name the files
        for raw in body.split(b"\n"):
            if raw.startswith(b"diff --git "):
                path = log = None
                in_header = True
            elif in_header and raw.startswith(b"--- "):
                name = decode_text(raw[4:]).strip()
                path = name[2:] if name.startswith("a/") else None
            elif in_header and raw.startswith(b"+++ "):
                name = decode_text(raw[4:]).strip()
                path = name[2:] if name.startswith("b/") else path  # /dev/null: a deleted log
                stem = Path(path).stem if path else None
                log = stem if stem in LOG_NAMES else None
            elif match := _HUNK.match(raw):
                old_line, new_line = int(match[1]), int(match[3])
                in_header = False
            elif not in_header and path and log and raw[:1] in (b"+", b"-"):
                text = decode_text(raw[1:]).rstrip("\r")
                is_new = raw[:1] == b"+"
                line = new_line if is_new else old_line
                if is_new:
                    new_line += 1
                else:
                    old_line += 1
                if line == 1:
                    if is_new:
                        headers[path] = _cells(text.lstrip("\ufeff"))
                    continue
                if path not in headers:
                    headers[path] = _header_at(root, commit.decode(), path)
                if _child_of(text, headers[path]) == child_id:
                    (added if is_new else removed)[(log, text)] += 1
        moved = added & removed  # a row that only moved within the file was neither
        added, removed = added - moved, removed - moved
        for (log_name, _), count in added.items():
            entry.rows_added[log_name] = entry.rows_added.get(log_name, 0) + count
        for (log_name, _), count in removed.items():
            entry.rows_removed[log_name] = entry.rows_removed.get(log_name, 0) + count
        if entry.rows_added or entry.rows_removed:
            out[entry.commit] = entry
    return out


def _cells(text: str) -> list[str]:
    try:
        return [c.strip() for c in next(csv.reader([text]), [])]
    except csv.Error:
        return []


def _header_at(root: Path, commit: str, path: str) -> list[str]:
    top = git_toplevel(root) or root
    data = _blobs(top, [f"{commit}:{path}"]).get(f"{commit}:{path}") or b""
    return canonical_header(_cells(decode_text(data.split(b"\n", 1)[0]).rstrip("\r")))


def _child_of(text: str, header: list[str]) -> str | None:
    cells = _cells(text)
    for name in CHILD_COLUMNS:
        if name in header:
            index = header.index(name)
            return cells[index] if index < len(cells) else None
    return None


# ---------------------------------------------------------------------------- entry point


def child_history(root: Path, child_id: str, full: bool = False) -> ChildHistory:
    """The history of child `child_id` in the repository at `root`, read from git.

    Args:
        root: the repository's root folder (inside a git work tree).
        child_id: the child's id (the record's file stem).
        full: show phones, ID numbers and addresses unmasked.

    Returns:
        The ChildHistory: every commit that changed the record (date, author, event, changed
        fields old → new) or added or removed log rows whose child_id is the id, oldest first.

    Raises:
        GitError: git is missing or `root` is not inside a git work tree.
        RecordsError: no record has that id, or two do.
    """
    top = git_toplevel(root)
    if top is None:
        git(root, "--version")  # raises GitError when git itself is missing
        raise GitError(f"{root} 不在 git 仓库中，无法查看修改历史（可先运行 git init 并提交）")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", child_id):
        raise RecordsError("编号只能包含字母、数字、- 和 _")
    path = _record_path(root, child_id, top)
    commits = _record_commits(root, path, top)
    specs = []
    for entry, before in commits:
        if entry.path and entry.event != "删除":
            specs.append(f"{entry.commit}:{entry.path}")
        if before:
            specs.append(f"{entry.commit}^:{before}")
    blobs = _blobs(top, specs)
    for entry, before in commits:
        new = blobs.get(f"{entry.commit}:{entry.path}") if entry.event != "删除" else None
        old = blobs.get(f"{entry.commit}^:{before}") if before else None
        old_value, old_bad = _parse(old)
        new_value, new_bad = _parse(new)
        entry.unreadable = new_bad or old_bad
        if not entry.unreadable:
            entry.changes = field_changes(old_value, new_value, full)
    by_commit = {entry.commit: entry for entry, _ in commits}
    for commit, rows in _log_rows(root, child_id).items():
        if commit in by_commit:
            by_commit[commit].rows_added = rows.rows_added
            by_commit[commit].rows_removed = rows.rows_removed
        else:
            by_commit[commit] = rows
    entries = sorted(by_commit.values(), key=lambda e: e.timestamp)
    for entry in entries:
        entry.path = _from_root(top, root, entry.path)
        entry.moved_from = _from_root(top, root, entry.moved_from)
    return ChildHistory(child_id, _from_root(top, root, path) or path, entries)


def _from_root(top: Path, root: Path, path: str | None) -> str | None:
    """A path git gave (relative to the work tree's top) made relative to the school's root."""
    if path is None:
        return None
    try:
        return (top / path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


def history_text(history: ChildHistory) -> str:
    """The history as the `history` command prints it (Chinese, one block per commit)."""
    lines = [
        f"{history.child_id} 的档案修改历史（{history.path}），共 {len(history.entries)} 次提交："
    ]
    for entry in history.entries:
        lines.append("")
        title = f"{entry.date}  {entry.author}  {entry.commit[:8]}"
        if entry.event:
            title += f"  {entry.event}"
        lines.append(title)
        if entry.moved_from and entry.path:
            lines.append(f"  档案位置：{entry.moved_from} → {entry.path}")
        if entry.unreadable:
            lines.append("  （这一版档案不是有效的 YAML，字段变化从略）")
        for change in entry.changes:
            lines.append(f"  {change.field}：{change.old} → {change.new}")
        for log in LOG_NAMES:
            if entry.rows_added.get(log):
                lines.append(f"  日志 {log}.csv 新增 {entry.rows_added[log]} 行")
            if entry.rows_removed.get(log):
                lines.append(f"  日志 {log}.csv 删除 {entry.rows_removed[log]} 行")
    return "\n".join(lines) + "\n"
