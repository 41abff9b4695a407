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
from tests.compiler.jobs import make_job, with_lines

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


# --- request_override names another image ----------------------------------------------------

# An image that job.yaml does not build: request_override puts it into the request instead.
OTHER_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/prebuilt/train:v1"
OVERRIDE_NOTE = (
    "submit: note: the request runs {other}, which request_override.AlgorithmSpecification.TrainingImage names "
    "instead of job.yaml's {built}: build_and_push.sh does not push it, so submit checks only that ECR holds it\n"
)
TUNING = (
    "metrics: [{name: loss, regex: 'loss=([0-9.]+)'}]",
    "tuning: {objective: {metric: loss, type: Minimize}, ranges: {lr: {min: 0.001, max: 0.1}}, max_jobs: 2}",
    "hyperparameters: {lr: 0.01}",
)


def overridden_job(directory: Path, image: str = OTHER_IMAGE, *lines: str) -> tuple[Path, str]:
    """A job whose request_override replaces the image; job.yaml's own image's URI."""
    job = make_job(directory, with_lines("request_override:", f"  AlgorithmSpecification: {{TrainingImage: '{image}'}}", *lines))
    compiled = compile_job(job)
    assert compiled.rendered.request.body["AlgorithmSpecification"]["TrainingImage"] == image
    return job, compiled.rendered.image_uri


def push(moto_boto3, image: str) -> None:
    """The image put into moto's ECR, as build_and_push.sh would leave it."""
    _, repository, tag = split_image(image)
    ecr = moto_boto3("ecr", image.split(".")[3])
    if repository not in [found["repositoryName"] for found in ecr.describe_repositories()["repositories"]]:
        ecr.create_repository(repositoryName=repository)
    ecr.put_image(repositoryName=repository, imageTag=tag, imageManifest=MANIFEST)


def test_submit_guards_the_overriding_image_not_job_yamls(aws_env, fresh_moto, moto_boto3, tmp_path):
    job, built = overridden_job(tmp_path)
    push(moto_boto3, built)  # job.yaml's image is there; the one the request names is not

    refused = submit(job, aws_env)

    assert refused.returncode == 4, refused.stderr
    assert refused.stderr == OVERRIDE_NOTE.format(other=OTHER_IMAGE, built=built) + (
        f"submit: error: {OTHER_IMAGE} is not in ECR; the job would fail when it pulls the image, or submit with --allow-stale\n"
    )
    assert training_jobs_in(moto_boto3, "us-east-1") == 0


def test_an_overriding_image_in_ecr_is_submitted_with_a_note(aws_env, fresh_moto, moto_boto3, tmp_path):
    job, built = overridden_job(tmp_path)
    push(moto_boto3, OTHER_IMAGE)  # job.yaml's own image was never pushed, and is not needed

    accepted = submit(job, aws_env)

    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stderr == OVERRIDE_NOTE.format(other=OTHER_IMAGE, built=built)
    name = accepted.stdout.splitlines()[0].split(": ", 1)[1]
    described = moto_boto3("sagemaker", "us-east-1").describe_training_job(TrainingJobName=name)
    assert described["AlgorithmSpecification"]["TrainingImage"] == OTHER_IMAGE


def test_the_tuning_job_guards_the_overriding_image_too(aws_env, fresh_moto, moto_boto3, tmp_path):
    job, built = overridden_job(tmp_path, OTHER_IMAGE, *TUNING)
    push(moto_boto3, built)

    refused = submit(job, aws_env, "--tune")

    assert refused.returncode == 4, refused.stderr
    assert refused.stderr.endswith(f"submit: error: {OTHER_IMAGE} is not in ECR; the job would fail when it pulls the image, or submit with --allow-stale\n")
    assert moto_boto3("sagemaker", "us-east-1").list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"] == []


def test_an_overriding_image_by_digest_is_looked_up_by_digest(aws_env, fresh_moto, moto_boto3, tmp_path):
    push(moto_boto3, OTHER_IMAGE)
    _, repository, _ = split_image(OTHER_IMAGE)
    digest = moto_boto3("ecr").describe_images(repositoryName=repository)["imageDetails"][0]["imageDigest"]
    by_digest = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{repository}@{digest}"
    job, built = overridden_job(tmp_path, by_digest)

    accepted = submit(job, aws_env)
    missing = submit(overridden_job(tmp_path / "other", by_digest[:-4] + "0000")[0], aws_env)

    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stderr == OVERRIDE_NOTE.format(other=by_digest, built=built)
    assert missing.returncode == 4 and missing.stderr.endswith(f"{by_digest[:-4]}0000 is not in ECR; the job would fail when it pulls the image, or submit with --allow-stale\n")


def test_an_overriding_image_outside_ecr_is_named_and_not_checked(aws_env, fresh_moto, moto_boto3, tmp_path):
    outside = "registry.example.com/team/train:v1"
    job, built = overridden_job(tmp_path, outside)

    result = submit(job, aws_env)

    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        f"submit: note: the request runs {outside}, which request_override.AlgorithmSpecification.TrainingImage names "
        f"instead of job.yaml's {built}: it is not an ECR image's URI, so submit cannot check that it exists\n"
    )


def training_jobs_in(moto_boto3, region: str) -> int:
    return len(moto_boto3("sagemaker", region).list_training_jobs()["TrainingJobSummaries"])


def test_ecr_coordinates_of_an_image_uri():
    from sagemaker_byoc.submit.image_guard import EcrImage, ecr_image

    registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    assert ecr_image(f"{registry}/team/train:v1") == EcrImage("123456789012", "eu-west-1", "team/train", {"imageTag": "v1"})
    assert ecr_image(f"{registry}/train") == EcrImage("123456789012", "eu-west-1", "train", {"imageTag": "latest"})
    assert ecr_image(f"{registry}/train:v1@sha256:{'a' * 64}").image_id == {"imageDigest": f"sha256:{'a' * 64}"}
    assert ecr_image("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/train:v1").region == "cn-north-1"
    assert ecr_image("registry.example.com/team/train:v1") is None
    assert ecr_image(f"{registry}/train:v1 ") is None
