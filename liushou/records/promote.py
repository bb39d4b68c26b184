"""Move every child up one grade before an autumn term (data-format §10 `promote`, 升年级).

`plan_promotion` works out everything first (new grades, graduates, folder moves, the edited
text of every record) and writes nothing; `apply_promotion` then carries the plan out.

Records are edited line by line, not through a YAML round-trip library: only the top-level
`grade:`, `status:` and `status_date:` lines change (a missing status_date is added after
status), so every other byte of the file stays as the school wrote it, in its own encoding,
quoting, line endings and comments, which a round-trip dump does not promise for quoting and
indentation. Each edited text is parsed again and must equal the old record with exactly those
fields changed; a record that cannot be edited so (a flow-style mapping, a duplicated key) is a
problem of the plan and nothing is written.

Rules a school would expect where data-format §10 is silent: a child of status 在校 whose enrolled_on
is after the spring term's end was registered for the coming year and keeps its grade; a
graduate stays in its folder (there is no next grade to move to); a class folder left empty is
removed. Closed terms keep their frozen figures; their seal on the children's fields (LS502) is
renewed for this promotion, but only where it still held before it, so an earlier unseen edit is
still reported.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from liushou.labels import grade_folder
from liushou.load.listing import SETTINGS_FILE
from liushou.load.model import Child, Repository
from liushou.records.closing import (
    children_digests,
    closed_records,
    read_closed,
    reseal_children,
    total_digest,
)
from liushou.records.files import RecordsError, git, git_toplevel, write_atomic
from liushou.terms import Term, term_for

IN_SCHOOL = "在校"
GRADUATED = "毕业"


@dataclass(frozen=True)
class PromotionStep:
    """One child's promotion: new grade (None: graduates) and the record's new path."""

    child_id: str
    path: str  # relative to the repository root, with "/"
    new_path: str  # equal to path when the record stays where it is
    grade: int
    new_grade: int | None

    @property
    def moved(self) -> bool:
        return self.new_path != self.path


@dataclass
class PromotionPlan:
    """What `promote` will do; `problems` non-empty means it must not be applied."""

    repo: Repository
    today: dt.date
    year: int
    spring: Term
    top_grade: int
    steps: list[PromotionStep] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)  # (id, why it keeps its grade)
    others: int = 0  # records whose status is not 在校
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    in_git: bool = False
    texts: dict[str, bytes] = field(default_factory=dict)  # path -> the edited record

    @property
    def root(self) -> Path:
        return self.repo.root

    @property
    def graduates(self) -> list[PromotionStep]:
        return [s for s in self.steps if s.new_grade is None]


# ---------------------------------------------------------------------------- line edits


def _key_line(key: str) -> re.Pattern[str]:
    return re.compile(
        rf"^{re.escape(key)}([ \t]*:[ \t]*)([^\r\n]*?)([ \t]+#[^\r\n]*)?(\r?\n|$)", re.M
    )


def set_top_level(text: str, key: str, value: str, after: str | None = None) -> str | None:
    """`text` with the top-level scalar `key` set to `value`, everything else kept.

    Returns None when the key is written more than once or holds a block (not one scalar on its
    line). A missing key is added on the line after the key `after` (or at the end when `after`
    is None), in the file's own line ending.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    found = list(_key_line(key).finditer(text))
    if len(found) > 1:
        return None
    if found:
        match = found[0]
        old = match[2].strip()
        if not old or old[0] in "|>&*![{" or old.startswith("---"):
            return None
        line = f"{key}{match[1]}{value}{match[3] or ''}{match[4]}"
        return text[: match.start()] + line + text[match.end() :]
    if after is None:
        body = text if not text or text.endswith(("\n", "\r")) else text + newline
        return f"{body}{key}: {value}{newline}"
    anchor = list(_key_line(after).finditer(text))
    if len(anchor) != 1:
        return None
    end = anchor[0].end()
    ending = anchor[0][4] or newline
    prefix = text[:end] if anchor[0][4] else text[:end] + ending
    return f"{prefix}{key}: {value}{ending}{text[end:]}"


def _decode(data: bytes) -> tuple[str, str, bool]:
    """(text, encoding, had a BOM) of a record or settings file."""
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    for encoding in ("utf-8", "gb18030"):
        try:
            return body.decode(encoding), encoding, bom
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("utf-8", data, 0, 1, "neither UTF-8 nor GB18030")


def _encode(text: str, encoding: str, bom: bool) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def edit_record(data: bytes, changes: dict[str, Any]) -> bytes | None:
    """The record's bytes with top-level `changes` applied line by line, or None if that
    cannot be done safely (checked by parsing the result again)."""
    try:
        text, encoding, bom = _decode(data)
        before = yaml.safe_load(text)
    except (UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(before, dict):
        return None
    edited: str | None = text
    for key, value in changes.items():
        written = value.isoformat() if isinstance(value, dt.date) else str(value)
        after = "status" if key == "status_date" else None
        edited = set_top_level(edited, key, written, after=after) if edited is not None else None
    if edited is None:
        return None
    expected = {**before, **changes}
    try:
        if yaml.safe_load(edited) != expected:
            return None
    except yaml.YAMLError:
        return None
    return _encode(edited, encoding, bom)


# ---------------------------------------------------------------------------- the plan


def _settings_raw(root: Path) -> dict[str, Any]:
    try:
        value = yaml.safe_load(_decode((root / SETTINGS_FILE).read_bytes())[0])
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        raise RecordsError("liushou.yaml 无法读取") from None
    return value if isinstance(value, dict) else {}


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def spring_just_ended(repo: Repository, today: dt.date) -> Term:
    """The spring term whose end is the latest on or before today.

    Raises:
        RecordsError: today is inside this year's spring term (it has not ended yet).
    """
    this_year = term_for(f"{today.year}-spring", repo.settings)
    if this_year.start <= today < this_year.end:
        raise RecordsError(
            f"{this_year.name} 春季学期到 {this_year.end} 才结束；升年级请在春季学期结束后、"
            "秋季学期开学前运行"
        )
    if this_year.end <= today:
        return this_year
    return term_for(f"{today.year - 1}-spring", repo.settings)


def _top_grade(raw: dict[str, Any], children: list[Child]) -> int:
    if "top_grade" in raw:
        top = _whole(raw["top_grade"])
        if top is None or not 1 <= top <= 9:
            raise RecordsError("liushou.yaml 的 top_grade 应为 1 到 9 的整数（最高年级）")
        return top
    highest = max((g for c in children if (g := _whole(c.get("grade"))) is not None), default=0)
    return 6 if highest <= 6 else 9


def _new_path(path: str, grade: int, klass: Any, new_grade: int) -> str:
    parts = PurePosixPath(path).parts
    if (
        len(parts) >= 4
        and _whole(klass) is not None
        and parts[-2] == f"{klass}班"
        and parts[-3] == grade_folder(grade)
    ):
        return PurePosixPath(*parts[:-3], grade_folder(new_grade), *parts[-2:]).as_posix()
    return path


def plan_promotion(repo: Repository, today: dt.date) -> PromotionPlan:
    """Work out the promotion of the repository's children for the spring term just ended.

    Args:
        repo: the loaded repository.
        today: the clock's date or --today; the spring term must have ended.

    Returns:
        The plan; nothing is written. Its `problems` list what must be fixed first.

    Raises:
        RecordsError: the spring term has not ended, the year was promoted already, or
            liushou.yaml's top_grade is not a grade.
    """
    root = repo.root
    raw = _settings_raw(root)
    spring = spring_just_ended(repo, today)
    year = spring.start.year
    promoted = _whole(raw.get("promoted"))
    if "promoted" in raw and promoted is None:
        raise RecordsError("liushou.yaml 的 promoted 应为年份（整数），请改正")
    if promoted is not None and promoted >= year:
        raise RecordsError(
            f"{year} 年已经升过年级（liushou.yaml 中 promoted: {promoted}），不能重复运行"
        )
    children = sorted(repo.children.values(), key=lambda c: c.path)
    plan = PromotionPlan(repo, today, year, spring, _top_grade(raw, children))
    plan.in_git = git_toplevel(root) is not None
    for child_id, first, repeat, _ in repo.duplicates:
        plan.problems.append(f"编号 {child_id} 有两份档案（{first} 和 {repeat}），请先处理重复")
    for child_id in sorted(repo.unreadable_ids):
        plan.problems.append(f"编号 {child_id} 的档案无法读取，请先改正（运行 liushou check 查看）")
    targets: dict[str, str] = {}
    for child in children:
        if child.get("status") != IN_SCHOOL:
            plan.others += 1
            continue
        enrolled = child.get("enrolled_on")
        if isinstance(enrolled, dt.date) and enrolled > spring.end:
            plan.kept.append(
                (child.id, f"入学日期 {enrolled} 在春季学期结束之后，按新学年入学，不升级")
            )
            continue
        grade = _whole(child.get("grade"))
        if grade is None:
            plan.problems.append(
                f"{child.path}：年级 grade 缺失或无效，请先改正（运行 liushou check）"
            )
            continue
        if grade > plan.top_grade:
            plan.problems.append(
                f"{child.path}：年级 {grade} 高于学校的最高年级 {plan.top_grade}（top_grade）"
            )
            continue
        if grade == plan.top_grade:
            step = PromotionStep(child.id, child.path, child.path, grade, None)
            changes: dict[str, Any] = {"status": GRADUATED, "status_date": spring.end}
        else:
            new_path = _new_path(child.path, grade, child.get("class"), grade + 1)
            step = PromotionStep(child.id, child.path, new_path, grade, grade + 1)
            changes = {"grade": grade + 1}
        _plan_file(plan, step, changes, targets)
    if not _is_closed(root, spring.name):
        plan.notes.append(
            f"{spring.name} 尚未关账：升年级后按档案重新计算的该学期数字会变化（毕业生不再在册、"
            f"年级分布改变）；建议先运行 liushou close --term {spring.name}"
        )
    return plan


def _plan_file(
    plan: PromotionPlan, step: PromotionStep, changes: dict[str, Any], targets: dict[str, str]
) -> None:
    root = plan.root
    try:
        data = (root / step.path).read_bytes()
    except OSError:
        plan.problems.append(f"{step.path}：文件无法读取")
        return
    edited = edit_record(data, changes)
    if edited is None:
        plan.problems.append(
            f"{step.path}：无法安全地自动修改（grade/status 不是顶层的单行写法，或键重复），请手工修改"
        )
        return
    if step.moved:
        destination = root / step.new_path
        if destination.exists() or destination.is_symlink() or step.new_path in targets:
            plan.problems.append(f"{step.path}：目标位置 {step.new_path} 已有文件")
            return
        targets[step.new_path] = step.path
    plan.steps.append(step)
    plan.texts[step.path] = edited


def _is_closed(root: Path, term_name: str) -> bool:
    from liushou.records.closing import frozen_figures

    return frozen_figures(root, term_name) is not None


# ---------------------------------------------------------------------------- applying


def _tracked(root: Path, path: str) -> bool:
    return git(root, "ls-files", "--error-unmatch", "--", path, check=False).returncode == 0


def _promoted_child(child: Child, step: PromotionStep, spring: Term) -> Child:
    record = copy.deepcopy(child.record)
    if step.new_grade is None:
        record["status"], record["status_date"] = GRADUATED, spring.end
    else:
        record["grade"] = step.new_grade
    return Child(child.id, step.new_path, record, child.positions, child.missing_archive())


def apply_promotion(plan: PromotionPlan) -> None:
    """Carry out a plan: edit and move the records, renew the seal of closed terms, and write
    `promoted: YEAR` into liushou.yaml (last, so that an interrupted run can be run again
    after restoring the records, e.g. with `git checkout`).

    Raises:
        RecordsError: the plan has problems (nothing is written), or a write failed.
    """
    if plan.problems:
        raise RecordsError("升年级计划中有需要先处理的问题，未做任何修改")
    root, repo = plan.root, plan.repo
    reseal = _seals_to_renew(plan)
    done = 0
    try:
        for step in plan.steps:
            if step.moved:
                (root / step.new_path).parent.mkdir(parents=True, exist_ok=True)
                if plan.in_git and _tracked(root, step.path):
                    git(root, "mv", "--", step.path, step.new_path)
                else:
                    os.rename(root / step.path, root / step.new_path)
                _remove_empty_folders(root, PurePosixPath(step.path).parent)
            write_atomic(root / step.new_path, plan.texts[step.path], root=root)
            done += 1
    except (OSError, RecordsError) as error:
        raise RecordsError(
            f"升年级中途失败（已处理 {done}/{len(plan.steps)} 份档案）：{error}。"
            "请用 git 恢复档案（git checkout -- children && git status）后重新运行"
        ) from None
    if reseal:
        promoted = {s.child_id: s for s in plan.steps}
        children = {
            cid: _promoted_child(c, promoted[cid], plan.spring) if cid in promoted else c
            for cid, c in repo.children.items()
        }
        for path, term in reseal:
            per_child = children_digests(children, repo.settings, term)
            reseal_children(path, per_child, f"promote {plan.year}", plan.today)
    _write_promoted(root, plan.year)


def _seals_to_renew(plan: PromotionPlan) -> list[tuple[Path, Term]]:
    """The locked closed terms whose children seal still holds before the promotion."""
    out = []
    for _, path in closed_records(plan.root):
        try:
            record = read_closed(path)
            content, term = record.content, record.term
        except RecordsError:
            continue
        sealed = (content.get("children") or {}).get("digest")
        now = children_digests(plan.repo.children, plan.repo.settings, term)
        if record.locked and total_digest(now) == sealed:
            out.append((path, term))
    return out


def _remove_empty_folders(root: Path, folder: PurePosixPath) -> None:
    children_dir = (root / "children").resolve()
    current = (root / folder).resolve()
    while current != children_dir and children_dir in current.parents:
        try:
            current.rmdir()
        except OSError:
            return
        current = current.parent


def _write_promoted(root: Path, year: int) -> None:
    path = root / SETTINGS_FILE
    try:
        text, encoding, bom = _decode(path.read_bytes())
    except (OSError, UnicodeDecodeError):
        raise RecordsError("liushou.yaml 无法读取，未能记下 promoted") from None
    existing = _key_line("promoted").search(text) is not None
    edited = set_top_level(text, "promoted", str(year))
    if edited is not None and not existing:
        # Added at the end: say what it is, as the school's own keys are commented.
        newline = "\r\n" if "\r\n" in text else "\n"
        note = "  # 由 liushou promote 写入：最近一次升年级的年份"
        edited = edited[: -len(newline)] + note + newline
    try:
        expected = {**(yaml.safe_load(text) or {}), "promoted": year}
        ok = edited is not None and yaml.safe_load(edited) == expected
    except yaml.YAMLError:
        ok = False
    if not ok:
        raise RecordsError(
            f"无法在 liushou.yaml 中写入 promoted: {year}，请手工加上这一行，否则可能重复升年级"
        )
    write_atomic(path, _encode(edited, encoding, bom), root=root)


# ---------------------------------------------------------------------------- text


def plan_text(plan: PromotionPlan) -> str:
    """The plan as `promote` prints it (Chinese)."""
    promoted = [s for s in plan.steps if s.new_grade is not None]
    lines = [
        f"升年级计划：{plan.spring.name} 春季学期（{plan.spring.start} 至 {plan.spring.end}）结束后，"
        f"{plan.year} 年秋季开学前；最高年级为 {plan.top_grade} 年级。",
        f"升级 {len(promoted)} 人，毕业 {len(plan.graduates)} 人，不升级 {len(plan.kept)} 人，"
        f"非在校状态（不变）{plan.others} 人。",
    ]
    if promoted:
        lines.append("")
        lines.append("升级：")
        for step in promoted:
            line = f"  {step.child_id}  {_grade_name(step.grade)} → {_grade_name(step.new_grade)}"
            if step.moved:
                line += f"  （移到 {step.new_path}）"
            lines.append(line)
    if plan.graduates:
        lines.append("")
        lines.append(f"毕业（status: 毕业，status_date: {plan.spring.end}）：")
        for step in plan.graduates:
            lines.append(f"  {step.child_id}  {_grade_name(step.grade)}")
    if plan.kept:
        lines.append("")
        lines.append("不升级：")
        lines += [f"  {child_id}  {why}" for child_id, why in plan.kept]
    if plan.problems:
        lines.append("")
        lines.append(f"需要先处理的问题（{len(plan.problems)} 个，处理前不会修改任何文件）：")
        lines += [f"  {p}" for p in plan.problems]
    if plan.notes:
        lines.append("")
        lines += [f"提示：{n}" for n in plan.notes]
    return "\n".join(lines) + "\n"


def _grade_name(grade: int | None) -> str:
    if grade is None:
        return "毕业"
    return grade_folder(grade)
