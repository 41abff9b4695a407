"""The schema editors check job.yaml against: its `# yaml-language-server: $schema=FILE` line.

`sagemaker-byoc init` writes the tool's schema beside job.yaml and names it there. After the
tool is upgraded that copy may be stale, and editors would flag new keys as mistakes (or miss
removed ones), so validate warns when the file named differs from this tool's schema.
"""

from __future__ import annotations

import re
from pathlib import Path

from sagemaker_byoc.spec.diagnostics import Diagnostic
from sagemaker_byoc.spec.schema import SCHEMA_PATH
from sagemaker_byoc.text import escape

MODELINE = re.compile(r"#\s*yaml-language-server:\s*\$schema=(?P<target>\S+)\s*")
# A modeline can name a URL; only a file beside the job can be compared.
URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://.*")


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
        target = escape.comment(target)
        try:
            current = schema.read_bytes() == SCHEMA_PATH.read_bytes()
        except FileNotFoundError:
            return [Diagnostic(number, found.start("target") + 1, f"the schema for editors, {target}, does not exist; {refresh}", "", "warning")]
        except OSError as error:
            return [Diagnostic(number, found.start("target") + 1, f"cannot read the schema for editors, {target}: {error.strerror}", "", "warning")]
        if not current:
            return [Diagnostic(number, found.start("target") + 1, f"{target} is not this sagemaker-byoc's schema: editors check job.yaml against an older or newer one; {refresh}", "", "warning")]
        return []
    return []
