"""The county roll-up (data-format §12): sums of counts, ranking, bad inputs, the CLI and its documents."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liushou.cli import app
from liushou.figures.metrics import BREAKDOWN_NAMES
from liushou.figures.rollup import (
    DUPLICATE,
    MALFORMED,
    MAX_BYTES,
    METRIC_NAMES,
    MISSING,
    UNREADABLE,
    WRONG_TERM,
    load_reports,
    rollup,
    validate,
)
from liushou.metricspec import DEFAULT_TARGETS

TERM = "2015-autumn"
STANDARD_NAMES = {
    "monthly-talk": "每月谈心一次",
    "monthly-parent-contact": "每月与父母联系一次",
    "term-visit": "每学期家访一次",
}


def school(
    name: str,
    counts: dict[str, tuple[int, int | None]],
    standards: dict[str, tuple[int, int]],
    *,
    township: str | None = None,
    term: str = TERM,
    as_of: str = "2016-01-31",
    guardianship: dict[str, int] | None = None,
    incidents: tuple[int, int] = (0, 0),
    duties: dict | None = None,
) -> dict:
    """A school's report JSON of data-format §7 + counts, with rates that agree with the counts."""
    full = {m: counts.get(m, (0, 0)) for m in METRIC_NAMES}
    population = full["archive_rate"][1]
    data = {
        "school": name,
        "term": term,
        "start": "2015-09-01",
        "end": "2016-01-31",
        "as_of": as_of,
        "population": population,
        "metrics": {m: (n / d if d else None) for m, (n, d) in full.items()},
        "targets": dict(DEFAULT_TARGETS),
        "standards": {
            sid: {
                "name": STANDARD_NAMES.get(sid, sid),
                "due": due,
                "done": done,
                "rate": done / due if due else None,
                "target": 1.0,
            }
            for sid, (due, done) in standards.items()
        },
        "incidents": {"count": incidents[0], "on_time": incidents[1]},
        "breakdowns": {b: {} for b in BREAKDOWN_NAMES},
        "mentors": {"某老师": {"children": population, "standards": {}}},
        "counts": {m: list(pair) for m, pair in full.items()},
    }
    data["breakdowns"]["by_guardianship"] = guardianship or {"隔代监护": population}
    if township is not None:
        data["township"] = township
    if duties is not None:
        data["duties"] = duties
    return data


def three_schools() -> list[dict]:
    """Three schools whose rates' mean differs from the county's true rates."""
    return [
        school(
            "甲镇中心小学",
            {
                "archive_rate": (9, 10),
                "pairing_rate": (10, 10),
                "vaccination_rate": (8, 10),
                "training_rate": (5, 10),
                "retention_rate": (10, 11),
                "left_behind_share": (10, 100),
                "incident_on_time_rate": (1, 2),
            },
            {"monthly-talk": (50, 45), "term-visit": (10, 10)},
            township="甲镇",
            guardianship={"隔代监护": 7, "单亲监护": 3},
            incidents=(2, 1),
            duties={
                "notice": [6, 8],
                "unattended": 0,
                "incidents_by_kind": {"意外伤害": 2},
                "dropouts": 1,
                "returned": 0,
            },
        ),
        school(
            "乙乡小学",
            {
                "archive_rate": (1, 2),
                "pairing_rate": (2, 2),
                "vaccination_rate": (2, 2),
                "training_rate": (0, 2),
                "retention_rate": (2, 2),
                "left_behind_share": (2, None),  # no 全校学生数
                "incident_on_time_rate": (0, 0),
            },
            {"monthly-talk": (10, 4), "term-visit": (2, 1)},
            township="乙乡",
            guardianship={"寄养监护": 2},
        ),
        school(
            "丙村小学",
            {
                "archive_rate": (40, 40),
                "pairing_rate": (39, 40),
                "vaccination_rate": (40, 40),
                "training_rate": (30, 40),
                "retention_rate": (40, 42),
                "left_behind_share": (40, 200),
                "incident_on_time_rate": (0, 1),
            },
            {"monthly-talk": (200, 180), "term-visit": (40, 40), "monthly-parent-contact": (5, 5)},
            township="乙乡",
            guardianship={"隔代监护": 30, "无人监护": 10},
            incidents=(1, 0),
        ),
    ]


def write(folder: Path, name: str, data) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def county_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "county"
    for index, data in enumerate(three_schools()):
        write(folder / f"town{index}", f"{data['school']}.json", data)
    return folder


# ---------------------------------------------------------------------------- sums


def test_county_figures_are_sums_of_counts_not_means_of_rates(tmp_path):
    reports, problems = load_reports([county_folder(tmp_path)])
    assert problems == []
    county = rollup(reports, TERM, "青禾县")
    # worked by hand from the three schools' counts
    assert county.counts == {
        "archive_rate": [50, 52],
        "pairing_rate": [51, 52],
        "vaccination_rate": [50, 52],
        "training_rate": [35, 52],
        "retention_rate": [52, 55],
        "left_behind_share": [50, 300],  # 乙乡小学 has no denominator: left out, numerator too
        "incident_on_time_rate": [1, 3],
    }
    assert county.metrics["archive_rate"] == pytest.approx(50 / 52)
    assert county.metrics["archive_rate"] != pytest.approx((0.9 + 0.5 + 1.0) / 3)
    assert county.metrics["training_rate"] == pytest.approx(35 / 52)
    assert county.metrics["retention_rate"] == pytest.approx(52 / 55)
    assert county.metrics["left_behind_share"] == pytest.approx(50 / 300)
    assert county.metrics["incident_on_time_rate"] == pytest.approx(1 / 3)
    assert county.population == 52
    assert county.incidents == {"count": 3, "on_time": 1}
    assert county.breakdowns["by_guardianship"] == {
        "隔代监护": 37,
        "单亲监护": 3,
        "寄养监护": 2,
        "无人监护": 10,
    }
    assert county.targets == DEFAULT_TARGETS
    assert county.duties == {
        "notice": [6, 8],
        "unattended": 0,
        "dropouts": 1,
        "returned": 0,
        "incidents_by_kind": {"意外伤害": 2},
    }
    assert county.duties_schools == 1


def test_per_standard_sums_and_schools_without_a_standard(tmp_path):
    reports, _ = load_reports([county_folder(tmp_path)])
    county = rollup(reports, TERM, "青禾县")
    talk = county.standards["monthly-talk"]
    assert (talk["due"], talk["done"]) == (260, 229)
    assert talk["rate"] == pytest.approx(229 / 260)
    assert talk["name"] == "每月谈心一次" and talk["target"] == 1.0
    visit = county.standards["term-visit"]
    assert (visit["due"], visit["done"], visit["rate"]) == (52, 51, pytest.approx(51 / 52))
    parent = county.standards["monthly-parent-contact"]  # only 丙村小学 has it
    assert (parent["due"], parent["done"], parent["rate"]) == (5, 5, 1.0)


def test_a_metric_with_no_denominator_anywhere_is_null(tmp_path):
    data = three_schools()[1]  # 乙乡小学: no incidents, no 全校学生数
    path = write(tmp_path, "a.json", data)
    reports, _ = load_reports([path])
    county = rollup(reports, TERM, "县")
    assert county.metrics["incident_on_time_rate"] is None
    assert county.metrics["left_behind_share"] is None
    assert county.counts["left_behind_share"] == [0, 0]


def test_ranking_by_each_standard(tmp_path):
    reports, _ = load_reports([county_folder(tmp_path)])
    county = rollup(reports, TERM, "青禾县")
    # monthly-talk rates: 甲 0.9, 乙 0.4, 丙 0.9 -> equal rates share rank 1; more done first
    assert [row["school"] for row in county.schools] == ["丙村小学", "甲镇中心小学", "乙乡小学"]
    ranks = {row["school"]: row["rank"] for row in county.schools}
    assert ranks["丙村小学"]["monthly-talk"] == 1
    assert ranks["甲镇中心小学"]["monthly-talk"] == 1
    assert ranks["乙乡小学"]["monthly-talk"] == 3
    # term-visit: 甲 1.0, 丙 1.0, 乙 0.5
    assert ranks["丙村小学"]["term-visit"] == 1 and ranks["甲镇中心小学"]["term-visit"] == 1
    assert ranks["乙乡小学"]["term-visit"] == 3
    # monthly-parent-contact: only 丙 has a rate; the others are unranked, listed last
    assert ranks["丙村小学"]["monthly-parent-contact"] == 1
    assert ranks["乙乡小学"]["monthly-parent-contact"] is None
    order = [county.schools[i]["school"] for i in county.rankings["monthly-parent-contact"]]
    assert order[0] == "丙村小学"


# ---------------------------------------------------------------------------- bad input


def test_every_kind_of_bad_input_is_listed_never_raised(tmp_path):
    good = three_schools()
    folder = tmp_path / "in"
    write(folder, "ok.json", good[0])
    write(folder, "not-json.json", "{这不是 JSON")
    write(folder, "list.json", [good[1]])
    missing_keys = dict(good[1])
    del missing_keys["standards"]
    write(folder, "missing-keys.json", missing_keys)
    text_number = json.loads(json.dumps(good[2]))
    text_number["population"] = "40"
    text_number["counts"]["archive_rate"] = ["40", 40]
    write(folder, "text-number.json", text_number)
    no_counts = dict(good[1], school="丁小学")
    del no_counts["counts"]
    write(folder, "no-counts.json", no_counts)
    nan = json.dumps(dict(good[1], school="戊小学")).replace('"population": 2', '"population": NaN')
    write(folder, "nan.json", nan)
    write(folder, "gbk.json", "x").write_bytes(
        json.dumps({"school": "己"}, ensure_ascii=False).encode("gbk")
    )
    huge = folder / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    write(folder, "other-term.json", dict(good[2], term="2016-spring"))
    (folder / "notes.txt").write_text("不是 json", encoding="utf-8")
    reports, problems = load_reports([folder, tmp_path / "absent.json"], TERM)
    assert [r.school for r in reports] == ["甲镇中心小学"]
    found = {Path(p.file).name: p.kind for p in problems}
    assert found == {
        "gbk.json": MALFORMED,
        "huge.json": UNREADABLE,
        "list.json": MALFORMED,
        "missing-keys.json": MALFORMED,
        "nan.json": MALFORMED,
        "no-counts.json": MALFORMED,
        "not-json.json": MALFORMED,
        "other-term.json": WRONG_TERM,
        "text-number.json": MALFORMED,
        "absent.json": MISSING,
    }
    messages = {Path(p.file).name: p.message for p in problems}
    assert "第 1 行第 2 列" in messages["not-json.json"]
    assert "实为列表" in messages["list.json"]
    assert "standards 应为对象" in messages["missing-keys.json"]
    assert "population 应为非负整数" in messages["text-number.json"]
    assert "counts.archive_rate[0] 应为非负整数" in messages["text-number.json"]
    assert "重新生成" in messages["no-counts.json"]
    assert "超过 5 MB" in messages["huge.json"]
    assert "2016-spring" in messages["other-term.json"]


@pytest.mark.parametrize(
    "change, where",
    [
        (lambda d: d["standards"]["monthly-talk"].update(done=51), "standards.monthly-talk.done"),
        (lambda d: d["metrics"].pop("archive_rate"), "metrics.archive_rate"),
        (lambda d: d["counts"].__setitem__("pairing_rate", [1]), "counts.pairing_rate"),
        (lambda d: d["counts"].__setitem__("pairing_rate", [11, 10]), "counts.pairing_rate[0]"),
        (lambda d: d.__setitem__("as_of", "2016/1/31"), "as_of"),
        (lambda d: d.__setitem__("term", "2015秋"), "term"),
        (lambda d: d["incidents"].update(on_time=True), "incidents.on_time"),
        (lambda d: d["breakdowns"]["by_gender"].update({"男": -1}), "breakdowns.by_gender.男"),
        (lambda d: d.__setitem__("duties", {"notice": [3, 2]}), "duties.notice[0]"),
    ],
)
def test_validate_names_the_key(change, where):
    data = three_schools()[0]
    change(data)
    errors = validate(data)
    assert len(errors) == 1 and errors[0].startswith(where + " 应为")


def test_a_valid_report_has_no_shape_errors():
    for data in three_schools():
        assert validate(data) == []


def test_duplicate_school_later_as_of_wins_with_a_warning(tmp_path):
    first = three_schools()[0]
    later = json.loads(json.dumps(first))
    later["as_of"] = "2016-01-31"
    first["as_of"] = "2016-01-10"
    first["standards"]["monthly-talk"].update(done=10, rate=0.2)
    # the later one is read first: the order of files must not decide
    write(tmp_path, "a/new.json", later)
    write(tmp_path, "b/old.json", first)
    reports, problems = load_reports([tmp_path])
    assert len(reports) == 1 and reports[0].file.endswith("a/new.json")
    assert [(Path(p.file).name, p.kind, p.is_warning) for p in problems] == [
        ("old.json", DUPLICATE, True)
    ]
    assert "2016-01-31" in problems[0].message
    county = rollup(reports, TERM, "县")
    assert county.standards["monthly-talk"]["done"] == 45


def test_term_mismatch_most_common_term_wins(tmp_path):
    schools = three_schools()
    write(tmp_path, "a.json", schools[0])
    write(tmp_path, "b.json", schools[1])
    write(tmp_path, "c.json", dict(schools[2], term="2016-spring"))
    reports, problems = load_reports([tmp_path])
    assert {r.term for r in reports} == {TERM}
    assert [(Path(p.file).name, p.kind) for p in problems] == [("c.json", WRONG_TERM)]
    # asked for the other term: the two autumn files are the mismatches
    reports, problems = load_reports([tmp_path], "2016-spring")
    assert [r.school for r in reports] == ["丙村小学"]
    assert sorted(Path(p.file).name for p in problems) == ["a.json", "b.json"]


def test_symlinks_out_of_the_folder_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    write(outside, "secret.json", three_schools()[0])
    folder = tmp_path / "in"
    write(folder, "ok.json", three_schools()[1])
    os.symlink(outside / "secret.json", folder / "link.json")
    os.symlink(outside, folder / "linked-dir")
    reports, problems = load_reports([folder])
    assert [r.school for r in reports] == ["乙乡小学"]
    assert [(Path(p.file).name, p.kind) for p in problems] == [("link.json", UNREADABLE)]


# ---------------------------------------------------------------------------- JSON


def test_rollup_json_has_the_keys_of_a_school_report_plus_schools(tmp_path):
    reports, problems = load_reports([county_folder(tmp_path)])
    out = rollup(reports, TERM, "青禾县", problems).to_json()
    school_keys = set(three_schools()[0])
    assert school_keys - {"township"} <= set(out)
    assert validate({k: v for k, v in out.items() if k != "schools"}) == []
    assert out["school"] == "青禾县" and out["term"] == TERM
    assert out["mentors"] == {}
    assert [s["school"] for s in out["schools"]] == ["丙村小学", "甲镇中心小学", "乙乡小学"]
    row = out["schools"][2]
    assert set(row) == {"school", "township", "population", "metrics", "standards"}
    assert "problems" not in out
    assert row["township"] == "乙乡" and row["population"] == 2
    assert row["standards"]["monthly-talk"] == {
        "name": "每月谈心一次",
        "due": 10,
        "done": 4,
        "rate": 0.4,
        "target": 1.0,
    }
    json.dumps(out)  # plain data


# ---------------------------------------------------------------------------- CLI


def run(*args: str, cwd: Path):
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        os.chdir(old)


def test_cli_json_to_stdout_exit_0(tmp_path):
    folder = county_folder(tmp_path)
    result = run("rollup", str(folder), "--format", "json", "--name", "青禾县", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["counts"]["archive_rate"] == [50, 52]
    assert "未纳入" not in result.stderr
    assert "已汇总 3 所学校" in result.stderr


def test_cli_problems_exit_1_and_still_write(tmp_path):
    folder = county_folder(tmp_path)
    write(folder, "broken.json", "[]")
    result = run("rollup", str(folder), "--format", "json", "-o", "out.json", cwd=tmp_path)
    assert result.exit_code == 1
    assert "broken.json: 未纳入：" in result.stderr
    out = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert out["school"] == "全县"
    assert len(out["schools"]) == 3


def test_cli_nothing_usable_exit_1_writes_nothing(tmp_path):
    write(tmp_path, "in/a.json", "nope")
    result = run("rollup", "in", "--format", "md", cwd=tmp_path)
    assert result.exit_code == 1
    assert "没有可以汇总的学校报告" in result.stderr
    assert not list(tmp_path.glob("县级汇总*"))


@pytest.mark.parametrize(
    "args",
    [("--format", "pdf"), ("--term", "2015秋"), ("--name", " ")],
)
def test_cli_usage_errors_exit_2(tmp_path, args):
    folder = county_folder(tmp_path)
    result = run("rollup", str(folder), *args, cwd=tmp_path)
    assert result.exit_code == 2


def test_cli_markdown_default_file_and_charts(tmp_path):
    folder = county_folder(tmp_path)
    result = run("rollup", str(folder), "--name", "青禾县", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    text = (tmp_path / f"县级汇总-{TERM}.md").read_text(encoding="utf-8")
    assert text.startswith("# 青禾县2015—2016学年秋季学期关爱留守儿童工作汇总\n")
    assert "| 每月谈心一次 | 260 | 229 | 88.1%▼ | 100.0% |" in text
    assert "| 建档率 | 50 | 52 | 96.2%▼ | 100.0% |" in text
    assert "| 1 | 丙村小学 | 乙乡 | 40 | 100.0% | 97.5%▼ |" in text
    assert "| 3 | 乙乡小学 | 乙乡 | 2 | 50.0%▼ |" in text
    assert "占其学生 300 人的 16.7%" in text
    assert (
        "依法履职情况（1 所学校报送）：需父母书面告知委托照护情况的 8 人，已告知 6 人（75.0%）"
        in text
    )
    pngs = sorted(p.name for p in tmp_path.glob("县级汇总图表-*.png"))
    assert pngs == [
        "县级汇总图表-guardianship.png",
        "县级汇总图表-standard-monthly-parent-contact.png",
        "县级汇总图表-standard-monthly-talk.png",
        "县级汇总图表-standard-term-visit.png",
    ]
    assert (tmp_path / pngs[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_school_template_override(tmp_path):
    folder = county_folder(tmp_path)
    write(tmp_path / "office" / "templates", "县级汇总.md.j2", "{{ name }}：{{ population }} 人\n")
    result = run("-C", "office", "rollup", str(folder), "--name", "青禾县", "-o", "-", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout == "青禾县：52 人\n"


def test_cli_docx_opens_with_python_docx(tmp_path):
    from docx import Document

    folder = county_folder(tmp_path)
    write(folder, "bad.json", "{}")
    result = run("rollup", str(folder), "--name", "青禾县", "--format", "docx", cwd=tmp_path)
    assert result.exit_code == 1, result.output
    document = Document(str(tmp_path / f"县级汇总-{TERM}.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "青禾县" in text and "关爱留守儿童工作汇总" in text
    assert "{{" not in text and "{%" not in text
    cells = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    assert ["每月谈心一次", "260", "229", "88.1%▼", "100.0%"] in cells
    assert any(row[:4] == ["1", "丙村小学", "乙乡", "40"] for row in cells)
    assert any("bad.json" in cell for row in cells for cell in row)
    assert len(document.inline_shapes) == 4  # guardianship + one per standard


def test_cli_xlsx_one_row_per_school(tmp_path):
    from openpyxl import load_workbook

    schools = three_schools()
    schools[1]["school"] = '=HYPERLINK("http://x")'
    for data in schools:
        write(tmp_path / "in", f"{abs(hash(data['school']))}.json", data)
    result = run("rollup", "in", "--format", "xlsx", "-o", "out.xlsx", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "out.xlsx")
    sheet = book["各校情况"]
    assert "关爱留守儿童工作各校情况" in sheet["A1"].value
    header = [c.value for c in sheet[2]]
    assert header[:5] == ["序号", "学校", "乡镇", "留守儿童人数", "建档率"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3, max_row=6)]
    assert [r[1] for r in rows] == [
        "丙村小学",
        "甲镇中心小学",
        '\'=HYPERLINK("http://x")',
        "全县合计",
    ]
    assert rows[1][4] == pytest.approx(0.9)

    def red(cell) -> bool:
        color = cell.font.color
        return color is not None and isinstance(color.rgb, str) and color.rgb.endswith("C0392B")

    assert red(sheet.cell(row=4, column=5))  # 甲: archive 90% < 100%
    assert not red(sheet.cell(row=3, column=5))  # 丙: archive 100%
    assert rows[3][3] == 52 and rows[3][4] == pytest.approx(50 / 52)
    assert sheet.cell(row=3, column=2).border.left.style == "thin"
    assert sheet.freeze_panes == "C3"
    for row in sheet.iter_rows():
        for cell in row:
            assert not (isinstance(cell.value, str) and cell.value.startswith("="))


def test_example_county_files_are_report_json():
    folder = Path(__file__).resolve().parents[1] / "examples" / "county" / "schools"
    files = sorted(folder.glob("*.json"))
    assert len(files) >= 3
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        errors = [e for e in validate(data) if not e.startswith("counts")]
        assert errors == [], path.name


def test_example_county_rolls_up(tmp_path):
    folder = Path(__file__).resolve().parents[1] / "examples" / "county" / "schools"
    files = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    if any("counts" not in data for data in files):
        pytest.skip("examples/county/schools lack counts: rerun examples/county/make.py")
    result = run("rollup", str(folder), "--name", "青禾县", "--format", "json", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["population"] == sum(data["population"] for data in files)
    for sid, entry in out["standards"].items():
        assert entry["due"] == sum(d["standards"][sid]["due"] for d in files)
        assert entry["done"] == sum(d["standards"][sid]["done"] for d in files)
