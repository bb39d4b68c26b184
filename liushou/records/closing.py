"""Close a finished term (data-format §10): freeze its figures and seal the rows and fields they read.

`close_term` writes closed/<T>.yaml with the term's report JSON figures, the closing date, for
each log a digest of the rows dated in [start, end] (and one digest per row, with the row's line
at closing time) and a digest of the children's fields that the figures read. `check_closed_terms`
then reports LS501 at a row's line when a row dated inside a closed term was added, changed or
removed, and LS502 at closed/<T>.yaml when the children's digest changed.

Digests are over normalised content, so that what does not change the records does not break the
seal: the order of rows and columns, a date re-saved by Excel as 2015/9/1, an empty column added,
white space around cells. A removed row is reported at the line it had when the term was closed
(the file may since have fewer lines), unless an added or changed row is reported at that line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from liushou import fsguard
from liushou.errors import TermError
from liushou.figures.facts import FIELD_DEFAULTS, applies_fields
from liushou.figures.metrics import term_figures
from liushou.findings import Finding, finding, shown
from liushou.load.listing import closed_paths
from liushou.load.loader import LOG_FILE_LIMIT
from liushou.load.logs import read_log
from liushou.load.model import Child, Repository, Settings
from liushou.logspec import LOGS
from liushou.records.files import RecordsError, write_atomic
from liushou.terms import Term, parse_term_name, resolve_term

CLOSED_DIR = "closed"
CLOSED = "closed"
REOPENED = "reopened"

# Child fields that the term figures read (data-format §6, §7; guardian.notice_on for §11's duties),
# besides whether the record is archive-complete and the fields named by standards' applies_to.
FIGURE_FIELDS = (
    "enrolled_on",
    "status",
    "status_date",
    "left_behind.type",
    "left_behind.since",
    "left_behind.until",
    "guardianship",
    "gender",
    "grade",
    "class",
    "boarding",
    "care.mentor",
    "care.vaccinated",
    "guardian.notice_on",
)

_HEADER = (
    "# 学期关账记录：由 liushou close 生成，请勿手工修改。\n"
    "# 关账后，本学期内日期的日志行和报告所依据的档案字段若有改动，liushou check 会报错（LS501/LS502）。\n"
    "# 如确需更正，请运行 liushou close --term {term} --reopen --reason 原因，改正后再次 close。\n"
)


def closed_path(root: Path, term_name: str) -> Path:
    """Where the closing record of `term_name` lives: closed/<T>.yaml under the repository."""
    return root / CLOSED_DIR / f"{term_name}.yaml"


# ---------------------------------------------------------------------------- digests


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _plain(value: Any) -> Any:
    """A JSON-stable form of a record value (dates as ISO text, numbers 3 and 3.0 alike)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return value.strip()
    return value


def figure_fields(settings: Settings) -> tuple[str, ...]:
    """FIGURE_FIELDS plus every field a standard's applies_to names, sorted."""
    return tuple(sorted(set(FIGURE_FIELDS) | set(applies_fields(settings))))


def child_digest(child: Child, fields: tuple[str, ...]) -> str:
    """Digest of the fields of one child that the figures read, and of its archive gaps."""
    facts = {name: _plain(child.get(name, FIELD_DEFAULTS.get(name))) for name in fields}
    facts["archive_missing"] = sorted(child.missing_archive())
    return _digest(json.dumps(facts, ensure_ascii=False, sort_keys=True))[:16]


def children_digests(children: dict[str, Child], settings: Settings, term: Term) -> dict[str, str]:
    """Per-child digests of the children a term's figures can count.

    A child enrolled after the term's end never counts in it, so recording a newcomer later
    does not break the seal; a child without a valid enrolled_on is kept (its fix may matter).
    """
    fields = figure_fields(settings)
    out = {}
    for child_id in sorted(children):
        child = children[child_id]
        enrolled = child.get("enrolled_on")
        if isinstance(enrolled, dt.date) and enrolled > term.end:
            continue
        out[child_id] = child_digest(child, fields)
    return out


def total_digest(parts: dict[str, str] | list[str]) -> str:
    """One digest over per-child digests (keyed) or row digests (a multiset, order-free)."""
    if isinstance(parts, dict):
        lines = [f"{key}:{value}" for key, value in sorted(parts.items())]
    else:
        lines = sorted(parts)
    return _digest("\n".join(lines))


def _cell_texts(frame: pd.DataFrame, name: str) -> dict[str, list[str]]:
    """Each column of a log as normalised text: dates ISO, amounts as numbers, cells stripped."""
    spec = LOGS[name]
    out = {}
    for column in frame.columns:
        if column == "_line" or not column:
            continue
        series = frame[column]
        if column in spec.datetimes:
            texts = series.dt.strftime("%Y-%m-%d %H:%M").fillna("")
        elif column in spec.dates:
            texts = series.dt.strftime("%Y-%m-%d").fillna("")
        elif column == "amount" and pd.api.types.is_numeric_dtype(series):
            texts = series.map(lambda v: "" if pd.isna(v) else json.dumps(_plain(float(v))))
        else:
            texts = series.astype(str).str.strip()
        out[column] = texts.tolist()
    return out


def term_rows(frame: pd.DataFrame, name: str, term: Term) -> list[tuple[int, str]]:
    """(line, digest) of every row of a log whose main date lies in [start, end] of `term`.

    The digest covers the row's non-empty cells by column name, so neither the column order
    nor an added empty column changes it.
    """
    column = LOGS[name].main_date
    if column not in frame or frame.empty:
        return []
    day = frame[column].dt.normalize()
    inside = (day >= pd.Timestamp(term.start)) & (day <= pd.Timestamp(term.end))
    part = frame[inside.fillna(False)]
    if part.empty:
        return []
    cells = _cell_texts(part, name)
    names = sorted(cells)
    out = []
    for i, line in enumerate(part["_line"].tolist()):
        row = [[col, cells[col][i]] for col in names if cells[col][i] != ""]
        out.append((int(line), _digest(json.dumps(row, ensure_ascii=False))[:16]))
    return out


def read_full_logs(repo: Repository, root: Path) -> dict[str, tuple[str, pd.DataFrame | None]]:
    """Every log of the repository read again with all its columns (the loaded frames drop
    free text that no figure reads, but a closed term seals it too): name -> (file, frame).

    The frame is None for a log that exists but cannot be read as a log; `check` reports why.
    """
    out: dict[str, tuple[str, pd.DataFrame | None]] = {}
    for name, rel in repo.log_files.items():
        try:
            data = fsguard.safe_read_bytes(root, root / rel, LOG_FILE_LIMIT)
        except OSError:  # unreadable, refused by the read policy or too large: check says why
            out[name] = (rel, None)
            continue
        header = repo.log_headers.get(name, ())
        loaded = read_log(data, name, rel, keep=tuple(c for c in header if c))
        out[name] = (rel, loaded.frame)
    return out


def seal(repo: Repository, root: Path, term: Term) -> dict[str, Any]:
    """The `children` and `logs` sections of a closing record for `term`."""
    per_child = children_digests(repo.children, repo.settings, term)
    logs: dict[str, Any] = {}
    for name, (rel, frame) in sorted(read_full_logs(repo, root).items()):
        rows = term_rows(frame, name, term) if frame is not None else []
        logs[name] = {
            "file": rel,
            "count": len(rows),
            "digest": total_digest([d for _, d in rows]),
            "rows": {line: digest for line, digest in rows},
        }
    return {
        "children": {
            "count": len(per_child),
            "digest": total_digest(per_child),
            "each": per_child,
        },
        "logs": logs,
    }


# ---------------------------------------------------------------------------- closing records


@dataclass
class ClosedRecord:
    """A closed/<T>.yaml as read: its raw content, and the state it says (closed, reopened)."""

    path: Path
    content: dict[str, Any]

    @property
    def state(self) -> str:
        return str(self.content.get("state", CLOSED))

    @property
    def locked(self) -> bool:
        return self.state == CLOSED

    @property
    def term(self) -> Term:
        """The term the record closed.

        Raises:
            RecordsError: the record lacks the term's name or dates, or they are malformed.
        """
        try:
            return Term(
                str(self.content["term"]),
                dt.date.fromisoformat(str(self.content["start"])),
                dt.date.fromisoformat(str(self.content["end"])),
            )
        except (KeyError, ValueError):
            raise RecordsError(f"关账记录 {self.path.name} 的学期名称或日期不完整") from None


def read_closed(path: Path) -> ClosedRecord:
    """Read one closing record.

    Raises:
        RecordsError: the file cannot be read or is not a closing record.
    """
    try:
        content = yaml.safe_load(fsguard.read_limited(str(path), 1 << 24))
    except (OSError, yaml.YAMLError):
        raise RecordsError(f"关账记录 {path.name} 无法读取或不是有效的 YAML") from None
    if not isinstance(content, dict) or not isinstance(content.get("figures"), dict):
        raise RecordsError(f"关账记录 {path.name} 的内容不完整（缺少 figures）")
    return ClosedRecord(path, content)


def _dump(term_name: str, content: dict[str, Any]) -> bytes:
    body = yaml.safe_dump(
        content, allow_unicode=True, sort_keys=False, default_flow_style=False, width=4096
    )
    return (_HEADER.format(term=term_name) + body).encode("utf-8")


@dataclass
class CloseResult:
    """What `close_term` did: the file written and the frozen figures."""

    path: Path
    term: Term
    figures: dict[str, Any]
    data_errors: int


def close_term(repo: Repository, findings: list[Finding], term: str, today: dt.date) -> CloseResult:
    """Close term `term` of a loaded repository: write closed/<T>.yaml atomically.

    Args:
        repo: the repository, loaded (see api.load).
        findings: what loading it found (errors are counted in the result).
        term: the term's name, e.g. "2015-autumn".
        today: the closing date; the term must have ended (its end ≤ today).

    Returns:
        The CloseResult.

    Raises:
        RecordsError: a malformed term, a term not yet ended, a term already closed (and not
            reopened), or a term without any child in care.
        SettingsError: liushou.yaml is missing or wrong.
    """
    root = repo.root
    try:
        the_term = resolve_term(term, repo.settings, today)
    except TermError as error:
        raise RecordsError(str(error)) from None
    if the_term.end > today:
        raise RecordsError(
            f"学期 {the_term.name} 到 {the_term.end} 才结束（今天是 {today}），结束后才能关账"
        )
    path = closed_path(root, the_term.name)
    history: list[Any] = []
    if path.exists() or path.is_symlink():
        previous = read_closed(path)
        if previous.locked:
            raise RecordsError(
                f"学期 {the_term.name} 已于 {previous.content.get('closed_on')} 关账；如需更正，"
                f"请先运行 liushou close --term {the_term.name} --reopen --reason 原因"
            )
        history = list(previous.content.get("reopened") or [])
    try:
        figures = term_figures(repo, the_term, today).to_json()
    except TermError as error:
        raise RecordsError(str(error)) from None
    content: dict[str, Any] = {
        "term": the_term.name,
        "start": the_term.start.isoformat(),
        "end": the_term.end.isoformat(),
        "state": CLOSED,
        "closed_on": today.isoformat(),
        "figures": figures,
        **seal(repo, root, the_term),
    }
    if history:
        content["reopened"] = history
    write_atomic(path, _dump(the_term.name, content), root=root)
    errors = sum(f.severity == "error" for f in findings)
    return CloseResult(path, the_term, figures, errors)


def reopen_term(root: Path, term: str, reason: str, today: dt.date) -> Path:
    """Lift the lock of a closed term until the next `close`, recording the reason and date.

    Raises:
        RecordsError: an empty reason, a malformed term, or a term that is not closed.
    """
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise RecordsError("重新打开已关账的学期必须用 --reason 写明原因")
    try:
        parse_term_name(term)
    except ValueError as error:
        raise RecordsError(str(error)) from None
    path = closed_path(root, term.strip())
    if not path.exists():
        raise RecordsError(f"学期 {term} 尚未关账（没有 {CLOSED_DIR}/{term}.yaml），无需重新打开")
    record = read_closed(path)
    if not record.locked:
        raise RecordsError(f"学期 {term} 已处于重新打开状态；改正后请再次运行 liushou close")
    content = dict(record.content)
    content["state"] = REOPENED
    content["reopened"] = [
        *(content.get("reopened") or []),
        {"on": today.isoformat(), "reason": reason},
    ]
    write_atomic(path, _dump(term.strip(), content), root=root)
    return path


def reseal_children(path: Path, per_child: dict[str, str], by: str, today: dt.date) -> None:
    """Renew the children seal of a closing record after a sanctioned change (`promote`),
    recording who renewed it and when; the frozen figures and the log seals stay as they are.

    Raises:
        RecordsError: the record cannot be read or written.
    """
    content = dict(read_closed(path).content)
    content["children"] = {
        "count": len(per_child),
        "digest": total_digest(per_child),
        "each": per_child,
    }
    content["resealed"] = [
        *(content.get("resealed") or []),
        {"on": today.isoformat(), "by": by},
    ]
    # closed/<T>.yaml: the repository is the folder above closed/
    write_atomic(path, _dump(str(content.get("term", path.stem)), content), root=path.parent.parent)


def frozen_figures(root: Path, term_name: str) -> dict[str, Any] | None:
    """The figures frozen when `term_name` was closed, or None when it is not closed (never
    closed, reopened, or its closing record is unreadable: `check` reports that one)."""
    path = closed_path(root, term_name)
    if not path.is_file():
        return None
    try:
        record = read_closed(path)
    except RecordsError:
        return None
    return record.content["figures"] if record.locked else None


# ---------------------------------------------------------------------------- the check


def closed_records(root: Path) -> list[tuple[str, Path]]:
    """(display path, path) of every closing record under the read policy: a link out of the
    repository is not read (the check reports it, LS014), as for every other file."""
    found = closed_paths(root)
    return sorted((f"{CLOSED_DIR}/{os.path.basename(p)}", Path(p)) for p in found.files)


def _line_of(path: Path, key: str) -> int:
    """The line of a top-level key in a closing record (1 when not found)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 1
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"{key}:"):
            return number
    return 1


def _listed(ids: list[str]) -> str:
    shown_ids = "、".join(shown(i) for i in ids[:5])
    return shown_ids + (f" 等 {len(ids)} 名" if len(ids) > 5 else "")


def check_closed_terms(repo: Repository, root: Path) -> list[Finding]:
    """LS501/LS502 (and LS503 for an unreadable closing record) for every locked closed term.

    Args:
        repo: the loaded repository.
        root: its root folder (where closed/ is).

    Returns:
        The findings; none when there is no closed/ folder.
    """
    records = closed_records(root)
    if not records:
        return []
    out: list[Finding] = []
    logs: dict[str, tuple[str, pd.DataFrame | None]] | None = None
    for rel, path in records:
        try:
            record = read_closed(path)
            content, term = record.content, record.term
        except RecordsError:
            out.append(finding("LS503", rel, 1))
            continue
        if not record.locked:
            continue
        if logs is None:
            logs = read_full_logs(repo, root)
        out += _check_logs(term, content.get("logs") or {}, logs)
        out += _check_children(repo, term, content.get("children") or {}, rel, path)
    return out


def _check_logs(
    term: Term, sealed: dict[str, Any], logs: dict[str, tuple[str, pd.DataFrame | None]]
) -> list[Finding]:
    out = []
    for name in sorted(set(sealed) | set(logs)):
        entry = sealed.get(name) if isinstance(sealed.get(name), dict) else {}
        if name in logs and logs[name][1] is None:
            continue  # unreadable as a log: its own findings say why, rows cannot be compared
        rel, frame = logs.get(name, (str(entry.get("file") or f"logs/{name}.csv"), None))
        rows = term_rows(frame, name, term) if frame is not None else []
        if total_digest([d for _, d in rows]) == entry.get("digest"):
            continue
        old = entry.get("rows") if isinstance(entry.get("rows"), dict) else {}
        left = Counter(str(d) for d in old.values())
        flagged = set()
        for line, digest in rows:
            if left[digest] > 0:
                left[digest] -= 1
                continue
            flagged.add(line)
            out.append(finding("LS501", rel, line, term=term.name, what="在关账后新增或被修改"))
        for line, digest in sorted(old.items(), key=lambda item: int(item[0])):
            if left[str(digest)] > 0:
                left[str(digest)] -= 1
                if int(line) not in flagged:
                    what = f"在关账后被删除或改到了学期之外（关账时在第 {int(line)} 行）"
                    out.append(finding("LS501", rel, int(line), term=term.name, what=what))
    return out


def _check_children(
    repo: Repository, term: Term, sealed: dict[str, Any], rel: str, path: Path
) -> list[Finding]:
    now = children_digests(repo.children, repo.settings, term)
    if total_digest(now) == sealed.get("digest"):
        return []
    before = sealed.get("each") if isinstance(sealed.get("each"), dict) else {}
    changed = sorted(
        i for i in set(now) | set(before) if now.get(i) != (str(before[i]) if i in before else None)
    )
    return [finding("LS502", rel, _line_of(path, "children"), term=term.name, ids=_listed(changed))]
