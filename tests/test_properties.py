"""Property tests: whatever bytes a teacher's file holds, loading and checking never raises."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liushou.api import check_repository
from liushou.load.logs import read_log
from liushou.load.schema import validate_child
from liushou.load.yamlsource import parse_yaml

from .repo_factory import CHILD, TODAY, write_repo

KEYS = ["id", "name", "gender", "birth_date", "grade", "class", "parents", "care", "phone", "x"]
YAML_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.dates().map(str),
    st.sampled_from(["13800000000", "0839-5123456", "2015-02-30", "男", "在校", "~", "[", "{"]),
)


def yaml_values(depth=2):
    if depth == 0:
        return YAML_SCALARS
    inner = yaml_values(depth - 1)
    return st.one_of(
        YAML_SCALARS,
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    )


def to_yaml(value, indent=0):
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "\n" + "\n".join(f"{pad}{k}: {to_yaml(v, indent + 1)}" for k, v in value.items())
    if isinstance(value, list):
        if not value:
            return "[]"
        return "\n" + "\n".join(f"{pad}- {to_yaml(v, indent + 1)}" for v in value)
    return "" if value is None else str(value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_any_bytes_as_child_file(data):
    parsed = parse_yaml(data, "children/c1.yaml")
    validate_child(parsed, "children/c1.yaml", "c1")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=string.printable + "：男女在校隔代监护\t", max_size=300))
def test_any_text_as_child_file(text):
    parsed = parse_yaml(text.encode("utf-8"), "children/c1.yaml")
    validate_child(parsed, "children/c1.yaml", "c1")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), yaml_values(), max_size=8))
def test_random_yaml_mappings(mapping):
    text = to_yaml(mapping).lstrip("\n")
    parsed = parse_yaml(text.encode("utf-8"), "children/c1.yaml")
    child, findings = validate_child(parsed, "children/c1.yaml", "c1")
    for f in findings:
        assert f.line is None or f.line >= 1


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["talks", "contacts", "aid", "incidents", "activities"]),
    st.binary(max_size=400),
)
def test_any_bytes_as_log(name, data):
    read_log(data, name, f"logs/{name}.csv")


CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "2015-09-03",
            "2015/9/3",
            "2015年9月3日",
            "2015-09-03 10:00",
            "c1",
            "周老师",
            "父母",
            "电话",
            "-3",
            "1e9",
            '"',
            ",",
            "\n",
        ]
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["talks", "contacts", "aid", "incidents", "activities", "health"]),
    st.lists(st.lists(CELLS, min_size=1, max_size=7), max_size=8),
)
def test_random_csv_rows_with_a_real_header(name, rows):
    import csv
    import io

    from liushou.logspec import LOGS

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LOGS[name].columns)
    writer.writerows(rows)
    loaded = read_log(out.getvalue().encode("utf-8"), name, f"logs/{name}.csv")
    for f in loaded.findings:
        assert f.line is None or f.line >= 1


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=200), log=st.text(max_size=200))
def test_check_never_raises_on_a_whole_repository(tmp_path_factory, text, log):
    root = write_repo(
        tmp_path_factory.mktemp("repo"),
        {"c1.yaml": CHILD.format(id="c1"), "c2.yaml": text},
        logs={"talks": "date,child_id,staff\n" + log},
    )
    result = check_repository(root, TODAY, use_cache=False)
    assert result.children == 2 and result.logs == 1
    for f in result.findings:
        assert f.severity in ("error", "warning") and f.code.startswith("LS")
        assert f.file and (f.line is None or f.line >= 1)
