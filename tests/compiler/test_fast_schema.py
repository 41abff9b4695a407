"""spec/fast_schema.py answers "valid?" as jsonschema does: for every keyword it knows, on the
boundary values of small schemas, and on job documents drawn from the examples and changed in
every way hypothesis finds (another value anywhere, a key removed, a key added)."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagemaker_byoc.spec import schema
from sagemaker_byoc.spec.fast_schema import UnknownKeyword, compile_checker
from sagemaker_byoc.spec.source import read_source
from tests.compiler.jobs import EXAMPLES, MINIMAL, make_job


def jsonschema_says(node: dict, value: object) -> bool:
    """jsonschema, as spec/schema.py extends it (patterns read as ECMA-262 reads them)."""
    return schema.validator_class()(node).is_valid(value)


def fast_says(node: dict, value: object) -> bool:
    return compile_checker(node, schema.ecma_pattern)(value)


VALUES = [None, True, False, 0, 1, -1, 1.0, 1.5, 2, 3, 4, 2**63, "", "a", "ab", "abc", "A-1", "a\n", [], [1], [1, 1], [1, True],
          [0, False], [1, 1.0], [[1], [1]], [{"a": 1}, {"a": True}], {}, {"a": 1}, {"a": 1, "b": 2}, {"b": "x"}, {"1": 1}]

KEYWORD_SCHEMAS = [
    {"type": "object"}, {"type": "array"}, {"type": "string"}, {"type": "integer"}, {"type": "number"},
    {"type": "boolean"}, {"type": "null"}, {"type": ["string", "integer"]},
    {"enum": [1, "a", None, [1], {"a": 1}]}, {"enum": [True]}, {"enum": [1.0]}, {"const": 1}, {"const": False},
    {"pattern": "^[a-z]+$"}, {"pattern": "b"}, {"minLength": 2}, {"maxLength": 2},
    {"minimum": 1}, {"maximum": 2}, {"minimum": 1.5},
    {"required": ["a"]}, {"properties": {"a": {"type": "integer"}}}, {"properties": {"a": {"type": "string"}}, "additionalProperties": False},
    {"additionalProperties": {"type": "integer"}}, {"propertyNames": {"pattern": "^[a-z]$"}},
    {"minProperties": 1}, {"maxProperties": 1}, {"items": {"type": "integer"}}, {"minItems": 1}, {"maxItems": 1},
    {"uniqueItems": True}, {"uniqueItems": False},
    {"oneOf": [{"type": "integer"}, {"minimum": 2}]}, {"oneOf": [{"type": "string"}, {"type": "object"}]},
    {"$defs": {"small": {"maximum": 2}}, "$ref": "#/$defs/small"},
    {"$defs": {"tree": {"type": "array", "items": {"$ref": "#/$defs/tree"}}}, "$ref": "#/$defs/tree"},
]  # fmt: skip


@pytest.mark.parametrize("node", KEYWORD_SCHEMAS, ids=lambda node: ",".join(node))
def test_each_keyword_agrees_with_jsonschema_on_boundary_values(node):
    for value in VALUES:
        assert fast_says(node, value) == jsonschema_says(node, value), value


def test_an_unknown_keyword_is_refused_when_compiling():
    for node in ({"not": {"type": "string"}}, {"patternProperties": {"a": {}}, "additionalProperties": False}, {"$ref": "other.json"}):
        with pytest.raises(UnknownKeyword):
            compile_checker(node, schema.ecma_pattern)


def test_annotations_and_the_projects_hints_decide_nothing():
    node = {"description": "d", "examples": [1], "default": 2, "title": "t", "x-pattern-hint": "h", "type": "integer"}
    assert fast_says(node, 1) and not fast_says(node, "1")


def test_the_job_schema_compiles_and_the_examples_pass():
    for example in EXAMPLES:
        assert schema._conforms()(read_source(example).data), example


def documents() -> list:
    return [read_source(example).data for example in EXAMPLES]


def paths(value: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


json_scalars = (
    st.none() | st.booleans() | st.integers(-3, 70000) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8) | st.sampled_from(["", "ml.m5.large", "s3://b/k", "File", "cpu", "torchrun", "3.11", "1h", "-x", "a" * 300])
)  # fmt: skip
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_both_validators_agree_on_changed_job_documents(data, tmp_path_factory):
    document = copy.deepcopy(data.draw(st.sampled_from(documents())))
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(paths(document)))
        change = data.draw(st.sampled_from(["replace", "remove", "add"]))
        parent = document
        for step in where[:-1]:
            parent = parent[step]
        if not where:
            if change == "add" and isinstance(document, dict):
                document[data.draw(st.text(max_size=6))] = data.draw(json_values)
            continue
        if change == "replace":
            parent[where[-1]] = data.draw(json_values)
        elif change == "remove":
            del parent[where[-1]]
        elif isinstance(parent[where[-1]], dict):
            parent[where[-1]][data.draw(st.text(max_size=6))] = data.draw(json_values)
    expected = not any(True for _ in schema._validator().iter_errors(document))
    assert schema._conforms()(document) == expected


def test_the_happy_path_skips_jsonschema_and_an_error_is_still_worded(tmp_path):
    """A valid job gets no findings from the fast check; an invalid one gets jsonschema's
    located, worded ones."""
    assert schema.schema_diagnostics(read_source(make_job(tmp_path / "ok"))) == []
    bad = read_source(make_job(tmp_path / "bad", MINIMAL.replace("entry_point: train.py", "entry_point: 7")))
    [diagnostic] = schema.schema_diagnostics(bad)
    assert diagnostic.pointer == "/entry_point" and "expected a string" in diagnostic.message


def test_numbers_compare_as_json_does():
    assert fast_says({"enum": [1]}, 1.0) and not fast_says({"enum": [1]}, True)
    assert fast_says({"type": "integer"}, 2.0) and not fast_says({"type": "integer"}, math.pi)
