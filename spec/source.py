"""Reading job.yaml: YAML into plain Python data, keeping where every node stands.

The schema and the semantic checks work on plain dicts and lists; errors are reported at the
line and column of the node they concern, which this module remembers by JSON path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from spec.diagnostics import Diagnostic, SpecError, pointer_of

Path_ = tuple[str | int, ...]


@dataclass
class Source:
    """A parsed job document and the positions of its nodes."""

    path: Path
    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)  # node -> (line, col)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)  # mapping key -> (line, col)

    def position(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """The position of a node (or of its key), falling back to the nearest ancestor."""
        table = self.keys if key else self.values
        while path not in table and path not in self.values and path:
            path = path[:-1]
        return table.get(path) or self.values.get(path, (1, 1))

    def diagnostic(self, path: Path_, message: str, *, key: bool = False, severity: str = "error") -> Diagnostic:
        line, col = self.position(path, key=key)
        return Diagnostic(line, col, message, pointer_of(path), severity)


def read_source(path: Path) -> Source:
    """Parse a job file; a YAML mistake raises SpecError with its position."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(path, [Diagnostic(1, 1, "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(path, [Diagnostic(1, 1, f"cannot read the file: {exc}")]) from None
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        document = yaml.load(text)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        key = _duplicate_key_name(exc)
        raise SpecError(path, [Diagnostic(mark.line + 1, mark.column + 1, f"duplicate key {key}")]) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(path, [Diagnostic(line, col, f"YAML syntax: {problem}")]) from None
    except YAMLError as exc:
        raise SpecError(path, [Diagnostic(1, 1, f"YAML syntax: {exc}")]) from None
    source = Source(path=path, data=None)
    source.data = _plain(document, (), source)
    source.values.setdefault((), (1, 1))
    return source


def _duplicate_key_name(exc: DuplicateKeyError) -> str:
    problem = exc.problem or ""
    start = problem.find('"')
    return problem[start:].split(" ")[0] if start >= 0 else "in a mapping"


def _plain(node: Any, path: Path_, source: Source) -> Any:
    """Convert ruamel's round-trip nodes into dicts, lists and scalars, recording positions."""
    if isinstance(node, CommentedMap):
        result = {}
        for key in node:
            key_line, key_col, value_line, value_col = node.lc.data[key]
            child = (*path, str(key))
            source.keys[child] = (key_line + 1, key_col + 1)
            source.values[child] = (value_line + 1, value_col + 1)
            result[str(key) if not isinstance(key, str) else key] = _plain(node[key], child, source)
        return result
    if isinstance(node, CommentedSeq):
        result_list = []
        for index, item in enumerate(node):
            line, col = node.lc.data[index]
            source.values[(*path, index)] = (line + 1, col + 1)
            result_list.append(_plain(item, (*path, index), source))
        return result_list
    return _scalar(node)


def _scalar(node: Any) -> Any:
    """ruamel's scalar subclasses (ScalarFloat, ScalarBoolean, …) as plain Python values."""
    if node is None or isinstance(node, bool):
        return node
    if isinstance(node, int):
        return bool(node) if type(node).__name__ == "ScalarBoolean" else int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return str(node)  # timestamps and other YAML types: the text the user wrote, as a string
