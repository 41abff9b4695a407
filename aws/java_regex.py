"""Translate the Java regular expressions of AWS service models into Python `re` syntax.

The service checks `pattern` constraints with java.util.regex and matches the whole value.
Java and Python disagree on several constructs, so a pattern cannot be handed to `re` as is:

- `\\p{L}`, `\\p{Z}`, `\\p{N}` (Unicode general categories) do not exist in `re`: they become
  explicit code point ranges computed from `unicodedata`;
- `\\p{Alnum}` and the other POSIX names are ASCII-only in Java (no UNICODE_CHARACTER_CLASS);
- `\\d`, `\\w`, `\\s` are ASCII-only in Java and Unicode-aware in `re`: they become ASCII sets;
- `.` excludes every Java line terminator (\\n, \\r, U+0085, U+2028, U+2029), not only \\n.

Anything this module does not know raises UnsupportedPattern, so a new construct in a future
model stops `make constraints` instead of being translated wrongly. The output is
deterministic, ASCII-only and meant to be used with `re.fullmatch`.
"""

import functools
import sys
import unicodedata

MAX_CODE_POINT = sys.maxunicode

JAVA_LINE_TERMINATORS = ((0x0A, 0x0A), (0x0D, 0x0D), (0x85, 0x85), (0x2028, 0x2029))

# Java's predefined classes without UNICODE_CHARACTER_CLASS (java.util.regex.Pattern docs).
ASCII_CLASSES = {
    "d": ((0x30, 0x39),),
    "w": ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)),
    "s": ((0x09, 0x0D), (0x20, 0x20)),
}

POSIX_CLASSES = {
    "Lower": ((0x61, 0x7A),),
    "Upper": ((0x41, 0x5A),),
    "ASCII": ((0x00, 0x7F),),
    "Alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    "Digit": ((0x30, 0x39),),
    "Alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)),
    "Punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)),
    "Graph": ((0x21, 0x7E),),
    "Print": ((0x20, 0x7E),),
    "Blank": ((0x09, 0x09), (0x20, 0x20)),
    "Cntrl": ((0x00, 0x1F), (0x7F, 0x7F)),
    "XDigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
    "Space": ((0x09, 0x0D), (0x20, 0x20)),
}

GENERAL_CATEGORIES = {
    "L": ("Lu", "Ll", "Lt", "Lm", "Lo"),
    "M": ("Mn", "Mc", "Me"),
    "N": ("Nd", "Nl", "No"),
    "P": ("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"),
    "S": ("Sm", "Sc", "Sk", "So"),
    "Z": ("Zs", "Zl", "Zp"),
}

# Single-character escapes that mean the same in Java and Python.
CONTROL_ESCAPES = {"t": 0x09, "n": 0x0A, "r": 0x0D, "f": 0x0C, "a": 0x07, "e": 0x1B}

QUANTIFIER_CHARS = "*+?"

# Java's '$' (no MULTILINE): the end of input, or before one final line terminator.
END_OF_INPUT = "(?=(?:\\r\\n|[\\n\\r\\u0085\\u2028\\u2029])?\\Z)"

SPECIAL_OUTSIDE_CLASS = set(".^$*+?{}[]\\|()")
ASCII_MAX = 0x7F
NEVER = "(?!)"  # a class with no member left
SPECIAL_INSIDE_CLASS = set("[]\\^-")


class UnsupportedPattern(ValueError):
    """The pattern uses a Java construct this translator does not handle."""


def translate(java_pattern: str, ascii_only: bool = False) -> str:
    """Return a Python `re` pattern that, used with re.fullmatch, accepts what Java's matches() does.

    ascii_only: a pattern that does so for ASCII strings alone, with every character class cut
    down to its ASCII members. A class can match only a character of the string, so on an ASCII
    string both patterns agree; the cut one compiles in a fraction of the time where classes
    such as \\p{L} span thousands of ranges (aws/request_rules.py uses it for ASCII values).
    """
    return _Translator(java_pattern, ascii_only).run()


def unicode_version() -> str:
    """The Unicode database version the \\p{…} ranges come from."""
    return unicodedata.unidata_version


class _Translator:
    def __init__(self, pattern: str, ascii_only: bool = False):
        self.pattern = pattern
        self.ascii_only = ascii_only
        self.pos = 0
        self.out: list[str] = []

    def fail(self, why: str) -> UnsupportedPattern:
        return UnsupportedPattern(f"{why} at offset {self.pos} in {self.pattern!r}")

    def peek(self, ahead: int = 0) -> str:
        index = self.pos + ahead
        return self.pattern[index] if index < len(self.pattern) else ""

    def take(self) -> str:
        char = self.peek()
        if not char:
            raise self.fail("unexpected end of pattern")
        self.pos += 1
        return char

    def run(self) -> str:
        while self.pos < len(self.pattern):
            self.out.append(self.outside_class())
        return "".join(self.out)

    def outside_class(self) -> str:
        char = self.take()
        if char == "\\":
            return self.escape_outside_class()
        if char == "[":
            return self.emit_class(self.character_class())
        if char == ".":
            return self.emit_class(JAVA_LINE_TERMINATORS, negated=True)
        if char == "(":
            return self.group_opening()
        if char in ")|^":
            return char
        if char == "$":
            return END_OF_INPUT
        if char in QUANTIFIER_CHARS:
            return char
        if char == "{":
            return self.counted_quantifier()
        return escape_code_point(ord(char), SPECIAL_OUTSIDE_CLASS)

    def group_opening(self) -> str:
        if self.peek() != "?":
            return "("
        for opener in ("?:", "?<!", "?<=", "?!", "?="):
            if self.pattern.startswith(opener, self.pos):
                self.pos += len(opener)
                return "(" + opener
        raise self.fail("unsupported group construct")

    def counted_quantifier(self) -> str:
        end = self.pattern.find("}", self.pos)
        if end < 0:
            raise self.fail("unterminated '{'")
        body = self.pattern[self.pos : end]
        lower, comma, upper = body.partition(",")
        if not lower.isdigit() or (upper and not upper.isdigit()):
            raise self.fail(f"bad counted quantifier {{{body}}}")
        self.pos = end + 1
        return "{" + lower + comma + upper + "}"

    def escape_outside_class(self) -> str:
        escaped = self.escape()
        if isinstance(escaped, int):
            return escape_code_point(escaped, SPECIAL_OUTSIDE_CLASS)
        return self.emit_class(escaped)

    def emit_class(self, ranges: tuple[tuple[int, int], ...], negated: bool = False) -> str:
        if not self.ascii_only:
            return format_class(ranges, negated)
        members = complement(ranges) if negated else normalise(ranges)
        cut = tuple((low, min(high, ASCII_MAX)) for low, high in members if low <= ASCII_MAX)
        return format_class(cut, negated=False) if cut else NEVER

    def escape(self) -> int | tuple[tuple[int, int], ...]:
        """Read one escape (after the backslash): a code point, or the ranges of a class escape."""
        char = self.take()
        if char in "pP":
            ranges = self.property_class()
            return complement(ranges) if char == "P" else ranges
        if char.lower() in ASCII_CLASSES:
            ranges = ASCII_CLASSES[char.lower()]
            return complement(ranges) if char.isupper() else ranges
        if char in CONTROL_ESCAPES:
            return CONTROL_ESCAPES[char]
        if char == "u":
            return self.hex_code_point(4)
        if char == "x":
            return self.hex_code_point(2)
        if char.isascii() and char.isalnum():
            raise self.fail(f"unsupported escape \\{char}")
        return ord(char)

    def hex_code_point(self, digits: int) -> int:
        text = self.pattern[self.pos : self.pos + digits]
        if len(text) != digits or any(c not in "0123456789abcdefABCDEF" for c in text):
            raise self.fail("bad hexadecimal escape")
        self.pos += digits
        value = int(text, 16)
        if 0xD800 <= value <= 0xDFFF:
            raise self.fail("surrogate code units are not supported")
        return value

    def property_class(self) -> tuple[tuple[int, int], ...]:
        if self.take() != "{":
            raise self.fail("expected '{' after \\p")
        end = self.pattern.find("}", self.pos)
        if end < 0:
            raise self.fail("unterminated \\p{")
        name = self.pattern[self.pos : end]
        self.pos = end + 1
        if name in POSIX_CLASSES:
            return POSIX_CLASSES[name]
        category = name.removeprefix("Is")
        if category in GENERAL_CATEGORIES:
            return category_ranges(GENERAL_CATEGORIES[category])
        if len(category) == 2 and category[0] in GENERAL_CATEGORIES:
            return category_ranges((category,))
        raise self.fail(f"unsupported property \\p{{{name}}}")

    def character_class(self) -> tuple[tuple[int, int], ...]:
        """Parse a class body after '[' the way java.util.regex.Pattern.range() does."""
        negated = False
        if self.peek() == "^":
            self.pos += 1
            negated = True
        items: list[tuple[int, int]] = []
        first = True
        while True:
            char = self.peek()
            if not char:
                raise self.fail("unterminated character class")
            if char == "]" and not first:
                self.pos += 1
                break
            if char == "[" or self.pattern.startswith("&&", self.pos):
                raise self.fail("nested classes and intersections are not supported")
            items.extend(self.class_item())
            first = False
        ranges = normalise(items)
        return complement(ranges) if negated else ranges

    def class_item(self) -> tuple[tuple[int, int], ...]:
        start = self.class_atom()
        if isinstance(start, tuple):
            return start
        if self.peek() == "-" and self.peek(1) not in ("]", "[", ""):
            self.pos += 1
            end = self.class_atom()
            if isinstance(end, tuple):
                raise self.fail("a class escape cannot end a range")
            if end < start:
                raise self.fail("illegal character range")
            return ((start, end),)
        return ((start, start),)

    def class_atom(self) -> int | tuple[tuple[int, int], ...]:
        """One class member: a code point, or the ranges of an escape such as \\p{L} or \\s."""
        char = self.take()
        if char != "\\":
            return ord(char)
        return self.escape()


@functools.cache
def category_ranges(categories: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    wanted = set(categories)
    ranges: list[tuple[int, int]] = []
    for code_point in range(MAX_CODE_POINT + 1):
        if unicodedata.category(chr(code_point)) in wanted:
            if ranges and ranges[-1][1] == code_point - 1:
                ranges[-1] = (ranges[-1][0], code_point)
            else:
                ranges.append((code_point, code_point))
    return tuple(ranges)


def normalise(ranges: list[tuple[int, int]] | tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return tuple(merged)


def complement(ranges: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    result: list[tuple[int, int]] = []
    next_low = 0
    for low, high in normalise(ranges):
        if low > next_low:
            result.append((next_low, low - 1))
        next_low = high + 1
    if next_low <= MAX_CODE_POINT:
        result.append((next_low, MAX_CODE_POINT))
    return tuple(result)


def escape_code_point(code_point: int, special: set[str]) -> str:
    """One code point as pattern text: printable ASCII as itself (escaped where special), others as \\u/\\U."""
    char = chr(code_point)
    if 0x20 <= code_point < 0x7F:
        return "\\" + char if char in special else char
    if code_point <= 0xFFFF:
        return f"\\u{code_point:04x}"
    return f"\\U{code_point:08x}"


def format_class(ranges: tuple[tuple[int, int], ...], negated: bool) -> str:
    parts = []
    for low, high in normalise(ranges):
        first = escape_code_point(low, SPECIAL_INSIDE_CLASS)
        last = escape_code_point(high, SPECIAL_INSIDE_CLASS)
        if low == high:
            parts.append(first)
        elif high == low + 1:
            parts.append(first + last)
        else:
            parts.append(first + "-" + last)
    return "[" + ("^" if negated else "") + "".join(parts) + "]"
