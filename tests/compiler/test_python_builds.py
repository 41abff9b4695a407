"""A CUDA image's Python: the pinned python-build-standalone build of the same patch release
that CPU images get, checked against its sha256 before it is unpacked; no PPA."""

from __future__ import annotations

import re

import pytest

from sagemaker_byoc.compiler.base_images import PYTHON_PATCH
from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.compiler.python_builds import BUILDS

from .jobs import MINIMAL, make_job


def test_every_minor_version_has_a_build_of_the_pinned_patch_release():
    assert set(BUILDS) == set(PYTHON_PATCH)
    for minor, build in BUILDS.items():
        assert build.version == PYTHON_PATCH[minor]
        assert re.fullmatch(r"[0-9a-f]{64}", build.sha256)
        assert re.fullmatch(r"[0-9]{8}", build.release)
        assert f"/{build.release}/cpython-{build.version}%2B{build.release}-x86_64-unknown-linux-gnu-" in build.url


@pytest.mark.parametrize("minor", sorted(BUILDS))
def test_a_cuda_dockerfile_adds_the_build_and_checks_it_before_unpacking(tmp_path, minor):
    text = MINIMAL.replace("image:\n", f'image:\n  base: cuda\n  python: "{minor}"\n  apt: [libgl1]\n')
    dockerfile = compile_job(make_job(tmp_path, text)).rendered.artifacts[0].content.decode()
    build = BUILDS[minor]
    lines = dockerfile.splitlines()
    add = lines.index(f"ADD {build.url} /tmp/python.tar.gz")
    check = next(i for i, line in enumerate(lines) if build.sha256 in line)
    unpack = next(i for i, line in enumerate(lines) if "tar -xzf /tmp/python.tar.gz" in line)
    assert add < check < unpack
    assert "sha256sum -c /tmp/python.sha256" in lines[check + 1]
    assert "deadsnakes" not in dockerfile and "add-apt-repository" not in dockerfile
    assert f"python{minor}" not in dockerfile.split("RUN apt-get update", 1)[1].split("ADD", 1)[0]


def test_a_cuda_job_with_its_own_base_image_gets_no_python_added(tmp_path):
    text = MINIMAL.replace("image:\n", "image:\n  base: cuda\n  base_image: registry.example/cuda-python:1\n")
    dockerfile = compile_job(make_job(tmp_path, text)).rendered.artifacts[0].content.decode()
    assert "python-build-standalone" not in dockerfile and "/opt/venv" not in dockerfile


def test_nvidia_cuda_pinned_by_digest_still_gets_the_pinned_python(tmp_path):
    digest = "sha256:" + "0" * 64
    reference = f"nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04@{digest}"
    text = MINIMAL.replace("image:\n", f"image:\n  base: cuda\n  base_image: {reference}\n")
    dockerfile = compile_job(make_job(tmp_path, text)).rendered.artifacts[0].content.decode()
    assert f"FROM {reference}" in dockerfile
    assert f"ADD {BUILDS['3.11'].url} /tmp/python.tar.gz" in dockerfile
