"""Context escapers: the one place where a value becomes text in a Dockerfile, a shell script, a
comment or an ignore file.

Each escaper returns `Safe`, a str that says "written for its context". The template
environment (compiler/render.py) refuses to print anything else, the way Jinja's autoescape
refuses to print unescaped HTML, so a template cannot forget to escape a value: it names the
context with a filter (`{{ job.region | sh }}`) or it fails to render.

A value that no escaping can carry into its context (a line break inside a Dockerfile
instruction, a glob character in a path Docker copies) raises `Unrepresentable`; job.yaml's
checks (spec/semantics.py) refuse those values first, at their line, with the same rule.
"""

from __future__ import annotations

import json
import re
import unicodedata


class Safe(str):
    """Text already written for the context it is printed in."""


class Unrepresentable(ValueError):
    """A value that cannot be written into its context with its meaning intact."""


# Characters that end or garble a line for a reader of the file, the shell or Docker's parser:
# C0 controls, DEL, C1 controls, and Unicode's line and paragraph separators.
_LINE_BREAKERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# A shell word that needs no quotes.
_PLAIN_SH_WORD = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")
_IMAGE_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@-]*")
# Special to Docker's word processing outside quotes (ENV, LABEL, COPY and friends).
_DOCKER_WORD_SPECIALS = frozenset("\\$'\"")
# Special to the pattern matching of COPY sources and of .dockerignore lines.
_GLOB_SPECIALS = frozenset("*?[]\\")


def has_line_breakers(text: str) -> bool:
    return _LINE_BREAKERS.search(text) is not None


def comment(text: str) -> Safe:
    """Text for a `#` comment in a Dockerfile or a shell script: one line, whatever text holds.
    Backslashes and line-breaking characters are written as escapes (`\\\\`, `\\x0a`, `\\u2028`)."""

    def escape(match: re.Match) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"

    return Safe(_LINE_BREAKERS.sub(escape, text.replace("\\", "\\\\")))


# What a terminal acts on rather than shows: line breakers (above), and the bidirectional
# overrides and isolates, which reorder the text around them on screen.
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal(text: str) -> Safe:
    """Text for one line of a terminal (a diagnostic, a note): every character a terminal would
    act on (a line break, ESC and its sequences, a bidirectional override) is shown as an escape
    (\\x1b, \\u202e) instead; a tab stays. Backslashes are left as they are, for reading."""

    def escape(match: re.Match) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"

    return Safe(_TERMINAL_CONTROLS.sub(escape, text))


def sh(value: str) -> Safe:
    """One POSIX shell word with exactly the characters of value: bare when nothing in it is
    special, else single-quoted ('\\'' for a quote). A NUL cannot be passed to a command."""
    if "\0" in value:
        raise Unrepresentable(f"{value!r}: a NUL character cannot reach a shell command")
    if _PLAIN_SH_WORD.fullmatch(value):
        return Safe(value)
    return Safe("'" + value.replace("'", "'\\''") + "'")


def dockerfile_sh(value: str) -> Safe:
    """A shell word inside a Dockerfile RUN line: shell quoting, on one line."""
    _one_line(value, "a Dockerfile instruction")
    return sh(value)


def dockerfile_value(value: str) -> Safe:
    """An ENV or LABEL value: bare when Docker's word processing leaves it as it is, else
    double-quoted with \\ " and $ escaped, so Docker reads back exactly value and expands no
    variable."""
    _one_line(value, "a Dockerfile instruction")
    if _PLAIN_SH_WORD.fullmatch(value):
        return Safe(value)
    escaped = "".join(f"\\{c}" if c in '\\"$' else c for c in value)
    return Safe(f'"{escaped}"')


def image_reference(value: str) -> Safe:
    """FROM's image: a whole-string rule, since a reference never needs quoting."""
    if not _IMAGE_REFERENCE.fullmatch(value):
        raise Unrepresentable(f"{value!r} is not an image reference (letters, digits and . _ / : @ -)")
    return Safe(value)


def dockerfile_json(*words: str) -> Safe:
    """The JSON-array form of an instruction's arguments (RUN, CMD: no shell, no variable
    expansion). JSON's escapes keep any character on the instruction's one line."""
    return Safe(json.dumps(list(words), ensure_ascii=True))


def dockerfile_copy(*paths: str) -> Safe:
    """COPY's arguments in JSON-array form. Docker still applies its word processing (quotes,
    backslashes, $variables) and, to the sources, glob matching: the first is escaped with
    backslashes, the second cannot be, so glob characters are refused."""
    words = []
    for path in paths:
        _one_line(path, "a COPY instruction")
        globbed = sorted(_GLOB_SPECIALS.intersection(path))
        if globbed:
            raise Unrepresentable(f"{path!r}: Docker's COPY reads {' '.join(globbed)} as a pattern; rename the file or folder")
        words.append("".join(f"\\{c}" if c in _DOCKER_WORD_SPECIALS else c for c in path))
    return Safe(json.dumps(words, ensure_ascii=True))


def dockerignore_literal(path: str) -> Safe:
    """A context-relative path as a .dockerignore line that matches it literally.

    Lines are anchored with a leading `/` (stripped by the reader), so a path that starts with
    `#` or `!` is not read as a comment or an exception. Builders trim each line and split
    lines, so a character there that cannot be written (white space at either end, a line
    break) becomes `?`: it may let in a sibling that differs only there, never leave out a file
    the image needs."""
    escaped = "".join(f"\\{c}" if c in _GLOB_SPECIALS else c for c in path)
    escaped = _LINE_BREAKERS.sub("?", escaped)
    stripped = escaped.strip()
    if stripped != escaped:
        lead = len(escaped) - len(escaped.lstrip())
        trail = len(escaped) - len(escaped.rstrip())
        escaped = "?" * lead + stripped + "?" * trail
    return Safe("/" + escaped)


def trusted(text: str) -> Safe:
    """A constant of the compiler's own (a fixed URL, a checksum from its table, a literal
    instruction): no value of job.yaml or of a file name reaches it."""
    return Safe(text)


def _one_line(value: str, where: str) -> None:
    if has_line_breakers(value):
        found = next(c for c in value if has_line_breakers(c))
        name = unicodedata.name(found, f"U+{ord(found):04X}")
        raise Unrepresentable(f"{value!r}: {where} cannot hold the control character {name}")
