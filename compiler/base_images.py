"""Which base image a job builds FROM: pinned releases per family, never a moving tag.

CPU jobs use the official slim Python image of a pinned patch release on Debian bookworm.
CUDA jobs use NVIDIA's cuDNN runtime image on Ubuntu 22.04 and add the requested Python as a
pinned, checksummed python-build-standalone build (compiler/python_builds.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sagemaker_byoc.spec.model import Image

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


@dataclass(frozen=True)
class BaseImage:
    reference: str  # what FROM names
    family: str  # "cpu" or "cuda"
    python: str  # major.minor
    python_standalone: bool  # CUDA: the image adds a python-build-standalone build and a venv for pip


def choose_base(image: Image) -> BaseImage:
    minor = ".".join(image.python.split(".")[:2])
    if image.base == "cuda":
        reference = image.base_image or f"{CUDA_REPOSITORY}:{image.cuda}-cudnn-runtime-{CUDA_UBUNTU}"
        # NVIDIA's image pinned by digest still needs the pinned Python; any other base brings its own.
        return BaseImage(reference, "cuda", minor, python_standalone=_repository(reference) == CUDA_REPOSITORY)
    patch = image.python if image.python.count(".") == 2 else PYTHON_PATCH[minor]
    reference = image.base_image or f"python:{patch}-slim-bookworm"
    return BaseImage(reference, "cpu", minor, python_standalone=False)


def _repository(reference: str) -> str:
    """An image reference without its digest and tag: nvidia/cuda:12.4.1-…@sha256:… -> nvidia/cuda."""
    name = reference.split("@", 1)[0]
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > last_slash else name
