"""`promote` (升年级): grades up, top grade graduates, class folders move, once a year."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from liushou.api import load, term_figures
from liushou.cli import app
from liushou.records.closing import check_closed_terms, close_term, frozen_figures
from liushou.records.files import RecordsError
from liushou.records.promote import edit_record, plan_promotion, plan_text, set_top_level
from liushou.terms import term_for

from .repo_factory import CHILD
from .test_history import commit, run_git

TODAY = dt.date(2016, 8, 25)
SETTINGS = """\
# 测试学校的设置
school: 测试镇测试小学   # 学校全称
staff: [周老师, 吴老师]
"""


def close(root, term, today):
    """Close `term` of the repository at `root` as the close command does."""
    repo, findings = load(root, use_cache=False)
    return close_term(repo, findings, term, today)


def child(child_id: str, grade: int, klass: int) -> str:
    text = CHILD.format(id=child_id).replace("grade: 2\n", f"grade: {grade}  # 年级\n")
    return text.replace("class: 1\n", f"class: {klass}\n")


def write_school(root: Path) -> Path:
    files = {
        "1年级/1班/a1.yaml": child("a1", 1, 1),
        "3年级/2班/b3.yaml": child("b3", 3, 2),
        "6年级/1班/c6.yaml": child("c6", 6, 1),
        "其他/d5.yaml": child("d5", 5, 1),
        "2年级/1班/e2.yaml": child("e2", 2, 1).replace(
            "status: 在校\n", "status: 转出\nstatus_date: 2016-03-01\n"
        ),
        "1年级/2班/n1.yaml": child("n1", 1, 2).replace(
            "enrolled_on: 2014-09-01", "enrolled_on: 2016-08-20"
        ),
    }
    root.mkdir(parents=True)
    (root / "liushou.yaml").write_text(SETTINGS, encoding="utf-8")
    for rel, text in files.items():
        path = root / "children" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "logs").mkdir()
    (root / "logs/talks.csv").write_text(
        "date,child_id,staff,summary\n"
        "2016-03-10,a1,周老师,谈心\n2016-04-12,b3,吴老师,谈心\n2016-05-20,c6,周老师,毕业前谈心\n",
        encoding="utf-8",
    )
    return root


def cli(root: Path, *args: str):
    return CliRunner().invoke(app, ["-C", str(root), "--today", TODAY.isoformat(), *args])


def status_lines(root: Path) -> list[str]:
    out = subprocess.run(
        ["git", "-c", "core.quotepath=off", "-C", str(root), "status", "--porcelain"],
        capture_output=True,
        text=True,
        check=True,
    )
    return sorted(out.stdout.splitlines())


def record(root: Path, rel: str) -> dict:
    return yaml.safe_load((root / "children" / rel).read_text(encoding="utf-8"))


@pytest.fixture
def school(tmp_path: Path) -> Path:
    root = write_school(tmp_path / "school")
    close(root, "2016-spring", TODAY)
    run_git(root, "init", "-q")
    commit(root, "学年末", "2016-08-24T10:00:00+08:00", "周老师")
    return root


def test_dry_run_prints_the_plan_and_changes_nothing(school):
    result = cli(school, "promote")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "升年级计划：2016-spring 春季学期（2016-02-15 至 2016-07-10）结束后，2016 年秋季开学前；"
        "最高年级为 6 年级。\n"
        "升级 3 人，毕业 1 人，不升级 1 人，非在校状态（不变）1 人。\n"
        "\n"
        "升级：\n"
        "  a1  1年级 → 2年级  （移到 children/2年级/1班/a1.yaml）\n"
        "  b3  3年级 → 4年级  （移到 children/4年级/2班/b3.yaml）\n"
        "  d5  5年级 → 6年级\n"
        "\n"
        "毕业（status: 毕业，status_date: 2016-07-10）：\n"
        "  c6  6年级\n"
        "\n"
        "不升级：\n"
        "  n1  入学日期 2016-08-20 在春季学期结束之后，按新学年入学，不升级\n"
        "以上是计划，没有修改任何文件；确认无误后加 --write 执行。\n"
    )
    assert status_lines(school) == []


def test_write_inside_git(school):
    before = frozen_figures(school, "2016-spring")
    result = cli(school, "promote", "--write")
    assert result.exit_code == 0, result.output
    assert "已完成升年级（已用 git mv 移动）：4 份档案已修改，liushou.yaml 记下 promoted: 2016" in (
        result.output
    )
    assert record(school, "2年级/1班/a1.yaml")["grade"] == 2
    assert record(school, "4年级/2班/b3.yaml")["grade"] == 4
    assert record(school, "其他/d5.yaml")["grade"] == 6
    graduate = record(school, "6年级/1班/c6.yaml")
    assert (graduate["grade"], graduate["status"], graduate["status_date"]) == (
        6,
        "毕业",
        dt.date(2016, 7, 10),
    )
    assert record(school, "1年级/2班/n1.yaml")["grade"] == 1
    assert record(school, "2年级/1班/e2.yaml")["status"] == "转出"
    assert not (school / "children/1年级/1班").exists()  # the emptied class folder is gone
    assert not (school / "children/3年级").exists()
    # Only the edited lines differ; the comment on the grade line stays.
    b3 = (school / "children/4年级/2班/b3.yaml").read_text(encoding="utf-8")
    assert b3 == child("b3", 3, 2).replace("grade: 3  # 年级", "grade: 4  # 年级")
    c6 = (school / "children/6年级/1班/c6.yaml").read_text(encoding="utf-8")
    assert c6 == child("c6", 6, 1).replace(
        "status: 在校\n", "status: 毕业\nstatus_date: 2016-07-10\n"
    )
    assert status_lines(school) == [
        " M children/6年级/1班/c6.yaml",
        " M children/其他/d5.yaml",
        " M closed/2016-spring.yaml",
        " M liushou.yaml",
        "RM children/1年级/1班/a1.yaml -> children/2年级/1班/a1.yaml",
        "RM children/3年级/2班/b3.yaml -> children/4年级/2班/b3.yaml",
    ]
    settings = (school / "liushou.yaml").read_text(encoding="utf-8")
    assert (
        settings == SETTINGS + "promoted: 2016  # 由 liushou promote 写入：最近一次升年级的年份\n"
    )
    # The closed spring term keeps its figures and its seal; recomputing from the promoted
    # records would not give them (the graduate is no longer in care on the term's last day).
    assert frozen_figures(school, "2016-spring") == before
    repo, _ = load(school, use_cache=False)
    assert check_closed_terms(repo, school) == []
    live = term_figures(repo, term_for("2016-spring", repo.settings), TODAY).to_json()
    assert (before["population"], live["population"]) == (4, 3)
    assert before["breakdowns"]["by_grade"] == {"1": 1, "3": 1, "5": 1, "6": 1}
    closed = yaml.safe_load((school / "closed/2016-spring.yaml").read_text(encoding="utf-8"))
    assert closed["resealed"] == [{"on": "2016-08-25", "by": "promote 2016"}]


def test_second_run_is_refused(school):
    assert cli(school, "promote", "--write").exit_code == 0
    again = cli(school, "promote", "--write")
    assert again.exit_code == 2
    assert "2016 年已经升过年级（liushou.yaml 中 promoted: 2016），不能重复运行" in again.output
    assert cli(school, "promote").exit_code == 2


def test_a_seal_already_broken_stays_broken(school):
    path = school / "children/其他/d5.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("gender: 男", "gender: 女"), "utf-8")
    assert cli(school, "promote", "--write").exit_code == 0
    repo, _ = load(school, use_cache=False)
    assert [(f.file, f.code) for f in check_closed_terms(repo, school)] == [
        ("closed/2016-spring.yaml", "LS502")
    ]


def test_plain_rename_outside_git(tmp_path):
    root = write_school(tmp_path / "school")
    assert cli(root, "promote", "--write").exit_code == 0
    assert record(root, "2年级/1班/a1.yaml")["grade"] == 2
    assert not (root / "children/1年级/1班/a1.yaml").exists()
    assert cli(root, "promote").exit_code == 2  # once a year


def test_unclosed_spring_is_pointed_out(tmp_path):
    root = write_school(tmp_path / "school")
    repo, _ = load(root, use_cache=False)
    text = plan_text(plan_promotion(repo, TODAY))
    assert "提示：2016-spring 尚未关账" in text


def test_collision_is_a_problem_and_nothing_is_written(school):
    taken = school / "children/2年级/1班/a1.yaml"
    taken.write_text(child("a1", 2, 1), encoding="utf-8")
    result = cli(school, "promote", "--write")
    assert result.exit_code == 1
    assert (
        "children/1年级/1班/a1.yaml：目标位置 children/2年级/1班/a1.yaml 已有文件" in result.output
    )
    assert "liushou.yaml" not in " ".join(status_lines(school))
    assert record(school, "3年级/2班/b3.yaml")["grade"] == 3


def test_top_grade_defaults_to_9_with_a_junior_middle_grade(tmp_path):
    root = write_school(tmp_path / "school")
    (root / "children/7年级/1班").mkdir(parents=True)
    (root / "children/7年级/1班/m7.yaml").write_text(child("m7", 7, 1), encoding="utf-8")
    repo, _ = load(root, use_cache=False)
    plan = plan_promotion(repo, TODAY)
    assert plan.top_grade == 9
    assert plan.graduates == []
    assert {s.child_id: s.new_grade for s in plan.steps}["c6"] == 7
    (root / "liushou.yaml").write_text(SETTINGS + "top_grade: 7\n", encoding="utf-8")
    repo, _ = load(root, use_cache=False)
    assert [s.child_id for s in plan_promotion(repo, TODAY).graduates] == ["m7"]


def test_refused_during_the_spring_term(tmp_path):
    root = write_school(tmp_path / "school")
    repo, _ = load(root, use_cache=False)
    with pytest.raises(RecordsError, match="才结束"):
        plan_promotion(repo, dt.date(2016, 5, 1))


def test_line_edits_keep_everything_else():
    text = "# 档案\r\nid: x\r\ngrade: 3   # 三年级\r\nstatus: 在校\r\nnotes: 无\r\n"
    assert set_top_level(text, "grade", "4") == text.replace("grade: 3 ", "grade: 4 ")
    added = set_top_level(text, "status_date", "2016-07-10", after="status")
    assert added == text.replace("status: 在校\r\n", "status: 在校\r\nstatus_date: 2016-07-10\r\n")
    assert (
        set_top_level("guardian:\n  grade: 3\n", "grade", "4")
        == "guardian:\n  grade: 3\ngrade: 4\n"
    )
    assert set_top_level("grade: 3\ngrade: 4\n", "grade", "5") is None
    assert edit_record(b"{grade: 3, status: x}\n", {"grade": 4}) is None
    gbk = "id: x\ngrade: 3\nname: 测试\n".encode("gb18030")
    assert edit_record(gbk, {"grade": 4}) == "id: x\ngrade: 4\nname: 测试\n".encode("gb18030")
