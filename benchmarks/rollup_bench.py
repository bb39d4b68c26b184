"""Time `liushou rollup` over a province: 10,000 generated school report JSON files.

Each file has the shape of `liushou report --format json` (data-format §7 with `counts`, §12): four
default standards, every breakdown, ten mentors, random but consistent counts. The roll-up runs
in a child process (`liushou rollup DIR --format json -o OUT`) so that its wall time and peak
memory (ru_maxrss) are the command's own; the library steps are also timed in-process.

    python benchmarks/rollup_bench.py [--schools 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from liushou.figures.rollup import METRIC_NAMES  # noqa: E402

TERM = "2015-autumn"
GUARDIANSHIPS = ("隔代监护", "寄养监护", "单亲监护", "无人监护", "其他")
TYPES = ("父母均外出", "父亲外出", "母亲外出", "一方外出另一方无监护能力")
STANDARDS = {
    "monthly-talk": ("每月谈心一次", 5),
    "monthly-parent-contact": ("每月与父母联系一次", 5),
    "monthly-guardian-contact": ("每月与监护人沟通一次", 5),
    "term-visit": ("每学期家访一次", 1),
}


def school_json(index: int, rng: random.Random) -> dict:
    """One school's report, as `report --format json` writes it."""
    n = rng.randint(5, 400)
    students = n * rng.randint(3, 12)
    counts = {
        "archive_rate": [rng.randint(int(n * 0.8), n), n],
        "pairing_rate": [rng.randint(int(n * 0.9), n), n],
        "vaccination_rate": [rng.randint(int(n * 0.85), n), n],
        "training_rate": [rng.randint(int(n * 0.5), n), n],
        "retention_rate": [n - rng.randint(0, 2), n],
        "left_behind_share": [n, students if rng.random() > 0.1 else None],
    }
    incidents = rng.randint(0, 3)
    on_time = rng.randint(0, incidents)
    counts["incident_on_time_rate"] = [on_time, incidents]
    standards = {}
    for sid, (name, periods) in STANDARDS.items():
        due = n * periods
        done = rng.randint(int(due * 0.6), due)
        standards[sid] = {
            "name": name,
            "due": due,
            "done": done,
            "rate": done / due,
            "target": 1.0,
        }

    def split(keys: tuple[str, ...]) -> dict[str, int]:
        cuts = sorted(rng.randint(0, n) for _ in keys[1:])
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, n])]
        return dict(zip(keys, parts))

    grades = split(tuple(str(g) for g in range(1, 7)))
    boys = rng.randint(0, n)
    return {
        "school": f"第{index:05d}小学",
        "term": TERM,
        "start": "2015-09-01",
        "end": "2016-01-31",
        "as_of": "2016-01-31",
        "population": n,
        "metrics": {m: (a / b if b else None) for m, (a, b) in counts.items()},
        "targets": {
            "archive_rate": 1.0,
            "pairing_rate": 1.0,
            "vaccination_rate": 0.95,
            "training_rate": 0.95,
            "retention_rate": 1.0,
        },
        "standards": standards,
        "incidents": {"count": incidents, "on_time": on_time},
        "breakdowns": {
            "by_guardianship": split(GUARDIANSHIPS),
            "by_type": split(TYPES),
            "by_gender": {"男": boys, "女": n - boys},
            "by_grade": grades,
            "by_boarding": (lambda b: {"true": b, "false": n - b})(rng.randint(0, n)),
            "by_class": {f"{g}-1": c for g, c in grades.items()},
        },
        "mentors": {
            f"教师{k}": {
                "children": n // 10,
                "standards": {sid: rng.random() for sid in STANDARDS},
            }
            for k in range(10)
        },
        "counts": {m: counts[m] for m in METRIC_NAMES},
    }


def generate(folder: Path, schools: int) -> int:
    """Write the files, 100 to a sub-folder (as a province would keep them by county)."""
    rng = random.Random(20160131)
    total = 0
    for index in range(schools):
        path = folder / f"county{index // 100:03d}" / f"school{index:05d}.json"
        path.parent.mkdir(exist_ok=True)
        text = json.dumps(school_json(index, rng), ensure_ascii=False, indent=2)
        path.write_text(text, encoding="utf-8")
        total += len(text.encode("utf-8"))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schools", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = args.keep or Path(temp) / "province"
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        size = generate(folder, args.schools)
        print(
            f"generated {args.schools} files, {size / 1e6:.1f} MB, "
            f"in {time.perf_counter() - started:.1f} s"
        )

        out = Path(temp) / "province.json"
        code = (
            "import resource, sys, time\n"
            "started = time.perf_counter()\n"
            "import liushou.cli\n"
            "from liushou.cli import app\n"
            "try:\n"
            "    app(sys.argv[1:])\n"
            "except SystemExit as exit_:\n"
            "    code = exit_.code\n"
            "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
            "print(f'exit {code}; wall {time.perf_counter() - started:.2f} s; "
            "peak memory {peak:.0f} MB', file=sys.stderr)\n"
        )
        command = [
            sys.executable,
            "-c",
            code,
            "rollup",
            str(folder),
            "--format",
            "json",
            "-o",
            str(out),
        ]
        started = time.perf_counter()
        done = subprocess.run(
            command, capture_output=True, text=True, cwd=ROOT, env=None, check=False
        )
        wall = time.perf_counter() - started
        print(done.stderr.strip().splitlines()[-1])
        print(f"liushou rollup --format json (whole process): {wall:.2f} s")
        result = json.loads(out.read_text(encoding="utf-8"))
        print(
            f"schools {len(result['schools'])}, population {result['population']}, "
            f"monthly-talk {result['standards']['monthly-talk']['rate']:.4f}"
        )

        from liushou.figures.rollup import load_reports, rollup

        started = time.perf_counter()
        reports, problems = load_reports([folder])
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        county = rollup(reports, TERM, "全省", problems)
        summed = time.perf_counter() - started
        started = time.perf_counter()
        json.dumps(county.to_json(), ensure_ascii=False, indent=2)
        dumped = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"in-process: load_reports {loaded:.2f} s, rollup {summed:.2f} s, "
            f"to_json+dumps {dumped:.2f} s; this process's peak memory {peak:.0f} MB"
        )


if __name__ == "__main__":
    main()
