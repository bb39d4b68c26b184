"""Write a minimal valid school repository into a temporary folder, for tests to spoil."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

SETTINGS = """\
school: 测试镇测试小学
staff: [周老师, 吴老师]
"""

# Archive-complete and valid; each test spoils one thing. Line numbers matter to the tests.
CHILD = """\
id: {id}
name: 测试儿童
gender: 男
birth_date: 2008-03-04
grade: 2
class: 1
enrolled_on: 2014-09-01
status: 在校
left_behind:
  type: 父母均外出
guardianship: 隔代监护
address: 测试镇测试村一组
parents:
  - relation: 父亲
    name: 测试父亲
    phone: "13900000001"
    work_place: 广东省某市
guardian:
  name: 测试祖母
  relation: 祖母
  age: 66
  occupation: 务农
  address: 测试镇测试村一组
  phone: "13900000002"
  health: 良好
  notice_on: 2014-08-25
profile:
  personality: 内向
  interests: [画画]
  health: 良好
care:
  mentor: 周老师
"""

TODAY = dt.date(2016, 1, 20)


def write_repo(
    root: Path,
    children: dict[str, str] | None = None,
    logs: dict[str, str | bytes] | None = None,
    settings: str = SETTINGS,
) -> Path:
    """Write a repository: children maps a relative path under children/ to its YAML text."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "liushou.yaml").write_text(settings, encoding="utf-8")
    if children is None:
        children = {"2/1/c1.yaml": CHILD.format(id="c1")}
    for rel, text in children.items():
        path = root / "children" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for name, content in (logs or {}).items():
        path = root / "logs" / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "yangliu"


def copy_example(dest: Path) -> Path:
    """Copy the example school, without the reports a README run may have written into it."""
    import shutil

    return Path(shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("reports")))


def settled(root: Path, seconds_ago: int = 60) -> Path:
    """Date every file under `root` back: a file modified within seconds of a check is racily
    clean, and is neither noted in the cache's index nor in its quick key (cache.RACY_WINDOW_NS)."""
    import os

    then = int((dt.datetime.now().timestamp() - seconds_ago) * 1e9)
    for path in [root, *root.rglob("*")]:
        os.utime(path, ns=(then, then))
    return root
