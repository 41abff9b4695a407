"""The contract between the compiler and `train` (spec/contract.py): the shim holds the copy
rendered from it, each awk reads that copy as Python reads the rules, and each rule refuses a
job at the job.yaml line that sets the name or value, whichever key or escape hatch set it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sagemaker_byoc.compiler import shim_contract
from sagemaker_byoc.spec import contract
from tests.shim.harness import AWKS, Awk
from tests.tools import require_tool

from .local.jobs import job_document, run_cli, write_job

SHIM = Path(__file__).resolve().parents[1] / "shim" / "train"


def test_the_shim_holds_the_contract_rendered_from_spec():
    text = SHIM.read_text(encoding="utf-8")
    assert shim_contract.with_contract(text) == text, "run `make contract`"
    assert text.count(shim_contract.BEGIN) == 1 and text.count(shim_contract.END) == 1


def test_an_awk_string_cannot_leave_the_program():
    for text in ("a'b", "a\nb"):
        with pytest.raises(ValueError):
            shim_contract.awk_string(text)
    assert shim_contract.awk_string('a\\"b') == '"a\\\\\\"b"'


ENTRY_POINT_ALPHABET = st.sampled_from(list("aZ09._+-/ $\\'\"ü\t\n") + ["..", "./", "//", "/../"])


def _awk_verdicts(awk: Awk, names: list[str]) -> list[str]:
    """Each name through the shim's own rules: init_contract, then its two tests."""
    program = shim_contract.awk_function() + """
BEGIN { init_contract() }
{ print ($0 ~ ENTRY_POINT_RE) ? (("/" $0 "/") ~ DOT_SEGMENT_RE ? "dot" : "ok") : "bad" }
"""
    completed = subprocess.run(
        [awk.binary, *(["awk"] if awk.binary == "busybox" else []), program], input="".join(n + "\n" for n in names), capture_output=True, text=True, check=True, env={"LC_ALL": "C"}
    )
    return completed.stdout.split()


def _python_verdict(name: str) -> str:
    problem = contract.entry_point_problem(name)
    if problem is None:
        return "ok"
    return "dot" if "segments" in problem else "bad"


@pytest.mark.parametrize("awk", AWKS, ids=lambda awk: awk.name)
@settings(max_examples=60, deadline=None)
@given(names=st.lists(st.lists(ENTRY_POINT_ALPHABET, min_size=1, max_size=8).map("".join), min_size=1, max_size=40))
def test_every_awk_reads_the_entry_point_rule_as_python_does(awk: Awk, names: list[str]):
    require_tool(awk.available(), f"{awk.name} is not installed")
    names = [n for n in names if "\n" not in n]  # one name a line
    if names:
        assert _awk_verdicts(awk, names) == [_python_verdict(n) for n in names]


@pytest.mark.parametrize(
    "name, verdict",
    [
        ("train.py", "ok"), ("bin/train.sh", "ok"), ("a+b-c_d.py", "ok"), (".hidden.py", "ok"),
        ("my train.py", "bad"), ("-train.py", "bad"), ("/train.py", "bad"), ("ü.py", "bad"), ("a$b.py", "bad"),
        ("sub\\train.py", "bad"), ("a//b.py", "bad"), ("a/", "bad"),
        ("../x.py", "dot"), ("a/./b.py", "dot"), ("a/..", "dot"), ("./x.py", "dot"),
    ],
)  # fmt: skip
def test_entry_point_names(name: str, verdict: str):
    assert _python_verdict(name) == verdict


# --- each rule, refused at its line whichever key set it ------------------------------------

CASES = {
    "entry point with a space": ({"entry_point": "my train.py"}, "/entry_point", "letters, digits"),
    "entry point outside": ({"entry_point": "a/../train.py"}, "/entry_point", "segments"),
    "reserved name": ({"hyperparameters": {"sagemaker_program": "x.py"}}, "/hyperparameters/sagemaker_program", "reserved"),
    "objective metric": ({"hyperparameters": {"_tuning_objective_metric": "x"}}, "/hyperparameters/_tuning_objective_metric", "reserved"),
    "two names, one variable": ({"hyperparameters": {"lr": 1, "LR": 2}}, "/hyperparameters/LR", "both become SM_HP_LR"),
    "str.upper": ({"hyperparameters": {"ß": 1, "SS": 2}}, "/hyperparameters/SS", "both become SM_HP_SS"),
    "= in a name": ({"hyperparameters": {"a=b": 1}}, "/hyperparameters/a=b", "'='"),
    "NUL in a value": ({"hyperparameters": {"a": ["\0"]}}, "/hyperparameters/a", "NUL"),
    "two channels, one variable": (
        {"inputs": {"train": {"s3": "s3://bucket/a/"}, "Train": {"s3": "s3://bucket/b/"}}},
        "/inputs/Train",
        "both become SM_CHANNEL_TRAIN",
    ),
    "request: a name with =": ({"request": {"HyperParameters": {"a=b": "1"}}}, "/request/HyperParameters/a=b", "'='"),
    "request: a reserved name": (
        {"request": {"HyperParameters": {"sagemaker_program": "x.py"}}},
        "/request/HyperParameters/sagemaker_program",
        "reserved",
    ),
    "request: MPI beside torchrun": (
        {"distribution": {"type": "torchrun"}, "request": {"HyperParameters": {"sagemaker_mpi_enabled": "true"}}},
        "/request/HyperParameters/sagemaker_mpi_enabled",
        "distribution: sets the launch",
    ),
    "request: an escaped NUL": (
        {"request": {"HyperParameters": {"a": '["\\u0000"]'}}},
        "/request/HyperParameters/a",
        "NUL",
    ),
    "request: too deep": ({"request": {"HyperParameters": {"a": "[" * 101 + "]" * 101}}}, "/request/HyperParameters/a", "deeper than 100"),
    "request_override: channel ..": (
        {"request_override": {"InputDataConfig": [{"ChannelName": "..", "DataSource": {"S3DataSource": {"S3Uri": "s3://bucket/x", "S3DataType": "S3Prefix"}}}]}},
        "/request_override/InputDataConfig/0/ChannelName",
        "outside the channels' folder",
    ),
    "request: a collision": (
        {"hyperparameters": {"lr": 1}, "request": {"HyperParameters": {"LR": "2"}}},
        "/request/HyperParameters/LR",
        "both become SM_HP_LR",
    ),
    "environment: the program": ({"environment": {"SAGEMAKER_PROGRAM": "x.py"}}, "/environment/SAGEMAKER_PROGRAM", "set entry_point"),
    "range name with =": (
        {"metrics": [{"name": "loss", "regex": "l=([0-9]+)"}], "tuning": {
            "objective": {"metric": "loss", "type": "Minimize"}, "max_jobs": 2, "ranges": {"a=b": {"min": 0.1, "max": 1}}}},
        "/tuning/ranges/a=b",
        "'='",
    ),
    "range name beside a static one": (
        {"hyperparameters": {"lr": 1}, "metrics": [{"name": "loss", "regex": "l=([0-9]+)"}], "tuning": {
            "objective": {"metric": "loss", "type": "Minimize"}, "max_jobs": 2, "ranges": {"LR": {"min": 0.1, "max": 1}}}},
        "/tuning/ranges/LR",
        "both become SM_HP_LR",
    ),
    "reserved range name": (
        {"metrics": [{"name": "loss", "regex": "l=([0-9]+)"}], "tuning": {
            "objective": {"metric": "loss", "type": "Minimize"}, "max_jobs": 2, "ranges": {"sagemaker_x": {"values": ["a"]}}}},
        "/tuning/ranges/sagemaker_x",
        "reserved",
    ),
    "NUL in a categorical value": (
        {"metrics": [{"name": "loss", "regex": "l=([0-9]+)"}], "tuning": {
            "objective": {"metric": "loss", "type": "Minimize"}, "max_jobs": 2, "ranges": {"c": {"values": ["a\0"]}}}},
        "/tuning/ranges/c/values/0",
        "NUL",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_rule_refuses_at_the_line_that_sets_it(tmp_path: Path, case: str):
    overrides, pointer, words = CASES[case]
    document = job_document(**overrides)
    (tmp_path / "code" / "a").mkdir(parents=True)
    write_job(tmp_path, document)
    result = run_cli("validate", str(tmp_path / "job.yaml"))
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.endswith(f"(at {pointer})") or f"(at {pointer})" in line]
    assert lines, result.stderr
    assert re.match(r".*job\.yaml:\d+:\d+: error: ", lines[0]) and words in lines[0], lines[0]
    assert "Traceback" not in result.stderr


def test_the_distribution_uses_reserved_names_on_purpose(tmp_path: Path):
    document = job_document(distribution={"type": "mpi", "processes_per_host": 2, "mpi_options": "-x A=1"})
    write_job(tmp_path, document)
    result = run_cli("validate", str(tmp_path / "job.yaml"))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("text", ["\\" * 200_000 + "x", '["' + "\\" * 200_000, "[" * 200_000, '"' * 200_000])
def test_values_are_read_in_linear_time(text: str):
    # No timing: a quadratic scan of 200,000 characters would not finish within the suite.
    contract.training_breaches({"HyperParameters": {"a": text}}, lambda path: False)
