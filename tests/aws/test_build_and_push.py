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


def base_registry(job_dir: Path) -> str | None:
    """The ECR registry of the job's image.base_image, read here without the compiler's rule:
    the host before the first /, when it is <account>.dkr.ecr.<region>.amazonaws.com."""
    from sagemaker_byoc.spec import load_job

    base = load_job(job_dir / "job.yaml")[0].image.base_image or ""
    host = base.split("/", 1)[0] if "/" in base else ""
    return host if ".dkr.ecr." in host and host.endswith(".amazonaws.com") else None


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
    # The job's registry, and the base image's when it is another ECR registry (a DLC): its host
    # names the account and the Region of its token.
    base = base_registry(job_dir)
    logins = [registry] + ([base] if base and base != registry else [])
    *login_calls, build = docker.calls()[: len(logins) + 1]
    pushes = docker.calls()[len(logins) + 1 :]
    assert login_calls == [["login", "--username", "AWS", "--password-stdin", each] for each in logins]
    # Exactly the password, on stdin; docker would strip one trailing newline, nothing more.
    for index, each in enumerate(logins):
        region = each.split(".")[3]
        assert docker.stdin_of_call(index).removesuffix("\n") == login_password(aws_cli, aws_env, region)
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
    assert docker.commands() == (["login"] * len(logins) + ["build"] + ["push"] * len(tags)) * 2
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


# --- a base image in another ECR registry (an AWS Deep Learning Container) --------------------

# us-east-1's DLCs are in 763104351884; ap-east-1's in 871362719292: the account and the Region of
# the second login come from the base's host, not from the job.
DLC_HONG_KONG = "871362719292.dkr.ecr.ap-east-1.amazonaws.com/pytorch-training:2.5.1-cpu-py311-ubuntu22.04-sagemaker"
JOB_REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def compiled_script(job_dir: Path, base_image: str | None = None) -> Path:
    """build_and_push.sh of a small job in us-east-1, compiled into job_dir/generated."""
    from tests.compiler.jobs import MINIMAL, make_job, run_compiler

    text = MINIMAL.replace("  repository: demo/train", f"  repository: demo/train\n  base_image: {base_image}") if base_image else MINIMAL
    result = run_compiler("compile", make_job(job_dir, text))
    assert result.returncode == 0, result.stderr
    return job_dir / "generated" / "build_and_push.sh"


def record_aws(docker: Docker, aws_cli: Path) -> Path:
    """An `aws` first on PATH that records its arguments, one call a line, and runs the real CLI."""
    record = docker.bin_dir.parent / "aws-calls"
    (docker.bin_dir / "aws").write_text(f'#!/bin/sh\nprintf \'%s\\n\' "$*" >>"{record}"\nexec "{aws_cli}" "$@"\n')
    (docker.bin_dir / "aws").chmod(0o755)
    return record


def test_a_dlc_base_is_pulled_after_a_login_to_its_own_registry(docker, aws_cli, aws_env, fresh_moto, tmp_path):
    script = compiled_script(tmp_path / "job", DLC_HONG_KONG)
    aws_calls = record_aws(docker, aws_cli)

    result = run_script(script, docker, aws_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    # The job's registry for the push, then the base's for the pull, both before the build; the
    # stand-in's build refuses a FROM in a registry it was not logged in to.
    assert docker.commands() == ["login", "login", "build", "push"]
    assert (docker.state / "logins").read_text().splitlines() == [JOB_REGISTRY, "871362719292.dkr.ecr.ap-east-1.amazonaws.com"]
    assert docker.calls()[1] == ["login", "--username", "AWS", "--password-stdin", "871362719292.dkr.ecr.ap-east-1.amazonaws.com"]
    assert docker.stdin_of_call(1).removesuffix("\n") == login_password(aws_cli, aws_env, "ap-east-1")
    logins = [line for line in aws_calls.read_text().splitlines() if line.startswith("ecr get-login-password")]
    assert logins == ["ecr get-login-password --region us-east-1", "ecr get-login-password --region ap-east-1"]


@pytest.mark.parametrize("base_image", [None, "ghcr.io/org/trainer:1.0", "public.ecr.aws/docker/library/python:3.11-slim",
                                        f"{JOB_REGISTRY}/team/base:1"])
def test_a_base_outside_ecr_or_in_the_jobs_own_registry_gets_no_second_login(base_image, docker, aws_cli, aws_env, fresh_moto, tmp_path):
    script = compiled_script(tmp_path / "job", base_image)

    result = run_script(script, docker, aws_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert docker.commands() == ["login", "build", "push"]
    assert (docker.state / "logins").read_text().splitlines() == [JOB_REGISTRY]


def test_the_docker_standin_refuses_to_pull_from_ecr_without_a_login(docker, tmp_path):
    """What proves the second login above: the stand-in's build pulls as docker does."""
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(f"FROM --platform=linux/amd64 {DLC_HONG_KONG}\n")
    env = {"PATH": f"{docker.bin_dir}{os.pathsep}{os.environ['PATH']}", "STANDIN_DIR": str(docker.state)}
    build = [str(docker.bin_dir / "docker"), "build", "--platform", "linux/amd64", "--tag", "t:1", str(context)]
    refused = subprocess.run(build, env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0
    assert "pull access denied" in refused.stderr and "871362719292.dkr.ecr.ap-east-1.amazonaws.com" in refused.stderr
    login = [str(docker.bin_dir / "docker"), "login", "--username", "AWS", "--password-stdin", "871362719292.dkr.ecr.ap-east-1.amazonaws.com"]
    assert subprocess.run(login, env=env, input="token", capture_output=True, text=True, timeout=60).returncode == 0
    assert subprocess.run(build, env=env, capture_output=True, text=True, timeout=60).returncode == 0


# --- the script finds its own folder, however it is started -----------------------------------


def test_a_script_that_bash_finds_on_path_builds_its_own_folder_not_the_current_one(docker, aws_env, fresh_moto, tmp_path):
    """`bash build_and_push.sh`, the script not in the current directory: bash looks it up on
    PATH and sets $0 to the bare name. A Dockerfile in the current directory is not the job's."""
    script = compiled_script(tmp_path / "job")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "Dockerfile").write_text("FROM decoy\n")
    env = {**aws_env, "PATH": f"{docker.bin_dir}{os.pathsep}{script.parent}{os.pathsep}{aws_env['PATH']}", "STANDIN_DIR": str(docker.state)}

    result = subprocess.run(["bash", script.name], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=180)

    assert result.returncode == 0, result.stderr
    build = next(call for call in docker.calls() if call[0] == "build")
    assert Path(build[4]).resolve() == script.parent.resolve() / "Dockerfile"
    assert Path(build[-1]).resolve() == (tmp_path / "job").resolve()


def shells_that_source() -> list[object]:
    from tests.shim.harness import SHELLS

    argvs = [shell.argv for shell in SHELLS] + [("bash",), ("zsh",)]  # and as interactive users have them
    return [pytest.param(argv, id=" ".join(argv)) for argv in argvs]


@pytest.mark.parametrize("argv", shells_that_source())
def test_a_sourced_script_refuses_and_leaves_the_shell_as_it_was(argv, docker, aws_env, fresh_moto, tmp_path):
    """Sourced, $0 names the shell: the script cannot know its folder, so it would build whatever
    Dockerfile the current directory holds. It says so and returns, before set -eu or a function
    reaches the shell that sourced it, which goes on running."""
    require_tool(shutil.which(argv[0]) is not None, f"{argv[0]} not installed (.ci/apt-packages lists it)")
    script = compiled_script(tmp_path / "job")
    (tmp_path / "Dockerfile").write_text("FROM decoy\n")
    env = {**aws_env, "PATH": f"{docker.bin_dir}{os.pathsep}{aws_env['PATH']}", "STANDIN_DIR": str(docker.state), "LC_ALL": "C.UTF-8"}
    probe = (
        '. "$1"; echo "status $?"; '
        'case $- in *e*) echo "errexit set" ;; esac; case $- in *u*) echo "nounset set" ;; esac; '
        'command -v ensure_repository >/dev/null 2>&1 && echo "functions defined"; echo "still running"'
    )
    result = subprocess.run([*argv, "-c", probe, "sh", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)

    assert result.stdout.splitlines() == ["status 2", "still running"], result.stdout + result.stderr
    assert "build_and_push: error: run this script as a file (sh path/to/build_and_push.sh), not sourced" in result.stderr
    assert not docker.state.exists(), "docker was called"


def test_a_script_read_from_standard_input_refuses(docker, aws_env, fresh_moto, tmp_path):
    script = compiled_script(tmp_path / "job")
    env = {**aws_env, "PATH": f"{docker.bin_dir}{os.pathsep}{aws_env['PATH']}", "STANDIN_DIR": str(docker.state)}
    with script.open("rb") as stdin:
        result = subprocess.run(["sh"], stdin=stdin, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "build_and_push: error: run this script as a file" in result.stderr
    assert not docker.state.exists()
