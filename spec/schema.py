"""Validating a job document against schemas/job.schema.json, with readable messages.

jsonschema's own messages dump whole instances; these name the key, the value and what was
expected, and suggest the closest known key or value.

A valid document is recognised by spec/fast_schema.py's checker alone; jsonschema, which takes
longer to import than a whole compile takes to run, is loaded only to find and word the errors
of a document that checker refuses.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from sagemaker_byoc.spec.diagnostics import Diagnostic

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

    from sagemaker_byoc.spec.fast_schema import Check
    from sagemaker_byoc.spec.source import Source

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "job.schema.json"

_JSON_TYPES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}


@cache
def job_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _conforms() -> Check:
    from sagemaker_byoc.spec.fast_schema import compile_checker

    return compile_checker(job_schema(), ecma_pattern)


@cache
def _validator() -> Draft202012Validator:
    return validator_class()(job_schema())


@cache
def validator_class() -> type[Draft202012Validator]:
    """jsonschema's Draft 2020-12 validator, with patterns read as ecma_pattern reads them."""
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    def pattern(validator: Any, pattern: str, instance: Any, schema: dict) -> Iterator[ValidationError]:
        if validator.is_type(instance, "string") and not ecma_pattern(pattern).search(instance):
            yield ValidationError(f"{instance!r} does not match {pattern!r}")

    return validators.extend(Draft202012Validator, {"pattern": pattern})


def ecma_pattern(pattern: str) -> re.Pattern:
    r"""A schema pattern compiled to mean in Python what it means in JSON Schema (ECMA-262):
    `$` only at the very end, where Python's `$` also matches before a final line break, so
    `^[a-z]+$` would let "libgl1\n" through; and \d, \w, \s ASCII only."""
    out, in_class, escaped = [], False, False
    for char in pattern:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            out.append(char)
            escaped = True
        elif in_class:
            out.append(char)
            in_class = char != "]"
        elif char == "[":
            out.append(char)
            in_class = True
        else:
            out.append(r"\Z" if char == "$" else char)
    return _compiled("".join(out))


@cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.ASCII)


def schema_diagnostics(source: Source) -> list[Diagnostic]:
    """Every schema violation in the document, one diagnostic each."""
    if _conforms()(source.data):
        return []
    found: dict[tuple, Diagnostic] = {}
    for error in _validator().iter_errors(source.data):
        for diagnostic in _explain(error, source):
            found.setdefault((diagnostic.pointer, diagnostic.message), diagnostic)
    return list(found.values())


def refused_sections(source: Source) -> frozenset[str] | None:
    """The top-level sections that a schema error concerns (a missing required one included),
    or None when the document as a whole is refused (not a mapping): the semantic checks then
    run on the other sections alone (spec/partial.py)."""
    if not isinstance(source.data, dict):
        return None
    refused: set[str] = set()
    for error in _validator().iter_errors(source.data):
        path = tuple(error.absolute_path)
        if path:
            refused.add(str(path[0]))
        elif error.validator == "required":
            refused.update(k for k in error.validator_value if k not in source.data)
        elif error.validator != "additionalProperties":
            return None
    return frozenset(refused)


def _explain(error: ValidationError, source: Source) -> Iterator[Diagnostic]:
    path = tuple(error.absolute_path)
    if error.validator in ("oneOf", "anyOf"):
        yield from _explain_alternatives(error, source)
        return
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = sorted(error.schema.get("properties", {}))
        for key in sorted(set(error.instance) - set(known)):
            yield source.diagnostic((*path, key), _unknown_key(key, known), key=True)
        return
    if "propertyNames" in error.schema_path:
        # A key that breaks the rule for names: jsonschema reports it at the mapping, with the
        # key as the instance; report it at the key itself.
        yield source.diagnostic((*path, error.instance), f"key {_explain_constraint(error)}", key=True)
        return
    yield source.diagnostic(path, _message(error))


def _explain_alternatives(error: ValidationError, source: Source) -> Iterator[Diagnostic]:
    """For oneOf/anyOf, explain the branch meant by the value's type, not every branch."""
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    same_type = {i: errs for i, errs in branches.items() if not any(e.validator == "type" and not e.relative_path for e in errs)}
    if len(same_type) > 1 and isinstance(error.instance, dict):
        # Mappings of two shapes ({min, max} or {values}): the branch whose required keys the
        # mapping has is the one meant.
        def keys_present(index: int) -> int:
            return sum(key in error.instance for key in error.validator_value[index].get("required", ()))

        meant = max(same_type, key=keys_present)
        if keys_present(meant) > 0 and [keys_present(i) for i in same_type].count(keys_present(meant)) == 1:
            same_type = {meant: same_type[meant]}
    if len(same_type) == 1:
        for sub in next(iter(same_type.values())):
            yield from _explain(sub, source)
        return
    expected = " or ".join(_branch_description(s) for s in error.validator_value)
    got = _describe(error.instance)
    if isinstance(error.instance, dict):
        got = f"one with {', '.join(map(str, error.instance))}" if error.instance else "an empty mapping"
    yield source.diagnostic(tuple(error.absolute_path), f"expected {expected}, got {got}")


def _branch_description(schema: dict) -> str:
    if schema.get("type") == "object" and schema.get("required"):
        return "a mapping with " + " and ".join(schema["required"])
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return {"s3_uri": "an s3:// URI", "duration": "a duration (seconds, or 90s/30m/2h/1d)"}.get(name, name)
    kind = schema.get("type")
    if kind == "object":
        return "a mapping"
    if kind == "null":
        return "null"
    return f"{_article(kind)}" if isinstance(kind, str) else "a value"


def _article(kind: str) -> str:
    return {"integer": "an integer", "array": "a list"}.get(kind, f"a {kind}")


def _unknown_key(key: str, known: list[str]) -> str:
    from difflib import get_close_matches

    close = get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f"; did you mean {_show(close[0])}?" if close else f"; known keys: {', '.join(known)}"
    return f"unknown key {_show(key)}{hint}"


def _message(error: ValidationError) -> str:
    name = _field_name(error)
    return f"{name}{_explain_constraint(error)}"


def _field_name(error: ValidationError) -> str:
    path = list(error.absolute_path)
    return f"{path[-1]}: " if path and isinstance(path[-1], str) else ""


def _explain_constraint(error: ValidationError) -> str:
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "type":
        wanted = expected if isinstance(expected, list) else [expected]
        found = f"expected {' or '.join(_article(w) if w != 'object' else 'a mapping' for w in wanted)}, got {_describe(value)}"
        return found + _quoting_hint(error) if "string" in wanted else found
    if kind == "required":
        missing = [k for k in expected if k not in value]
        return f"missing required key {', '.join(_show(k) for k in missing)}"
    if kind == "enum":
        from difflib import get_close_matches

        close = get_close_matches(str(value), [str(v) for v in expected], n=1, cutoff=0.5)
        hint = f"; did you mean {_show(close[0])}?" if close else ""
        return f"{_show(value)} is not one of {', '.join(str(v) for v in expected)}{hint}"
    if kind == "const":
        return f"must be {json.dumps(expected)}, got {_show(value)}"
    if kind == "pattern":
        hint = error.schema.get("x-pattern-hint")
        found = f"{_show(value)} is not valid: expected {hint}" if hint else f"{_show(value)} does not match {expected}"
        return found + _suggestion(error.schema.get("x-suggest"), value)
    if kind in ("minLength", "maxLength"):
        bound = "at least" if kind == "minLength" else "at most"
        return f"{_show(value)} has {len(value)} characters; {bound} {expected} allowed"
    if kind in ("minItems", "maxItems"):
        bound = "at least" if kind == "minItems" else "at most"
        return f"{len(value)} items; {bound} {expected} allowed"
    if kind in ("minProperties", "maxProperties"):
        bound = "at least" if kind == "minProperties" else "at most"
        return f"{len(value)} entries; {bound} {expected} allowed"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        words = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than", "exclusiveMaximum": "less than"}
        return f"{_show(value)} must be {words[kind]} {expected}"
    if kind == "uniqueItems":
        return "items must be unique"
    return error.message


def _quoting_hint(error: ValidationError) -> str:
    """A number or boolean where a string belongs is usually an unquoted YAML scalar: say how
    to quote it, and that YAML has already dropped the leading zeros of a numeric id."""
    value, path = error.instance, list(error.absolute_path)
    if not isinstance(value, (int, float, bool)) or not path or not isinstance(path[-1], str):
        return ""
    text = json.dumps(value)
    pattern = error.schema.get("pattern")
    if isinstance(value, int) and not isinstance(value, bool) and pattern and not ecma_pattern(pattern).search(text):
        padded = next((z + text for z in ("0", "00", "000") if ecma_pattern(pattern).search(z + text)), None)
        if padded is not None:
            return (
                f"; quote it as written, e.g. {path[-1]}: \"{padded}\" if it starts with {padded[: len(padded) - len(text)]}: "
                f"unquoted, YAML reads it as the number {text}, without its leading zeros"
            )
    if isinstance(value, int) and not isinstance(value, bool):
        return f"; quote it: {path[-1]}: \"{text}\""
    kind = "boolean" if isinstance(value, bool) else "number"
    return f"; quote it as written: unquoted, YAML reads it as the {kind} {text}"


def _suggestion(kind: str | None, value: Any) -> str:
    if not isinstance(value, str):
        return ""
    if kind == "region":
        from sagemaker_byoc.aws.regions import closest_region

        close = closest_region(value)
        return f"; did you mean {_show(close)}?" if close else ""
    if kind == "instance-type" and _INSTANCE_TYPE.fullmatch("ml." + value):
        return f"; did you mean {_show('ml.' + value)}? (SageMaker's names start with ml.)"
    if kind == "role" and _ROLE_NAME.fullmatch(value):
        return f"; a role name alone is not enough: write its ARN, arn:aws:iam::<account>:role/{value}"
    return ""


_INSTANCE_TYPE = re.compile(r"ml\.[a-z0-9-]+\.[a-z0-9]+")
_ROLE_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{1,64}")


def _describe(value: Any) -> str:
    kind = _JSON_TYPES.get(type(value), type(value).__name__)
    if isinstance(value, (dict, list)):
        return kind
    return f"{kind} {_show(value)}"


def _show(value: Any) -> str:
    if isinstance(value, str):
        value = _concealed(value)
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# A URL's user information (`https://user:password@`, `https://TOKEN@`): a user name alone is
# often the token (private package indexes). After a `://`, up to the next `/`, so linear.
_USERINFO = re.compile(r"(?<=://)[^\s/?#@]*@")


def _concealed(text: str) -> str:
    """The value as a message may show it: a refused value is often a credential in the wrong
    place, and messages go to terminals and CI logs. A URL's user information becomes `…@`; a
    value with a credential's shape (spec/secrets.py) is not shown at all."""
    from sagemaker_byoc.spec import secrets

    text = _USERINFO.sub("…@", text)
    what = secrets.shape_of(text)
    return f"<a value holding {what}>" if what else text
