"""Reading job.yaml: YAML into plain Python data, keeping where every node stands.

The schema and the semantic checks work on plain dicts and lists; errors are reported at the
line and column of the node they concern, which this module remembers by JSON path.

job.yaml is YAML 1.2 restricted to what JSON can say. The document is composed here from
ruamel.yaml's event stream (not its constructors), so that everything without a JSON meaning
is refused at its line: tags outside the core schema, keys that are collections or null,
keys that collide once they are strings, merge keys, recursive aliases, aliases that expand
beyond ALIAS_EXPANSION_LIMIT nodes, and nesting deeper than DOCUMENT_DEPTH.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from sagemaker_byoc.spec import yaml_core, yaml_errors
from sagemaker_byoc.spec.diagnostics import Diagnostic, SpecError, pointer_of

Path_ = tuple[str | int, ...]

# The training shim refuses a hyperparameter value nested deeper than 100 levels
# (shim/train, MAX_DEPTH); in job.yaml such a value sits inside two more mappings, the
# document and `hyperparameters`.
SHIM_DEPTH = 100
YAML_VERSION = (1, 2)  # the only version read: core schema, JSON-compatible (yaml_core.py)
DOCUMENT_DEPTH = SHIM_DEPTH + 2
# Nodes that aliases may add to the document once expanded: plenty for reusing a block of
# settings, and a few milliseconds of work at most (a "billion laughs" document stops here).
ALIAS_EXPANSION_LIMIT = 10_000


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
    """Parse a job file; a YAML mistake, or YAML without a JSON meaning, raises SpecError with its position."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(path, [Diagnostic(1, 1, "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(path, [Diagnostic(1, 1, f"cannot read the file: {exc}")]) from None
    source = Source(path=path, data=None)
    try:
        source.data = parse_yaml(text, source)
    except YamlError as exc:
        raise SpecError(path, [Diagnostic(exc.line, exc.col, exc.message)]) from None
    source.values.setdefault((), (1, 1))
    return source


class YamlError(ValueError):
    """Text that is not YAML, or YAML without a JSON meaning, at a 1-based position."""

    def __init__(self, mark: tuple[int, int], message: str):
        super().__init__(message)
        self.line, self.col = mark
        self.message = message


def parse_yaml(text: str, source: Source | None = None, max_depth: int = DOCUMENT_DEPTH) -> Any:
    """The JSON meaning of one YAML document (None for an empty one), recording positions in
    `source` when given; YamlError if there is none. A hyperparameter value alone may nest
    SHIM_DEPTH levels."""
    try:
        root = _compose(text, max_depth)
        return _Builder(source or Source(path=Path(), data=None)).value(root, ()) if root is not None else None
    except MarkedYAMLError as exc:
        context = (exc.context_mark.line + 1, exc.context_mark.column + 1) if exc.context_mark else None
        problem = (exc.problem_mark.line + 1, exc.problem_mark.column + 1) if exc.problem_mark else context or (1, 1)
        where, message = yaml_errors.explained(exc.context, context, exc.problem or exc.context or "invalid YAML", problem)
        raise YamlError(where, f"YAML syntax: {message}") from None
    except AssertionError:
        # ruamel.yaml asserts on a %YAML directive other than 1.1 or 1.2, before any event.
        if not re.search(r"^%YAML", text, re.M):
            raise
        raise YamlError((1, 1), f"job.yaml is YAML {YAML_VERSION[0]}.{YAML_VERSION[1]}: remove the %YAML directive") from None
    except ReaderError as exc:
        # A character YAML does not allow anywhere, comments included: at its position, in one line.
        before = text[: exc.position]
        where = (before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1)
        raise YamlError(where, f"YAML syntax: the character U+{exc.character:04X} is not allowed in YAML ({exc.reason})") from None
    except YAMLError as exc:
        raise YamlError((1, 1), "YAML syntax: " + " ".join(str(exc).split())) from None


@dataclass(eq=False)
class _Node:
    """A composed node: a resolved scalar, or a mapping (keys and values alternating) or sequence."""

    kind: str  # "scalar", "mapping" or "sequence"
    mark: tuple[int, int]
    value: Any = None  # a scalar's value
    text: str = ""  # a scalar's text as written
    merge_key: bool = False  # a plain `<<`
    children: list[Any] = field(default_factory=list)  # _Node or _Alias
    open: bool = True  # still being composed: an alias to it would be recursive


@dataclass(eq=False)
class _Alias:
    target: _Node
    mark: tuple[int, int]


def _mark(event: Any) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _compose(text: str, max_depth: int) -> _Node | None:
    """The document's node tree, built from parser events without recursion."""
    yaml = YAML(typ="safe", pure=True)
    stack: list[_Node] = []
    anchors: dict[str, _Node] = {}
    root: _Node | None = None
    documents = 0
    for event in yaml.parse(text):
        if isinstance(event, DocumentStartEvent):
            if event.version is not None and tuple(event.version) != YAML_VERSION:
                # %YAML 1.1 would ask for its other booleans and numbers, which are not read here.
                raise YamlError(_mark(event), f"job.yaml is YAML {YAML_VERSION[0]}.{YAML_VERSION[1]}: remove the %YAML directive")
            documents += 1
            if documents > 1:
                raise YamlError(_mark(event), "one document only: remove the second '---' and what follows")
            continue
        if isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            stack.pop().open = False
            continue
        if isinstance(event, AliasEvent):
            target = anchors.get(event.anchor)
            if target is None:
                raise YamlError(_mark(event), f"alias *{event.anchor} refers to no anchor before it")
            if target.open:
                message = "is inside the node it refers to: a recursive structure has no JSON meaning"
                raise YamlError(_mark(event), f"alias *{event.anchor} {message}")
            item: Any = _Alias(target, _mark(event))
        elif isinstance(event, ScalarEvent):
            item = _scalar_node(event)
        elif isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            item = _collection_node(event)
            if len(stack) >= max_depth:
                raise YamlError(
                    item.mark,
                    f"nesting deeper than {max_depth} levels "
                    f"(a hyperparameter value may nest {SHIM_DEPTH}, the limit of the training shim)",
                )
        else:
            continue  # stream start and end, document end
        if not isinstance(item, _Alias) and event.anchor is not None:
            anchors[event.anchor] = item
        if stack:
            stack[-1].children.append(item)
        else:
            root = item
        if isinstance(item, _Node) and item.kind != "scalar":
            stack.append(item)
    return root


def _scalar_node(event: ScalarEvent) -> _Node:
    mark = _mark(event)
    tag = event.tag
    try:
        if tag is None and event.style is None:
            value = yaml_core.plain_scalar(event.value)
        elif tag is None or tag == "!":
            value = event.value  # quoted or block scalars, and the non-specific tag: strings
        else:
            value = yaml_core.tagged_scalar(tag, event.value)
    except yaml_core.NoJsonMeaning as exc:
        raise YamlError(mark, str(exc)) from None
    lone = next((c for c in event.value if "\ud800" <= c <= "\udfff"), None)
    if lone is not None:
        # "\ud83d\ude00" in a YAML double-quoted scalar is two lone surrogates, not one
        # character: no file name, environment or request can hold them.
        raise YamlError(mark, f"the escape \\u{ord(lone):04x} is half of a UTF-16 pair, not a character; write the character itself or its \\UXXXXXXXX escape")
    merge_key = tag is None and event.style is None and event.value == "<<"
    return _Node("scalar", mark, value=value, text=event.value, merge_key=merge_key)


def _collection_node(event: Any) -> _Node:
    mapping = isinstance(event, MappingStartEvent)
    expected = yaml_core.MAP if mapping else yaml_core.SEQ
    if event.tag not in (None, "!", expected):
        tag = yaml_core.short_tag(event.tag)
        if event.tag in (yaml_core.MAP, yaml_core.SEQ) or event.tag in yaml_core.SCALAR_TAGS:
            raise YamlError(_mark(event), f"the tag {tag} does not fit a {'mapping' if mapping else 'sequence'}")
        raise YamlError(_mark(event), yaml_core.unsupported_tag(event.tag))
    return _Node("mapping" if mapping else "sequence", _mark(event))


class _Builder:
    """Plain dicts, lists and scalars from the node tree, recording positions by path."""

    def __init__(self, source: Source):
        self.source = source
        self.expanded = 0  # nodes built through aliases
        self.alias: _Alias | None = None  # the outermost alias being expanded

    def value(self, item: Any, path: Path_) -> Any:
        node = item.target if isinstance(item, _Alias) else item
        self.source.values[path] = item.mark
        if isinstance(item, _Alias) and self.alias is None:
            self.alias = item
            try:
                return self.value(node, path)
            finally:
                self.alias = None
                self.source.values[path] = item.mark
        if self.alias is not None:
            self.expanded += 1
            if self.expanded > ALIAS_EXPANSION_LIMIT:
                raise YamlError(
                    self.alias.mark,
                    f"aliases expand to more than {ALIAS_EXPANSION_LIMIT} nodes; write the values out, or reuse less",
                )
        if node.kind == "scalar":
            return node.value
        if node.kind == "sequence":
            return [self.value(child, (*path, index)) for index, child in enumerate(node.children)]
        return self.mapping(node, path)

    def mapping(self, node: _Node, path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        written: dict[str, str] = {}
        children = node.children
        for key_item, value_item in zip(children[::2], children[1::2]):
            key = self.key(key_item)
            if key in result:
                same = ""
                if written[key] != _written(key_item):
                    same = f" ({written[key]} and {_written(key_item)} are the same once keys are strings)"
                raise YamlError(key_item.mark, f"duplicate key {json.dumps(key)}{same}")
            written[key] = _written(key_item)
            child = (*path, key)
            self.source.keys[child] = key_item.mark
            result[key] = self.value(value_item, child)
        return result

    @staticmethod
    def key(item: Any) -> str:
        """A mapping key as JSON's string: a string as it is, another scalar as written."""
        node = item.target if isinstance(item, _Alias) else item
        if node.kind != "scalar":
            raise YamlError(item.mark, f"a {node.kind} as a mapping key has no JSON meaning; keys are strings")
        if node.merge_key:
            raise YamlError(
                item.mark,
                "merge keys (<<) are not part of YAML 1.2 and have no JSON meaning; "
                "write the keys out (or quote '<<' to mean the string)",
            )
        if node.value is None:
            raise YamlError(item.mark, "a null mapping key has no JSON meaning; keys are strings (quote it: '~')")
        return node.value if isinstance(node.value, str) else node.text


def _written(item: Any) -> str:
    node = item.target if isinstance(item, _Alias) else item
    return json.dumps(node.text) if isinstance(node.value, str) else node.text
