"""What an image needs for distribution.type mpi: the parts of the toolkit's MPI protocol
(docs/distributed.md) that live in the image rather than in train.

sshd and ssh carry mpirun from algo-1 to the other hosts; Open MPI is mpirun itself; gcc and
Open MPI's headers build mpi4py, which runs the entry point (python -m mpi4py) so that an
uncaught exception in one rank aborts every rank.
"""

from __future__ import annotations

from sagemaker_byoc.spec.model import Job

APT_PACKAGES = ("openssh-server", "openssh-client", "openmpi-bin", "libopenmpi-dev", "gcc")
MPI4PY = "mpi4py==4.1.2"


def needs_mpi(job: Job) -> bool:
    return job.distribution.type == "mpi"


def apt_packages(job: Job) -> list[str]:
    """The job's own packages, then those MPI needs that it does not list."""
    packages = list(job.image.apt)
    if needs_mpi(job):
        packages += [package for package in APT_PACKAGES if package not in packages]
    return packages


def pip_packages(job: Job) -> list[str]:
    """The job's own packages, then mpi4py unless the job names it already."""
    packages = list(job.image.pip)
    if needs_mpi(job) and not any(_project(package) == "mpi4py" for package in packages):
        packages.append(MPI4PY)
    return packages


def _project(requirement: str) -> str:
    name = requirement.split(";")[0]
    for separator in "<>=!~[ @":
        name = name.split(separator)[0]
    return name.strip().lower().replace("_", "-")
