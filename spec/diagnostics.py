"""Diagnostics: what is wrong with a job.yaml, and where, in compiler style."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sagemaker_byoc.text import escape


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding about a job file, located at a line and column (1-based)."""

    line: int
    col: int
    message: str
    pointer: str = ""  # JSON pointer into the job document, "" for the whole document
    severity: str = "error"  # "error" or "warning"

    def format(self, path: Path | str) -> str:
        where = f" (at {escape.comment(self.pointer)})" if self.pointer else ""
        # One line per diagnostic whatever the file is called: control characters in the path
        # are shown as escapes, as in the generated files' comments, and so are those that a
        # message quotes from job.yaml (a name holding ESC or a line break would forge output).
        return f"{escape.comment(str(path))}:{self.line}:{self.col}: {self.severity}: {escape.terminal(self.message)}{where}"


class SpecError(Exception):
    """Raised when a job file has at least one error; carries every diagnostic found."""

    def __init__(self, path: Path | str, diagnostics: list[Diagnostic]):
        self.path = path
        self.diagnostics = sorted(diagnostics)
        super().__init__("\n".join(d.format(path) for d in self.diagnostics))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def pointer_of(path: tuple[str | int, ...]) -> str:
    """The JSON pointer (RFC 6901) of a path of keys and indexes."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)
