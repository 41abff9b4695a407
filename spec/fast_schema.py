"""A fast yes or no to "does this document meet the schema?", for the happy path.

A valid job should not pay for the machinery that explains an invalid one: jsonschema takes
longer to import than the rest of a compile takes to run. compile_checker turns a schema into
nested closures once; calling the result answers True or False and explains nothing.
spec/schema.py asks it first, and asks jsonschema only for a document it refuses, to find and
word every error.

Only the keywords that job.schema.json uses are known, with the meaning Draft 2020-12 and the
jsonschema library give them (1 and true are different values; a pattern is searched, not
matched whole, unless it is anchored). A schema with any other keyword is refused when it is
compiled, so that a keyword added to the schema cannot be ignored here without a word.
tests/compiler/test_fast_schema.py checks that both validators agree on drawn documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Keywords that only annotate: they never decide validity.
ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description", "examples", "default"})
# Keywords of one kind of value, and the kind: a value of another kind passes them.
_KIND_OF = {
    "properties": dict, "additionalProperties": dict, "required": dict, "propertyNames": dict,
    "minProperties": dict, "maxProperties": dict,
    "items": list, "minItems": list, "maxItems": list, "uniqueItems": list,
    "pattern": str, "minLength": str, "maxLength": str,
    "minimum": (int, float), "maximum": (int, float),
}  # fmt: skip


class UnknownKeyword(ValueError):
    """The schema uses a keyword this checker does not know."""


def compile_checker(schema: dict, pattern: Callable[[str], re.Pattern]) -> Check:
    """A function that tells whether a value meets schema; pattern(text) compiles the schema's
    patterns (spec/schema.py's ECMA-262 reading)."""
    compiled: dict[str, Check] = {}

    def reference(ref: str) -> Check:
        if not ref.startswith("#/$defs/"):
            raise UnknownKeyword(f"$ref {ref!r}: only #/$defs/NAME is known")
        name = ref.removeprefix("#/$defs/")
        if name not in schema.get("$defs", {}):
            raise UnknownKeyword(f"$ref {ref!r}: no such definition")

        def check(value: Any) -> bool:
            if name not in compiled:
                compiled[name] = build(schema["$defs"][name])
            return compiled[name](value)

        return check

    def build(node: dict | bool) -> Check:
        if node is True:
            return lambda value: True
        if node is False:
            return lambda value: False
        checks = [_keyword(key, argument, node, build, reference, pattern) for key, argument in node.items() if key not in ANNOTATIONS]
        checks = [check for check in checks if check is not None]
        return lambda value: all(check(value) for check in checks)

    return build(schema)


def _keyword(key: str, argument: Any, node: dict, build: Callable, reference: Callable, pattern: Callable) -> Check | None:
    if key.startswith("x-"):  # the project's own annotations (hints for messages)
        return None
    if key == "$ref":
        return reference(argument)
    if key == "type":
        kinds = (argument,) if isinstance(argument, str) else tuple(argument)
        return lambda value: any(_is_type(value, kind) for kind in kinds)
    if key == "enum":
        return lambda value: any(_equal(value, option) for option in argument)
    if key == "const":
        return lambda value: _equal(value, argument)
    if key == "oneOf":
        branches = [build(branch) for branch in argument]
        return lambda value: sum(1 for branch in branches if branch(value)) == 1
    if key not in _KIND_OF:
        raise UnknownKeyword(f"the schema keyword {key!r} is not known to spec/fast_schema.py")
    kind = _KIND_OF[key]
    check = _checks_of_a_kind(key, argument, node, build, pattern)
    if kind == (int, float):
        return lambda value: isinstance(value, bool) or not isinstance(value, kind) or check(value)
    return lambda value: not isinstance(value, kind) or check(value)


def _checks_of_a_kind(key: str, argument: Any, node: dict, build: Callable, pattern: Callable) -> Check:
    if key == "properties":
        properties = {name: build(sub) for name, sub in argument.items()}
        return lambda value: all(check(value[name]) for name, check in properties.items() if name in value)
    if key == "additionalProperties":
        known = frozenset(node.get("properties", ()))
        if "patternProperties" in node:
            raise UnknownKeyword("patternProperties is not known to spec/fast_schema.py")
        extra = build(argument)
        return lambda value: all(extra(item) for name, item in value.items() if name not in known)
    if key == "required":
        return lambda value: all(name in value for name in argument)
    if key == "propertyNames":
        names = build(argument)
        return lambda value: all(names(name) for name in value)
    if key == "items":
        items = build(argument)
        return lambda value: all(items(item) for item in value)
    if key == "uniqueItems":
        return lambda value: not argument or _unique(value)
    if key == "pattern":
        search = pattern(argument).search
        return lambda value: search(value) is not None
    bound = {
        "minProperties": lambda value: len(value) >= argument, "maxProperties": lambda value: len(value) <= argument,
        "minItems": lambda value: len(value) >= argument, "maxItems": lambda value: len(value) <= argument,
        "minLength": lambda value: len(value) >= argument, "maxLength": lambda value: len(value) <= argument,
        "minimum": lambda value: value >= argument, "maximum": lambda value: value <= argument,
    }  # fmt: skip
    return bound[key]


def _is_type(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if kind == "number":
        return isinstance(value, (int, float))
    if kind == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    raise UnknownKeyword(f"the type {kind!r} is not known to spec/fast_schema.py")


def _equal(one: Any, other: Any) -> bool:
    """JSON equality: a boolean equals only a boolean (Python's True == 1 does not hold here),
    and 1 equals 1.0."""
    return _key(one) == _key(other)


def _unique(items: list) -> bool:
    """No two items equal, in linear time: equal values have equal keys."""
    return len({_key(item) for item in items}) == len(items)


def _key(value: Any) -> Any:
    """A hashable value that equals another's exactly when the two JSON values are equal."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, (int, float)):
        return ("number", value)  # 1 == 1.0, with one hash
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, list):
        return ("array", tuple(_key(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((name, _key(item)) for name, item in value.items()))
    return ("null",) if value is None else ("other", id(value))
