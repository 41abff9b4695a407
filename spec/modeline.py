"""The schema editors check job.yaml against: its `# yaml-language-server: $schema=FILE` line.

`sagemaker-byoc init` writes the tool's schema beside job.yaml and names it there. After the
tool is upgraded that copy may be stale, and editors would flag new keys as mistakes (or miss
removed ones), so validate warns when the file named differs from this tool's schema.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

from sagemaker_byoc.spec.diagnostics import Diagnostic
from sagemaker_byoc.spec.schema import SCHEMA_PATH
from sagemaker_byoc.text import escape

MODELINE = re.compile(r"#\s*yaml-language-server:\s*\$schema=(?P<target>\S+)\s*")
# A modeline can name a URL; only a file beside the job can be compared.
URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://.*")
# Read no more of the file named than a schema could need: it may be anything.
READ_LIMIT = 4 << 20


def stale_schema(job_path: Path) -> list[Diagnostic]:
    """A warning when the modeline (in the first lines) names a local schema file that is
    missing or differs from this tool's schema; nothing otherwise."""
    try:
        with job_path.open(encoding="utf-8", errors="replace") as text:
            head = [text.readline(1000) for _ in range(5)]
    except OSError:
        return []  # the loader has reported it
    for number, line in enumerate(head, start=1):
        found = MODELINE.fullmatch(line.rstrip("\r\n"))
        if found is None:
            continue
        target = found["target"]
        if URL.fullmatch(target):
            return []
        schema = job_path.parent / target
        refresh = f"write it with: sagemaker-byoc schema -o {escape.comment(str(schema))}"
        column, target = found.start("target") + 1, escape.comment(target)
        expected = SCHEMA_PATH.read_bytes()
        try:
            content = read_regular_file(schema, READ_LIMIT)
        except FileNotFoundError:
            return [Diagnostic(number, column, f"the schema for editors, {target}, does not exist; {refresh}", "", "warning")]
        except OSError as error:
            return [Diagnostic(number, column, f"cannot read the schema for editors, {target}: {error.strerror or error}", "", "warning")]
        if content == expected:
            return []
        if not is_json_schema(content):
            # Never advise writing over a file that is no schema (the modeline may name anything).
            return [Diagnostic(number, column, f"the schema for editors, {target}, is no JSON Schema; name one, such as a copy written by: sagemaker-byoc schema -o job.schema.json", "", "warning")]
        return [Diagnostic(number, column, f"{target} is not this sagemaker-byoc's schema: editors check job.yaml against an older or newer one; {refresh}", "", "warning")]
    return []


def read_regular_file(path: Path, limit: int) -> bytes:
    """At most limit bytes of a regular file; OSError for anything else. Opened without
    waiting (a named pipe would block until a writer came) and checked once open, so that a
    FIFO, a device such as /dev/zero or a directory is refused, never read."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(0, "not a regular file")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            return handle.read(limit)
    finally:
        os.close(descriptor)


def is_json_schema(content: bytes) -> bool:
    """Whether a file reads as a JSON Schema (a JSON object naming its $schema)."""
    try:
        document = json.loads(content)
    except ValueError:
        return False
    return isinstance(document, dict) and "$schema" in document
