"""Build /opt/ml-like trees and run AWS's toolkit `train` or our `shim/train` on them.

A `Job` describes one training container's inputs: the three config files, the entry point and
the extra environment. `build` writes it under a directory; `run_toolkit` and `run_shim` start
the real programs on such a tree, with `SAGEMAKER_BASE_DIR` pointing at it and the DNS wait
skipped. The entry point is a small Python program that dumps its argv, environment and cwd as
JSON, so both runs can be compared value by value (`differences`).

The toolkit is the oracle: it lives in its own virtualenv, `.oracle/` (`make oracle`), and is
never a dependency of the project.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
# SHIM_UNDER_TEST points the tests at another copy (e.g. a candidate, or the toolkit itself to
# check the harness).
SHIM = Path(os.environ.get("SHIM_UNDER_TEST", REPO_ROOT / "shim" / "train"))
ORACLE_DIR = REPO_ROOT / ".oracle"
ORACLE_TRAIN = ORACLE_DIR / "bin" / "train"
ORACLE_PYTHON = ORACLE_DIR / "bin" / "python"

# Linux refuses to exec with one "NAME=value" string longer than this, NUL included
# (MAX_ARG_STRLEN, 32 pages).
MAX_ENV_STRING = 131072

# Variables outside SM_* that the toolkit sets and the shim must set the same way.
SIDE_VARIABLES = ("CURRENT_HOST", "SAGEMAKER_JOB_NAME", "SAGEMAKER_REGION")

# Passed through from the parent environment: shows that the child inherits it.
INHERITED_MARKER = ("HARNESS_INHERITED", "kept from the parent")

RUN_TIMEOUT_S = 120


class _Missing:
    """Marks a config file that must not be written."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()

DEFAULT_RESOURCECONFIG = {"current_host": "algo-1", "hosts": ["algo-1"]}


@dataclass
class Job:
    """One container's inputs.

    Each config file is a dict or list (written as JSON), a str or bytes (written verbatim, for
    malformed or order-sensitive text), or MISSING.
    """

    hyperparameters: Any = field(default_factory=dict)
    inputdataconfig: Any = field(default_factory=dict)
    resourceconfig: Any = field(default_factory=lambda: dict(DEFAULT_RESOURCECONFIG))
    # File name of the dump entry point in <base>/code; None writes no entry point.
    program: str | None = "train.py"
    # Export SAGEMAKER_PROGRAM=<program>; turn off when a hyperparameter names the program.
    program_in_env: bool = True
    env: dict[str, str] = field(default_factory=dict)
    # The dump entry point exits with this status after writing its dump.
    exit_code: int = 0
    # Write config JSON with \uXXXX escapes instead of raw UTF-8.
    ensure_ascii: bool = False
    # Executables put on PATH (name -> sh script body), e.g. a fake nvidia-smi.
    fake_commands: dict[str, str] = field(default_factory=dict)
    # Use a no-op executable instead of the dump program (benchmarks).
    noop: bool = False


@dataclass
class Tree:
    """A job written to disk."""

    root: Path
    base: Path
    dump: Path
    bin_dir: Path
    home: Path


@dataclass
class Outcome:
    """What one run of `train` did."""

    exit_code: int
    launched: bool
    argv: list[str] | None
    cmdline: list[str] | None
    env: dict[str, str] | None
    cwd: str | None
    failure: str | None
    success: bool
    stdout: str
    stderr: str
    base: str

    def describe(self) -> str:
        """A short summary for assertion messages."""
        failure = self.failure if self.failure is None else self.failure[:300]
        return (
            f"exit {self.exit_code}, launched={self.launched}, success file={self.success}, "
            f"failure file={failure!r}\n--- stderr (last 1500 chars) ---\n{self.stderr[-1500:]}"
        )


# ---------------------------------------------------------------------------------------------
# Shells and awks


@dataclass(frozen=True)
class Shell:
    """How to start shim/train under one shell in its POSIX mode."""

    name: str
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()

    def available(self) -> bool:
        return shutil.which(self.argv[0]) is not None


@dataclass(frozen=True)
class Awk:
    """One awk implementation, put first on PATH as `awk`."""

    name: str
    binary: str  # the file the `awk` symlink points to (busybox dispatches on the link's name)

    def path(self) -> str | None:
        return shutil.which(self.binary)

    def available(self) -> bool:
        return self.path() is not None


def _ksh() -> Shell:
    # Debian ships ksh93u+m as /usr/bin/ksh93; older systems only have `ksh`.
    if shutil.which("ksh93"):
        return Shell("ksh93 --posix", ("ksh93", "--posix"))
    return Shell("ksh --posix", ("ksh", "--posix"))


SHELLS: tuple[Shell, ...] = (
    Shell("dash", ("dash",)),
    Shell("bash --posix", ("bash", "--posix")),
    Shell("busybox sh", ("busybox", "sh")),
    Shell("mksh -o posix", ("mksh", "-o", "posix")),
    # yash rejects non-ASCII bytes outside a UTF-8 locale (reference posix-sh.md §2).
    Shell("yash --posix", ("yash", "--posix"), (("LC_ALL", "C.UTF-8"),)),
    Shell("zsh --emulate sh", ("zsh", "--emulate", "sh")),
    _ksh(),
    Shell("posh", ("posh",)),
)

AWKS: tuple[Awk, ...] = (
    Awk("mawk", "mawk"),
    Awk("gawk", "gawk"),
    Awk("busybox awk", "busybox"),
    Awk("original-awk", "original-awk"),
)

DEFAULT_SHELL = SHELLS[0]
DEFAULT_AWK = AWKS[0]


def shell_named(name: str) -> Shell:
    return next(shell for shell in SHELLS if shell.name == name)


def awk_named(name: str) -> Awk:
    return next(awk for awk in AWKS if awk.name == name)


# ---------------------------------------------------------------------------------------------
# Building trees

DUMP_PROGRAM = """\
import json
import os
import sys

# Written by the test harness: record how this entry point was started.
with open("/proc/self/cmdline", "rb") as cmdline_file:
    cmdline = [os.fsdecode(arg) for arg in cmdline_file.read().split(b"\\0")[:-1]]
dump = {{
    "argv": sys.argv,
    "cmdline": cmdline,
    "env": {{os.fsdecode(k): os.fsdecode(v) for k, v in os.environb.items()}},
    "cwd": os.getcwd(),
}}
with open({dump_path!r}, "w", encoding="ascii") as dump_file:
    json.dump(dump, dump_file, ensure_ascii=True)
sys.exit({exit_code})
"""


def _config_text(content: Any, ensure_ascii: bool) -> bytes:
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode("utf-8")
    return json.dumps(content, ensure_ascii=ensure_ascii).encode("utf-8")


def _write_executable(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)


def build(job: Job, root: Path) -> Tree:
    """Write `job` under `root` (which must not exist yet) and return where things are."""
    base = root / "ml"
    config_dir = base / "input" / "config"
    config_dir.mkdir(parents=True)
    (base / "code").mkdir()
    (base / "model").mkdir()
    (base / "output" / "data").mkdir(parents=True)
    home = root / "home"
    home.mkdir()
    bin_dir = root / "bin"
    bin_dir.mkdir()

    dump = root / "dump.json"
    tree = Tree(root=root, base=base, dump=dump, bin_dir=bin_dir, home=home)
    rewrite_configs(tree, job)

    if isinstance(job.inputdataconfig, dict):
        for channel in job.inputdataconfig:
            channel_dir = base / "input" / "data" / channel
            if "/" not in channel and channel not in ("", ".", ".."):
                channel_dir.mkdir(parents=True, exist_ok=True)

    if job.program is not None:
        entry = base / "code" / job.program
        entry.parent.mkdir(parents=True, exist_ok=True)
        if job.noop:
            shutil.copy2("/bin/true", entry)
        else:
            program = DUMP_PROGRAM.format(dump_path=str(dump), exit_code=job.exit_code)
            if not job.program.endswith(".py"):
                program = f"#!{_python()}\n" + program
            _write_executable(entry, program)

    # The shim starts `.py` entry points with `python3` from PATH.
    os.symlink(_python(), bin_dir / "python3")
    for name, body in job.fake_commands.items():
        _write_executable(bin_dir / name, "#!/bin/sh\n" + body)
    return tree


def _python() -> str:
    """A plain interpreter (not a virtualenv's) for the dump entry point."""
    return os.path.realpath(sys.executable)


def awk_dir(awk: Awk, root: Path) -> Path:
    """A directory holding only an `awk` symlink to the chosen implementation."""
    directory = root / ("awk-" + awk.name.replace(" ", "-"))
    if not directory.exists():
        directory.mkdir(parents=True)
        target = awk.path()
        if target is None:
            raise RuntimeError(f"{awk.name} is not installed")
        os.symlink(target, directory / "awk")
    return directory


def environment(tree: Tree, job: Job, awk: Awk | None = None) -> dict[str, str]:
    """The environment `train` starts with: minimal, controlled, the same for both programs."""
    path = [str(tree.bin_dir), "/usr/local/bin", "/usr/bin", "/bin"]
    if awk is not None:
        path.insert(0, str(awk_dir(awk, tree.root)))
    env = {
        "PATH": ":".join(path),
        "HOME": str(tree.home),
        "SAGEMAKER_BASE_DIR": str(tree.base),
        "SM_STUDIO_LOCAL_MODE": "true",
        INHERITED_MARKER[0]: INHERITED_MARKER[1],
    }
    if job.program is not None and job.program_in_env:
        env["SAGEMAKER_PROGRAM"] = job.program
    env.update(job.env)
    return env


# ---------------------------------------------------------------------------------------------
# Running


def _outcome(tree: Tree, completed: subprocess.CompletedProcess[bytes]) -> Outcome:
    """Read what the run left in the tree."""
    dump: dict[str, Any] = {}
    if tree.dump.exists():
        dump = json.loads(tree.dump.read_text(encoding="ascii"))
    failure_file = tree.base / "output" / "failure"
    failure = None
    if failure_file.exists():
        failure = failure_file.read_bytes().decode("utf-8", "replace")
    return Outcome(
        exit_code=completed.returncode,
        launched=bool(dump),
        argv=dump.get("argv"),
        cmdline=dump.get("cmdline"),
        env=dump.get("env"),
        cwd=dump.get("cwd"),
        failure=failure,
        success=(tree.base / "output" / "success").exists(),
        stdout=completed.stdout.decode("utf-8", "replace"),
        stderr=completed.stderr.decode("utf-8", "replace"),
        base=str(tree.base),
    )


def _run(argv: list[str], env: dict[str, str], tree: Tree) -> Outcome:
    # Output goes to files, not pipes: the run is over when `train` exits, even if something it
    # started still holds its stdout (test_conformance.py checks that separately).
    with open(tree.root / "stdout", "w+b") as stdout, open(tree.root / "stderr", "w+b") as stderr:
        process = subprocess.run(
            argv,
            env=env,
            cwd=tree.root,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )
        stdout.seek(0)
        stderr.seek(0)
        completed = subprocess.CompletedProcess(argv, process.returncode, stdout.read(), stderr.read())
    return _outcome(tree, completed)


def oracle_available() -> bool:
    return ORACLE_TRAIN.exists()


def run_toolkit(job: Job, root: Path) -> Outcome:
    """Run the real toolkit `train` on a fresh copy of `job` under `root`."""
    tree = build(job, root)
    return _run([str(ORACLE_TRAIN)], environment(tree, job), tree)


def shim_command(shell: Shell) -> list[str]:
    return [*shell.argv, str(SHIM)]


def run_shim(job: Job, root: Path, shell: Shell = DEFAULT_SHELL, awk: Awk = DEFAULT_AWK) -> Outcome:
    """Run shim/train under `shell` with `awk` first on PATH, on a fresh copy of `job`."""
    return rerun_shim(build(job, root), job, shell, awk)


def rerun_shim(tree: Tree, job: Job, shell: Shell = DEFAULT_SHELL, awk: Awk = DEFAULT_AWK) -> Outcome:
    """Run shim/train on an existing tree, after removing what an earlier run left."""
    for leftover in (tree.dump, tree.base / "output" / "success", tree.base / "output" / "failure"):
        leftover.unlink(missing_ok=True)
    env = environment(tree, job, awk)
    env.update(shell.env)
    return _run(shim_command(shell), env, tree)


def rewrite_configs(tree: Tree, job: Job) -> None:
    """Replace the tree's three config files with `job`'s."""
    config_dir = tree.base / "input" / "config"
    files = {
        "hyperparameters.json": job.hyperparameters,
        "inputdataconfig.json": job.inputdataconfig,
        "resourceconfig.json": job.resourceconfig,
    }
    for name, content in files.items():
        (config_dir / name).unlink(missing_ok=True)
        if content is not MISSING:
            (config_dir / name).write_bytes(_config_text(content, job.ensure_ascii))


# ---------------------------------------------------------------------------------------------
# The toolkit's values without launching anything (for jobs the toolkit cannot launch)

ORACLE_VALUES_PROGRAM = """\
import json
import os
import sys

from sagemaker_training import environment

env = environment.Environment()
values = env.to_env_vars()
for name in {side!r}:
    values[name] = os.environ.get(name, "")
json.dump(
    {{"env": values, "args": env.to_cmd_args(), "entry_point": env.user_entry_point}},
    sys.stdout,
    ensure_ascii=True,
)
"""


@dataclass
class Expected:
    """The toolkit's environment additions and argv for a tree, computed by its own functions."""

    env: dict[str, str]
    argv: list[str]
    base: str


def toolkit_values(job: Job, root: Path) -> Expected:
    """What the toolkit would export and pass, from its Python API in the oracle virtualenv.

    The real `train` cannot launch anything at the API maxima (E2BIG), but these are the values
    it computes before it tries.
    """
    tree = build(job, root)
    completed = subprocess.run(
        [str(ORACLE_PYTHON), "-c", ORACLE_VALUES_PROGRAM.format(side=SIDE_VARIABLES)],
        env=environment(tree, job),
        cwd=tree.root,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError("the toolkit's Python API failed:\n" + completed.stderr.decode(errors="replace"))
    values = json.loads(completed.stdout)
    return Expected(env=values["env"], argv=[values["entry_point"], *values["args"]], base=str(tree.base))


# ---------------------------------------------------------------------------------------------
# Comparing


def is_compared(name: str) -> bool:
    """Variables that must be identical: every SM_* plus the toolkit's side variables."""
    return name.startswith("SM_") or name in SIDE_VARIABLES


# Variables of the harness's own environment that the toolkit leaves alone.
HARNESS_ONLY = frozenset({"SM_STUDIO_LOCAL_MODE"})


def contract_view(env: dict[str, str], base: str) -> dict[str, str]:
    """The compared variables, with the tree's base directory written as <base>."""
    return {name: value.replace(base, "<base>") for name, value in env.items() if is_compared(name) and name not in HARNESS_ONLY}


def _first_difference(left: str, right: str) -> int:
    for index, (a, b) in enumerate(zip(left, right)):
        if a != b:
            return index
    return min(len(left), len(right))


def describe_value_difference(name: str, expected: str, actual: str) -> str:
    """Both values, and for long ones the neighbourhood of the first differing character."""
    if len(expected) + len(actual) <= 400:
        return f"  {name}:\n    toolkit: {expected!r}\n    shim:    {actual!r}"
    at = _first_difference(expected, actual)
    start = max(0, at - 60)
    return (
        f"  {name} (lengths {len(expected)} vs {len(actual)}, first difference at character {at}):\n"
        f"    toolkit: …{expected[start : at + 80]!r}\n"
        f"    shim:    …{actual[start : at + 80]!r}"
    )


def env_differences(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    problems = []
    for name in sorted(expected.keys() - actual.keys()):
        problems.append(f"  {name}: missing in the shim's environment (toolkit: {expected[name][:200]!r})")
    for name in sorted(actual.keys() - expected.keys()):
        problems.append(f"  {name}: set by the shim only ({actual[name][:200]!r})")
    for name in sorted(expected.keys() & actual.keys()):
        if expected[name] != actual[name]:
            problems.append(describe_value_difference(name, expected[name], actual[name]))
    return problems


def argv_differences(expected: list[str], actual: list[str]) -> list[str]:
    if expected == actual:
        return []
    problems = [f"  argv lengths: toolkit {len(expected)}, shim {len(actual)}"]
    for index in range(max(len(expected), len(actual))):
        left = expected[index] if index < len(expected) else "<absent>"
        right = actual[index] if index < len(actual) else "<absent>"
        if left != right:
            problems.append(describe_value_difference(f"argv[{index}]", left, right))
            if len(problems) > 8:
                problems.append("  …")
                break
    return problems


def differences(toolkit: Outcome, shim: Outcome) -> list[str]:
    """Everything in which the shim's launch differs from the toolkit's (empty when equal)."""
    if not toolkit.launched:
        raise AssertionError("the toolkit did not launch the entry point: " + toolkit.describe())
    if not shim.launched:
        return ["  the shim did not launch the entry point: " + shim.describe()]
    assert toolkit.env is not None and shim.env is not None
    assert toolkit.argv is not None and shim.argv is not None
    problems = env_differences(contract_view(toolkit.env, toolkit.base), contract_view(shim.env, shim.base))
    problems += argv_differences(toolkit.argv, shim.argv)
    toolkit_cwd = (toolkit.cwd or "").replace(toolkit.base, "<base>")
    shim_cwd = (shim.cwd or "").replace(shim.base, "<base>")
    if toolkit_cwd != shim_cwd:
        problems.append(f"  cwd:\n    toolkit: {toolkit_cwd!r}\n    shim:    {shim_cwd!r}")
    return problems


def assert_same_launch(toolkit: Outcome, shim: Outcome, label: str = "") -> None:
    problems = differences(toolkit, shim)
    if problems:
        heading = f"the shim's launch differs from the toolkit's{' (' + label + ')' if label else ''}:"
        raise AssertionError("\n".join([heading, *problems, "--- shim stderr ---", shim.stderr[-1500:]]))


def assert_same_failure(toolkit: Outcome, shim: Outcome, label: str = "") -> None:
    """Both refuse the job: same exit status, a failure file, no entry point started."""
    where = f" ({label})" if label else ""
    if toolkit.exit_code == 0:
        raise AssertionError(f"the toolkit unexpectedly succeeded{where}: " + toolkit.describe())
    problems = []
    if shim.exit_code != toolkit.exit_code:
        problems.append(f"  exit status: toolkit {toolkit.exit_code}, shim {shim.exit_code}")
    if shim.launched:
        problems.append("  the shim launched the entry point")
    if not shim.failure:
        problems.append("  the shim wrote no (or an empty) output/failure file")
    if shim.success:
        problems.append("  the shim wrote output/success")
    if problems:
        raise AssertionError("\n".join([f"the shim does not fail like the toolkit{where}:", *problems, shim.describe()]))


# ---------------------------------------------------------------------------------------------
# A long-lived oracle for property tests: one interpreter start for many examples


ORACLE_SERVER_PROGRAM = """\
import json
import os
import sys

from sagemaker_training import environment

initial = dict(os.environ)
for request in sys.stdin:
    os.environ.clear()
    os.environ.update(initial)
    try:
        env = environment.Environment()
        values = env.to_env_vars()
        for name in {side!r}:
            values[name] = os.environ.get(name, "")
        # Assigning to os.environ refuses what `train` refuses: "=" in a name, NUL anywhere.
        environment.write_env_vars(dict(values))
        reply = {{"ok": True, "env": values, "args": env.to_cmd_args(), "entry_point": env.user_entry_point}}
    except Exception as error:  # the real `train` fails on the same exceptions
        reply = {{"ok": False, "error": repr(error)}}
    sys.stdout.write(json.dumps(reply, ensure_ascii=True) + "\\n")
    sys.stdout.flush()
"""


class OracleServer:
    """The toolkit's `Environment` in one long-lived process, re-reading a fixed tree on request.

    Its paths are fixed at import (toolkit-contract.md §1), so the tree's location never changes;
    rewrite the config files between requests. The values equal what the real `train` exports
    (test_conformance.py checks that on real launches).
    """

    def __init__(self, tree: Tree, job: Job) -> None:
        self.tree = tree
        self.process = subprocess.Popen(
            [str(ORACLE_PYTHON), "-c", ORACLE_SERVER_PROGRAM.format(side=SIDE_VARIABLES)],
            env=environment(tree, job),
            cwd=tree.root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="ascii",
        )

    def values(self) -> Expected | str:
        """The toolkit's values for the tree as it is now, or its error text."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the oracle server died")
        reply = json.loads(line)
        if not reply["ok"]:
            return str(reply["error"])
        return Expected(env=reply["env"], argv=[reply["entry_point"], *reply["args"]], base=str(self.tree.base))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)
