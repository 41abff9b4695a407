"""The YAML parser's complaints in a job.yaml author's words: what is wrong, where it started,
and the usual fix. A complaint not known here keeps the parser's own words."""

from __future__ import annotations

import re
from collections.abc import Callable

Mark = tuple[int, int]  # 1-based line and column


def explained(context: str | None, context_mark: Mark | None, problem: str, problem_mark: Mark) -> tuple[Mark, str]:
    """Where to report a syntax error, and what to say."""
    for pattern, say in _RULES:
        found = re.fullmatch(pattern, problem)
        if found:
            started = f"line {context_mark[0]}" if context_mark else "above"
            where, message = say(found, context or "", started)
            return (context_mark if where == "context" and context_mark else problem_mark), message
    return problem_mark, problem


def _unclosed(found: re.Match, context: str, started: str) -> tuple[str, str]:
    kind, closer = ("list", "]") if found[1] == "]" else ("mapping", "}")
    if found[2] == "<stream end>":
        return "context", f"the {kind} opened with '{'[' if closer == ']' else '{'}' here is never closed: add '{closer}'"
    return "problem", f"in the {kind} opened with '{'[' if closer == ']' else '{'}' on {started}, a ',' or '{closer}' is missing before this"


def _colon(found: re.Match, context: str, started: str) -> tuple[str, str]:
    return "problem", (
        "a ': ' here would start a mapping where none can start: indent this line as the keys beside it, "
        "or quote a value that holds ': '"
    )


def _end_of_quoted(found: re.Match, context: str, started: str) -> tuple[str, str]:
    if "quoted" in context:
        return "context", "the quoted string that starts here is never closed: add the closing quote"
    return "problem", "the file ends where a value was expected"


def _no_token(found: re.Match, context: str, started: str) -> tuple[str, str]:
    character = found[1]
    if character == "\\t":
        return "problem", "a tab: YAML indents with spaces only"
    return "problem", f"{character} cannot start a plain value in YAML: quote the value"


def _no_colon(found: re.Match, context: str, started: str) -> tuple[str, str]:
    return "context", (
        "this line is neither 'key: value' nor a list item, or a value goes on to the next line: "
        "add ': ' after the key, or quote the value"
    )


def _indentation(found: re.Match, context: str, started: str) -> tuple[str, str]:
    return "problem", (
        "this line's indentation does not fit the lines above it (a key among list items, or a line "
        f"indented less than its siblings since {started}): indent it as its siblings"
    )


def _escape(found: re.Match, context: str, started: str) -> tuple[str, str]:
    return "problem", f"\\{found[1]} is no escape in a double-quoted string: write \\\\ for a backslash, or use single quotes"


def _nothing(found: re.Match, context: str, started: str) -> tuple[str, str]:
    return "problem", f"{found[1]} where a value belongs: a value is missing, or the {found[1]} is one too many"


_RULES: tuple[tuple[str, Callable[[re.Match, str, str], tuple[str, str]]], ...] = (
    (r"expected ',' or '([\]}])', but got '(.*)'", _unclosed),
    (r"mapping values are not allowed here", _colon),
    (r"found unexpected end of stream", _end_of_quoted),
    (r"found character '(.*)' that cannot start any token", _no_token),
    (r"could not find expected ':'", _no_colon),
    (r"expected <block end>, but found '.*'", _indentation),
    (r"found unknown escape character '(.*)'", _escape),
    (r"expected the node content, but found '(.*)'", _nothing),
    (r"found incompatible YAML document.*", lambda found, context, started: ("problem", "job.yaml is YAML 1.2: remove the %YAML directive")),
)
