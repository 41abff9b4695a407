"""The examples: valid for an independent validator, golden records up to date, and their
artifacts clean for hadolint, shellcheck and botocore."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import botocore.session
import pytest
from botocore.validate import validate_parameters

from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.spec import load_job
from tests.compiler.jobs import EXAMPLES, REPO, run_compiler

BIN = Path(sys.executable).parent
SCHEMA = REPO / "schemas" / "job.schema.json"

pytestmark = pytest.mark.skipif(not EXAMPLES, reason="no examples/*/job.yaml")


def example_id(path: Path) -> str:
    return path.parent.name


def test_schema_is_valid_draft_2020_12():
    result = subprocess.run([BIN / "check-jsonschema", "--check-metaschema", SCHEMA], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("job", EXAMPLES, ids=example_id)
def test_example_matches_schema_for_an_independent_validator(job):
    result = subprocess.run([BIN / "check-jsonschema", "--schemafile", SCHEMA, job], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("job", EXAMPLES, ids=example_id)
def test_golden_record_is_up_to_date(job):
    result = run_compiler("check", job)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("job", EXAMPLES, ids=example_id)
def test_generated_directory_holds_exactly_the_artifacts(job):
    names = sorted(p.name for p in (job.parent / "generated").iterdir())
    expected = ["Dockerfile", "Dockerfile.dockerignore", "train", "build_and_push.sh", "create_training_job.json"]
    if "tuning" in load_job(job)[0].source.data:
        expected.append("create_hyper_parameter_tuning_job.json")
    assert names == sorted(expected)


@pytest.mark.parametrize("job", EXAMPLES, ids=example_id)
def test_dockerfile_passes_hadolint(job):
    dockerfile = job.parent / "generated" / "Dockerfile"
    result = subprocess.run([BIN / "hadolint", "--failure-threshold", "style", dockerfile], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


@pytest.mark.parametrize("job", EXAMPLES, ids=example_id)
@pytest.mark.parametrize("script", ["build_and_push.sh", "train"])
def test_scripts_pass_shellcheck(job, script):
    path = job.parent / "generated" / script
    result = subprocess.run([BIN / "shellcheck", "-s", "sh", "--severity=style", path], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("job", EXAMPLES, ids=example_id)
def test_request_passes_botocore_parameter_validation(job):
    request = json.loads((job.parent / "generated" / "create_training_job.json").read_text())
    model = botocore.session.get_session().get_service_model("sagemaker")
    shape = model.operation_model("CreateTrainingJob").input_shape
    validate_parameters(request, shape)  # raises ParamValidationError on any problem


@pytest.mark.parametrize("job", EXAMPLES, ids=example_id)
def test_example_request_embeds_the_pushed_image(job):
    """build_and_push.sh pushes exactly the image the request trains with."""
    compiled = compile_job(job)
    script = (job.parent / "generated" / "build_and_push.sh").read_text()
    repository, tag = compiled.rendered.image_uri.split("/", 1)[1].rsplit(":", 1)
    assert f"\nrepository={repository}\n" in script and f"\ntag={tag}\n" in script
    assert compiled.rendered.request.body["AlgorithmSpecification"]["TrainingImage"] == compiled.rendered.image_uri


def test_check_reports_drift_with_a_diff(tmp_path):
    copy = tmp_path / "basic"
    shutil.copytree(REPO / "examples" / "basic", copy)
    request = copy / "generated" / "create_training_job.json"
    request.write_text(request.read_text().replace('"ml.m5.large"', '"ml.m5.xlarge"'))
    result = run_compiler("check", copy / "job.yaml")
    assert result.returncode == 1
    assert '-    "InstanceType": "ml.m5.xlarge",' in result.stderr
    assert '+    "InstanceType": "ml.m5.large",' in result.stderr


def test_check_reports_a_lost_executable_bit(tmp_path):
    copy = tmp_path / "basic"
    shutil.copytree(REPO / "examples" / "basic", copy)
    (copy / "generated" / "train").chmod(0o644)
    result = run_compiler("check", copy / "job.yaml")
    assert result.returncode == 1
    assert "train: mode 644, expected 755" in result.stderr
