"""A document checked in part: the sections with schema errors are left out of the model.

When the schema finds errors, the semantic checks still run on the sections it accepted, so
that one run reports every layer. A section it refused becomes UNCHECKED in the model, and
the document refuses to show it: any rule that reads such a section raises Unchecked and its
findings are dropped, since they would follow from a value already reported as wrong.

The API's rules read the rendered request, which needs every section: for them the refused
sections are replaced by stand-ins (STAND_INS, two different valid values each), and the
pipeline keeps only the findings that both stand-ins share outside the refused sections.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")


class Unchecked(Exception):
    """A rule read a section that failed the schema; its findings are not reported."""


def _refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise Unchecked()


class UncheckedSection:
    """Stands in the model for a section that failed the schema: any use of it raises
    Unchecked (`is None` cannot be intercepted, but reading anything from it can)."""

    __slots__ = ()
    __getattr__ = __bool__ = __iter__ = __len__ = __contains__ = __getitem__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = _refuse
    __str__ = __format__ = __int__ = __float__ = __index__ = __fspath__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _refuse

    def __repr__(self) -> str:
        return "UNCHECKED"


UNCHECKED: Any = UncheckedSection()


class PartialDocument(dict):
    """The top-level mapping of a document without its refused sections: reading one of
    them raises Unchecked; iterating shows the accepted sections alone."""

    def __init__(self, data: dict, refused: Iterable[str]):
        self.refused = frozenset(refused)
        super().__init__((k, v) for k, v in data.items() if k not in self.refused)

    def __getitem__(self, key: Any) -> Any:
        if key in self.refused:
            raise Unchecked()
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self.refused:
            raise Unchecked()
        return super().get(key, default)

    def __contains__(self, key: Any) -> bool:
        if key in self.refused:
            raise Unchecked()
        return super().__contains__(key)


def section(data: dict, key: str, build: Callable[[], Any]) -> Any:
    """build() for an accepted section, UNCHECKED for a refused one."""
    if isinstance(data, PartialDocument) and key in data.refused:
        return UNCHECKED
    return build()


def findings_of(check: Callable[..., Iterator[T]], *args: Any) -> list[T]:
    """Every finding of check(*args), or none when it read a refused section: by a method of
    UNCHECKED, or by handing it to a function written in C (re, os.fspath, json), which
    refuses its type with a TypeError that names it."""
    try:
        return list(check(*args))
    except Unchecked:
        return []
    except TypeError as problem:
        if UncheckedSection.__name__ in str(problem):
            return []
        raise


# Valid values for the sections the schema refused, two different ones each, so that a request
# can be rendered around them. An optional section without one here is left out in both; spot
# and limits have one in the second, as the API's rules tie them to each other.
STAND_INS = (
    {
        "version": 1, "name": "stand-in-a", "account": "000000000000", "region": "us-east-1",
        "role": "arn:aws:iam::000000000000:role/stand-in", "image": {"repository": "stand-in-a"},
        "entry_point": "stand_in.py", "output": {"s3": "s3://stand-in-a/output/"},
    },
    {
        "version": 1, "name": "stand-in-b", "account": "111111111111", "region": "eu-west-1",
        "role": "arn:aws:iam::111111111111:role/stand-in", "image": {"repository": "stand-in-b", "base": "cuda"},
        "entry_point": "stand_in.sh", "output": {"s3": "s3://stand-in-b/output/"},
        "spot": True, "limits": {"max_runtime": "1h", "max_wait": "2h"},
    },
)


def with_stand_ins(data: dict, refused: frozenset[str]) -> tuple[dict, ...]:
    """The document twice, each time with other stand-ins for its refused sections."""
    accepted = {k: v for k, v in data.items() if k not in refused}
    return tuple(accepted | {k: stand_in[k] for k in refused if k in stand_in} for stand_in in STAND_INS)
