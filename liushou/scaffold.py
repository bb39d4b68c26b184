"""A new school repository (data-format §10 `init`): settings, empty logs with headers, CI files, git."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from liushou import fsguard, terms
from liushou.errors import os_reason
from liushou.logspec import LOGS

SETTINGS_FILE = "liushou.yaml"
CHECKED_FILES = r"^(liushou\.yaml|children/.*\.ya?ml|logs/.*\.csv)$"


class ScaffoldError(Exception):
    """The repository cannot be created; the message is Chinese."""


@dataclass
class Scaffold:
    """What `init` did: files written, files left as they were, and whether git was set up."""

    root: Path
    term: terms.Term
    written: list[str] = field(default_factory=list)  # relative paths, "/"-separated
    kept: list[str] = field(default_factory=list)  # existed already: not touched
    git_initialised: bool = False
    git_missing: bool = False  # git is not installed, so no repository was created
    staff_missing: bool = False  # liushou.yaml still needs the teachers' names


def upcoming_term(today: dt.date) -> terms.Term:
    """The term containing today (default calendar), else the next one to begin."""
    found = terms.term_containing(today, None)
    if found is not None:
        return found
    candidates = [
        terms.default_term(f"{year}-{season}")
        for year in (today.year - 1, today.year)
        for season in terms.SEASONS
    ]
    return min((t for t in candidates if t.start > today), key=lambda t: t.start)


def _yaml_text(value: str) -> str:
    """A YAML scalar for a name: quoted when plain YAML could misread it."""
    if value and all(ch not in value for ch in ":#[]{},&*!|>'\"%@`") and not value[0].isdigit():
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def settings_text(school: str, staff: list[str], term: terms.Term) -> str:
    """The commented liushou.yaml of a new repository."""
    staff_list = ", ".join(_yaml_text(name) for name in staff)
    staff_hint = "" if staff else "   # ← 必填：请写上教师姓名，例如 [张明远, 李红]"
    return f"""\
# {school} 关爱留守儿童工作记录的设置文件（liushou.yaml）。
# 以 # 开头的是说明，可以删去；字段的含义见 liushou 的文档 docs/data-format.md。

school: {_yaml_text(school)}          # 学校名称（必填）
# township: 某某镇               # 乡镇（可选）
# county: 某某县                 # 县（可选）
# leader: 张明远                 # 关爱工作领导小组组长（可选）

# 全体帮扶教师（代理家长）以及会出现在日志“教师”一列的教职工（必填）。
# 也可以写成 {{name: 李红, phone: "13900001111"}}，电话会印在联系卡上。
staff: [{staff_list}]{staff_hint}

# 全校学生数（每学期一个数），用来计算留守儿童占全校学生的比例（可选）。
students_total:
  # {term.name}: 300

# 本学期的起止日期；与学校校历不同时请改成实际日期。
terms:
  {term.name}: {{start: {term.start.isoformat()}, end: {term.end.isoformat()}}}

# 关爱制度：不写时使用默认的四项（每月谈心、每月与父母联系、每月与监护人沟通、每学期家访）。
# standards:
#   - {{id: weekly-talk-risk, name: 高风险儿童每周谈心, log: talks, every: week, at_least: 1,
#      applies_to: {{care.risk: [橙, 红]}}}}
"""


def log_header(name: str) -> bytes:
    """A log's header row in UTF-8 with BOM, so that Excel and WPS show the Chinese right."""
    return (",".join(LOGS[name].columns) + "\r\n").encode("utf-8-sig")


GITIGNORE = """\
# 生成的报告不进入版本库：需要时随时可以重新生成
reports/
"""

GITHUB_WORKFLOW = """\
# 每次提交时检查留守儿童档案和日志；问题会标注在提交的文件上。
name: liushou
on: [push, pull_request]
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install liushou
      - run: liushou check --format github
"""

GITLAB_CI = """\
# 每次提交时检查留守儿童档案和日志；结果作为代码质量报告显示在合并请求中。
liushou-check:
  image: python:3.12-slim
  script:
    - pip install liushou
    - liushou check --format gitlab > gl-code-quality-report.json
  artifacts:
    when: always
    reports:
      codequality: gl-code-quality-report.json
"""

PRE_COMMIT_CONFIG = f"""\
# 提交前在本机运行 liushou check（需要先安装 pre-commit 和 liushou：
#   pip install pre-commit liushou && pre-commit install）
repos:
  - repo: local
    hooks:
      - id: liushou-check
        name: liushou check
        entry: liushou check
        language: system
        pass_filenames: false
        files: {CHECKED_FILES}
"""


def _write_new(path: Path, data: bytes, root: Path) -> bool:
    """Write a file that must not exist yet, atomically; False when something is already there
    (a symlink at the path counts as existing)."""
    if os.path.lexists(path):
        return False
    try:
        fsguard.write_file(path, data, root=root, exclusive=True)
    except FileExistsError:  # appeared meanwhile: leave it alone
        return False
    return True


def _inside_git(folder: Path) -> bool:
    result = subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "--is-inside-work-tree"],
        capture_output=True,
        text=True,
    )
    return result.returncode == 0 and result.stdout.strip() == "true"


def create(
    directory: Path, school: str, today: dt.date, staff: list[str] | None = None
) -> Scaffold:
    """Create a school repository in `directory` (made if absent), writing nothing over anything.

    Args:
        directory: the repository's folder.
        school: the school's name for liushou.yaml.
        today: decides the term written into liushou.yaml.
        staff: the teachers' names, when known; otherwise liushou.yaml asks for them.

    Returns:
        The Scaffold.

    Raises:
        ScaffoldError: the folder already holds liushou.yaml, is a file, or cannot be written.
    """
    school = school.strip()
    if not school:
        raise ScaffoldError("请用 --school 给出学校名称")
    staff = [name.strip() for name in staff or [] if name.strip()]
    if (directory / SETTINGS_FILE).exists() or (directory / SETTINGS_FILE).is_symlink():
        raise ScaffoldError(f"{directory} 中已有 {SETTINGS_FILE}，未做任何改动")
    if directory.exists() and not directory.is_dir():
        raise ScaffoldError(f"{directory} 是一个文件，不是文件夹")
    term = upcoming_term(today)
    result = Scaffold(directory, term, staff_missing=not staff)
    files: list[tuple[str, bytes]] = [
        (SETTINGS_FILE, settings_text(school, staff, term).encode("utf-8")),
        ("children/.gitkeep", b""),
        *((f"logs/{name}.csv", log_header(name)) for name in LOGS),
        (".gitignore", GITIGNORE.encode("utf-8")),
        (".github/workflows/liushou.yml", GITHUB_WORKFLOW.encode("utf-8")),
        (".gitlab-ci.yml", GITLAB_CI.encode("utf-8")),
        (".pre-commit-config.yaml", PRE_COMMIT_CONFIG.encode("utf-8")),
    ]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for relative, data in files:
            written = _write_new(directory / relative, data, directory)
            (result.written if written else result.kept).append(relative)
    except OSError as error:
        raise ScaffoldError(f"无法写入 {directory}：{os_reason(error)}") from None
    if shutil.which("git") is None:
        result.git_missing = True
    elif not _inside_git(directory):
        done = subprocess.run(["git", "init", "-q", str(directory)], capture_output=True)
        result.git_initialised = done.returncode == 0
    return result
