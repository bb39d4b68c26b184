"""The county roll-up of data-format §12: read schools' report JSON files and add their counts up.

Schools send figures up, never records. Every figure of the county is a sum of the schools'
counts: a rate is Σ numerators / Σ denominators (never the mean of the schools' rates), a care
standard's rate is Σ done / Σ due. Reading is plain `json` over files of at most `MAX_BYTES`:
10,000 schools roll up in a few seconds (benchmarks/rollup_bench.py).

Decisions the data format leaves open, documented in docs/rollup.md:

- The county's targets are the default targets of data-format §6 (a school that lowered its own target
  does not lower the county's), and 1.00 for every care standard (§6.4's default). The schools'
  table marks every school's figures against these same county targets.
- A school whose denominator of a metric is 0 or null adds nothing to that metric, numerator
  included: the left-behind share is over the schools that reported 全校学生数.
- `mentors` is empty in the county's JSON: teachers are named per school and do not add up.
- `duties` (data-format §11) is summed over the schools whose files carry it, and left out when none do.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import stat
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liushou.errors import os_reason
from liushou.metricspec import DEFAULT_TARGETS, METRICS
from liushou.terms import SEASONS, parse_term_name

METRIC_NAMES = tuple(metric.key for metric in METRICS)
MAX_BARS = 25  # a chart of schools by rate shows at most this many: the lowest

MAX_BYTES = 5 * 1024 * 1024  # a school's report JSON is a few kilobytes; 5 MB is not one
MAX_LISTED = 3  # shape problems named per file before "等 n 处"
DEFAULT_NAME = "全县"
STANDARD_TARGET = 1.0  # data-format §6: a standard's target defaults to 1.00
# data-format §11 duties: the keys that are plain counts
DUTY_COUNTS = ("unattended", "dropouts", "returned")

# Problem kinds: every one but DUPLICATE means the file was not used.
MISSING = "missing"
UNREADABLE = "unreadable"
MALFORMED = "malformed"
WRONG_TERM = "wrong-term"
DUPLICATE = "duplicate"
PROBLEM_LABELS = {
    MISSING: "找不到",
    UNREADABLE: "无法读取",
    MALFORMED: "格式不对",
    WRONG_TERM: "学期不符",
    DUPLICATE: "重复（已用较新的一份）",
}


@dataclass(frozen=True)
class Problem:
    """An input file that was not used (or, for `duplicate`, a warning about one that was)."""

    file: str
    kind: str  # MISSING | UNREADABLE | MALFORMED | WRONG_TERM | DUPLICATE
    message: str  # Chinese; never echoes a value of the file

    @property
    def is_warning(self) -> bool:
        """A duplicate is only a warning: the figures of the school are still in the roll-up."""
        return self.kind == DUPLICATE

    def to_json(self) -> dict[str, str]:
        return {"file": self.file, "kind": self.kind, "message": self.message}


@dataclass
class SchoolReport:
    """One school's report JSON, validated; `data` is the object as read (without `mentors`)."""

    file: str
    school: str
    township: str | None
    term: str
    as_of: dt.date
    data: dict[str, Any]


# ---------------------------------------------------------------------------- validation


class _Shape:
    """Collects what is wrong with one report object, by the dotted key it concerns."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, where: str, expected: str) -> None:
        self.errors.append(f"{where} 应为{expected}")

    def obj(self, value: Any, where: str) -> dict | None:
        if isinstance(value, dict):
            return value
        self.fail(where, "对象" if value is not None else "对象（缺少此项）")
        return None

    def text(self, value: Any, where: str) -> None:
        if not (isinstance(value, str) and value.strip()):
            self.fail(where, "非空文字")

    def date(self, value: Any, where: str) -> dt.date | None:
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(where, "日期 YYYY-MM-DD")
        return None

    def count(self, value: Any, where: str, nullable: bool = False) -> int | None:
        if nullable and value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        self.fail(where, "非负整数" + ("或 null" if nullable else ""))
        return None

    def rate(self, value: Any, where: str, nullable: bool = True) -> None:
        if nullable and value is None:
            return
        if (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value >= 0
        ):
            return
        self.fail(where, "0 以上的数" + ("或 null" if nullable else ""))


def validate(data: Any) -> list[str]:
    """What keeps an object from being a school's report JSON of data-format §7 with `counts` (§12).

    Args:
        data: the parsed JSON value.

    Returns:
        Chinese descriptions naming the key and what it should be; empty when the object is fine.
    """
    shape = _Shape()
    if not isinstance(data, dict):
        kind = "列表" if isinstance(data, list) else "单个值"
        return [f"内容应为 JSON 对象（{{…}}），实为{kind}"]
    shape.text(data.get("school"), "school")
    term = data.get("term")
    try:
        parse_term_name(term if isinstance(term, str) else "")
    except ValueError:
        shape.fail("term", "学期名称，如 2015-autumn")
    for key in ("start", "end", "as_of"):
        shape.date(data.get(key), key)
    if data.get("township") is not None:
        shape.text(data.get("township"), "township")
    shape.count(data.get("population"), "population")
    metrics = shape.obj(data.get("metrics"), "metrics")
    if metrics is not None:
        for name in METRIC_NAMES:
            if name not in metrics:
                shape.fail(f"metrics.{name}", "数或 null（缺少此项）")
            else:
                shape.rate(metrics[name], f"metrics.{name}")
    targets = shape.obj(data.get("targets"), "targets")
    if targets is not None:
        for name, value in targets.items():
            shape.rate(value, f"targets.{name}", nullable=False)
    standards = shape.obj(data.get("standards"), "standards")
    for sid, entry in (standards or {}).items():
        where = f"standards.{sid}"
        if shape.obj(entry, where) is None:
            continue
        shape.text(entry.get("name"), f"{where}.name")
        due = shape.count(entry.get("due"), f"{where}.due")
        done = shape.count(entry.get("done"), f"{where}.done")
        if due is not None and done is not None and done > due:
            shape.fail(f"{where}.done", "不大于 due 的整数")
        if "rate" not in entry:
            shape.fail(f"{where}.rate", "数或 null（缺少此项）")
        shape.rate(entry.get("rate"), f"{where}.rate")
        shape.rate(entry.get("target"), f"{where}.target", nullable=False)
    incidents = shape.obj(data.get("incidents"), "incidents")
    if incidents is not None:
        count = shape.count(incidents.get("count"), "incidents.count")
        on_time = shape.count(incidents.get("on_time"), "incidents.on_time")
        if count is not None and on_time is not None and on_time > count:
            shape.fail("incidents.on_time", "不大于 count 的整数")
    breakdowns = shape.obj(data.get("breakdowns"), "breakdowns")
    for name, counts in (breakdowns or {}).items():
        if shape.obj(counts, f"breakdowns.{name}") is not None:
            for key, value in counts.items():
                shape.count(value, f"breakdowns.{name}.{key}")
    shape.obj(data.get("mentors"), "mentors")
    pairs = shape.obj(data.get("counts"), "counts")
    if pairs is not None:
        for name in METRIC_NAMES:
            _pair(shape, pairs.get(name), f"counts.{name}", bounded=name != "left_behind_share")
    if data.get("duties") is not None:
        _duties(shape, data["duties"])
    return shape.errors


def _pair(shape: _Shape, value: Any, where: str, bounded: bool) -> None:
    if not (isinstance(value, list) and len(value) == 2):
        shape.fail(where, "[分子, 分母]" + ("（缺少此项）" if value is None else ""))
        return
    numerator = shape.count(value[0], f"{where}[0]")
    denominator = shape.count(value[1], f"{where}[1]", nullable=True)
    if bounded and numerator is not None and denominator is not None and numerator > denominator:
        shape.fail(f"{where}[0]", "不大于分母的整数")


def _duties(shape: _Shape, value: Any) -> None:
    duties = shape.obj(value, "duties")
    if duties is None:
        return
    notice = duties.get("notice")
    if notice is not None:
        _pair(shape, notice, "duties.notice", bounded=True)
    for key in DUTY_COUNTS:
        if duties.get(key) is not None:
            shape.count(duties[key], f"duties.{key}")
    kinds = duties.get("incidents_by_kind")
    if kinds is not None and shape.obj(kinds, "duties.incidents_by_kind") is not None:
        for kind, n in kinds.items():
            shape.count(n, f"duties.incidents_by_kind.{kind}")


# ---------------------------------------------------------------------------- reading files


def _display(path: Path) -> str:
    return path.as_posix()


def _json_files(folder: Path) -> tuple[list[Path], list[Problem]]:
    """Every *.json under `folder`, sorted; symlinked folders are not entered, and a symlinked
    file is used only when it points inside `folder`."""
    found: list[Path] = []
    problems: list[Problem] = []
    top = folder.resolve()
    for current, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            if not name.lower().endswith(".json"):
                continue
            path = Path(current) / name
            if path.is_symlink():
                try:
                    inside = path.resolve(strict=True).is_relative_to(top)
                except (OSError, RuntimeError):
                    inside = False
                if not inside:
                    problems.append(
                        Problem(_display(path), UNREADABLE, "是指向文件夹之外的链接，已跳过")
                    )
                    continue
            found.append(path)
    return found, problems


def _read(path: Path) -> tuple[dict | None, Problem | None]:
    """The parsed object of one file, or the problem that keeps it out."""
    where = _display(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        return None, Problem(where, MISSING, "文件不存在")
    except OSError as error:
        return None, Problem(where, UNREADABLE, f"无法读取：{os_reason(error)}")
    if not stat.S_ISREG(info.st_mode):
        return None, Problem(where, UNREADABLE, "不是普通文件")
    if info.st_size > MAX_BYTES:
        return None, Problem(
            where,
            UNREADABLE,
            f"文件有 {info.st_size / 1024 / 1024:.1f} MB，超过 {MAX_BYTES // 1024 // 1024} MB "
            "的上限，不像是学校的报告 JSON",
        )
    try:
        raw = path.read_bytes()
    except OSError as error:
        return None, Problem(where, UNREADABLE, f"无法读取：{os_reason(error)}")
    try:
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        return None, Problem(where, MALFORMED, "不是 UTF-8 编码的文本")
    except json.JSONDecodeError as error:
        return None, Problem(
            where, MALFORMED, f"不是有效的 JSON（第 {error.lineno} 行第 {error.colno} 列）"
        )
    except (ValueError, RecursionError):
        return None, Problem(where, MALFORMED, "不是有效的 JSON（含 NaN 或嵌套过深）")
    errors = validate(data)
    if errors:
        more = f"等 {len(errors)} 处" if len(errors) > MAX_LISTED else ""
        message = "不是学校报告的 JSON：" + "；".join(errors[:MAX_LISTED]) + more
        if isinstance(data, dict) and "counts" not in data:
            message += "（缺少 counts 的文件请用新版 liushou report --format json 重新生成）"
        return None, Problem(where, MALFORMED, message)
    return data, None


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _term_key(name: str) -> tuple[int, int]:
    year, season = parse_term_name(name)
    # spring of year Y comes before autumn of year Y
    return year, 1 if season == SEASONS[0] else 0


def load_reports(
    paths: Iterable[str | Path], term: str | None = None
) -> tuple[list[SchoolReport], list[Problem]]:
    """Read schools' report JSON files for one term.

    Args:
        paths: files and folders; a folder means every *.json in it, recursively (symlinked
            folders are not entered; a symlinked file must point inside the folder).
        term: the term to keep; None takes the term most of the valid files are for (on a tie,
            the latest of them).

    Returns:
        The reports used, one per (township, school), in input order; and the problems: missing,
        unreadable, malformed and wrong-term files, and a `duplicate` warning for each file set
        aside because another file of the same school has a later `as_of` (on equal `as_of`,
        the file read later wins).
    """
    problems: list[Problem] = []
    files: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found, skipped = _json_files(path)
            problems += skipped
            if not found and not skipped:
                problems.append(Problem(_display(path), MISSING, "文件夹中没有 .json 文件"))
        else:
            found = [path]
        for item in found:
            key = Path(os.path.abspath(item))
            if key not in seen:
                seen.add(key)
                files.append(item)
    valid: list[tuple[Path, dict]] = []
    for path in files:
        data, problem = _read(path)
        if problem is not None:
            problems.append(problem)
        else:
            data.pop("mentors", None)  # not summed; dropping it keeps 10,000 files small
            valid.append((path, data))
    if term is None and valid:
        tally = Counter(data["term"] for _, data in valid)
        top = max(tally.values())
        term = max((t for t, n in tally.items() if n == top), key=_term_key)
    kept: dict[tuple[str, str], SchoolReport] = {}
    for path, data in valid:
        if data["term"] != term:
            problems.append(
                Problem(_display(path), WRONG_TERM, f"是 {data['term']} 学期的，不是 {term}")
            )
            continue
        report = SchoolReport(
            file=_display(path),
            school=data["school"].strip(),
            township=(data.get("township") or "").strip() or None,
            term=data["term"],
            as_of=dt.date.fromisoformat(data["as_of"]),
            data=data,
        )
        key = (report.township or "", report.school)
        earlier = kept.get(key)
        if earlier is None:
            kept[key] = report
            continue
        newer, older = (report, earlier) if report.as_of >= earlier.as_of else (earlier, report)
        kept[key] = newer
        problems.append(
            Problem(
                older.file,
                DUPLICATE,
                f"与 {newer.file} 是同一学校（{report.school}）同一学期的报告；"
                f"已使用统计日期较新（{newer.as_of.isoformat()}）的 {newer.file}",
            )
        )
    return list(kept.values()), problems


# ---------------------------------------------------------------------------- summing


@dataclass
class CountyFigures:
    """The county's figures for one term, every one a sum of the schools' counts.

    The first group is what `to_json` emits (data-format §7's shape, plus `schools` and `problems`).
    `schools` rows: {school, township, population, metrics, standards, rank, counts, file}, in
    the order of the first standard's ranking; `rank` maps a standard id to the school's rank
    (1 = best rate; equal rates share a rank; None when nothing was due).
    `rankings` maps each standard id to the indexes into `schools`, best first, schools
    without a rate last.
    """

    name: str
    term: str
    start: dt.date | None
    end: dt.date | None
    as_of: dt.date | None
    population: int
    metrics: dict[str, float | None]
    targets: dict[str, float]
    standards: dict[str, dict[str, Any]]
    incidents: dict[str, int]
    breakdowns: dict[str, dict[str, int]]
    counts: dict[str, list[int]]
    schools: list[dict[str, Any]]
    duties: dict[str, Any] | None = None
    duties_schools: int = 0  # how many schools' files carried `duties`
    problems: list[Problem] = field(default_factory=list)
    rankings: dict[str, list[int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The machine-readable roll-up: data-format §7's keys, `counts` and `schools`, exactly (the
        problem files are said on stderr and in the documents; rankings are in the documents).

        Returns:
            A dict ready for `json.dumps`; no child-level data (the input holds none).
        """
        out: dict[str, Any] = {
            "school": self.name,
            "term": self.term,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "population": self.population,
            "metrics": dict(self.metrics),
            "targets": dict(self.targets),
            "standards": {
                sid: {key: entry[key] for key in ("name", "due", "done", "rate", "target")}
                for sid, entry in self.standards.items()
            },
            "incidents": dict(self.incidents),
            "breakdowns": {name: dict(counts) for name, counts in self.breakdowns.items()},
            "mentors": {},
            "counts": {name: list(pair) for name, pair in self.counts.items()},
        }
        if self.duties is not None:
            out["duties"] = self.duties
        out["schools"] = [
            {
                "school": row["school"],
                "township": row["township"],
                "population": row["population"],
                "metrics": row["metrics"],
                "standards": row["standards"],
            }
            for row in self.schools
        ]
        return out


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _breakdown_order(name: str, keys: Iterable[str]) -> list[str]:
    keys = list(keys)
    if name == "by_grade":
        return sorted(keys, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
    if name == "by_class":

        def order(key: str) -> tuple:
            grade, _, klass = key.partition("-")
            digits = grade.isdigit() and klass.isdigit()
            return (not digits, int(grade) if digits else 0, int(klass) if digits else 0, key)

        return sorted(keys, key=order)
    return keys  # order of first appearance: the schools' own (the data format enumeration) order


def rollup(
    reports: Sequence[SchoolReport],
    term: str,
    name: str = DEFAULT_NAME,
    problems: Sequence[Problem] = (),
) -> CountyFigures:
    """Add the schools' figures up (data-format §12).

    Args:
        reports: the valid reports of one term (from `load_reports`).
        term: the term's name, e.g. "2015-autumn".
        name: the county's name, shown as `school` in the JSON and in document titles.
        problems: what `load_reports` found, carried into the outputs.

    Returns:
        The county's figures: per metric Σ numerators / Σ denominators (None when Σ
        denominators is 0), per standard Σ done / Σ due, population, incidents and breakdowns
        summed, and one row per school ranked by each standard's rate.
    """
    numerators = dict.fromkeys(METRIC_NAMES, 0)
    denominators = dict.fromkeys(METRIC_NAMES, 0)
    standards: dict[str, dict[str, Any]] = {}
    names: dict[str, Counter] = {}
    from liushou.figures.metrics import BREAKDOWN_NAMES  # pandas: not at `liushou` start-up

    breakdowns: dict[str, Counter] = {b: Counter() for b in BREAKDOWN_NAMES}
    incidents = {"count": 0, "on_time": 0}
    population = 0
    duties: dict[str, Any] | None = None
    duties_schools = 0
    rows: list[dict[str, Any]] = []
    for report in reports:
        data = report.data
        population += data["population"]
        for metric in METRIC_NAMES:
            numerator, denominator = data["counts"][metric]
            if denominator:
                numerators[metric] += numerator
                denominators[metric] += denominator
        for sid, entry in data["standards"].items():
            total = standards.setdefault(sid, {"due": 0, "done": 0})
            total["due"] += entry["due"]
            total["done"] += entry["done"]
            names.setdefault(sid, Counter())[entry["name"]] += 1
        for key, counts in data["breakdowns"].items():
            breakdowns.setdefault(key, Counter()).update(counts)
        incidents["count"] += data["incidents"]["count"]
        incidents["on_time"] += data["incidents"]["on_time"]
        if data.get("duties") is not None:
            duties = _add_duties(duties, data["duties"])
            duties_schools += 1
        rows.append(
            {
                "school": report.school,
                "township": report.township,
                "population": data["population"],
                "metrics": {m: data["metrics"][m] for m in METRIC_NAMES},
                "standards": {
                    sid: {k: e[k] for k in ("name", "due", "done", "rate", "target")}
                    for sid, e in data["standards"].items()
                },
                "counts": {m: list(data["counts"][m]) for m in METRIC_NAMES},
                "file": report.file,
            }
        )
    for sid, total in standards.items():
        total["name"] = names[sid].most_common(1)[0][0]
        total["rate"] = _ratio(total["done"], total["due"])
        total["target"] = STANDARD_TARGET
    # Rows in a stable order before ranking: township, then school.
    rows.sort(key=lambda r: (r["township"] or "", r["school"]))
    rankings = {sid: _rank(rows, sid) for sid in standards}
    first = next(iter(rankings), None)
    if first is not None:
        order = rankings[first]
        rows = [rows[i] for i in order]
        rankings = {sid: _rank(rows, sid) for sid in standards}
    for row in rows:
        row["rank"] = {}
    for sid, order in rankings.items():
        previous, rank = None, 0
        for position, index in enumerate(order, start=1):
            rate = rows[index]["standards"].get(sid, {}).get("rate")
            if rate is None:
                rows[index]["rank"][sid] = None
                continue
            if rate != previous:
                rank, previous = position, rate
            rows[index]["rank"][sid] = rank
        for row in rows:
            row["rank"].setdefault(sid, None)
    starts = [dt.date.fromisoformat(r.data["start"]) for r in reports]
    ends = [dt.date.fromisoformat(r.data["end"]) for r in reports]
    return CountyFigures(
        name=name,
        term=term,
        start=min(starts, default=None),
        end=max(ends, default=None),
        as_of=max((r.as_of for r in reports), default=None),
        population=population,
        metrics={m: _ratio(numerators[m], denominators[m]) for m in METRIC_NAMES},
        targets=dict(DEFAULT_TARGETS),
        standards=standards,
        incidents=incidents,
        breakdowns={
            key: {k: counts[k] for k in _breakdown_order(key, counts)}
            for key, counts in breakdowns.items()
        },
        counts={m: [numerators[m], denominators[m]] for m in METRIC_NAMES},
        schools=rows,
        duties=duties,
        duties_schools=duties_schools,
        problems=list(problems),
        rankings=rankings,
    )


def _rank(rows: list[dict[str, Any]], sid: str) -> list[int]:
    """Indexes of `rows` by the standard's rate, best first; more done child-periods first on
    equal rates; schools without a rate last, in their current order."""

    def key(index: int) -> tuple:
        entry = rows[index]["standards"].get(sid) or {}
        rate = entry.get("rate")
        if rate is None:
            return (1, 0.0, 0, index)
        return (0, -rate, -entry["done"], index)

    return sorted(range(len(rows)), key=key)


def _add_duties(total: dict[str, Any] | None, duties: dict[str, Any]) -> dict[str, Any]:
    if total is None:
        total = {"notice": [0, 0], **dict.fromkeys(DUTY_COUNTS, 0), "incidents_by_kind": {}}
    notice = duties.get("notice")
    if notice is not None:
        total["notice"][0] += notice[0]
        total["notice"][1] += notice[1] or 0
    for key in DUTY_COUNTS:
        total[key] += duties.get(key) or 0
    for kind, n in (duties.get("incidents_by_kind") or {}).items():
        total["incidents_by_kind"][kind] = total["incidents_by_kind"].get(kind, 0) + n
    return total


def below(rate: float | None, target: float | None) -> bool:
    """Whether a figure is under its target (a missing figure or target is never marked)."""
    return rate is not None and target is not None and rate < target
