"""Every example's generated build_and_push.sh, run unchanged with `sh` against moto's ECR through
the real aws CLI (AWS_ENDPOINT_URL), with a recording stand-in `docker` (docker_standin.sh) first
on PATH. The stand-in turns `docker push` into `aws ecr put-image`, so the registry really holds
what the script pushed and later runs see it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sagemaker_byoc.compiler.pipeline import compile_job
from tests.aws.moto_env import isolated_env
from tests.aws.sagemaker_roundtrip import example_id, example_scripts, job_region, load_request
from tests.tools import require_tool

SCRIPTS = example_scripts()
STANDIN = Path(__file__).resolve().parent / "docker_standin.sh"
MANIFEST = (
    '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",'
    '"config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,'
    '"digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000"},"layers":[]}'
)


@dataclass
class Docker:
    """The stand-in docker's PATH directory and recorded state."""

    bin_dir: Path
    state: Path

    def calls(self) -> list[list[str]]:
        files = sorted((self.state / "calls").glob("*.args"), key=lambda path: int(path.stem))
        return [path.read_text().splitlines() for path in files]

    def stdin_of_call(self, index: int) -> str:
        return (self.state / "calls" / f"{index + 1}.stdin").read_text()

    def commands(self) -> list[str]:
        return [call[0] for call in self.calls()]


@pytest.fixture
def docker(tmp_path: Path) -> Docker:
    return make_docker(tmp_path)


def make_docker(tmp_path: Path) -> Docker:
    """The stand-in docker in a fresh PATH directory under tmp_path."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shutil.copyfile(STANDIN, bin_dir / "docker")
    (bin_dir / "docker").chmod(0o755)
    return Docker(bin_dir, tmp_path / "docker-state")


def run_script(
    script: Path, docker: Docker, env: dict[str, str], cwd: Path, *, invoke_as: str | None = None, **extra: str
) -> subprocess.CompletedProcess:
    env = {**env, "PATH": f"{docker.bin_dir}{os.pathsep}{env['PATH']}", "STANDIN_DIR": str(docker.state), **extra}
    return subprocess.run(
        ["sh", invoke_as or str(script)], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )


def login_password(aws_cli: Path, env: dict[str, str], region: str) -> str:
    """What `aws ecr get-login-password` prints, the value the script must hand to docker."""
    result = subprocess.run(
        [str(aws_cli), "ecr", "get-login-password", "--region", region], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.rstrip("\n")


def split_image(image: str) -> tuple[str, str, str]:
    registry, _, path = image.partition("/")
    repository, _, tag = path.rpartition(":")
    return registry, repository, tag


def pushed_tags(ecr, repository: str) -> list[str]:
    images = ecr.describe_images(repositoryName=repository)["imageDetails"]
    return sorted(tag for image in images for tag in image.get("imageTags", []))


def test_every_example_has_a_generated_script():
    assert SCRIPTS, "no examples/*/generated/build_and_push.sh: run make regen"


@pytest.mark.parametrize("script", SCRIPTS, ids=example_id)
def test_script_pushes_the_requests_image_and_runs_again(script, docker, aws_cli, aws_env, fresh_moto, moto_boto3, tmp_path):
    image = load_request(script.parent / "create_training_job.json")["AlgorithmSpecification"]["TrainingImage"]
    registry, repository, tag = split_image(image)
    job_dir = script.parent.parent.resolve()
    ecr = moto_boto3("ecr", job_region(script))
    # With an explicit image.tag, the image gets its inputs tag too.
    inputs_tag = compile_job(job_dir / "job.yaml").rendered.inputs_tag
    tags = [tag, inputs_tag] if inputs_tag else [tag]
    images = [f"{registry}/{repository}:{each}" for each in tags]

    # First run, from an unrelated working directory: creates the repository and pushes.
    first = run_script(script, docker, aws_env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"{image}\n", "stdout must be the image URI alone"
    assert f"creating ECR repository {repository}" in first.stderr
    login, build, *pushes = docker.calls()
    assert login == ["login", "--username", "AWS", "--password-stdin", registry]
    # Exactly the password, on stdin; docker would strip one trailing newline, nothing more.
    assert docker.stdin_of_call(0).removesuffix("\n") == login_password(aws_cli, aws_env, job_region(script))
    # Paths compared resolved: the script names them through `pwd`, which keeps symlinks.
    assert build[:4] == ["build", "--platform", "linux/amd64", "--file"]
    assert Path(build[4]).resolve() == script.parent.resolve() / "Dockerfile"
    assert build[5:-1] == [word for each in images for word in ("--tag", each)]
    assert Path(build[-1]).resolve() == job_dir, "the build context is not the job's directory"
    assert pushes == [["push", each] for each in images]
    # One image, with every tag.
    assert [sorted(found["imageTags"]) for found in ecr.describe_images(repositoryName=repository)["imageDetails"]] == [sorted(tags)]

    # Second run, from the job's directory with CDPATH exported (which makes `cd dir` print the
    # directory): the repository exists, the tag is mutable, the image is rebuilt and pushed.
    second = run_script(
        script, docker, aws_env, cwd=job_dir, invoke_as=f"{script.parent.name}/{script.name}", CDPATH=f".{os.pathsep}/nonexistent"
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout == f"{image}\n"
    assert "creating ECR repository" not in second.stderr
    assert docker.commands() == (["login", "build"] + ["push"] * len(tags)) * 2
    assert docker.calls()[-len(tags):] == [["push", each] for each in images]


@pytest.fixture
def first_script() -> Path:
    if not SCRIPTS:
        pytest.skip("no examples/*/generated/build_and_push.sh")
    return SCRIPTS[0]


@pytest.mark.parametrize(
    "mutability, filter_matches_tag, pushes",
    [
        pytest.param("IMMUTABLE", None, False, id="immutable"),
        pytest.param("MUTABLE_WITH_EXCLUSION", True, False, id="mutable-but-this-tag"),
        pytest.param("IMMUTABLE_WITH_EXCLUSION", True, True, id="immutable-but-this-tag"),
    ],
)
def test_rerun_pushes_an_existing_tag_only_where_it_is_mutable(
    mutability, filter_matches_tag, pushes, first_script, docker, aws_cli, aws_env, fresh_moto, moto_boto3, tmp_path
):
    # The script's logic is the same for every example (only its values differ), so one example
    # is enough here; the state a previous run left is set up directly to keep the test short.
    image = load_request(first_script.parent / "create_training_job.json")["AlgorithmSpecification"]["TrainingImage"]
    _, repository, tag = split_image(image)
    ecr = moto_boto3("ecr", job_region(first_script))
    settings = {"imageTagMutability": mutability}
    if filter_matches_tag is not None:
        settings["imageTagMutabilityExclusionFilters"] = [{"filterType": "WILDCARD", "filter": f"{tag[:3]}*"}]
    ecr.create_repository(repositoryName=repository, **settings)
    ecr.put_image(repositoryName=repository, imageTag=tag, imageManifest=MANIFEST)

    result = run_script(first_script, docker, aws_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{image}\n"
    if pushes:
        assert docker.commands() == ["login", "build", "push"]
    else:
        assert f"{image} already exists in an immutable repository; not pushing it again" in result.stderr
        assert docker.calls() == []
    assert pushed_tags(ecr, repository) == [tag]


def test_an_immutable_repository_without_the_tag_gets_the_push(first_script, docker, aws_cli, aws_env, fresh_moto, moto_boto3, tmp_path):
    image = load_request(first_script.parent / "create_training_job.json")["AlgorithmSpecification"]["TrainingImage"]
    _, repository, tag = split_image(image)
    ecr = moto_boto3("ecr", job_region(first_script))
    ecr.create_repository(repositoryName=repository, imageTagMutability="IMMUTABLE")
    ecr.put_image(repositoryName=repository, imageTag="an-older-build", imageManifest=MANIFEST)

    result = run_script(first_script, docker, aws_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert docker.commands() == ["login", "build", "push"]
    assert pushed_tags(ecr, repository) == sorted(["an-older-build", tag])


@pytest.mark.parametrize("step", ["login", "build", "push"])
def test_a_failing_docker_step_stops_the_script_and_names_it(step, first_script, docker, aws_cli, aws_env, fresh_moto, moto_boto3, tmp_path):
    image = load_request(first_script.parent / "create_training_job.json")["AlgorithmSpecification"]["TrainingImage"]
    _, repository, _ = split_image(image)
    ecr = moto_boto3("ecr", job_region(first_script))
    ecr.create_repository(repositoryName=repository)

    result = run_script(first_script, docker, aws_env, cwd=tmp_path, STANDIN_FAIL=step)

    assert result.returncode != 0
    assert f"build_and_push: error: step 'docker {step}' failed" in result.stderr.splitlines()[-1]
    assert docker.commands()[-1] == step, "the script went on after the failing step"
    assert result.stdout == ""
    assert pushed_tags(ecr, repository) == []


def test_failing_aws_credentials_stop_the_script_at_the_first_step(first_script, docker, aws_cli, moto_endpoint, tmp_path):
    env = isolated_env(tmp_path, AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=moto_endpoint)

    result = run_script(first_script, docker, env, cwd=tmp_path)

    assert result.returncode != 0
    assert "build_and_push: error: step 'find repository' failed" in result.stderr
    assert "Unable to locate credentials" in result.stderr
    assert docker.calls() == []


@pytest.mark.parametrize("linter", [["shellcheck"], ["shfmt", "-d"]])
def test_the_docker_standin_passes_the_shell_linters(linter):
    tool = shutil.which(linter[0], path=str(Path(sys.executable).parent)) or shutil.which(linter[0])
    require_tool(tool is not None, f"{linter[0]} not installed (requirements-dev.txt installs it into .venv)")
    result = subprocess.run([tool, *linter[1:], str(STANDIN)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
