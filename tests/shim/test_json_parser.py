"""The shim's awk JSON parser against nst/JSONTestSuite's test_parsing cases, under every awk.

`train --json-dump FILE` parses FILE with the parser the shim uses for the config files and
prints it back as Python's json.dumps(sort_keys=True, separators=(",", ":")) would. So an
accepted `y_` file is checked value for value, not only accepted.

The cases live in ../shared/data/JSONTestSuite beside the clone (never copied here).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from . import harness
from .conftest import awk_params, require_awk
from .harness import Awk
from tests.tools import require_tool

SUITE = harness.REPO_ROOT.parent / "shared" / "data" / "JSONTestSuite" / "test_parsing"

# \u0000 cannot live in an environment variable or argument: refused by design.
REJECTED_BY_DESIGN = {"y_string_null_escape.json", "y_object_escaped_null_in_key.json"}

# original-awk reads a number past the double range as 0 and cuts strings at NUL bytes; the
# shim compensates for both, so no case needs an exception. A case taking longer than this is
# a hang (the suite's own limit is 5 s).
TIMEOUT_S = 20


def _cases(prefix: str) -> list[str]:
    if not SUITE.is_dir():
        return []
    return sorted(path.name for path in SUITE.iterdir() if path.name.startswith(prefix))


def _require_suite() -> None:
    require_tool(SUITE.is_dir(), f"{SUITE} is absent (JSONTestSuite lives in ../shared beside the clone)")


def json_dump(awk: Awk, path: Path, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    env = {"PATH": f"{harness.awk_dir(awk, tmp_path)}:/usr/bin:/bin"}
    return subprocess.run(
        ["dash", str(harness.SHIM), "--json-dump", str(path)],
        env=env,
        capture_output=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def python_dump(path: Path) -> str:
    value = json.loads(path.read_bytes().decode("utf-8"))
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _run_all(awk: Awk, names: list[str], tmp_path: Path) -> dict[str, subprocess.CompletedProcess[bytes]]:
    return {name: json_dump(awk, SUITE / name, tmp_path) for name in names}


@pytest.mark.parametrize("awk", awk_params())
def test_every_y_case_is_accepted_with_python_values(awk: Awk, tmp_path: Path) -> None:
    _require_suite()
    require_awk(awk)
    problems = []
    for name, completed in _run_all(awk, _cases("y_"), tmp_path).items():
        if name in REJECTED_BY_DESIGN:
            if completed.returncode != 1 or b"\\u0000" not in completed.stderr:
                problems.append(f"{name}: expected a refusal naming \\u0000, got {completed.returncode}")
            continue
        if completed.returncode != 0:
            problems.append(f"{name}: rejected ({completed.stderr.decode(errors='replace').strip()})")
            continue
        expected = python_dump(SUITE / name)
        actual = completed.stdout.decode("ascii").rstrip("\n")
        if actual != expected:
            problems.append(f"{name}: {actual!r} != Python's {expected!r}")
    assert not problems, f"{awk.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("awk", awk_params())
def test_every_n_case_is_rejected_with_an_error(awk: Awk, tmp_path: Path) -> None:
    _require_suite()
    require_awk(awk)
    problems = []
    for name, completed in _run_all(awk, _cases("n_"), tmp_path).items():
        if completed.returncode != 1:
            problems.append(f"{name}: exit {completed.returncode}, stdout {completed.stdout[:80]!r}")
        elif b"invalid JSON" not in completed.stderr:
            problems.append(f"{name}: no error message ({completed.stderr[:200]!r})")
    assert not problems, f"{awk.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("awk", awk_params())
def test_i_cases_end_without_hanging_or_crashing(awk: Awk, tmp_path: Path) -> None:
    _require_suite()
    require_awk(awk)
    problems = []
    for name in _cases("i_"):
        try:
            completed = json_dump(awk, SUITE / name, tmp_path)
        except subprocess.TimeoutExpired:
            problems.append(f"{name}: no answer within {TIMEOUT_S} s")
            continue
        if completed.returncode not in (0, 1):
            problems.append(f"{name}: crashed with exit {completed.returncode}: {completed.stderr[:200]!r}")
    assert not problems, f"{awk.name}:\n" + "\n".join(problems)


def test_the_suite_has_the_expected_shape() -> None:
    """Guards against an empty or partial copy making the tests above vacuous."""
    _require_suite()
    assert (len(_cases("y_")), len(_cases("n_")), len(_cases("i_"))) == (95, 188, 35)


@pytest.mark.parametrize("awk", awk_params())
def test_numbers_as_python_prints_them(awk: Awk, tmp_path: Path) -> None:
    require_awk(awk)
    numbers = [
        "1e400", "-1e400", "1e-400", "-1e-400", "-0", "-0.0", "1.50", "1E2", "1e16", "1e15",
        "0.0001", "0.00001", "123456789.12345679", "5e-324", "2.5e-324", "1.7976931348623157e308",
        "1.7976931348623159e308", "0.1", "1e22", "123e-20", "12345678901234567890123456789",
        "-98765432109876543210", "9007199254740993", "0.30000000000000004", "1" + "0" * 330 + ".0",
    ]
    path = tmp_path / "numbers.json"
    path.write_text("[" + ",".join(numbers) + "]", encoding="ascii")
    completed = json_dump(awk, path, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.decode().rstrip("\n") == python_dump(path)


@pytest.mark.parametrize("awk", awk_params())
def test_strings_with_every_escape(awk: Awk, tmp_path: Path) -> None:
    require_awk(awk)
    values = ["a\"b\\c/d\b\f\n\r\t", "é€😀", "\ud83d\ude00", "x\\", "\\\\\"", "'$(touch x)`y`'", "\u2028\u007f"]
    path = tmp_path / "strings.json"
    path.write_text(json.dumps({v: v for v in values}, ensure_ascii=True), encoding="ascii")
    completed = json_dump(awk, path, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.decode().rstrip("\n") == python_dump(path)


def test_deep_nesting_is_refused_cleanly_and_wide_input_is_linear(tmp_path: Path) -> None:
    """100 levels parse; 100000 are refused with a message (not an awk crash, no recursion in
    the parser); a 250 KB string of escapes parses without quadratic copying."""
    awk = harness.DEFAULT_AWK
    require_awk(awk)
    ok = tmp_path / "ok.json"
    ok.write_text('{"a":' * 99 + "[1]" + "}" * 99, encoding="ascii")
    completed = json_dump(awk, ok, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.decode().rstrip("\n") == python_dump(ok)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100000 + "]" * 100000, encoding="ascii")
    completed = json_dump(awk, deep, tmp_path)
    assert completed.returncode == 1
    assert b"nesting deeper than 100 levels" in completed.stderr
    wide = tmp_path / "wide.json"
    wide.write_text(json.dumps(["\\\"" * 60000 + "é" * 20000]), encoding="utf-8")
    completed = json_dump(awk, wide, tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.decode().rstrip("\n") == python_dump(wide)


def _random_doubles(count: int) -> list[float]:
    """Doubles from random bit patterns (every exponent), plus powers of two and their
    neighbours, where the shortest round-trip digits are hardest to find."""
    import math
    import random
    import struct

    rng = random.Random(20261122)
    values: list[float] = []
    while len(values) < count:
        value = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(value):
            values.append(value)
    for exponent in range(-1074, 1024, 7):
        power = math.ldexp(1.0, exponent)
        values += [power, math.nextafter(power, 0.0), math.nextafter(power, math.inf)]
    return values


@pytest.mark.parametrize("awk", awk_params())
def test_random_doubles_print_as_python_repr(awk: Awk, tmp_path: Path) -> None:
    require_awk(awk)
    path = tmp_path / "doubles.json"
    path.write_text(json.dumps(_random_doubles(3000)), encoding="ascii")
    completed = json_dump(awk, path, tmp_path)
    assert completed.returncode == 0, completed.stderr
    actual = json.loads(completed.stdout)
    expected = json.loads(path.read_text())
    mismatches = [(repr(e), a) for e, a in zip(expected, completed.stdout.decode().strip("[]\n").split(",")) if repr(e) != a]
    assert not mismatches, mismatches[:10]
    assert actual == expected


@pytest.mark.parametrize("awk", awk_params())
@pytest.mark.parametrize(
    ("text", "valid"),
    [
        pytest.param('["é€😀 ok", {"ключ": "日本語"}]'.encode(), True, id="valid"),
        pytest.param(b'["\xc3"]', False, id="truncated-sequence"),
        pytest.param(b'["\xed\xa0\x80"]', False, id="encoded-surrogate"),
        pytest.param(b'["\xc0\xaf"]', False, id="overlong"),
        pytest.param(b'{"\xff": 1}', False, id="invalid-byte-in-key"),
        pytest.param(b'["\xf4\x90\x80\x80"]', False, id="beyond-u10ffff"),
    ],
)
def test_strings_must_be_utf8_as_python_reads_the_files(awk: Awk, text: bytes, valid: bool, tmp_path: Path) -> None:
    require_awk(awk)
    path = tmp_path / "text.json"
    path.write_bytes(text)
    completed = json_dump(awk, path, tmp_path)
    if valid:
        assert completed.returncode == 0, completed.stderr
        assert completed.stdout.decode().rstrip("\n") == python_dump(path)
    else:
        assert completed.returncode == 1
        assert b"invalid UTF-8" in completed.stderr
