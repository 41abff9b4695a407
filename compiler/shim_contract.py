"""The shim's copy of the contract: spec/contract.py's rules as the awk function `init_contract`
in shim/train, between the two marker lines below.

`make contract` (python -m sagemaker_byoc.compiler.shim_contract) writes it; a test fails when
shim/train holds anything else there, so the compiler's checks and the shim's cannot drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sagemaker_byoc.spec import contract

SHIM = Path(__file__).resolve().parents[1] / "shim" / "train"
BEGIN = "# <contract> rendered from spec/contract.py by `make contract`: edit it there"
END = "# </contract>"


def awk_string(text: str) -> str:
    """An awk string literal inside the shim's single-quoted program: no quote of the shell's
    and no line break can be written there, so none is accepted."""
    if "'" in text or "\n" in text:
        raise ValueError(f"{text!r} cannot be written into the shim's awk program")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def awk_function() -> str:
    reserved = " ".join(contract.RESERVED_HYPERPARAMETERS)
    lines = [
        BEGIN,
        "function init_contract(   i, R) {",
        f"\tMAX_DEPTH = {contract.MAX_DEPTH}",
        f"\tENTRY_POINT_RE = {awk_string('^' + contract.ENTRY_POINT_PATTERN + '$')}",
        f"\tENTRY_POINT_CHARACTER_RE = {awk_string(contract.ENTRY_POINT_CHARACTERS)}",
        f"\tDOT_SEGMENT_RE = {awk_string(contract.DOT_SEGMENT_PATTERN)}",
        f"\tRESERVED_PREFIX = {awk_string(contract.RESERVED_PREFIX)}",
        f"\tsplit({awk_string(reserved)}, R, \" \")",
        "\tfor (i in R) RESERVED[R[i]] = 1",
        "}",
        END,
    ]
    return "\n".join(lines)


def with_contract(shim: str) -> str:
    """The shim's text with its contract block rendered anew."""
    start = shim.index(BEGIN)
    end = shim.index(END, start) + len(END)
    return shim[:start] + awk_function() + shim[end:]


def main() -> int:
    text = SHIM.read_text(encoding="utf-8")
    updated = with_contract(text)
    if updated != text:
        SHIM.write_text(updated, encoding="utf-8")
        print(f"{SHIM}: contract block rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
