"""Which base image a job builds FROM: pinned releases per family, never a moving tag.

CPU jobs use the official slim Python image of a pinned patch release on Debian bookworm.
CUDA jobs use NVIDIA's cuDNN runtime image on Ubuntu 22.04 and add the requested Python as a
pinned, checksummed python-build-standalone build (compiler/python_builds.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sagemaker_byoc.aws.ecr import EcrRegistry, registry_of
from sagemaker_byoc.spec.model import Image, Job

# Newest patch release of each minor version when this table was last updated.
PYTHON_PATCH = {
    "3.9": "3.9.20",
    "3.10": "3.10.15",
    "3.11": "3.11.10",
    "3.12": "3.12.7",
    "3.13": "3.13.0",
}

CUDA_UBUNTU = "ubuntu22.04"
CUDA_REPOSITORY = "nvidia/cuda"
# The repositories of the bases this module pins: the same images pinned by digest are not bases
# of one's own.
PINNED_REPOSITORIES = frozenset({"python", CUDA_REPOSITORY})


@dataclass(frozen=True)
class BaseImage:
    reference: str  # what FROM names
    family: str  # "cpu" or "cuda"
    python: str  # major.minor
    python_standalone: bool  # CUDA: the image adds a python-build-standalone build and a venv for pip
    # image.base_image is neither the official Python image nor nvidia/cuda: an AWS Deep Learning
    # Container, say, which may bring its own `train` and ENTRYPOINT (compiler/templates/Dockerfile.j2).
    own: bool = False


def choose_base(image: Image) -> BaseImage:
    minor = ".".join(image.python.split(".")[:2])
    if image.base == "cuda":
        reference = image.base_image or f"{CUDA_REPOSITORY}:{image.cuda}-cudnn-runtime-{CUDA_UBUNTU}"
        # NVIDIA's image pinned by digest still needs the pinned Python; any other base brings its own.
        repository = _repository(reference)
        return BaseImage(reference, "cuda", minor, python_standalone=repository == CUDA_REPOSITORY, own=repository not in PINNED_REPOSITORIES)
    patch = image.python if image.python.count(".") == 2 else PYTHON_PATCH[minor]
    reference = image.base_image or f"python:{patch}-slim-bookworm"
    return BaseImage(reference, "cpu", minor, python_standalone=False, own=_repository(reference) not in PINNED_REPOSITORIES)


def base_login_registry(job: Job) -> EcrRegistry | None:
    """The ECR registry the build pulls the base image from, when it is not the job's own (which
    build_and_push.sh logs in to for the push): the registry of a second login."""
    registry = registry_of(choose_base(job.image).reference)
    return registry if registry is not None and registry.host != job.registry else None


def _repository(reference: str) -> str:
    """An image reference without its digest and tag, and Docker Hub's implied prefixes:
    nvidia/cuda:12.4.1-…@sha256:… -> nvidia/cuda; docker.io/library/python:3.11 -> python."""
    name = reference.split("@", 1)[0]
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    name = name[:colon] if colon > last_slash else name
    for prefix in ("docker.io/", "index.docker.io/", "library/"):
        name = name.removeprefix(prefix)
    return name
