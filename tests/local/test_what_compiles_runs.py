"""What compiles, runs: the contract's property (spec/contract.py), end to end.

Hypothesis draws whole jobs, mostly ordinary and now and then hostile: entry points with odd
names, hyperparameter and channel names that differ only in case (`lr`/`LR`, `ß`/`SS`), the
toolkit's reserved names, `=` and NUL, values with `#`, `\\u0000` or deep nesting, the escape
hatch's raw HyperParameters and Environment, and tuning ranges. Each job has exactly one of two
outcomes, never a third:

- refused: the compiler reports errors, each at a job.yaml line (`job.yaml:LINE:COL: error:`),
  and writes nothing; or
- it runs: run-local (the real shim, here) starts the entry point, which receives what job.yaml
  says, as the toolkit formats it: every hyperparameter as `--name value` and SM_HP_<NAME>,
  every channel as SM_CHANNEL_<NAME> holding its data; and AWS's toolkit itself
  (`make oracle`), started on the same run directory, gives the entry point the same argv and
  SM_* environment.

`sagemaker_submit_directory` is left out: its value names a path inside the image, which the
compiler cannot see (examples/script-from-channel runs it). MPI worker ranks are covered by
tests/shim/test_mpi_two_hosts.py, through a real sshd and pam_env.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.local import LocalOptions, run_local
from sagemaker_byoc.local.trials import run_trials
from sagemaker_byoc.spec import SpecError, contract
from sagemaker_byoc.spec.hyperparameter_encoding import encode
from tests.tools import require_tool

from . import contract as toolkit
from .jobs import REPO_ROOT, job_document

ORACLE_TRAIN = REPO_ROOT / ".oracle" / "bin" / "train"

# The entry point records how it was started. A shebang and the executable bit let it run as a
# command too (train.sh, run), as the toolkit runs names that do not end in .py.
DUMP = """\
#!/usr/bin/env python3
import json, os, sys
dump = {"program": os.path.realpath(sys.argv[0]), "argv": sys.argv[1:], "env": dict(os.environ)}
with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "dump.json"), "w", encoding="utf-8") as f:
    json.dump(dump, f)
print("loss: 0.25")
"""

# ---------------------------------------------------------------------------------- strategies

def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, each as often as its weight says (sampled_from picks evenly, where
    integers() would favour its bounds); shrinking goes to the first."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(table).flatmap(lambda strategy: strategy)


def sometimes(one_in: int) -> st.SearchStrategy[bool]:
    return st.sampled_from(range(one_in)).map(lambda index: index == one_in - 1)


BMP = st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",))
PLAIN = st.from_regex(r"[a-z][a-z0-9_-]{0,7}", fullmatch=True)
RESERVED = sorted({*contract.RESERVED_HYPERPARAMETERS, *contract.OWNED, *contract.SETTINGS} - {"sagemaker_submit_directory"})
ODD_NAMES = ["ß", "SS", "ss", "a=b", "x\0", "my-rate", "dotted.key", "ключ", "ﬁle", "FILE", "e\x1b[8m", "sagemaker_other", "b", ""]
NAMES = weighted(
    (12, PLAIN), (1, PLAIN.map(str.upper)), (2, st.sampled_from(RESERVED)), (2, st.sampled_from(ODD_NAMES)), (1, st.text(BMP, min_size=1, max_size=6))
)

ODD_TEXT = ["#ff0000", "a # b", '"quoted"', "\\u0000", "a\nb", "007", "NaN", "[1, 2", " 5 ", "true", "x\0y", "s3://bucket/k"]
TEXT = weighted((4, st.text(BMP, max_size=10)), (1, st.sampled_from(ODD_TEXT)))
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.floats(allow_nan=False, allow_infinity=False, width=32), TEXT
)
NESTED = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=6)


def _nest(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


VALUES = weighted((12, NESTED), (1, st.integers(99, 101).map(_nest)))
CATEGORIES = st.one_of(st.booleans(), st.integers(-(10**6), 10**6), TEXT)  # what a categorical range holds
SETTING_VALUES = st.sampled_from([20, 10, "20", "x", 1.5, True, False, None, [1], 3, 0, -1, "s3://bucket/code.tar.gz", "eu-west-1"])

# Raw strings under request: HyperParameters, as the hatch sends them: decoded by train.
RAW = weighted(
    (2, st.text(BMP, max_size=10)),
    (1, st.sampled_from(['["\\u0000"]', '{"a": "\\u0000"}', "[" * 101 + "]" * 101, "[" * 101, '"x"', "5", "[1, 2]", "#x", "20", '"20"'])),
)

ENTRY_POINTS = weighted(
    (8, st.just("train.py")),
    (2, st.sampled_from(["bin/train.py", "train.sh", "run", ".hidden.py", "a+b-c.py", "my train.py", "-x.py", "a/../train.py",
                         "./train.py", "ü.py", "a$b.py", "sub\\train.py", "a//b.py", "x\ny.py", "/abs.py"])),
    (1, st.text(st.sampled_from("ab._-+/ $ü"), min_size=1, max_size=6).map(lambda name: name + ".py")),
)  # fmt: skip

# hyperparameter_encoding: left out (framework) or one of the SDK's three.
ENCODINGS = st.sampled_from([None, "framework", "estimator", "model_trainer"])

CHANNEL_NAMES = weighted(
    (6, st.sampled_from(["train", "validation", "test-set", "a.b", "x_y"])), (1, st.sampled_from(["Train", "TRAIN", ".", "..", "ß"]))
)


@st.composite
def hyperparameters(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(NAMES, max_size=6, unique=True))
    if names and draw(sometimes(5)):
        twin = draw(st.sampled_from(names))  # a name that differs only in case, now and then
        names.append(draw(st.sampled_from([twin.upper(), twin.lower(), twin.swapcase()])))
    return {name: draw(SETTING_VALUES if name in contract.SETTINGS else VALUES) for name in dict.fromkeys(names)}


@st.composite
def jobs(draw: st.DrawFn) -> dict[str, Any]:
    document = job_document(entry_point=draw(ENTRY_POINTS), hyperparameters=draw(hyperparameters()))
    encoding = draw(ENCODINGS)
    if encoding is not None:
        document["hyperparameter_encoding"] = encoding
    channels = draw(st.lists(CHANNEL_NAMES, min_size=1, max_size=3, unique=True))
    document["inputs"] = {name: {"s3": f"s3://example-bucket/c{i}/", "local": f"data/c{i}"} for i, name in enumerate(channels)}
    if draw(sometimes(5)):
        document["request"] = {"HyperParameters": draw(st.dictionaries(NAMES, RAW, min_size=1, max_size=2))}
    if draw(sometimes(10)):
        document["environment"] = draw(
            st.sampled_from([{"SAGEMAKER_PROGRAM": "other.py"}, {"SAGEMAKER_CONTAINER_LOG_LEVEL": "x"}, {"SAGEMAKER_CONTAINER_LOG_LEVEL": " 10 "}])
        )
    if draw(sometimes(4)):
        # One value a range, so that the trial's values are known: each is a tuned hyperparameter.
        ranges = draw(st.dictionaries(NAMES, CATEGORIES, min_size=1, max_size=2))
        document["tuning"] = {
            "objective": {"metric": "train:loss", "type": "Minimize"},
            "strategy": "Random",
            "max_jobs": 2,
            "ranges": {name: {"values": [value]} for name, value in ranges.items()},
        }
    return document


# ------------------------------------------------------------------------------------ the test


def _write(directory: Path, document: dict[str, Any]) -> Path:
    code = directory / "code"
    code.mkdir(parents=True)
    (code / "train.py").write_text(DUMP, encoding="utf-8")
    entry = document["entry_point"]
    target = (code / entry).resolve() if "\0" not in entry and not entry.startswith("/") else None
    if target is not None and target.is_relative_to(code) and target != code:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(DUMP, encoding="utf-8")
            target.chmod(target.stat().st_mode | stat.S_IXUSR)
        except OSError:
            pass  # a name the file system refuses: the compiler says the file does not exist
    for channel in document["inputs"].values():
        (directory / channel["local"]).mkdir(parents=True)
        (directory / channel["local"] / "part-0.csv").write_text("x\n", encoding="utf-8")
    job = directory / "job.yaml"
    job.write_text(json.dumps(document, ensure_ascii=True, indent=1) + "\n", encoding="utf-8")
    return job


LOCATED = re.compile(r".*job\.yaml(?: \(with hyperparameters .*\))?:[1-9][0-9]*:[1-9][0-9]*: (error|warning): .*", re.S)


@pytest.fixture(autouse=True)
def _oracle() -> None:
    require_tool(ORACLE_TRAIN.is_file(), "the toolkit oracle is not installed (make oracle)")


def finding(**overrides: Any) -> dict[str, Any]:
    """A job as the strategy draws them, with one finding of the review in it."""
    document = job_document(hyperparameters={"epochs": 3})
    document["inputs"] = {"train": {"s3": "s3://example-bucket/c0/", "local": "data/c0"}}
    document.update(overrides)
    return document


def one_value_range(name: str, value: Any) -> dict[str, Any]:
    return {"objective": {"metric": "train:loss", "type": "Minimize"}, "strategy": "Random", "max_jobs": 2, "ranges": {name: {"values": [value]}}}


# Every finding that once compiled and then failed or changed in train, always tried: the random
# draws find them too, but not in every run.
FINDINGS = [
    finding(entry_point="my train.py"),
    finding(entry_point="a/../train.py"),
    finding(entry_point="./train.py"),
    finding(hyperparameters={"color": "x\0y"}),
    finding(hyperparameters={"deep": _nest(100)}),
    finding(request={"HyperParameters": {"raw": "a\0b"}}),
    finding(request={"HyperParameters": {"raw": '["\\u0000"]'}}),
    finding(request={"HyperParameters": {"raw": "[" * 101 + "]" * 101}}),
    finding(request={"HyperParameters": {"a=b": "1"}}),
    finding(hyperparameters={"lr": 1, "LR": 2}),
    finding(hyperparameters={"ß": 1, "SS": 2}),
    finding(request={"HyperParameters": {"LR": "2"}}, hyperparameters={"lr": 1}),
    finding(inputs={"train": {"s3": "s3://example-bucket/c0/", "local": "data/c0"}, "Train": {"s3": "s3://example-bucket/c1/", "local": "data/c1"}}),
    finding(hyperparameters={"sagemaker_program": "other.py"}),
    finding(hyperparameters={"_tuning_objective_metric": "x"}),
    finding(hyperparameters={"sagemaker_container_log_level": "20"}),
    finding(hyperparameters={"sagemaker_mpi_num_processes": 1.5}),
    finding(request={"HyperParameters": {"sagemaker_mpi_enabled": "true"}}),
    finding(environment={"SAGEMAKER_PROGRAM": "other.py"}),
    finding(environment={"SAGEMAKER_CONTAINER_LOG_LEVEL": "x"}),
    finding(tuning=one_value_range("a=b", 1)),
    finding(tuning=one_value_range("EPOCHS", 1)),
    finding(tuning=one_value_range("sagemaker_region", "x")),
    finding(tuning=one_value_range("c", "x\0")),
    finding(request={"HyperParameters": {"a": ""}}, tuning=one_value_range("a", False)),
]


def with_findings(test):
    for document in reversed(FINDINGS):
        test = example(document=document)(test)
    return test


@settings(
    max_examples=int(os.environ.get("CONTRACT_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(document=jobs())
@with_findings
def test_a_job_is_refused_at_a_line_or_runs_as_job_yaml_says(tmp_path_factory: pytest.TempPathFactory, document: dict[str, Any]):
    root = tmp_path_factory.mktemp("job")
    job = _write(root / "job", document)
    try:
        compiled = compile_job(job)
    except SpecError as refused:
        event("refused")
        assert refused.errors, "refused without an error"
        for line in str(refused).splitlines():
            assert LOCATED.fullmatch(line), line
        assert not (root / "job" / "generated").exists()
        return
    event("runs" if document.get("tuning") is None else "runs a trial")
    run_dir = root / "run"
    out = _Out()
    if compiled.job.tuning is None:
        status = run_local(LocalOptions(job, workdir=run_dir, keep_runs=None), out)
    else:
        status = run_trials(LocalOptions(job, workdir=run_dir, keep_runs=None), 1, 0, out)
        run_dir = run_dir / "trial-1"
    assert status == 0, out.text[-4000:]
    shim = _dump(run_dir)
    _as_job_yaml_says(compiled.rendered.request.body, document, shim, run_dir)
    _as_the_toolkit_does(run_dir, shim)


class _Out:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


def _dump(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "output" / "data" / "dump.json").read_text(encoding="utf-8"))


def _as_job_yaml_says(request: dict[str, Any], document: dict[str, Any], dump: dict[str, Any], run_dir: Path) -> None:
    """Every hyperparameter and channel of job.yaml reaches the entry point as written."""
    assert dump["program"] == str((run_dir / "code" / document["entry_point"]).resolve())
    sent = dict(request.get("HyperParameters") or {})
    encoding = document.get("hyperparameter_encoding", "framework")
    for name, value in document["hyperparameters"].items():
        assert sent[name] == encode(value, encoding), name  # as the SDK of that name sends it
    tuned = (document.get("tuning") or {}).get("ranges", {})
    for name, value in tuned.items():
        sent[name] = encode(value["values"][0], encoding)  # the trial's value, as the tuning request lists it
    expected_args: list[str] = []
    for name in sorted(sent):
        # A tuned name is tuned for the script to see; a setting of train's or a name the
        # compiler warned about is not for the script.
        if name not in tuned and (name in contract.SETTINGS or (contract.is_reserved(name) and name not in contract.OWNED)):
            continue
        value = toolkit.decode(sent[name])
        assert dump["env"][f"SM_HP_{name.upper()}"] == toolkit.env_value(value), name
        expected_args += [f"--{name}" if len(name) > 1 else f"-{name}", toolkit.arg_value(value)]
    assert dump["argv"] == expected_args
    for name in document["inputs"]:
        folder = Path(dump["env"][f"SM_CHANNEL_{name.upper()}"])
        assert folder.name == name and (folder / "part-0.csv").is_file(), name


# Variables the toolkit derives from the same files; host-dependent ones (CPUs, GPUs, the
# toolkit's own module directory) are left out.
COMPARED = ("SM_HPS", "SM_USER_ARGS", "SM_CHANNELS", "SM_FRAMEWORK_PARAMS", "SM_LOG_LEVEL", "SM_USER_ENTRY_POINT", "SM_INPUT_DATA_CONFIG")


def _as_the_toolkit_does(run_dir: Path, shim: dict[str, Any]) -> None:
    base = run_dir.resolve()
    (base / "output" / "success").unlink()
    (base / "output" / "data" / "dump.json").unlink()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SM_", "SAGEMAKER_", "TRAIN"))}
    env.update(SAGEMAKER_BASE_DIR=str(base), SM_STUDIO_LOCAL_MODE="true", TRAINING_JOB_NAME=shim["env"]["TRAINING_JOB_NAME"])
    for name in ("SAGEMAKER_PROGRAM", "SAGEMAKER_CONTAINER_LOG_LEVEL"):
        if name in shim["env"]:
            env[name] = shim["env"][name]
    completed = subprocess.run([str(ORACLE_TRAIN)], cwd=base / "code", env=env, capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    oracle = _dump(run_dir)
    assert oracle["argv"] == shim["argv"]
    assert oracle["program"] == shim["program"]
    names = {name for name in {*oracle["env"], *shim["env"]} if name.startswith(("SM_HP_", "SM_CHANNEL_")) or name in COMPARED}
    if not shim["program"].endswith(".py"):
        # The toolkit starts a command through /bin/sh -c, and dash drops the variables whose
        # names are no shell identifiers (SM_CHANNEL_TEST-SET); train hands them on (shim/README.md).
        names = {name for name in names if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)}
    assert {name: oracle["env"].get(name) for name in names} == {name: shim["env"].get(name) for name in names}


def test_the_property_draws_every_outcome():
    """The strategy reaches both outcomes and the hostile cases, so the property means something."""
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None, database=None)
    @given(document=jobs())
    def look(document: dict[str, Any]) -> None:
        names = [*document["hyperparameters"], *(document.get("request") or {}).get("HyperParameters", {})]
        uppers = [n.upper() for n in names if not contract.is_reserved(n)]
        if len(set(uppers)) < len(uppers):
            seen.add("hyperparameter collision")
        if any(contract.is_reserved(n) for n in names):
            seen.add("reserved name")
        if contract.entry_point_problem(document["entry_point"]):
            seen.add("odd entry point")
        if len({n.upper() for n in document["inputs"]}) < len(document["inputs"]):
            seen.add("channel collision")
        if document.get("tuning"):
            seen.add("tuning")
        seen.add(f"encoding {document.get('hyperparameter_encoding')}")

    look()
    assert seen == {
        "hyperparameter collision", "reserved name", "odd entry point", "channel collision", "tuning",
        "encoding None", "encoding framework", "encoding estimator", "encoding model_trainer",
    }  # fmt: skip
