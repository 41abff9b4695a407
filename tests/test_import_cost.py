"""Speed kept by counting, never by timing: a command imports only what it uses. A compile of a
valid job loads neither botocore nor boto3 nor jsonschema (the fast schema check answers for a
valid document, and the Regions come from schemas/regions.json); `--help` loads none of the
heavy libraries and none of the compiler. The times these save are in `make bench`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.compiler.jobs import MINIMAL, make_job, with_lines

REPO = Path(__file__).resolve().parents[1]
AWS_CLIENTS = ("boto3", "botocore")
VALIDATOR = ("jsonschema",)
RENDERER = ("jinja2", "ruamel", "sagemaker_byoc.compiler.pipeline", "sagemaker_byoc.compiler.render", "sagemaker_byoc.spec.loader")
COMMANDS = ("sagemaker_byoc.local.session", "sagemaker_byoc.submit.training", "sagemaker_byoc.submit.job_commands")

# Runs the command line as `python -m sagemaker_byoc` does, then writes the modules it loaded.
PROGRAM = """
import json, runpy, sys
modules_file, sys.argv = sys.argv[1], ["sagemaker-byoc", *sys.argv[2:]]
try:
    runpy.run_module("sagemaker_byoc", run_name="__main__", alter_sys=True)
except SystemExit as done:
    status = done.code
with open(modules_file, "w") as handle:
    json.dump({"status": status, "modules": sorted(sys.modules)}, handle)
"""


def loaded(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    """The exit status of a command and every module it had loaded when it ended."""
    report = tmp_path / "modules.json"
    subprocess.run([sys.executable, "-c", PROGRAM, str(report), *args], cwd=REPO, capture_output=True, check=True)
    result = json.loads(report.read_text())
    return result["status"], set(result["modules"])


def of(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in packages or m in packages or m.startswith(tuple(p + "." for p in packages)))


def test_compiling_a_valid_job_loads_no_aws_client_and_no_schema_validator(tmp_path):
    job = make_job(tmp_path / "job", with_lines("hyperparameters: {epochs: 3, lr: 0.01}", "tags: {team: ml}"))
    status, modules = loaded(tmp_path, "compile", str(job))
    assert status == 0
    assert of(modules, AWS_CLIENTS + VALIDATOR) == []
    assert "sagemaker_byoc.compiler.render" in modules  # it did compile


@pytest.mark.parametrize("command", ["validate", "explain", "check"])
def test_the_other_commands_on_a_valid_job_load_no_aws_client_and_no_validator(tmp_path, command):
    job = make_job(tmp_path / "job", MINIMAL)
    status, modules = loaded(tmp_path, command, str(job))
    assert status in (0, 1)  # check: 1 (nothing compiled yet)
    assert of(modules, AWS_CLIENTS + VALIDATOR) == []


def test_an_invalid_job_loads_the_validator_that_explains_it(tmp_path):
    """The guard above is not vacuous: jsonschema is loaded as soon as there is an error to word."""
    job = make_job(tmp_path / "job", MINIMAL.replace('account: "123456789012"', "account: 12"))
    status, modules = loaded(tmp_path, "validate", str(job))
    assert status == 2
    assert "jsonschema" in modules
    assert of(modules, AWS_CLIENTS) == []


@pytest.mark.parametrize("args", [("--help",), ("compile", "--help"), ("schema",)])
def test_help_loads_no_library_and_no_compiler(tmp_path, args):
    status, modules = loaded(tmp_path, *args)
    assert status in (0, None)
    assert of(modules, AWS_CLIENTS + VALIDATOR + RENDERER + COMMANDS) == []


@pytest.mark.parametrize(("command", "module"), [("run-local", "sagemaker_byoc.local.arguments"), ("submit", "sagemaker_byoc.submit.training"), ("logs", "sagemaker_byoc.submit.job_commands")])
def test_a_commands_help_loads_its_options_and_no_library(tmp_path, command, module):
    status, modules = loaded(tmp_path, command, "--help")
    assert status == 0
    assert module in modules
    assert of(modules, AWS_CLIENTS + VALIDATOR + ("jinja2", "ruamel")) == []
