"""The stale-image guard: with an explicit image.tag, build_and_push.sh gives the image a second
tag naming its build inputs, and submit refuses an image under the explicit tag that lacks the
current one. Run as users run them: the generated script through `sh` with the stand-in docker
against moto's ECR, then `sagemaker-byoc submit` against moto."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sagemaker_byoc.compiler.pipeline import compile_job
from tests.aws.sagemaker_roundtrip import REPO_ROOT
from tests.aws.test_build_and_push import MANIFEST, Docker, make_docker, run_script, split_image
from tests.aws.test_submit import submit

# An example with an explicit image.tag.
EXAMPLE = REPO_ROOT / "examples" / "script-from-channel"
REGION = "eu-west-1"


class CopiedJob:
    """The example copied to a temporary directory, where its code can change."""

    def __init__(self, directory: Path) -> None:
        shutil.copytree(EXAMPLE, directory, ignore=shutil.ignore_patterns("generated", ".local"))
        self.directory = directory
        self.job = directory / "job.yaml"
        # The modeline names the repository's schema from here on (its relative path would not).
        self.job.write_text(self.job.read_text().replace("../../schemas/", f"{REPO_ROOT}/schemas/", 1))
        self.script = directory / "generated" / "build_and_push.sh"

    def compile(self) -> tuple[str, str]:
        """Compile as users do; the image URI and the inputs tag."""
        result = subprocess.run([sys.executable, "-m", "sagemaker_byoc", "compile", str(self.job)],
                                cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        # compile cannot see ECR: it says nothing about the image.
        assert result.stderr == ""
        rendered = compile_job(self.job).rendered
        assert rendered.inputs_tag is not None
        return rendered.image_uri, rendered.inputs_tag


@pytest.fixture
def docker(tmp_path: Path) -> Docker:
    return make_docker(tmp_path)


@pytest.fixture
def copied_job(tmp_path: Path) -> CopiedJob:
    assert compile_job(EXAMPLE / "job.yaml").job.image.tag, f"{EXAMPLE.name} must keep an explicit image.tag"
    return CopiedJob(tmp_path / "job")


def training_jobs(moto_boto3) -> int:
    return len(moto_boto3("sagemaker", REGION).list_training_jobs()["TrainingJobSummaries"])


def test_the_inputs_tag_fits_ecr():
    inputs_tag = compile_job(EXAMPLE / "job.yaml").rendered.inputs_tag
    assert len(inputs_tag) <= 128
    assert inputs_tag.startswith("inputs-") and len(inputs_tag) == len("inputs-") + 64
    assert set(inputs_tag) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def test_a_default_tag_gets_no_inputs_tag():
    assert compile_job(REPO_ROOT / "examples" / "basic" / "job.yaml").rendered.inputs_tag is None


def test_old_code_under_an_explicit_tag_is_refused_until_the_image_is_pushed_again(
    copied_job, docker, aws_cli, aws_env, fresh_moto, moto_boto3, tmp_path
):
    image, first_inputs = copied_job.compile()
    pushed = run_script(copied_job.script, docker, aws_env, cwd=tmp_path)
    assert pushed.returncode == 0, pushed.stderr

    accepted = submit(copied_job.job, aws_env)
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stderr == ""

    # The case: train.py edited, compiled, the tag left as it was.
    train = copied_job.directory / "code" / "train.py"
    train.write_text(train.read_text() + "\nprint('a change')\n")
    same_image, new_inputs = copied_job.compile()
    assert (same_image, new_inputs != first_inputs) == (image, True)

    refused = submit(copied_job.job, aws_env)

    assert refused.returncode == 4
    assert refused.stderr == (
        f"submit: error: {image} was built from other inputs than job.yaml's now (it lacks the tag {new_inputs}): "
        f"the job would run the old code; rebuild and push it with {copied_job.script}, or submit with --allow-stale\n"
    )
    assert refused.stdout == ""
    assert training_jobs(moto_boto3) == 1

    allowed = submit(copied_job.job, aws_env, "--allow-stale")
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stderr.startswith(f"submit: warning: {image} was built from other inputs")
    assert training_jobs(moto_boto3) == 2

    pushed_again = run_script(copied_job.script, docker, aws_env, cwd=tmp_path)
    assert pushed_again.returncode == 0, pushed_again.stderr
    accepted_again = submit(copied_job.job, aws_env)
    assert accepted_again.returncode == 0, accepted_again.stderr
    assert accepted_again.stderr == ""


def test_the_guard_applies_to_tuning_jobs_and_not_to_dry_runs(copied_job, aws_env, fresh_moto, moto_boto3):
    copied_job.job.write_text(copied_job.job.read_text() + (
        "tuning:\n  objective: {metric: 'test:acc', type: Maximize}\n"
        "  ranges: {max-depth: {min: 2, max: 8}}\n  max_jobs: 2\n  max_parallel_jobs: 1\n"
        "metrics: [{name: 'test:acc', regex: 'acc=([0-9.]+)'}]\n"
    ))
    image, _ = copied_job.compile()

    refused = submit(copied_job.job, aws_env, "--tune")
    dry_run = submit(copied_job.job, aws_env, "--tune", "--dry-run")

    assert refused.returncode == 4, refused.stderr
    assert refused.stderr.startswith(f"submit: error: {image} is not in ECR; the job would fail when it pulls the image")
    assert moto_boto3("sagemaker", REGION).list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"] == []
    # A dry run asks ECR nothing: it needs no credentials.
    assert dry_run.returncode == 0 and dry_run.stderr == ""


# --- build_and_push.sh in an immutable repository ------------------------------------------------


def immutable_repository(moto_boto3, image: str, *tags: str):
    _, repository, _ = split_image(image)
    ecr = moto_boto3("ecr", REGION)
    ecr.create_repository(repositoryName=repository, imageTagMutability="IMMUTABLE")
    for tag in tags:
        ecr.put_image(repositoryName=repository, imageTag=tag, imageManifest=MANIFEST)
    return ecr, repository


def test_an_immutable_explicit_tag_on_other_inputs_stops_the_script(copied_job, docker, aws_cli, aws_env, fresh_moto, moto_boto3, tmp_path):
    image, _ = copied_job.compile()
    immutable_repository(moto_boto3, image, split_image(image)[2], "inputs-" + "0" * 64)

    result = run_script(copied_job.script, docker, aws_env, cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"build_and_push: error: {image} already exists, built from other inputs, and ECR keeps the tag immutable: "
        "change image.tag in job.yaml and compile again"
    )
    assert result.stdout == ""
    assert docker.calls() == []


def test_an_immutable_explicit_tag_on_these_inputs_is_kept(copied_job, docker, aws_cli, aws_env, fresh_moto, moto_boto3, tmp_path):
    image, inputs_tag = copied_job.compile()
    immutable_repository(moto_boto3, image, split_image(image)[2], inputs_tag)

    result = run_script(copied_job.script, docker, aws_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{image}\n"
    assert f"{image} already exists in an immutable repository; not pushing it again" in result.stderr
    assert docker.calls() == []


def test_an_image_of_these_inputs_under_an_immutable_tag_gets_the_explicit_tag(
    copied_job, docker, aws_cli, aws_env, fresh_moto, moto_boto3, tmp_path
):
    image, inputs_tag = copied_job.compile()
    ecr, repository = immutable_repository(moto_boto3, image, inputs_tag)

    result = run_script(copied_job.script, docker, aws_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{image}\n"
    assert docker.calls() == [], "no build: ECR retags the image it has"
    details = ecr.describe_images(repositoryName=repository)["imageDetails"]
    assert [sorted(found["imageTags"]) for found in details] == [sorted([split_image(image)[2], inputs_tag])]
    assert submit(copied_job.job, aws_env).returncode == 0
