"""Time `liushou check` (and `report`) on a generated repository against general-purpose validators.

Each measurement runs as a subprocess. Wall time is taken around the subprocess; peak memory is
reported two ways: ``peak`` is the largest resident set of any single process of the run (GNU
``/usr/bin/time``'s "Maximum resident set size"; without GNU time, the ``ru_maxrss`` that
``os.wait4`` returns, which can be inflated up to this script's own size), and ``tree`` is the largest sum of the resident sets of the whole process
tree, sampled from /proc every 20 ms (Linux only; it counts shared pages once per process, so it
errs high, and it can miss the peak of a run shorter than a few samples).

Measurements, all on the same files (see benchmarks/README.md):

    a  liushou check, cold cache (its cache removed first, see below): the full check
    b  liushou check again, nothing changed: the warm re-check
    b1 liushou check, warm cache, one child record changed since the last check (a comment line
       appended to it, a different one each run; the file is restored afterwards)
    c  liushou check on a variant with liushou.yaml + children/ only, cold: the children part
    d  liushou check on a variant with children/ + logs/talks.csv only, cold; d − c is the talks part
    e  check-jsonschema with benchmarks/schemas/child.schema.json on every child record
    f  frictionless validate with benchmarks/schemas/talks.schema.json on logs/talks.csv
    g  parse floor: PyYAML's libyaml loader over every child record, nothing else
    h  parse floor: pandas.read_csv of logs/talks.csv, nothing else
    r  liushou report --term 2015-autumn --format json, cold and warm (when the command exists)
    due   liushou due --format json on the county's last term day (2016-01-20), warm cache
    due2  the same on 2015-11-16, mid-term: every log row after that day is an LS304 finding
    gs git status --porcelain on the same repository (if it is a git repository)

Every liushou run on the county passes ``--today 2016-01-20`` (the last day of its 2015-autumn
term, after its last log row), so that the results do not depend on the day the benchmark runs and
``due`` finds the findings that ``check`` stored for the same day; ``due2`` is the exception.

Usage::

    python benchmarks/run.py REPO_DIR [--skip-competitors] [--repeat [N]] [--json-out FILE]

The variants of c and d are built from hard links (symbolic links if hard links fail) in
``REPO_DIR.bench/`` next to the repository, rebuilt on every run. liushou runs with
``LIUSHOU_CACHE_DIR=REPO_DIR.bench/cache/<repo name>`` so that its cache is the benchmark's own;
a cold run removes that folder first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD_SCHEMA = HERE / "schemas" / "child.schema.json"
TALKS_SCHEMA = HERE / "schemas" / "talks.schema.json"
TERM = "2015-autumn"
COUNTY_TODAY = "2016-01-20"  # the county's last term day: in term, after its last log row
MIDTERM_TODAY = "2015-11-16"  # a day in the middle of the term (later log rows are LS304)
MB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
GNU_TIME = "/usr/bin/time"


@dataclass
class Run:
    """One subprocess run."""

    wall: float
    peak_mb: float
    tree_mb: float | None
    returncode: int
    stdout: str
    stderr: str
    cpu: float = 0.0  # user + system seconds of the process and the children it waited for


@dataclass
class Measurement:
    """A named measurement, possibly repeated."""

    key: str
    title: str
    command: str
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    tree_mb: float | None = None
    returncodes: list[int] = field(default_factory=list)
    note: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus) if self.cpus else 0.0

    def add(self, run: Run) -> None:
        self.walls.append(run.wall)
        self.cpus.append(run.cpu)
        self.peak_mb = max(self.peak_mb, run.peak_mb)
        if run.tree_mb is not None:
            self.tree_mb = max(self.tree_mb or 0.0, run.tree_mb)
        self.returncodes.append(run.returncode)

    @property
    def max_mb(self) -> float:
        return max(self.peak_mb, self.tree_mb or 0.0)


# ---------------------------------------------------------------------------------------------
# Running and measuring one subprocess
# ---------------------------------------------------------------------------------------------


def _proc_tree_rss(root_pid: int) -> int | None:
    """Sum of the resident sets (bytes) of root_pid and all its descendants, from /proc."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    children: dict[int, list[int]] = {}
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(name))
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def _gnu_time() -> str | None:
    """/usr/bin/time if it is GNU time (it takes -f and -o), else None."""
    if not os.path.exists(GNU_TIME):
        return None
    try:
        proc = subprocess.run(
            [GNU_TIME, "-f", "%M", "-o", os.devnull, "true"], capture_output=True, check=False
        )
    except OSError:
        return None
    return GNU_TIME if proc.returncode == 0 else None


def run_measured(
    argv: list[str],
    cwd: Path | None = None,
    stdin_path: Path | None = None,
    env: dict[str, str] | None = None,
) -> Run:
    """Run argv to completion; return its wall time, memory peaks, exit code and output.

    The peak comes from GNU time when there is one: Linux counts the memory a process had
    before exec in its ru_maxrss, so a child started straight from this (larger) Python
    process would report at least this process's own peak.
    """
    sample_tree = Path("/proc/self/statm").exists()
    gnu_time = _gnu_time()
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(suffix=".time") as timing,
        open(stdin_path or os.devnull, "rb") as stdin,
    ):
        command = [gnu_time, "-f", "%M", "-o", timing.name, *argv] if gnu_time else argv
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, stdin=stdin, stdout=out, stderr=err, env=env)
        tree_peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal tree_peak
            while not done.is_set():
                rss = _proc_tree_rss(proc.pid)
                if rss:
                    tree_peak = max(tree_peak, rss)
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        if sample_tree:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        if sample_tree:
            sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
        # ru_maxrss is in KiB on Linux, in bytes on macOS; GNU time prints KiB.
        peak = usage.ru_maxrss / (MB if sys.platform == "darwin" else 1024)
        if gnu_time:
            lines = Path(timing.name).read_text().split()
            if lines and lines[-1].isdigit():
                peak = int(lines[-1]) / 1024
    cpu = usage.ru_utime + usage.ru_stime
    tree = tree_peak / MB if sample_tree else None
    return Run(wall, peak, tree, proc.returncode, stdout, stderr, cpu)


# ---------------------------------------------------------------------------------------------
# The repository and its variants
# ---------------------------------------------------------------------------------------------


def child_files(repo: Path) -> list[str]:
    """Every child record, relative to the repository, in a stable order."""
    return sorted(str(p.relative_to(repo)) for p in (repo / "children").rglob("*.yaml"))


def link_tree(src: Path, dst: Path) -> None:
    """Copy a tree as hard links (fast, no extra space); fall back to one symbolic link."""
    try:
        shutil.copytree(src, dst, copy_function=os.link)
    except OSError:
        shutil.rmtree(dst, ignore_errors=True)
        dst.symlink_to(src.resolve(), target_is_directory=True)


def build_variant(repo: Path, dst: Path, logs: tuple[str, ...]) -> Path:
    """A repository with the same settings and children and only the given logs."""
    shutil.rmtree(dst, ignore_errors=True)
    dst.mkdir(parents=True)
    shutil.copy2(repo / "liushou.yaml", dst / "liushou.yaml")
    link_tree(repo / "children", dst / "children")
    if logs:
        (dst / "logs").mkdir()
        for name in logs:
            try:
                os.link(repo / "logs" / name, dst / "logs" / name)
            except OSError:
                shutil.copy2(repo / "logs" / name, dst / "logs" / name)
    return dst


def replace_bytes(path: Path, data: bytes) -> None:
    """Write path atomically: a temporary file beside it, then a rename over it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".bench-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def count_rows(path: Path) -> int:
    with open(path, "rb") as f:
        return max(0, sum(1 for _ in f) - 1)


def warm_os_cache(repo: Path) -> None:
    """Read every file once so that no measurement pays for the first read from disk."""
    for path in repo.rglob("*"):
        if path.is_file():
            with open(path, "rb") as f:
                while f.read(1 << 20):
                    pass


# ---------------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------------


class Bench:
    """Runs and records the measurements."""

    def __init__(self, repo: Path, work: Path, liushou: list[str], repeat: int) -> None:
        self.import_summary = ""
        self.repo = repo
        self.work = work
        self.liushou = liushou
        self.repeat = repeat
        self.results: dict[str, Measurement] = {}

    def cache_dir(self, repo: Path) -> Path:
        """liushou's cache for repo (LIUSHOU_CACHE_DIR), kept apart from the user's own."""
        return self.work / "cache" / repo.name

    def env_for(self, repo: Path) -> dict[str, str]:
        return {**os.environ, "LIUSHOU_CACHE_DIR": str(self.cache_dir(repo))}

    def drop_cache(self, repo: Path) -> None:
        shutil.rmtree(self.cache_dir(repo), ignore_errors=True)

    def measure(
        self,
        key: str,
        title: str,
        argv: list[str],
        *,
        cwd: Path | None = None,
        stdin_path: Path | None = None,
        env: dict[str, str] | None = None,
        before=None,
        check=None,
        shown: str | None = None,
        repeat: int | None = None,
    ) -> Measurement | None:
        m = Measurement(key, title, shown or shlex.join(argv))
        print(f"[{key}] {title} ...", file=sys.stderr, flush=True)
        for _ in range(repeat or self.repeat):
            if before:
                before()
            run = run_measured(argv, cwd=cwd, stdin_path=stdin_path, env=env)
            m.add(run)
            if check:
                m.note = check(run)
            print(
                f"    {run.wall:.2f} s (cpu {run.cpu:.2f} s), peak {run.peak_mb:.0f} MB, "
                f"tree {run.tree_mb or 0:.0f} MB, exit {run.returncode}  {m.note}",
                file=sys.stderr,
                flush=True,
            )
        self.results[key] = m
        return m

    # -- liushou ------------------------------------------------------------------------------

    def liushou_available(self) -> bool:
        try:
            proc = subprocess.run(
                [*self.liushou, "--help"], capture_output=True, timeout=120, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        return proc.returncode == 0

    def has_report(self) -> bool:
        proc = subprocess.run(
            [*self.liushou, "report", "--help"], capture_output=True, timeout=120, check=False
        )
        return proc.returncode == 0

    @staticmethod
    def check_summary(run: Run) -> str:
        try:
            data = json.loads(run.stdout)
            return f"{data['errors']} errors, {data['warnings']} warnings"
        except (ValueError, KeyError, TypeError):
            tail = (run.stderr.strip().splitlines() or ["no output"])[-1]
            return f"output not JSON: {tail[:120]}"

    @staticmethod
    def report_summary(run: Run) -> str:
        try:
            data = json.loads(run.stdout)
            return f"population {data['population']}"
        except (ValueError, KeyError, TypeError):
            tail = (run.stderr.strip().splitlines() or ["no output"])[-1]
            return f"output not JSON: {tail[:120]}"

    def on(self, repo: Path, today: str = COUNTY_TODAY) -> list[str]:
        """liushou on repo as of today (a county's runs do not depend on the calendar)."""
        return [*self.liushou, "-C", str(repo), "--today", today]

    def check_cold(self, key: str, title: str, repo: Path) -> None:
        """liushou check on repo after its cache is removed."""
        self.measure(
            key,
            title,
            [*self.on(repo), "check", "--format", "json"],
            env=self.env_for(repo),
            before=lambda: self.drop_cache(repo),
            check=self.check_summary,
        )

    def run_liushou(self) -> None:
        repo = self.repo
        self.check_cold("a", "liushou check, cold cache (full check)", repo)
        self.measure(
            "b",
            "liushou check, warm cache, nothing changed",
            [*self.on(repo), "check", "--format", "json"],
            env=self.env_for(repo),
            check=self.check_summary,
        )
        self.check_one_changed(repo)
        only_children = build_variant(repo, self.work / "children-only", ())
        self.check_cold("c", "liushou check, children only, cold (children part)", only_children)
        with_talks = build_variant(repo, self.work / "children-talks", ("talks.csv",))
        self.check_cold("d", "liushou check, children + talks.csv, cold", with_talks)
        if not self.has_report():
            print("liushou report is not available: skipped", file=sys.stderr)
            return
        report = [*self.on(repo), "report", "--term", TERM, "--format", "json"]
        self.measure(
            "r1",
            f"liushou report --term {TERM} --format json, cold cache",
            report,
            env=self.env_for(repo),
            before=lambda: self.drop_cache(repo),
            check=self.report_summary,
        )
        self.measure(
            "r2",
            f"liushou report --term {TERM} --format json, after a check of the same files",
            report,
            env=self.env_for(repo),
            before=lambda: self.check_untimed(repo),
            check=self.report_summary,
        )

        # data-format §9: a teacher's due list on a day in the term, against the warm check (goal
        # ≤ 2×). due runs after r2's check of the same day, so it can take the stored findings.
        def due_summary(run: Run) -> str:
            if run.returncode != 0:
                return f"exit {run.returncode}"
            return f"{run.stdout.count(chr(10) + '    {')} items"

        for key, today, note in (
            ("due", COUNTY_TODAY, "the last term day"),
            ("due2", MIDTERM_TODAY, "mid-term: later log rows are LS304 findings"),
        ):
            self.measure(
                key,
                f"liushou due --today {today} --format json, warm cache ({note})",
                [*self.on(repo, today), "due", "--format", "json"],
                env=self.env_for(repo),
                check=due_summary,
            )

    def check_one_changed(self, repo: Path) -> None:
        """b1: a warm check after one child record changed since the last check.

        Each run appends a different comment line to the same record, so each run finds exactly
        one file changed since the run before. The file is replaced, not written in place (the
        variants' hard links keep the original), and restored with its times afterwards.
        """
        files = child_files(repo)
        if not files:
            return
        path = repo / files[len(files) // 2]
        original = path.read_bytes()
        times = os.stat(path)
        runs = iter(range(1, 1_000_000))

        def change() -> None:
            suffix = f"# 基准测试：第 {next(runs)} 次改动\n".encode()
            body = original if original.endswith(b"\n") else original + b"\n"
            replace_bytes(path, body + suffix)

        try:
            self.measure(
                "b1",
                "liushou check, warm cache, one child record changed",
                [*self.on(repo), "check", "--format", "json"],
                env=self.env_for(repo),
                before=change,
                check=self.check_summary,
            )
        finally:
            replace_bytes(path, original)
            os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))

    def check_untimed(self, repo: Path) -> None:
        """A cold check that is not measured: what a school's CI has done before a report."""
        self.drop_cache(repo)
        subprocess.run(
            [*self.on(repo), "check", "--format", "json"],
            env=self.env_for(repo),
            capture_output=True,
            check=False,
        )

    def run_git_anchor(self) -> None:
        """git status on the same repository: it stats the same files, as a no-change check must."""
        repo = self.repo
        if not (repo / ".git").exists():
            print(
                f"{repo} is not a git repository: `git status` anchor skipped "
                "(git init && git add -A && git commit to measure it)",
                file=sys.stderr,
            )
            return
        subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True)
        self.measure(
            "gs",
            "git status --porcelain (anchor for b)",
            ["git", "-C", str(repo), "status", "--porcelain"],
            check=lambda run: f"{len(run.stdout.splitlines())} changed",
        )

    # -- the example school: small-scale goals --------------------------------------------------

    def run_small(self, school: Path, peers: Peers, repeat: int) -> None:
        """The example school: check cold and warm against yamllint and check-jsonschema on the
        same records, the interpreter's and the CLI framework's own floors, and the docx report."""
        env = self.env_for(school)
        check = [*self.liushou, "-C", str(school), "check", "--format", "json"]
        python = peers.python_for_floors
        floors = (
            ("p0", "floor: python -c pass", [python, "-c", "pass"]),
            ("p1", "floor: python -c 'import typer'", [python, "-c", "import typer"]),
            (
                "p2",
                "floor: typer with the parser it loads to read any option (pydantic)",
                [python, "-c", "import typer._adapters"],
            ),
        )
        for key, title, argv in floors:
            self.measure(key, title, argv, repeat=repeat)
        self.measure(
            "s1",
            "example school: liushou check, cold cache",
            check,
            env=env,
            before=lambda: self.drop_cache(school),
            check=self.check_summary,
            repeat=repeat,
        )
        self.measure(
            "s2",
            "example school: liushou check, warm cache",
            check,
            env=env,
            check=self.check_summary,
            repeat=repeat,
        )
        if peers.yamllint:
            self.measure(
                "s3",
                "example school: yamllint children/",
                [peers.yamllint, "children"],
                cwd=school,
                repeat=repeat,
            )
        if peers.check_jsonschema:
            files = child_files(school)
            self.measure(
                "s4",
                f"example school: check-jsonschema on its {len(files)} records",
                [peers.check_jsonschema, "--schemafile", str(CHILD_SCHEMA), *files],
                cwd=school,
                repeat=repeat,
                shown="check-jsonschema --schemafile child.schema.json children/**/*.yaml",
            )
        out = self.work / "example-report.docx"
        self.measure(
            "s5",
            "example school: report --format docx",
            [*self.liushou, "-C", str(school), "report", "--term", TERM, "--format", "docx"]
            + ["-o", str(out)],
            env=env,
            repeat=repeat,
        )
        self.import_summary = import_summary(self.liushou, school, env)

    # -- competitors and floors ----------------------------------------------------------------

    def run_competitors(self, peers: Peers) -> None:
        repo, work = self.repo, self.work
        files = child_files(repo)
        listing = work / "child-files.txt"
        listing.write_bytes(b"\0".join(f.encode() for f in files))

        def jsonschema_summary(run: Run) -> str:
            oks = run.stdout.count("ok -- validation done")
            return f"{len(files)} files, {oks} batch(es) ok" + ("" if run.returncode == 0 else "!")

        checker = peers.check_jsonschema or "check-jsonschema"
        # xargs packs as many paths per call as the system allows (a few calls for 50,000).
        self.measure(
            "e",
            "check-jsonschema, every child record",
            [
                "xargs",
                "-0",
                "-s",
                str(arg_max_budget()),
                checker,
                "--schemafile",
                str(CHILD_SCHEMA),
            ],
            cwd=repo,
            stdin_path=listing,
            check=jsonschema_summary,
            shown=f"xargs -0 check-jsonschema --schemafile {CHILD_SCHEMA} < (all child files)",
        )

        def frictionless_summary(run: Run) -> str:
            try:
                data = json.loads(run.stdout)
                task = data["tasks"][0]
                return f"valid={data['valid']}, {task['stats']['rows']} rows"
            except (ValueError, KeyError, IndexError, TypeError):
                tail = (run.stderr.strip().splitlines() or ["no output"])[-1]
                return f"output not JSON: {tail[:120]}"

        frictionless = peers.frictionless or "frictionless"
        self.measure(
            "f",
            "frictionless validate, logs/talks.csv",
            [
                frictionless,
                "validate",
                "--trusted",
                "--json",
                "--schema",
                str(TALKS_SCHEMA),
                "logs/talks.csv",
            ],
            cwd=repo,
            check=frictionless_summary,
        )
        floor_yaml = (
            "import glob, yaml\n"
            "n = 0\n"
            "for f in glob.iglob('children/**/*.yaml', recursive=True):\n"
            "    with open(f, 'rb') as fh:\n"
            "        yaml.load(fh, Loader=yaml.CSafeLoader)\n"
            "    n += 1\n"
            "print(n)\n"
        )
        self.measure(
            "g",
            "parse floor: yaml.CSafeLoader over every child record",
            [sys.executable, "-c", floor_yaml],
            cwd=repo,
            check=lambda run: f"{run.stdout.strip()} files",
            shown='python -c "for f in glob(children/**/*.yaml): yaml.load(f, CSafeLoader)"',
        )
        floor_csv = (
            "import pandas as pd\n"
            "df = pd.read_csv('logs/talks.csv', dtype=str, keep_default_na=False)\n"
            "print(len(df))\n"
        )
        self.measure(
            "h",
            "parse floor: pandas.read_csv of logs/talks.csv",
            [sys.executable, "-c", floor_csv],
            cwd=repo,
            check=lambda run: f"{run.stdout.strip()} rows",
            shown="python -c \"pandas.read_csv('logs/talks.csv', dtype=str)\"",
        )


@dataclass
class Peers:
    """Where the competitors are: a folder of scripts (a venv's bin) or the PATH."""

    yamllint: str | None
    check_jsonschema: str | None
    frictionless: str | None
    python_for_floors: str
    clib: str  # whether check-jsonschema's ruamel.yaml has its C parser

    @classmethod
    def find(cls, folder: Path | None) -> Peers:
        def which(name: str) -> str | None:
            if folder is not None:
                path = folder / name
                return str(path) if path.is_file() else None
            return shutil.which(name)

        checker = which("check-jsonschema")
        clib = "check-jsonschema not found"
        if checker:
            # The script's interpreter is the one whose ruamel.yaml the peer uses.
            first = Path(checker).read_text(errors="replace").splitlines()[0]
            interpreter = first[2:].strip().split()[0] if first.startswith("#!") else "python3"
            probe = subprocess.run(
                [interpreter, "-c", "from ruamel.yaml import CParser; print('ok')"],
                capture_output=True,
                text=True,
                check=False,
            )
            clib = (
                "ruamel.yaml.clib installed (C parser)"
                if probe.stdout.strip() == "ok"
                else "ruamel.yaml.clib NOT installed: pure-Python peer, ratios flatter liushou"
            )
        return cls(which("yamllint"), checker, which("frictionless"), sys.executable, clib)


def import_summary(liushou: list[str], school: Path, env: dict[str, str]) -> str:
    """`python -X importtime` of one cold check of the example: the slowest top-level imports,
    and whether any heavy library was imported at all."""
    shutil.rmtree(env["LIUSHOU_CACHE_DIR"], ignore_errors=True)
    proc = subprocess.run(
        [*liushou, "-C", str(school), "check", "--format", "json"],
        env={**env, "PYTHONPROFILEIMPORTTIME": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    top: list[tuple[int, str]] = []
    seen = set()
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if not cumulative.strip().isdigit():
            continue
        seen.add(name.strip())
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        if depth <= 2:  # what the entry point and its own modules import
            top.append((int(cumulative), ("  " * depth) + name.strip()))
    heavy = sorted({"pandas", "numpy", "matplotlib", "docx", "openpyxl", "jinja2"} & seen)
    lines = [
        "Imports of one cold `check` of the example school (`python -X importtime`, the three "
        "outer levels, cumulative ms, slowest first):",
        "",
    ]
    lines += [f"- `{name}`: {us / 1000:.0f}" for us, name in sorted(top, reverse=True)[:14]]
    lines += ["", f"Heavy libraries imported: {', '.join(heavy) or 'none'}"]
    return "\n".join(lines)


def arg_max_budget() -> int:
    """A command-line length for xargs -s that this system accepts."""
    try:
        arg_max = os.sysconf("SC_ARG_MAX")
    except (ValueError, OSError):
        arg_max = 262144
    env = sum(len(k) + len(v) + 2 for k, v in os.environ.items())
    return max(65536, min(arg_max - env - 65536, 2_000_000))


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def fmt_mb(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def tool_version(argv: list[str]) -> str:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "not available"
    return (proc.stdout.strip() or proc.stderr.strip() or "?").splitlines()[-1]


def markdown(bench: Bench, facts: dict[str, str]) -> str:
    r = bench.results
    lines = ["## Setup", ""]
    lines += [f"- {k}: {v}" for k, v in facts.items()]
    lines += [
        "",
        "## Measurements",
        "",
        "Wall and cpu (user + system) are the medians of the runs; memory is the largest seen. "
        "peak = largest single process (ru_maxrss), tree = sampled sum over the process tree.",
        "",
        "| | measurement | runs | wall s | cpu s | peak MB | tree MB | exit | result |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in r.values():
        codes = ",".join(str(c) for c in sorted(set(m.returncodes)))
        lines.append(
            f"| {m.key} | {m.title} | {len(m.walls)} | {m.wall:.2f} | {m.cpu:.2f} "
            f"| {fmt_mb(m.peak_mb)} | {fmt_mb(m.tree_mb)} | {codes} | {m.note} |"
        )
    if "a" in r and "c" in r and "d" in r:
        talks = r["d"].wall - r["c"].wall
        lines.append(f"| d − c | talks part (derived) | | {talks:.2f} | | | | | |")
    if bench.import_summary:
        lines += ["", bench.import_summary]
    lines += ["", "Commands:", ""]
    lines += [f"- {m.key}: `{m.command}`" for m in r.values()]

    goals: list[tuple[str, str, str, bool | None]] = []

    def ratio_goal(name: str, a: str, b: str, limit: float, target: str) -> None:
        if a in r and b in r and r[b].wall > 0:
            ratio = r[a].wall / r[b].wall
            cpu = r[a].cpu / r[b].cpu if r[b].cpu else float("nan")
            goals.append((name, f"{ratio:.2f} (cpu {cpu:.2f})", target, ratio <= limit))

    ratio_goal("example check, cold / yamllint (s1 / s3)", "s1", "s3", 1 / 3, "≤ 1/3 (0.33)")
    ratio_goal("example check, warm / yamllint (s2 / s3)", "s2", "s3", 1 / 3, "≤ 1/3 (0.33)")
    for floor in ("p0", "p1", "p2"):
        ratio_goal(f"for reference: floor {floor} / yamllint", floor, "s3", 1e9, "")
        if goals and goals[-1][0].endswith(f"{floor} / yamllint"):
            goals[-1] = (*goals[-1][:3], None)
    ratio_goal("example check, cold / check-jsonschema (s1 / s4)", "s1", "s4", 1e9, "")
    if goals and goals[-1][0].startswith("example check, cold / check-"):
        goals[-1] = (*goals[-1][:3], None)
    if "s5" in r:
        goals.append(
            (
                "example report --format docx (s5)",
                f"{r['s5'].wall:.2f} s",
                "≤ 2 s",
                r["s5"].wall <= 2,
            )
        )
    ratio_goal("no-change county check / git status (b / gs)", "b", "gs", 2, "≤ 2")
    ratio_goal("report after a check / cold check (r2 / a)", "r2", "a", 1 / 5, "≤ 1/5 (0.2)")
    ratio_goal("cold report / cold check (r1 / a)", "r1", "a", 1.1, "≤ 1.1")
    ratio_goal("due list / warm check, nothing changed (due / b)", "due", "b", 2, "≤ 2")
    ratio_goal("due list / warm check, one record changed (due / b1)", "due", "b1", 2, "≤ 2")
    ratio_goal("for reference: mid-term due list / warm check (due2 / b)", "due2", "b", 1e9, "")
    if goals and goals[-1][0].startswith("for reference: mid-term due"):
        goals[-1] = (*goals[-1][:3], None)
    county_keys = ("a", "b", "b1", "c", "d", "r1", "r2", "due", "due2")
    liushou_runs = [m for k, m in r.items() if k in county_keys]
    if liushou_runs:
        worst = max(m.max_mb for m in liushou_runs)
        goals.append(
            (
                "peak memory of every county run (process tree)",
                f"{worst:.0f} MB",
                "≤ 1024 MB",
                worst <= 1024,
            )
        )
    if "c" in r and "e" in r:
        ratio = r["c"].wall / r["e"].wall
        goals.append(
            (
                "children part / check-jsonschema",
                f"{ratio:.3f} (1/{1 / ratio:.1f})",
                "≤ 1/15 (0.067)",
                ratio <= 1 / 15,
            )
        )
    if "c" in r and "d" in r and "f" in r:
        talks = r["d"].wall - r["c"].wall
        ratio = talks / r["f"].wall
        goals.append(
            ("talks part (d − c) / frictionless", f"{ratio:.3f}", "≤ 1/3 (0.333)", ratio <= 1 / 3)
        )
        raw = r["d"].wall / r["f"].wall
        goals.append(("for reference: d (children + talks) / frictionless", f"{raw:.3f}", "", None))
    if "a" in r:
        goals.append(
            (
                "peak memory of the full check",
                f"{r['a'].max_mb:.0f} MB",
                "< 1024 MB",
                r["a"].max_mb < 1024,
            )
        )
    if "b" in r:
        goals.append(("warm re-check", f"{r['b'].wall:.2f} s", "< 1 s", r["b"].wall < 1))
    for key, label in (("r1", "report, cold cache"), ("r2", "report, warm cache")):
        if key in r:
            goals.append((f"{label}: time", f"{r[key].wall:.2f} s", "≤ 10 s", r[key].wall <= 10))
            goals.append(
                (f"{label}: memory", f"{r[key].max_mb:.0f} MB", "≤ 2048 MB", r[key].max_mb <= 2048)
            )
    if goals:
        lines += ["", "## Goals", "", "| goal | measured | target | met |", "|---|---:|---|---|"]
        for name, value, target, met in goals:
            mark = "" if met is None else ("yes" if met else "**no**")
            lines.append(f"| {name} | {value} | {target} | {mark} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path, help="repository made by benchmarks/generate.py")
    parser.add_argument("--skip-competitors", action="store_true", help="skip e, f, g and h")
    parser.add_argument("--skip-liushou", action="store_true", help="skip a–d and the report")
    parser.add_argument(
        "--repeat",
        type=int,
        nargs="?",
        const=3,
        default=1,
        help="runs per measurement (median time); --repeat alone means 3",
    )
    parser.add_argument("--liushou", default="liushou", help="command that runs liushou")
    parser.add_argument("--work", type=Path, help="folder for the variants (default REPO.bench)")
    parser.add_argument("--json-out", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--small",
        type=Path,
        default=HERE.parent / "examples" / "yangliu",
        help="the small-scale school (default: examples/yangliu)",
    )
    parser.add_argument(
        "--small-repeat", type=int, default=5, help="runs per small-scale measurement (median)"
    )
    parser.add_argument("--skip-small", action="store_true", help="skip the example school")
    parser.add_argument("--skip-county", action="store_true", help="only the example school")
    parser.add_argument(
        "--peers-bin",
        type=Path,
        help="folder holding yamllint, check-jsonschema and frictionless (a venv's bin; "
        "default: the PATH)",
    )
    args = parser.parse_args(argv)

    repo = args.repo.resolve()
    if not (repo / "liushou.yaml").is_file() or not (repo / "children").is_dir():
        parser.error(f"{repo} is not a generated repository (no liushou.yaml or children/)")
    work = (args.work or repo.with_name(repo.name + ".bench")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    liushou = shlex.split(args.liushou)
    if liushou == ["liushou"]:  # prefer this interpreter's script: no pyenv shim in the timing
        beside = Path(sys.executable).with_name("liushou")
        liushou = [str(beside)] if beside.is_file() else [shutil.which("liushou") or "liushou"]
    bench = Bench(repo, work, liushou, max(1, args.repeat))

    n_children = sum(1 for _ in (repo / "children").rglob("*.yaml"))
    facts = {
        "repository": f"{repo} ({n_children} child records"
        + "".join(
            f", {name} {count_rows(repo / 'logs' / name)} rows"
            for name in ("talks.csv", "visits.csv", "contacts.csv")
            if (repo / "logs" / name).is_file()
        )
        + ")",
        "machine": f"{platform.platform()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "liushou cache": f"LIUSHOU_CACHE_DIR={work}/cache/<repo name>, removed before each cold "
        "run; the OS page cache is warm for every run",
    }
    print("warming the OS page cache ...", file=sys.stderr, flush=True)
    warm_os_cache(repo)

    peers = Peers.find(args.peers_bin)
    facts["yamllint"] = tool_version([peers.yamllint or "yamllint", "--version"])
    facts["check-jsonschema"] = (
        tool_version([peers.check_jsonschema or "check-jsonschema", "--version"])
        + f"; {peers.clib}"
    )
    facts["frictionless"] = tool_version([peers.frictionless or "frictionless", "--version"])
    available = not args.skip_liushou and bench.liushou_available()
    if available:
        facts["liushou"] = tool_version([*bench.liushou, "--version"])
    elif not args.skip_liushou:
        print(f"`{args.liushou} --help` fails: liushou measurements skipped", file=sys.stderr)
        facts["liushou"] = "not available: a–d skipped"
    if available and not args.skip_small:
        school = args.small.resolve()
        facts["example school"] = f"{school} ({len(child_files(school))} child records)"
        bench.run_small(school, peers, max(1, args.small_repeat))
    if not args.skip_county:
        if available:
            bench.run_liushou()
            bench.run_git_anchor()
        if not args.skip_competitors:
            bench.run_competitors(peers)

    text = markdown(bench, facts)
    print(text)
    if args.json_out:
        payload = {
            "facts": facts,
            "results": {
                k: {**asdict(m), "wall": m.wall, "max_mb": m.max_mb}
                for k, m in bench.results.items()
            },
        }
        args.json_out.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
