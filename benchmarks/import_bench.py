"""Time `liushou import roster` and `import log` dry runs on a 2,000-row roster and 20,000 talks.

Usage::

    python benchmarks/import_bench.py [--rows 2000] [--talks 20000] [--keep DIR]

It writes, in a temporary folder (or DIR), a school repository with 500 existing children, a
roster .xlsx of ROWS rows (a merged title row, 学号 as numbers, mixed date forms; a quarter of the
rows are the existing children with a changed guardian phone, the rest new children, some
without 学号) and a talks .xlsx of TALKS rows (dates as Excel dates, text and serials). Each
command runs in a fresh process; wall time is taken around it, CPU time (user + system, less sensitive to a busy machine)
and peak memory is the
``ru_maxrss`` of ``resource.getrusage(RUSAGE_CHILDREN)`` in a wrapper process that runs only
that command. Everything is invented.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from liushou.edit.recordfile import new_record_text, record_path  # noqa: E402

EXISTING = 500
STAFF = [f"教师{i:02d}" for i in range(40)]
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "小子宇浩欣怡佳雨梓涵思睿俊杰博文嘉琪雅晨明轩诗梦"
LIUSHOU = (
    "import sys; import liushou.cli; from liushou.cli import run; sys.argv[0] = 'liushou'; run()"
)
# Runs one command and prints its wall time and the peak RSS of its process tree's largest member.
WRAPPER = """
import resource, subprocess, sys, time, json
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = usage.ru_utime + usage.ru_stime
print(json.dumps({"wall": wall, "cpu": cpu, "peak_kib": usage.ru_maxrss, "exit": code}))
"""


def name(rng: random.Random, index: int | None = None) -> str:
    """A random name, or with `index` one that no other index gets (so rows never collide)."""
    if index is None:
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
    given = len(GIVEN)
    tail = GIVEN[index // len(SURNAMES) % given] + GIVEN[index // len(SURNAMES) // given % given]
    return SURNAMES[index % len(SURNAMES)] + tail


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def make_repo(root: Path, rng: random.Random) -> list[dict]:
    (root / "logs").mkdir(parents=True)
    (root / "liushou.yaml").write_text(
        f"school: 基准测试小学\nstaff: [{', '.join(STAFF)}]\n", encoding="utf-8"
    )
    (root / "logs" / "talks.csv").write_text(
        "\ufeffdate,child_id,staff,summary,follow_up\n", encoding="utf-8"
    )
    children = []
    for index in range(EXISTING):
        grade, klass = 1 + index % 6, 1 + index // 6 % 3
        fields = {
            "id": f"b{index:04d}",
            "name": name(rng, index),
            "gender": rng.choice("男女"),
            "birth_date": dt.date(2015 - grade - 6, 1 + index % 12, 1 + index % 28),
            "grade": grade,
            "class": klass,
            "enrolled_on": dt.date(2015 - grade + 1, 9, 1),
            "left_behind": {"type": "父母均外出"},
            "guardianship": "隔代监护",
            "guardian": {"name": name(rng), "phone": mobile(rng)},
            "care": {"mentor": rng.choice(STAFF)},
        }
        folder = root / record_path(grade, klass)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{fields['id']}.yaml").write_text(new_record_text(fields), encoding="utf-8")
        children.append(fields)
    return children


def date_cell(day: dt.date, rng: random.Random):
    form = rng.randrange(4)
    if form == 0:
        return dt.datetime(day.year, day.month, day.day)
    if form == 1:
        return f"{day.year}/{day.month}/{day.day}"
    if form == 2:
        return f"{day.year}年{day.month}月{day.day}日"
    return (day - dt.date(1899, 12, 30)).days


def make_roster(path: Path, rows: int, children: list[dict], rng: random.Random) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("花名册")
    ws.append(["基准测试小学留守儿童花名册"])
    ws.append([])
    ws.append(["学号", "姓名", "性别", "出生日期", "年级", "班级", "入学日期", "留守类型",
               "监护类型", "父亲电话", "监护人姓名", "监护人电话", "兴趣爱好", "帮扶教师"])  # fmt: skip
    matched = rows // 4
    for index in range(rows):
        if index < matched:
            child = children[index % len(children)]
            ws.append([child["id"], child["name"], child["gender"],
                       date_cell(child["birth_date"], rng), child["grade"],
                       f"{child['class']}班", None, None, None, None, None, mobile(rng), None,
                       None])  # fmt: skip
            continue
        grade = 1 + index % 6
        birth = dt.date(2015 - grade - 6, 1 + index % 12, 1 + index % 28)
        number = 2015000000 + index if index % 3 else None
        ws.append([number, name(rng, EXISTING + index), rng.choice("男女"), date_cell(birth, rng), grade,
                   f"{grade}年级（{1 + index % 4}）班", date_cell(dt.date(2015, 9, 1), rng),
                   rng.choice(["父母均外出", "父亲外出", "母亲外出"]), "隔代监护",
                   int(mobile(rng)), name(rng), mobile(rng), "跳绳、画画 唱歌",
                   rng.choice(STAFF)])  # fmt: skip
    book.save(path)


def make_talks(path: Path, rows: int, children: list[dict], rng: random.Random) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("谈心记录")
    ws.append(["谈心记录表"])
    ws.append(["日期", "学号", "谈心教师", "内容"])
    start = dt.date(2015, 9, 1)
    for index in range(rows):
        child = children[index % len(children)]
        day = start + dt.timedelta(days=index % 140)
        ws.append([date_cell(day, rng), child["id"], child["care"]["mentor"],
                   f"第{index}次谈心：学习和生活情况良好。"])  # fmt: skip
    book.save(path)


def measure(args: list[str], cwd: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--talks", type=int, default=20000)
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    options = parser.parse_args()
    rng = random.Random(1)
    base = options.keep or Path(tempfile.mkdtemp(prefix="liushou-import-bench-"))
    repo = base / "school"
    started = time.perf_counter()
    children = make_repo(repo, rng)
    roster, talks = base / "roster.xlsx", base / "talks.xlsx"
    make_roster(roster, options.rows, children, rng)
    make_talks(talks, options.talks, children, rng)
    print(f"生成数据用时 {time.perf_counter() - started:.1f} s（{base}）")
    cli = [sys.executable, "-c", LIUSHOU, "-C", str(repo), "--today", "2016-01-20", "import"]
    runs = [
        (f"import roster（{options.rows} 行，预览）", [*cli, "roster", str(roster)]),
        (f"import log talks（{options.talks} 行，预览）", [*cli, "log", "talks", str(talks)]),
        ("启动与加载（liushou --version）", [sys.executable, "-c", LIUSHOU, "--version"]),
    ]
    print(f"{'命令':<34}{'用时 s':>10}{'CPU s':>8}{'峰值内存 MiB':>16}{'退出码':>8}")
    for label, args in runs:
        result = measure(args, base)
        print(
            f"{label:<34}{result['wall']:>10.2f}{result['cpu']:>8.2f}{result['peak_kib'] / 1024:>16.1f}{result['exit']:>8}"
        )
    print(
        f"xlsx 大小：花名册 {roster.stat().st_size / 1024:.0f} KiB，谈心 {talks.stat().st_size / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
