"""Build the example county: three small schools' report JSON made from variants of examples/yangliu.

Each school is a copy of the 杨柳镇中心小学 repository in a temporary folder, renamed and thinned
out (children removed with every log row about them, some talks and visits left undone), and its
`liushou report --term 2015-autumn --format json` is written to schools/<name>.json. Nothing here
is typed by hand: rerun it after changing the report's JSON, from the repository's root:

    python examples/county/make.py

Then roll the county up:

    liushou rollup examples/county/schools --name 青禾县 --format md -o 青禾县汇总.md
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SOURCE = ROOT / "examples" / "yangliu"
TERM = "2015-autumn"
TODAY = "2016-03-01"


# Each variant: file name, school, township, pupils (None: no 全校学生数 for the term), the
# children to remove (by the start of their id), and which rows of talks/visits to drop.
VARIANTS = [
    {
        "file": "杨柳镇中心小学",
        "school": "杨柳镇中心小学",
        "township": "杨柳镇",
        "students_total": 312,
        "remove": [],
        "drop_talks_every": 0,
        "drop_visits_every": 0,
    },
    {
        "file": "石桥乡小学",
        "school": "石桥乡小学",
        "township": "石桥乡",
        "students_total": 158,
        "remove": ["yl-2015-", "yl-2014-02", "yl-2012-"],
        "drop_talks_every": 3,  # every third talk was never held
        "drop_visits_every": 0,
    },
    {
        "file": "河湾村小学",
        "school": "河湾村小学",
        "township": "石桥乡",
        "students_total": None,
        "remove": ["yl-2013-", "yl-2011-02", "yl-2010-"],
        "drop_talks_every": 0,
        "drop_visits_every": 2,  # half of the home visits were never made
    },
]


def _removed(child_id: str, prefixes: list[str]) -> bool:
    return any(child_id.startswith(p) for p in prefixes)


def _rewrite_settings(path: Path, variant: dict) -> None:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^school: .*$", f"school: {variant['school']}", text, flags=re.M)
    text = re.sub(r"^township: .*$", f"township: {variant['township']}", text, flags=re.M)
    total = variant["students_total"]
    if total is None:
        text = re.sub(r"^students_total:\n(  .*\n)+", "", text, flags=re.M)
    else:
        text = re.sub(r"^(  2015-autumn: )\d+$", rf"\g<1>{total}", text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")


def _rewrite_log(path: Path, variant: dict) -> None:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    if "child_id" in header:
        column = header.index("child_id")
        body = [r for r in body if not _removed(r[column], variant["remove"])]
    if "participants" in header:
        column = header.index("participants")
        for row in body:
            if row[column] != "全体":
                kept = [c for c in row[column].split(";") if not _removed(c, variant["remove"])]
                row[column] = ";".join(kept) or "全体"
    every = {"talks.csv": variant["drop_talks_every"], "visits.csv": variant["drop_visits_every"]}
    step = every.get(path.name, 0)
    if step:
        body = [r for i, r in enumerate(body) if i % step != step - 1]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *body])
    path.write_text(out.getvalue(), encoding="utf-8")


def build_repository(folder: Path, variant: dict) -> Path:
    """A variant of the example school in `folder`; returns the repository's root."""
    repo = folder / variant["file"]
    shutil.copytree(SOURCE, repo)
    _rewrite_settings(repo / "liushou.yaml", variant)
    for record in list((repo / "children").rglob("*.yaml")):
        if _removed(record.stem, variant["remove"]):
            record.unlink()
    for log in (repo / "logs").glob("*.csv"):
        _rewrite_log(log, variant)
    return repo


def report_json(repo: Path) -> str:
    """`liushou report --format json` of the repository, run from this checkout's code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LIUSHOU_CACHE_DIR": str(repo / ".cache")}
    command = [
        sys.executable,
        "-c",
        "from liushou.cli import run; run()",
        "-C",
        str(repo),
        "--today",
        TODAY,
        "report",
        "--term",
        TERM,
        "--format",
        "json",
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"report failed for {repo.name}:\n{done.stderr}")
    return done.stdout


def main() -> None:
    target = HERE / "schools"
    target.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        for variant in VARIANTS:
            repo = build_repository(Path(temp), variant)
            path = target / f"{variant['file']}.json"
            path.write_text(report_json(repo), encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
