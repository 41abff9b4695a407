"""validate warns when the schema file job.yaml's modeline names for editors is missing or is
not this tool's schema (init writes a copy; an upgrade leaves it stale)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sagemaker_byoc.spec import modeline
from sagemaker_byoc.spec.modeline import stale_schema
from sagemaker_byoc.spec.schema import SCHEMA_PATH
from tests.compiler.jobs import MINIMAL, REPO, make_job, run_compiler

MODELINE = "# yaml-language-server: $schema=job.schema.json\n"


def test_a_current_copy_and_the_repositorys_own_schema_pass_silently(tmp_path):
    job = make_job(tmp_path / "a", MODELINE + MINIMAL, files={"job.schema.json": SCHEMA_PATH.read_text()})
    assert run_compiler("validate", job).stderr == ""
    relative = make_job(tmp_path / "b", f"# yaml-language-server: $schema={SCHEMA_PATH}\n" + MINIMAL)
    assert run_compiler("validate", relative).stderr == ""


def test_a_stale_copy_is_a_warning_at_the_modeline(tmp_path):
    job = make_job(tmp_path, MODELINE + MINIMAL, files={"job.schema.json": SCHEMA_PATH.read_text().replace('"version"', '"versio"', 1)})
    checked = run_compiler("validate", job)
    assert checked.returncode == 0
    assert checked.stderr == (
        f"{job}:1:33: warning: job.schema.json is not this sagemaker-byoc's schema: editors check job.yaml against an "
        f"older or newer one; write it with: sagemaker-byoc schema -o {tmp_path / 'job.schema.json'}\n"
    )


def test_a_missing_copy_is_a_warning_and_a_url_is_not_checked(tmp_path):
    job = make_job(tmp_path / "a", "version: 1 # first\n" + MODELINE + MINIMAL.replace("version: 1\n", ""))
    assert run_compiler("validate", job).stderr == (
        f"{job}:2:33: warning: the schema for editors, job.schema.json, does not exist; "
        f"write it with: sagemaker-byoc schema -o {tmp_path / 'a' / 'job.schema.json'}\n"
    )
    url = make_job(tmp_path / "b", "# yaml-language-server: $schema=https://example.com/job.schema.json\n" + MINIMAL)
    assert run_compiler("validate", url).stderr == ""


def test_a_control_character_is_refused_by_yaml_in_one_line_and_escaped_here_anyway(tmp_path):
    job = make_job(tmp_path, "# yaml-language-server: $schema=x\x1b[2Jy.json\n" + MINIMAL)
    refused = run_compiler("validate", job)
    assert refused.returncode == 2
    assert refused.stderr == f"{job}:1:34: error: YAML syntax: the character U+001B is not allowed in YAML (special characters are not allowed)\n"
    (warning,) = stale_schema(job)
    assert "\x1b" not in warning.message and warning.message.startswith("the schema for editors, x\\x1b[2Jy.json, does not exist")


def test_a_url_of_any_scheme_is_not_checked(tmp_path):
    """RFC 3986 schemes: a letter, then letters, digits, +, . or -."""
    for scheme in ("s3", "git+ssh", "x-1.2", "HTTP"):
        job = make_job(tmp_path / scheme, f"# yaml-language-server: $schema={scheme}://example/job.schema.json\n" + MINIMAL)
        assert stale_schema(job) == [], scheme
    for not_a_scheme in ("3s", "+x"):
        job = make_job(tmp_path / not_a_scheme, f"# yaml-language-server: $schema={not_a_scheme}://job.schema.json\n" + MINIMAL)
        (warning,) = stale_schema(job)
        assert "does not exist" in warning.message, not_a_scheme


def modeline_job(tmp_path, target: str):
    return make_job(tmp_path, f"# yaml-language-server: $schema={target}\n" + MINIMAL)


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    """Opening a FIFO for reading blocks until something writes: every command hung."""
    job = modeline_job(tmp_path, "fifo.json")
    os.mkfifo(tmp_path / "fifo.json")
    checked = subprocess.run([sys.executable, "-m", "sagemaker_byoc", "validate", str(job)], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0
    assert checked.stderr == f"{job}:1:33: warning: cannot read the schema for editors, fifo.json: not a regular file\n"


@pytest.mark.parametrize("target", ["/dev/zero", "code"])
def test_a_device_or_a_folder_is_refused_unread(tmp_path, target):
    [warning] = stale_schema(modeline_job(tmp_path, target))
    assert warning.severity == "warning" and warning.message.endswith(f"{target}: not a regular file")


def test_a_file_that_is_no_schema_is_never_offered_to_be_written_over(tmp_path):
    """The modeline may name the training script: the advice must not be to replace it."""
    [warning] = stale_schema(modeline_job(tmp_path, "code/train.py"))
    assert warning.message == (
        "the schema for editors, code/train.py, is no JSON Schema; name one, such as a copy written by: sagemaker-byoc schema -o job.schema.json"
    )
    assert "-o " + str(tmp_path / "code" / "train.py") not in warning.message


def test_a_huge_file_is_read_only_as_far_as_a_schema_could_need(tmp_path, monkeypatch):
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(1 << 30)  # a sparse gigabyte
    reads = []
    real = modeline.read_regular_file
    monkeypatch.setattr(modeline, "read_regular_file", lambda path, limit: reads.append(limit) or real(path, limit))
    [warning] = stale_schema(modeline_job(tmp_path, "big.json"))
    assert reads == [modeline.READ_LIMIT] and "is no JSON Schema" in warning.message
