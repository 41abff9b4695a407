"""A base image of one's own (image.base_image), such as an AWS Deep Learning Container in ECR:
its registry parsed from the host name by a whole-string rule, a login to it rendered into
build_and_push.sh, and a Dockerfile in which SageMaker's `train` is still the shim."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sagemaker_byoc.aws.ecr import EcrRegistry, registry_of
from sagemaker_byoc.compiler.pipeline import compile_job
from tests.compiler.jobs import MINIMAL, make_job, run_compiler
from tests.compiler.test_hostile_values import dockerfile_of

DLC = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.5.1-cpu-py311-ubuntu22.04-sagemaker"
# The DLCs of ap-east-1 (Hong Kong) live in another account than us-east-1's.
DLC_HONG_KONG = "871362719292.dkr.ecr.ap-east-1.amazonaws.com/pytorch-training:2.5.1-cpu-py311-ubuntu22.04-sagemaker"
IMAGE_LINE = "  repository: demo/train"


def with_base(reference: str) -> str:
    return MINIMAL.replace(IMAGE_LINE, f"{IMAGE_LINE}\n  base_image: {reference}")


@pytest.mark.parametrize(
    ("reference", "registry"),
    [
        (DLC, EcrRegistry("763104351884.dkr.ecr.us-east-1.amazonaws.com", "763104351884", "us-east-1")),
        (DLC_HONG_KONG, EcrRegistry("871362719292.dkr.ecr.ap-east-1.amazonaws.com", "871362719292", "ap-east-1")),
        ("727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/pytorch-training:2.5.1-cpu-py311",
         EcrRegistry("727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn", "727897471807", "cn-north-1")),
        ("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/base@sha256:" + "a" * 64,
         EcrRegistry("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "123456789012", "us-gov-west-1")),
        ("123456789012.dkr.ecr.eu-central-2.amazonaws.com/team/base", EcrRegistry("123456789012.dkr.ecr.eu-central-2.amazonaws.com", "123456789012", "eu-central-2")),
    ],
)
def test_an_ecr_reference_names_its_registry_account_and_region(reference, registry):
    assert registry_of(reference) == registry


@pytest.mark.parametrize(
    "reference",
    [
        "python:3.11.10-slim-bookworm",
        "nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04",
        "public.ecr.aws/docker/library/python:3.11-slim",
        "ghcr.io/org/trainer:1.0",
        "763104351884.dkr.ecr.us-east-1.amazonaws.com",  # a host alone is no image in a registry
        "763104351884.dkr.ecr.us-east-1.amazonaws.com.evil.example/pytorch-training:1",
        "evil.example/763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:1",
        "76310435188.dkr.ecr.us-east-1.amazonaws.com/x:1",  # 11 digits
        "7631043518840.dkr.ecr.us-east-1.amazonaws.com/x:1",  # 13 digits
        "763104351884.dkr.ecr.us-east-1.amazonaws.com:443/x:1",
        "763104351884.dkr.ecr.cn-north-1.amazonaws.com/x:1",  # China's Regions are under amazonaws.com.cn
        "763104351884.dkr.ecr.us-east-1.amazonaws.com.cn/x:1",
        "763104351884.dkr.ecr.us-east.amazonaws.com/x:1",
        "763104351884.dkr.ecr.us-east-1.amazonaws.com\n/x:1",
    ],
)
def test_anything_else_is_no_ecr_registry(reference):
    assert registry_of(reference) is None


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40), st.text(st.characters(blacklist_categories=("Cs",)), max_size=20))
def test_a_registry_is_only_ever_a_whole_ecr_host(before, after):
    """Whatever surrounds a registry's host, a match is a whole ECR host that a shell word and a
    docker login can carry as it is."""
    found = registry_of(f"{before}763104351884.dkr.ecr.us-east-1.amazonaws.com{after}/x")
    if found is not None:
        assert found.host.isascii() and all(c.isalnum() or c in ".-" for c in found.host)
        assert found.host == f"{found.account}.dkr.ecr.{found.region}.amazonaws.com"


def test_a_dlc_base_gets_a_login_to_its_registry_in_build_and_push(tmp_path):
    job = make_job(tmp_path, with_base(DLC_HONG_KONG))
    result = run_compiler("compile", job)
    assert result.returncode == 0, result.stderr
    script = (tmp_path / "generated" / "build_and_push.sh").read_text()
    assert "\nbase_registry=871362719292.dkr.ecr.ap-east-1.amazonaws.com\n" in script
    assert "\nbase_region=ap-east-1\n" in script
    assert '\n\tlogin "$region" "$registry"\n\tlogin "$base_region" "$base_registry"\n' in script
    for shell in ("dash", "bash"):
        assert subprocess.run([shell, "-n", str(tmp_path / "generated" / "build_and_push.sh")]).returncode == 0


@pytest.mark.parametrize("reference", ["python:3.11.10-slim-bookworm@sha256:" + "b" * 64, "ghcr.io/org/trainer:1.0",
                                       "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/base:1"])
def test_no_second_login_for_a_base_outside_ecr_or_in_the_jobs_own_registry(tmp_path, reference):
    job = make_job(tmp_path, with_base(reference))
    assert run_compiler("compile", job).returncode == 0
    script = (tmp_path / "generated" / "build_and_push.sh").read_text()
    assert "base_registry" not in script
    assert script.count('\n\tlogin "$region" "$registry"\n') == 1


def test_an_amazonaws_base_that_is_no_ecr_registry_we_know_is_a_warning(tmp_path):
    job = make_job(tmp_path, with_base("763104351884.dkr.ecr.us-east.amazonaws.com/pytorch-training:1"))
    result = run_compiler("validate", job)
    assert result.returncode == 0
    assert result.stderr.startswith(f"{job}:8:15: warning: ") and "(at /image/base_image)" in result.stderr, result.stderr
    assert "<account>.dkr.ecr.<region>.amazonaws.com" in result.stderr and "log in" in result.stderr


def test_on_a_base_of_its_own_sagemakers_train_is_the_shim(tmp_path):
    """A DLC puts sagemaker-training's `train` in /opt/conda/bin, ahead of /usr/local/bin on its
    PATH, and starts every command through its ENTRYPOINT (bash start_with_right_hostname.sh,
    which runs `train` as a child that SIGTERM never reaches): the image resets the entrypoint
    and puts a folder holding only the shim first on PATH."""
    job = make_job(tmp_path, with_base(DLC))
    assert run_compiler("compile", job).returncode == 0
    commands = dockerfile_of(tmp_path / "generated")
    kinds = [c.cmd for c in commands]
    assert ("ENTRYPOINT", ()) in [(c.cmd, c.value) for c in commands]
    assert kinds.index("ENTRYPOINT") < kinds.index("CMD")
    path = next(c.value for c in commands if c.cmd == "ENV" and c.value[0] == "PATH")
    assert path == ("PATH", "/opt/sagemaker-byoc/bin:$PATH")
    link = next(c.value[0] for c in commands if c.cmd == "RUN" and "/opt/sagemaker-byoc/bin" in c.value[0])
    assert "ln -s /usr/local/bin/train /opt/sagemaker-byoc/bin/train" in link
    assert next(c for c in commands if c.cmd == "COPY" and c.value[-1] == "/usr/local/bin/train")


@pytest.mark.parametrize("reference", [None, "python:3.11.10-slim-bookworm@sha256:" + "b" * 64])
def test_the_pinned_bases_keep_their_dockerfile(tmp_path, reference):
    job = make_job(tmp_path, with_base(reference) if reference else MINIMAL)
    assert run_compiler("compile", job).returncode == 0
    dockerfile = (tmp_path / "generated" / "Dockerfile").read_text()
    assert "ENTRYPOINT" not in dockerfile and "/opt/sagemaker-byoc" not in dockerfile


def test_explain_says_how_a_dlc_base_is_pulled_and_what_sagemaker_runs(tmp_path):
    job = make_job(tmp_path, with_base(DLC_HONG_KONG))
    shown = run_compiler("explain", job)
    assert shown.returncode == 0, shown.stderr
    line = next(row for row in shown.stdout.splitlines() if row.startswith("AlgorithmSpecification.TrainingImage = "))
    assert f"{job}:8 image.base_image" in line
    assert "build_and_push.sh logs in to 871362719292.dkr.ecr.ap-east-1.amazonaws.com (Region ap-east-1)" in line
    assert "SageMaker runs train, the shim" in line and "entrypoint" in line
    assert compile_job(job).job.image.base_image == DLC_HONG_KONG
