"""`make mutants`: one-line mutants of the production code, each run against the tests that cover
its module; prints the kill rate per module and every survivor.

A mutant changes one line: a comparison or boolean operator flipped, a constant changed, a
statement removed (`pass` in Python, the line deleted in shim/train). Mutants that do not parse
(Python) are not counted. Each runs in a scratch copy of the repository, against the test files
that import its module or are named after it, then those MODULE_TESTS maps it to, with
`pytest -x`: killed when a test fails, survived when every test passes, undecided (listed, not
in the rates) when the run outlasts --timeout.

    python -m tests.mutants [--sample N] [--budget SECONDS] [--seed S] [--timeout SECONDS] [--direct] [MODULE ...]

--sample draws N mutants per module (seeded); --budget stops starting new mutants after that
many seconds and reports what ran; --direct runs only the importing and namesake test files
where a module has any. It is a report, not a test: `make test` never runs it.
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_SPEC_AND_COMPILER_TESTS = ("tests/compiler", "tests/test_request_rules.py")
_LOCAL_TESTS = ("tests/local",)
_SHIM_TESTS = (
    "tests/shim/test_launch.py", "tests/shim/test_conformance.py", "tests/shim/test_json_parser.py",
    "tests/shim/test_supervisor.py", "tests/shim/test_printable_table.py", "tests/shim/test_process_starts.py",
)  # fmt: skip

# The tests that cover each module (a glob of modules -> test paths); the first match wins.
MODULE_TESTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("aws/java_regex.py", ("tests/test_java_pattern_oracle.py", "tests/test_request_rules.py")),
    ("aws/service_model.py", ("tests/test_request_rules.py", "tests/test_cli_model_parity.py")),
    ("spec/code_tree.py", ("tests/local/test_containment.py", "tests/compiler/test_build_context.py")),
    ("spec/hyperparameter_encoding.py", ("tests/compiler/test_hyperparameter_encoding.py", "tests/local/test_hyperparameter_encoding.py", "tests/sdk")),
    ("spec/*.py", _SPEC_AND_COMPILER_TESTS),
    ("aws/*.py", _SPEC_AND_COMPILER_TESTS),
    ("text/*.py", _SPEC_AND_COMPILER_TESTS),
    ("submit/training.py", ("tests/aws/test_submit.py", "tests/aws/test_job_logs.py")),
    ("submit/connection.py", ("tests/aws/test_submit.py", "tests/aws/test_job_commands.py")),
    ("submit/watch.py", ("tests/aws/test_submit.py", "tests/aws/test_job_logs.py", "tests/aws/test_submit_tuning.py")),
    ("submit/tuning.py", ("tests/aws/test_submit_tuning.py", "tests/tuning")),
    ("submit/job_logs.py", ("tests/aws/test_job_logs.py",)),
    ("submit/job_commands.py", ("tests/aws/test_job_commands.py",)),
    ("submit/image_guard.py", ("tests/aws/test_image_guard.py", "tests/aws/test_submit.py")),
    ("local/*.py", _LOCAL_TESTS),
    ("cli/starter.py", ("tests/compiler/test_starter.py",)),
    ("cli/*.py", _SPEC_AND_COMPILER_TESTS),
    ("compiler/*.py", _SPEC_AND_COMPILER_TESTS),
    ("shim/train", _SHIM_TESTS),
)
DEFAULT_MODULES = ("text/*.py", "aws/*.py", "spec/*.py", "compiler/*.py", "local/*.py", "submit/*.py", "cli/*.py", "shim/train")
MUTANT_TIMEOUT_S = 120  # past this a run is "undecided": a loop forever, or a slow machine

# (pattern, replacement) pairs tried on each line; each match position gives one mutant.
PYTHON_SWAPS = (
    (r" == ", " != "), (r" != ", " == "), (r" <= ", " < "), (r" >= ", " > "), (r" < ", " <= "), (r" > ", " >= "),
    (r" is not ", " is "), (r" is None", " is not None"), (r" not in ", " in "), (r" in (?!range)", " not in "),
    (r" and ", " or "), (r" or ", " and "), (r"\bTrue\b", "False"), (r"\bFalse\b", "True"),
    (r"(?<![\w.])(\d+)(?![\w.])", None), (r"\bnot ", ""),
)  # fmt: skip
SHELL_SWAPS = (
    (r" -eq ", " -ne "), (r" -ne ", " -eq "), (r" -lt ", " -ge "), (r" -gt ", " -le "), (r" -le ", " -gt "),
    (r" -ge ", " -lt "), (r" = ", " != "), (r" != ", " = "), (r" == ", " != "), (r" && ", " || "), (r" \|\| ", " && "),
    (r" < ", " <= "), (r" > ", " >= "), (r" <= ", " < "), (r" >= ", " > "), (r"\breturn 1\b", "return 0"),
    (r"(?<![\w.$-])(\d+)(?![\w.])", None), (r" -[fdexs] ", " -n "),
)  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    module: str
    line: int  # 1-based
    original: str
    mutated: str | None  # None: the line is removed

    def describe(self) -> str:
        after = "(line removed)" if self.mutated is None else self.mutated.strip()
        return f"{self.module}:{self.line}: {self.original.strip()}  ->  {after}"


TIMEOUT_S: float = MUTANT_TIMEOUT_S
DIRECT_ONLY = False  # --direct: only the test files that import the module, where there are any


def tests_for(module: str) -> tuple[str, ...]:
    """The test files that import the module first (a mutant they kill dies in seconds), then
    the module's mapped tests (pytest collects a file named twice only once)."""
    for pattern, tests in MODULE_TESTS:
        if Path(module).match(pattern) and module.count("/") == pattern.count("/"):
            direct = importers_of(module)
            if DIRECT_ONLY and direct:
                return tuple(direct)
            return (*(test for test in direct if test not in tests), *tests)
    raise SystemExit(f"no tests mapped for {module}: add it to MODULE_TESTS")


def importers_of(module: str) -> list[str]:
    """Test files named after a Python module (test_durations.py) or that import it by its package
    name (`sagemaker_byoc.spec.durations`, or `from sagemaker_byoc.spec import durations`)."""
    if not module.endswith(".py"):
        return []
    package, _, name = module.removesuffix(".py").replace("/", ".").rpartition(".")
    imports = re.compile(
        rf"sagemaker_byoc\.{re.escape(package)}\.{re.escape(name)}\b"
        rf"|from sagemaker_byoc\.{re.escape(package)} import [^\n]*\b{re.escape(name)}\b"
    )
    found = []
    for path in sorted((REPO / "tests").rglob("test_*.py")):
        if path.name == f"test_{name}.py" or imports.search(path.read_text(encoding="utf-8")):
            found.append(str(path.relative_to(REPO)))
    return found


def _swapped(line: str, swaps) -> list[str]:
    found = []
    for pattern, replacement in swaps:
        for match in re.finditer(pattern, line):
            if replacement is None:  # a number: off by one
                new = str(int(match.group(1)) + 1)
            else:
                new = replacement
            found.append(line[: match.start()] + new + line[match.end() :])
    return found


def _code_lines(text: str, python: bool):
    """(1-based number, line) of lines worth mutating: not blank, not comments, not docstrings
    (a string alone as a statement, found by the parser: the lines that only read as text)."""
    prose: set[int] = set()
    if python:
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                prose.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        stripped = line.strip()
        if number in prose or not stripped or stripped.startswith("#"):
            continue
        if python and stripped.startswith(("import ", "from ", "@", "def ", "class ", "else:", "try:", "finally:")):
            continue
        yield number, line


def mutants_of(module: str) -> list[Mutant]:
    text = (REPO / module).read_text(encoding="utf-8")
    python = module.endswith(".py")
    lines = text.splitlines(keepends=True)
    found: list[Mutant] = []
    for number, line in _code_lines(text, python):
        candidates: list[str | None] = list(_swapped(line, PYTHON_SWAPS if python else SHELL_SWAPS))
        if python:
            indent = line[: len(line) - len(line.lstrip())]
            candidates.append(f"{indent}pass\n")
        else:
            candidates.append(None)
        for candidate in dict.fromkeys(candidates):
            if candidate == line:
                continue
            if python:
                changed = "".join(lines[: number - 1] + [candidate] + lines[number:])
                try:
                    compile(changed, module, "exec")
                except SyntaxError:
                    continue
            found.append(Mutant(module, number, line, candidate))
    return found


def scratch_copy() -> Path:
    """The tracked files (and the virtualenvs, linked) in a temporary directory."""
    root = Path(tempfile.mkdtemp(prefix="mutants."))
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, tracked):
        source = REPO / name.decode()
        target = root / name.decode()
        if source.is_symlink():  # a link stays a link, so that what it points to is the mutated copy
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(os.readlink(source))
        elif source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for linked in (".venv", ".oracle", ".tf"):
        if (REPO / linked).exists():
            (root / linked).symlink_to((REPO / linked).resolve())
    return root


def _pytest(root: Path, module: str, *options: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:xdist", *options, *tests_for(module)],
        cwd=root, env={**os.environ, "PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True, timeout=TIMEOUT_S, check=False,
    )  # fmt: skip


def check_unmutated(root: Path, module: str) -> None:
    """The unmutated copy must pass the module's tests: a test that fails without a mutant (an
    import that fails in the scratch copy, a stale golden record, a flaky test) would count
    every mutant as killed."""
    try:
        completed = _pytest(root, module)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"the tests of {module} outrun --timeout unmutated; raise it") from None
    if completed.returncode != 0:
        raise SystemExit(f"the tests of {module} fail in the scratch copy without a mutant:\n{completed.stdout.decode()[-2000:]}")


def run_mutant(root: Path, mutant: Mutant) -> tuple[str, float]:
    """("killed", "survived" or "undecided", seconds)."""
    path = root / mutant.module
    original = path.read_bytes()
    lines = original.decode().splitlines(keepends=True)
    lines[mutant.line - 1 : mutant.line] = [] if mutant.mutated is None else [mutant.mutated]
    path.write_text("".join(lines), encoding="utf-8")
    started = time.monotonic()
    try:
        killed = "killed" if _pytest(root, mutant.module).returncode != 0 else "survived"
    except subprocess.TimeoutExpired:
        killed = "undecided"
    finally:
        path.write_bytes(original)
    return killed, time.monotonic() - started


def expand(patterns: list[str]) -> list[str]:
    modules = []
    for pattern in patterns:
        matches = sorted(
            str(p.relative_to(REPO)) for p in REPO.glob(pattern) if p.name != "__init__.py" and p.name != "__main__.py"
        )
        modules.extend(m for m in matches if m not in modules)
    return modules


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=list(DEFAULT_MODULES))
    parser.add_argument("--sample", type=int, default=0, help="mutants drawn per module (0: all)")
    parser.add_argument("--budget", type=float, default=0, help="seconds after which no new mutant starts (0: none)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--timeout", type=float, default=MUTANT_TIMEOUT_S, help="seconds a mutant's tests may run")
    parser.add_argument("--direct", action="store_true", help="only the test files that import the module, where any do")
    args = parser.parse_args(argv)
    global DIRECT_ONLY, TIMEOUT_S
    DIRECT_ONLY, TIMEOUT_S = args.direct, args.timeout

    plan: list[tuple[str, list[Mutant], int]] = []
    for module in expand(args.modules):
        every = mutants_of(module)
        chosen = random.Random(f"{args.seed}:{module}").sample(every, min(args.sample, len(every))) if args.sample else every
        plan.append((module, sorted(chosen, key=lambda m: m.line), len(every)))
    total = sum(len(chosen) for _, chosen, _ in plan)
    print(f"{total} mutants in {len(plan)} modules" + (f" (a sample of {args.sample} per module)" if args.sample else ""))

    root = scratch_copy()
    started = time.monotonic()
    results: list[tuple[str, int, int, int, list[Mutant]]] = []
    all_undecided: list[Mutant] = []
    try:
        for module, chosen, existing in plan:
            killed, survivors, ran, undecided = 0, [], 0, []
            if chosen:
                check_unmutated(root, module)
            for mutant in chosen:
                if args.budget and time.monotonic() - started > args.budget:
                    break
                outcome, seconds = run_mutant(root, mutant)
                if outcome == "undecided":  # neither a kill nor a survivor: not in the rate
                    undecided.append(mutant)
                else:
                    ran += 1
                    killed += outcome == "killed"
                    if outcome == "survived":
                        survivors.append(mutant)
                print(
                    f"  {outcome.upper() if outcome != 'killed' else outcome:9} {seconds:6.1f}s  {mutant.describe()}", flush=True
                )
            results.append((module, existing, ran, killed, survivors))
            all_undecided.extend(undecided)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print(f"\nkill rate per module ({time.monotonic() - started:.0f}s):")
    for module, existing, ran, killed, _ in results:
        rate = f"{100 * killed / ran:5.1f} %" if ran else "    - "
        print(f"  {module:32} {rate}  {killed:3}/{ran:<3} run of {existing} mutants")
    all_ran = sum(r[2] for r in results)
    all_killed = sum(r[3] for r in results)
    if all_ran:
        print(f"  {'all':32} {100 * all_killed / all_ran:5.1f} %  {all_killed:3}/{all_ran:<3}")
    survivors = [mutant for result in results for mutant in result[4]]
    print(f"\nsurvivors ({len(survivors)}):")
    for mutant in survivors:
        print(f"  {mutant.describe()}")
    if all_undecided:
        print(f"\nundecided, past the {TIMEOUT_S:.0f} s limit (not in the rates) ({len(all_undecided)}):")
        for mutant in all_undecided:
            print(f"  {mutant.describe()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
