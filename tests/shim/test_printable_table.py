"""The shim's `str.isprintable` table against Python's, under every awk.

repr() escapes the characters that `str.isprintable` rejects, so SM_HPS, SM_TRAINING_ENV and
the argv of a list or dict hyperparameter depend on the table in `py_printable`. The shim's own
awk program (taken from shim/train, not copied) answers for every code point where Python's
answer changes (both sides of each boundary) and for a seeded sample of the rest; a removed or
shifted range of the table changes an answer at one of its boundaries.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from . import harness
from .conftest import awk_params, require_awk
from .harness import Awk

# The shim's tables come from CPython 3.11 (the toolkit's interpreter), Unicode 14.0.
TABLE_UNICODE_VERSION = "14.0.0"
SAMPLE_SIZE = 20_000
FIRST_NON_ASCII = 0x80
PROGRAM_PATTERN = re.compile(r"^TRAIN_AWK_PROGRAM='(.*?)^'$", re.MULTILINE | re.DOTALL)

# Reads one decimal code point a line and prints the shim's verdict (1: printable) for each.
# This BEGIN comes first and exits, so the shim's own BEGIN (which reads the job) never runs.
ASK_PY_PRINTABLE = """
BEGIN {
	init_tables()
	while ((getline line < "/dev/stdin") > 0) print line " " py_printable(line + 0)
	exit 0
}
"""


def shim_awk_program() -> str:
    match = PROGRAM_PATTERN.search(harness.SHIM.read_text(encoding="utf-8"))
    assert match, "shim/train no longer holds TRAIN_AWK_PROGRAM='...'"
    return match.group(1)


def boundaries() -> list[int]:
    """Every code point where str.isprintable changes, and the one before it."""
    points = set()
    previous = chr(0).isprintable()
    for cp in range(1, sys.maxunicode + 1):
        now = chr(cp).isprintable()
        if now != previous:
            points.update((cp - 1, cp))
        previous = now
    return sorted(points)


def code_points_to_ask() -> list[int]:
    """Non-ASCII only: py_repr_string escapes ASCII through its own PESC table first."""
    sample = random.Random(2026).sample(range(FIRST_NON_ASCII, sys.maxunicode + 1), SAMPLE_SIZE)
    every = set(boundaries()) | set(sample) | {FIRST_NON_ASCII, 0xA0, 0xA1, sys.maxunicode}
    return sorted(cp for cp in every if cp >= FIRST_NON_ASCII)


def shim_verdicts(awk: Awk, points: list[int], tmp_path: Path) -> dict[int, bool]:
    completed = subprocess.run(
        ["awk", ASK_PY_PRINTABLE + shim_awk_program()],
        input="".join(f"{cp}\n" for cp in points).encode(),
        env={"PATH": f"{harness.awk_dir(awk, tmp_path)}:/usr/bin:/bin", "LC_ALL": "C"},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")
    verdicts = {}
    for line in completed.stdout.decode("ascii").splitlines():
        cp, verdict = line.split()
        verdicts[int(cp)] = verdict == "1"
    return verdicts


def test_the_boundaries_cover_the_table_in_both_directions() -> None:
    """The boundary list is Python's, not the shim's: it must hold hundreds of ranges."""
    if unicodedata.unidata_version != TABLE_UNICODE_VERSION:
        pytest.skip(f"Python's Unicode is {unicodedata.unidata_version}; the shim's table is {TABLE_UNICODE_VERSION}")
    points = boundaries()
    assert len(points) > 1000
    assert not chr(0x378).isprintable() and chr(0x377).isprintable()
    assert {0x377, 0x378, 0x379, 0x37A} <= set(points)


@pytest.mark.parametrize("awk", awk_params())
def test_the_shim_table_is_python_isprintable(awk: Awk, tmp_path: Path) -> None:
    if unicodedata.unidata_version != TABLE_UNICODE_VERSION:
        pytest.skip(f"Python's Unicode is {unicodedata.unidata_version}; the shim's table is {TABLE_UNICODE_VERSION}")
    require_awk(awk)
    points = code_points_to_ask()
    verdicts = shim_verdicts(awk, points, tmp_path)
    assert sorted(verdicts) == points, f"{awk.name} answered for {len(verdicts)} of {len(points)} code points"
    wrong = [cp for cp in points if verdicts[cp] != chr(cp).isprintable()]
    shown = ", ".join(f"U+{cp:04X} (Python: {chr(cp).isprintable()})" for cp in wrong[:10])
    assert not wrong, f"{awk.name}: {len(wrong)} code points differ from str.isprintable: {shown}"
