"""A model of Docker's word processing (the shell-like lexer that ENV, LABEL, COPY and friends
apply to their arguments, JSON form included), for checking what a rendered Dockerfile means.

Outside quotes a backslash takes the next character literally; single quotes keep everything up
to the next one; inside double quotes a backslash escapes only `"`, `$` and itself. An unescaped
`$` would expand a variable: the model refuses it, since no rendered value may depend on the
builder's environment.
"""

from __future__ import annotations


class Expands(ValueError):
    """The word holds an unescaped $ or an unmatched quote."""


def docker_word(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 >= len(text):
                raise Expands(f"{text!r}: a backslash at the end")
            out.append(text[i + 1])
            i += 2
        elif char == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise Expands(f"{text!r}: unmatched single quote")
            out.append(text[i + 1 : end])
            i = end + 1
        elif char == '"':
            i += 1
            while True:
                if i >= len(text):
                    raise Expands(f"{text!r}: unmatched double quote")
                if text[i] == '"':
                    i += 1
                    break
                if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in '"$\\':
                    out.append(text[i + 1])
                    i += 2
                elif text[i] == "$":
                    raise Expands(f"{text!r}: $ expands a variable")
                else:
                    out.append(text[i])
                    i += 1
        elif char == "$":
            raise Expands(f"{text!r}: $ expands a variable")
        else:
            out.append(char)
            i += 1
    return "".join(out)
