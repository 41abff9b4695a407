"""job.yaml is YAML 1.2 restricted to what JSON can say: what has no JSON meaning is refused at
its line, and whatever is accepted equals its JSON meaning."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from sagemaker_byoc.spec.diagnostics import SpecError
from sagemaker_byoc.spec.source import ALIAS_EXPANSION_LIMIT, DOCUMENT_DEPTH, SHIM_DEPTH, read_source
from tests.compiler.jobs import REPO, make_job, run_compiler, with_lines


def read(tmp_path: Path, text: str):
    path = tmp_path / "doc.yaml"
    path.write_text(text)
    return read_source(path)


def refusal(tmp_path: Path, text: str) -> str:
    """The one diagnostic of a refused document, as `LINE:COL: message`."""
    with pytest.raises(SpecError) as caught:
        read(tmp_path, text)
    (diagnostic,) = caught.value.diagnostics
    return f"{diagnostic.line}:{diagnostic.col}: {diagnostic.message}"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a: !!set {x, y}\n", "1:4: the tag !!set has no JSON meaning"),
        ("a: !!binary aGk=\n", "1:4: the tag !!binary has no JSON meaning"),
        ("a: !!omap [x: 1]\n", "1:4: the tag !!omap has no JSON meaning"),
        ("a: !!pairs [x: 1]\n", "1:4: the tag !!pairs has no JSON meaning"),
        ("a: !!timestamp 2024-01-01\n", "1:4: the tag !!timestamp has no JSON meaning"),
        ("a: !!python/tuple [1]\n", "1:4: the tag !!python/tuple has no JSON meaning"),
        ("a: !local 1\n", "1:4: the tag !local has no JSON meaning"),
        ("a: !!map [1]\n", "1:4: the tag !!map does not fit a sequence"),
        ("a: !!str {b: 1}\n", "1:4: the tag !!str does not fit a mapping"),
        ("a: !!int x\n", "1:4: 'x' is not a valid !!int value"),
        ("a: !!bool yes\n", "1:4: 'yes' is not a valid !!bool value"),
        ("a: !!null 0\n", "1:4: '0' is not a valid !!null value"),
        ("a: !!float one\n", "1:4: 'one' is not a valid !!float value"),
        ("a: .inf\n", "1:4: .inf is not a number JSON can hold"),
        ("a: -.Inf\n", "1:4: -.Inf is not a number JSON can hold"),
        ("a: .NaN\n", "1:4: .NaN is not a number JSON can hold"),
        ("a: 1e999\n", "1:4: 1e999 is too large for a JSON number"),
        ("a: " + "9" * 5000 + "\n", "1:4: an integer of 5000 digits is too long"),
        ("x: 1\n? [1]\n: 2\n", "2:3: a sequence as a mapping key has no JSON meaning"),
        ("? {a: 1}\n: 2\n", "1:3: a mapping as a mapping key has no JSON meaning"),
        ("k: &m {a: 1}\n*m : 2\n", "2:1: a mapping as a mapping key has no JSON meaning"),
        ("x: 1\n~: 1\n", "2:1: a null mapping key has no JSON meaning"),
        ("x: 1\n: 1\n", "2:1: a null mapping key has no JSON meaning"),
        ("a:\n  1: a\n  \"1\": b\n", '3:3: duplicate key "1" (1 and "1" are the same once keys are strings)'),
        ("true: a\n'true': b\n", '2:1: duplicate key "true" (true and "true" are the same once keys are strings)'),
        ("a: 1\nb: 2\na: 3\n", '3:1: duplicate key "a"'),
        ("b: &b {x: 1}\nc:\n  <<: *b\n", "3:3: merge keys (<<) are not part of YAML 1.2"),
        ("c: {<<: [{x: 1}]}\n", "1:5: merge keys (<<) are not part of YAML 1.2"),
        ("a: &x [1, *x]\n", "1:11: alias *x is inside the node it refers to: a recursive structure"),
        ("a: &x {b: {c: *x}}\n", "1:15: alias *x is inside the node it refers to"),
        ("a: *nowhere\n", "1:4: alias *nowhere refers to no anchor before it"),
        ("a: 1\n---\nb: 2\n", "2:1: one document only"),
    ],
)
def test_yaml_without_a_json_meaning_is_refused_at_its_line(tmp_path, text, expected):
    assert refusal(tmp_path, text).startswith(expected)


@pytest.mark.parametrize(
    "text, expected",
    [
        # The core schema of YAML 1.2: these are strings, not YAML 1.1's booleans, numbers, dates.
        ("[yes, no, on, off, y, n]", ["yes", "no", "on", "off", "y", "n"]),
        ("[1_000, 0b101, 0777, 1:30, +.5e3]", ["1_000", "0b101", 777, "1:30", 500.0]),
        ("[2024-01-01, 2001-12-14t21:59:43.10-05:00]", ["2024-01-01", "2001-12-14t21:59:43.10-05:00"]),
        ("[0o17, 0x1F, -0, +12, 1., .5, 1e3, 1E+3]", [15, 31, 0, 12, 1.0, 0.5, 1000.0, 1000.0]),
        ("[~, null, Null, NULL, true, True, FALSE, '', \"true\"]", [None, None, None, None, True, True, False, "", "true"]),
        ("[!!str 12, !!int '12', !!float 1, !!bool 'true', !!null '', ! 12, !!str ~]", ["12", 12, 1.0, True, None, "12", "~"]),
        ("{'<<': 1, 1: a, true: b, 0x10: c, 1.50: d}", {"<<": 1, "1": "a", "true": "b", "0x10": "c", "1.50": "d"}),
        ("a: &x {b: [1, 2]}\nc: *x\n", {"a": {"b": [1, 2]}, "c": {"b": [1, 2]}}),
        ("", None),
        ("--- |\n  text\n", "text\n"),
    ],
)
def test_accepted_yaml_means_what_json_would(tmp_path, text, expected):
    data = read(tmp_path, text).data
    assert data == expected
    assert json.dumps(data) == json.dumps(expected)  # same types: 1.0 is not 1, True is not 1


def test_a_timestamp_keeps_the_text_as_written(tmp_path):
    assert read(tmp_path, "when: 2001-12-14 21:59:43.10 -5\n").data == {"when": "2001-12-14 21:59:43.10 -5"}


def test_a_value_reached_through_an_alias_is_reported_at_the_alias(tmp_path):
    source = read(tmp_path, "a: &x {b: [1, 2]}\nc: *x\n")
    assert source.position(("c",)) == (2, 4)
    assert source.position(("c", "b", 1)) == (1, 15)  # inside: where the value is written
    assert source.position(("c",), key=True) == (2, 1)


def nested(levels: int) -> str:
    return "a: " + "[" * levels + "]" * levels + "\n"


def test_nesting_has_the_limit_of_the_shim(tmp_path):
    assert re.search(r"\bMAX_DEPTH = (\d+)", (REPO / "shim" / "train").read_text()).group(1) == str(SHIM_DEPTH)
    assert DOCUMENT_DEPTH == SHIM_DEPTH + 2  # the document and `hyperparameters` around a value
    value = read(tmp_path, nested(DOCUMENT_DEPTH - 1)).data["a"]
    for _ in range(DOCUMENT_DEPTH - 2):
        value = value[0]
    assert value == []
    expected = f"1:{DOCUMENT_DEPTH + 3}: nesting deeper than {DOCUMENT_DEPTH} levels"
    assert refusal(tmp_path, nested(DOCUMENT_DEPTH)).startswith(expected)


def test_a_hyperparameter_nested_as_deep_as_the_shim_allows_compiles_and_one_more_is_refused(tmp_path):
    deepest = "[" * SHIM_DEPTH + "]" * SHIM_DEPTH
    assert run_compiler("validate", make_job(tmp_path, with_lines("hyperparameters:", f"  deep: {deepest}"))).returncode == 0
    result = run_compiler("validate", make_job(tmp_path, with_lines("hyperparameters:", f"  deep: [{deepest}]")))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"job.yaml:12:{9 + SHIM_DEPTH}: error: nesting deeper than" in result.stderr


def test_deep_nesting_is_an_error_never_a_recursion_error(tmp_path):
    assert "nesting deeper than" in refusal(tmp_path, "a: " + "[" * 200_000 + "\n")
    assert "nesting deeper than" in refusal(tmp_path, "a:\n" + "".join("  " * i + "- \n" for i in range(1, 300)))


ALIAS_BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n" for previous, name in zip("abcdefghi", "bcdefghij")
)


def test_an_alias_bomb_is_refused_at_the_alias_that_overflows(tmp_path):
    assert len(ALIAS_BOMB) < 600  # 9**10 strings once expanded
    assert refusal(tmp_path, ALIAS_BOMB).startswith(f"5:8: aliases expand to more than {ALIAS_EXPANSION_LIMIT} nodes")


def test_aliases_may_expand_up_to_the_limit(tmp_path):
    block = "[" + ", ".join(["1"] * 99) + "]"  # 100 nodes each time it is used
    uses = ALIAS_EXPANSION_LIMIT // 100
    text = f"a: &a {block}\nb: [{', '.join(['*a'] * uses)}]\n"
    assert len(read(tmp_path, text).data["b"]) == uses
    assert "aliases expand" in refusal(tmp_path, f"a: &a {block}\nb: [{', '.join(['*a'] * (uses + 1))}]\n")


@pytest.mark.parametrize("text", ["tags: !!set {a, b}\n", "tags: {1: a, '1': b}\n", "<<: {spot: true}\n", "x: &x [*x]\n"])
def test_the_compiler_reports_them_as_errors_with_exit_2(tmp_path, text):
    job = make_job(tmp_path, with_lines(text.rstrip("\n")))
    result = run_compiler("validate", job)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert re.fullmatch(rf"{re.escape(str(job))}:\d+:\d+: error: .+", result.stderr.strip().splitlines()[0])


# Any JSON document is a YAML 1.2 document with the same meaning; so is its block form.
_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\ufeff\ufffe\uffff"), max_size=12)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=20,
)


def _block_yaml(data) -> str:
    stream = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.dump(data, stream)
    return stream.getvalue()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_JSON)
def test_a_json_document_read_as_yaml_means_the_same(tmp_path, data):
    for text in (json.dumps(data, ensure_ascii=False), json.dumps(data, ensure_ascii=False, indent=2), _block_yaml(data)):
        read_back = read(tmp_path, text).data
        assert json.dumps(read_back, sort_keys=True) == json.dumps(json.loads(json.dumps(data)), sort_keys=True), text


_YAML_PIECES = st.sampled_from([
    "a", "b", "1", "0x1F", "1.5", ".inf", "~", "true", "'q'", '"d"', "2024-01-01", "&x ", "*x", "&y ", "*y", "!!set ", "!!str ",
    "!!int ", "!!map ", "!!omap ", "!!binary ", "!foo ", "! ", "<<", "? ", ": ", "- ", "[", "]", "{", "}", ", ", "\n", "\n  ",
    "\n    ", "\n- ", "---\n", "|\n  ", ">-\n  ", "#c", "%YAML 1.2\n---\n", "\t", "\\", "@",
])


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(_YAML_PIECES, max_size=30).map("".join))
def test_any_text_is_refused_with_a_position_or_read_as_plain_json(tmp_path, text):
    try:
        data = read(tmp_path, text).data
    except SpecError as error:
        (diagnostic,) = error.diagnostics
        assert diagnostic.line >= 1 and diagnostic.col >= 1 and diagnostic.message
        return
    encoded = json.dumps(data, allow_nan=False)  # only JSON's types, no NaN or infinity
    assert json.loads(encoded) == data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\nname: [a\n", "2:7: YAML syntax: the list opened with '[' here is never closed: add ']'"),
        ("a: {b: 1\n", "1:4: YAML syntax: the mapping opened with '{' here is never closed: add '}'"),
        ("a: [1, {b: 2} 3]\n", "1:15: YAML syntax: in the list opened with '[' on line 1, a ',' or ']' is missing before this"),
        ("version: 1\n  name: x\n", "2:7: YAML syntax: a ': ' here would start a mapping where none can start"),
        ("a: b: c\n", "1:5: YAML syntax: a ': ' here would start a mapping where none can start"),
        ('version: 1\nname: "x\n', "2:7: YAML syntax: the quoted string that starts here is never closed: add the closing quote"),
        ("a:\n\t- b\n", "2:1: YAML syntax: a tab: YAML indents with spaces only"),
        ("a: @x\n", "1:4: YAML syntax: @ cannot start a plain value in YAML: quote the value"),
        ("a: 1\nb\nc: 2\n", "2:1: YAML syntax: this line is neither 'key: value' nor a list item"),
        ("a:\n  - 1\n  b: 2\n", "3:3: YAML syntax: this line's indentation does not fit the lines above it"),
        ('a: "\\q"\n', "1:6: YAML syntax: \\q is no escape in a double-quoted string"),
        ("a: ]\n", "1:4: YAML syntax: ] where a value belongs"),
        ("%YAML 1.1\n---\na: yes\n", "2:1: job.yaml is YAML 1.2: remove the %YAML directive"),
        ("%YAML 1.3\n---\na: 1\n", "1:1: job.yaml is YAML 1.2: remove the %YAML directive"),
        ("%YAML 2.0\n---\na: 1\n", "1:1: YAML syntax: job.yaml is YAML 1.2: remove the %YAML directive"),
    ],
)
def test_syntax_errors_say_what_is_wrong_where_it_started_and_the_fix(tmp_path, text, expected):
    assert refusal(tmp_path, text).startswith(expected)


def test_yaml_1_2_may_say_so(tmp_path):
    assert read(tmp_path, "%YAML 1.2\n---\na: yes\n").data == {"a": "yes"}
