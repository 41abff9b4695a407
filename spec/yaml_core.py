"""The YAML 1.2 core schema, restricted to what JSON can say: a scalar's text and tag to a value.

job.yaml is read as YAML 1.2 (the version of which JSON is a subset). A plain scalar is
resolved by the core schema's regular expressions only: `yes`, `1_000`, `0b101` and
`2024-01-01` are strings, as the YAML 1.2 specification says (10.3.2). Explicit tags are
limited to the core ones; `.inf` and `.nan` are refused because JSON has no such numbers.
"""

from __future__ import annotations

import math
import re
from typing import Any

CORE = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, MAP, SEQ = (CORE + name for name in ("str", "int", "float", "bool", "null", "map", "seq"))
SCALAR_TAGS = (STR, INT, FLOAT, BOOL, NULL)

_NULL = re.compile(r"(?:null|Null|NULL|~|)\Z")
_TRUE = re.compile(r"(?:true|True|TRUE)\Z")
_FALSE = re.compile(r"(?:false|False|FALSE)\Z")
_DECIMAL = re.compile(r"[-+]?[0-9]+\Z")
_OCTAL = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_NOT_A_NUMBER = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z|\.(?:nan|NaN|NAN)\Z")


class NoJsonMeaning(ValueError):
    """A scalar whose tag or text JSON cannot hold; the message says why."""


def short_tag(tag: str) -> str:
    """`!!str` for the core tags, the tag as written otherwise."""
    return "!!" + tag[len(CORE) :] if tag.startswith(CORE) else tag


def plain_scalar(text: str) -> Any:
    """The value of an untagged plain scalar under the core schema."""
    if _NULL.match(text):
        return None
    if _TRUE.match(text):
        return True
    if _FALSE.match(text):
        return False
    number = _integer(text)
    if number is not None:
        return number
    if _FLOAT.match(text):
        return _finite(float(text), text)
    if _NOT_A_NUMBER.match(text):
        raise NoJsonMeaning(f"{text} is not a number JSON can hold; quote it to mean the string")
    return text


def tagged_scalar(tag: str, text: str) -> Any:
    """The value of a scalar with an explicit tag; NoJsonMeaning if the tag or text does not fit."""
    if tag == STR:
        return text
    if tag == NULL and _NULL.match(text):
        return None
    if tag == BOOL and (_TRUE.match(text) or _FALSE.match(text)):
        return bool(_TRUE.match(text))
    if tag == INT and _integer(text) is not None:
        return _integer(text)
    if tag == FLOAT and (_integer(text) is not None or _FLOAT.match(text)):
        return _finite(float(_integer(text) if _integer(text) is not None else text), text)
    if tag in SCALAR_TAGS:
        raise NoJsonMeaning(f"{text!r} is not a valid {short_tag(tag)} value")
    raise NoJsonMeaning(unsupported_tag(tag))


def unsupported_tag(tag: str) -> str:
    return (
        f"the tag {short_tag(tag)} has no JSON meaning; job.yaml allows only the YAML 1.2 core tags "
        "!!str, !!int, !!float, !!bool, !!null, !!map and !!seq"
    )


def _integer(text: str) -> int | None:
    try:
        if _DECIMAL.match(text):
            return int(text, 10)
        if _OCTAL.match(text):
            return int(text[2:], 8)
        if _HEX.match(text):
            return int(text[2:], 16)
    except ValueError:  # Python's 4300-digit limit on converting text to int
        raise NoJsonMeaning(f"an integer of {len(text)} digits is too long; quote it to mean the string") from None
    return None


def _finite(number: float, text: str) -> float:
    if math.isinf(number):
        raise NoJsonMeaning(f"{text} is too large for a JSON number; quote it to mean the string")
    return number
