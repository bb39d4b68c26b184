"""Personal values stay masked and control characters escaped in every output format."""

from __future__ import annotations

import subprocess

import pytest

from liushou.documents.roster import coarse_place, neutralise
from liushou.textsafe import escape_controls, mask_yaml_line

from ..repo_factory import CHILD
from .helpers import check_json, cli, codes, repo

C1 = "children/2/1/c1.yaml"
VILLAGE = "青石坳村五组"


def _outputs(root, *extra):
    out = {}
    for fmt in ("text", "json", "github"):
        result = cli("-C", str(root), "check", "--format", fmt, *extra)
        assert result.exit_code in (0, 1), result.output
        out[fmt] = result.output
    return out


def _child(**replace):
    text = CHILD.format(id="c1")
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize(
    "line",
    [
        f"adress: 某某镇, {VILLAGE}",  # misspelt key, value with a comma
        f'"home address": {VILLAGE}',  # quoted key with a space
        f"guardian2: {{name: 某人, address: [{VILLAGE}], phone: '1390'}}",  # flow mapping
        f"address2: '{VILLAGE} # 不是注释'",
    ],
)
def test_addresses_in_excerpts_are_masked_whatever_the_shape(tmp_path, line):
    root = repo(tmp_path, children={"2/1/c1.yaml": _child() + line + "\n"})
    outputs = _outputs(root)
    assert (C1, "LS104") in codes(check_json(root)[1])
    for text in outputs.values():
        assert VILLAGE not in text


@pytest.mark.parametrize(
    "value, code",
    [
        ('"51082320070101001"', "LS110"),  # one digit short
        ('"510823200701010019"', "LS111"),  # wrong check character
        ('"5108232007-0101-0018"', "LS110"),
        ("{a: 510823200701010018}", "LS102"),  # not even text
    ],
)
def test_malformed_id_numbers_are_masked_in_every_format(tmp_path, value, code):
    root = repo(
        tmp_path, children={"2/1/c1.yaml": _child(**{"grade: 2": f"id_number: {value}\ngrade: 2"})}
    )
    assert (C1, code) in codes(check_json(root)[1])
    for text in _outputs(root).values():
        assert "20070101" not in text


def test_changed_output_is_masked_too(tmp_path):
    root = repo(tmp_path, children={"2/1/c1.yaml": _child() + f"adress: {VILLAGE}\n"})
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["commit", "-q", "--allow-empty", "-m", "empty"], check=True)
    outputs = _outputs(root, "--changed")
    assert "LS104" in outputs["text"]
    for text in outputs.values():
        assert VILLAGE not in text


def test_ls106_does_not_print_an_id_number_typed_as_id(tmp_path):
    number = "510823200701010018"
    other = CHILD.format(id=f'"{number}"')
    root = repo(tmp_path, children={"2/1/c1.yaml": other, "3/1/c2.yaml": other})
    doc = check_json(root)[1]
    assert ("children/3/1/c2.yaml", "LS106") in codes(doc)
    for text in _outputs(root).values():
        assert number not in text


def test_an_address_in_the_staff_column_is_not_echoed(tmp_path):
    talks = f"date,child_id,staff\n2015-10-10,c1,{VILLAGE}\n"
    root = repo(tmp_path, logs={"talks": talks})
    assert ("logs/talks.csv", "LS202") in codes(check_json(root)[1])
    for text in _outputs(root).values():
        assert VILLAGE not in text


def test_forged_github_annotation_in_a_file_name_is_escaped(tmp_path):
    root = repo(tmp_path)
    name = "x\n::error file=README.md,line=1::伪造的注释\n.yaml"
    (root / "children" / name).write_text(CHILD.format(id="x"), encoding="utf-8")
    for fmt, text in _outputs(root).items():
        assert not any(line.startswith("::error file=README.md") for line in text.splitlines()), fmt
    assert "\\n::error" in _outputs(root)["text"]


def test_escape_sequences_never_reach_the_terminal(tmp_path):
    root = repo(tmp_path)
    (root / "children" / "\x1b[2Jclear.yaml").write_text(
        CHILD.format(id="y") + "notes: \x1b]52;c;ZXZpbA==\x07\n", encoding="utf-8"
    )
    for fmt, text in _outputs(root).items():
        assert "\x1b" not in text and "\x07" not in text, fmt
    assert "\\x1b[2Jclear.yaml" in _outputs(root)["text"]


def test_lone_surrogate_key_is_an_unknown_field(tmp_path):
    root = repo(tmp_path, children={"2/1/c1.yaml": _child() + '"\\udc80x": 1\n'})
    code, doc = check_json(root)
    assert code == 1
    assert (C1, "LS104") in codes(doc)
    assert cli("-C", str(root), "check").exit_code == 1


def test_mask_yaml_line_keeps_codes_and_dates():
    assert mask_yaml_line("enrolled_on: 2014-09-01") == "enrolled_on: 2014-09-01"
    assert mask_yaml_line("  - relation: 父亲") == "  - relation: 父亲"
    assert mask_yaml_line(f"address: {VILLAGE}") == "address: ***"
    assert escape_controls("a\x1bb\n") == "a\\x1bb\\n"


def test_work_place_is_not_kept_up_to_a_market():
    assert coarse_place("广东省虎门镇富民服装批发市场") == "广东省"


def test_control_character_before_a_formula_is_neutralised(tmp_path):
    from io import BytesIO

    from openpyxl import load_workbook

    from liushou.documents.roster import COLUMNS, roster_xlsx

    row = dict.fromkeys(COLUMNS, "") | {"序号": 1, "姓名": "\x01=1+1"}
    assert neutralise("\x01=1+1") == "'\x01=1+1"
    sheet = load_workbook(BytesIO(roster_xlsx([row], "花名册"))).active
    values = [c.value for c in sheet[3]] + [c.value for c in sheet[2]]
    assert "'=1+1" in values and "=1+1" not in values


def test_roster_and_card_mask_an_id_number_typed_as_id(tmp_path):

    number = "510823200701010018"
    text = CHILD.format(id=f'"{number}"')
    root = repo(tmp_path, children={f"2/1/{number}.yaml": text})
    result = cli("-C", str(root), "roster", "--format", "md")
    assert result.exit_code == 0, result.output
    assert number not in result.stdout and "510***" in result.stdout
    from liushou.api import load
    from liushou.documents.roster import card_fields

    loaded, _ = load(root)
    fields = dict(card_fields(loaded.children[number]))
    assert fields["编号"] == ["510" + "*" * 15]
