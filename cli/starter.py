"""`sagemaker-byoc init DIR`: a starter job that validates, compiles and runs locally as it is.

It writes job.yaml (commented), code/train.py (reads its channels, hyperparameters and
SM_MODEL_DIR), a little CSV data for run-local, and job.schema.json, the schema of the
installed tool, which the job.yaml's modeline names so that editors check the file wherever
the tool is installed (`sagemaker-byoc schema -o job.schema.json` refreshes it).
Variants: --gpu (CUDA base, a GPU instance, PyTorch), --distributed (torchrun on two
instances), --tuning (a hyperparameter tuning job over lr and epochs).

Nothing is written when any file would be replaced.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

STARTER_FILES = Path(__file__).resolve().parent / "starter_files"
SCHEMA_FILE = "job.schema.json"
# The schema's rule for job names, and what a folder's name becomes when it breaks it.
JOB_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
FALLBACK_NAME = "starter-job"


class StarterError(Exception):
    """The starter cannot be written (a file is in the way, a bad name); nothing was written."""


@dataclass(frozen=True)
class Variant:
    gpu: bool = False
    distributed: bool = False
    tuning: bool = False

    @property
    def torch(self) -> bool:
        return self.gpu or self.distributed


def job_name_for(directory: Path, name: str | None) -> str:
    """The given name, checked; or one made from the folder's name."""
    if name is not None:
        if not JOB_NAME.fullmatch(name):
            raise StarterError(f"--name {name!r}: a job name is 1-63 letters, digits and hyphens, not starting or ending with a hyphen")
        return name
    made = re.sub(r"[^a-zA-Z0-9]+", "-", directory.resolve().name).strip("-")[:63].strip("-")
    return made if JOB_NAME.fullmatch(made) else FALLBACK_NAME


def schema_path() -> Path:
    """job.yaml's schema, which the starter copies beside its job.yaml for editors."""
    from sagemaker_byoc.spec.schema import SCHEMA_PATH

    return SCHEMA_PATH


def starter_files(name: str, variant: Variant) -> dict[str, bytes]:
    """Every file of the starter, by its path relative to the job's folder."""
    assert JOB_NAME.fullmatch(name), name
    script = "train_torch.py" if variant.torch else "train.py"
    files = {
        "job.yaml": job_yaml(name, variant).encode(),
        "code/train.py": (STARTER_FILES / script).read_bytes(),
        "data/train/train.csv": _points(i for i in range(80) if i % 5).encode(),
        "data/validation/validation.csv": _points(i for i in range(80) if not i % 5).encode(),
        SCHEMA_FILE: schema_path().read_bytes(),
    }
    if variant.torch:
        files["local-requires.txt"] = (
            b"# run-local skips the job (exit 3) when the Python it runs the script with lacks torch;\n"
            b"# make a .venv beside job.yaml that has it (run-local uses it), or give one with --python.\n"
            b"python torch\n"
        )
    return files


# What a local run of a torch starter needs here: PyTorch's CPU build, whichever the image has
# (a rehearsal on this machine's CPU; the script uses a GPU where there is one).
LOCAL_TORCH = ("torch==2.4.1+cpu", "--extra-index-url", "https://download.pytorch.org/whl/cpu")


def local_setup(directory: Path, variant: Variant) -> list[list[str]]:
    """The commands that make the starter run locally as written: for a torch starter, a .venv
    beside job.yaml with torch, which run-local finds there. None for the others."""
    if not variant.torch:
        return []
    venv = directory / ".venv"
    return [["python3", "-m", "venv", str(venv)], [str(venv / "bin" / "pip"), "install", *LOCAL_TORCH]]


def write_starter(directory: Path, files: dict[str, bytes]) -> None:
    in_the_way = [relative for relative in files if os.path.lexists(directory / relative)]
    if in_the_way:
        raise StarterError(f"{directory}: would replace {', '.join(sorted(in_the_way))}; choose a new or empty folder")
    if directory.exists() and not directory.is_dir():
        raise StarterError(f"{directory} exists and is not a directory")
    try:
        for relative, content in files.items():
            path = directory / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("xb") as out:  # never replace: the check above could race
                out.write(content)
    except OSError as error:
        raise StarterError(f"cannot write the starter into {directory}: {error.strerror or error}") from None


def _points(indexes: Iterable[int]) -> str:
    """y = 3x + 1 with a little deterministic noise, for x in [0, 2)."""
    rows = []
    for i in indexes:
        x = i / 40
        rows.append(f"{x:.4f},{3 * x + 1 + ((i * 37) % 11 - 5) / 100:.4f}\n")
    return "".join(rows)


def job_yaml(name: str, variant: Variant) -> str:
    """job.yaml's text. The name is the only value not written here, and it matched JOB_NAME:
    letters, digits and hyphens, quoted so that YAML never reads it as a number."""
    quoted_name = json.dumps(name)
    repository = "byoc/" + re.sub(r"-+", "-", name.lower())
    if variant.gpu:
        image = (
            "image:\n"
            "  base: cuda                # an nvidia/cuda runtime image with the Python below\n"
            '  python: "3.11"\n'
            '  cuda: "12.4.1"\n'
            "  pip: [torch==2.4.1]       # pin every package: the image tag hashes this list\n"
        )
    elif variant.torch:
        # PyPI's torch is the CUDA build, gigabytes that a CPU instance never uses; the +cpu build
        # is only on PyTorch's own index, so pinning it also keeps pip from taking PyPI's.
        image = (
            "image:\n"
            "  base: cpu\n"
            '  python: "3.11"\n'
            "  pip: [torch==2.4.1+cpu]   # pin every package: the image tag hashes this list\n"
            "  extra_index_urls: [https://download.pytorch.org/whl/cpu]   # PyTorch's CPU builds (PyPI's torch is the CUDA one)\n"
        )
    else:
        image = (
            "image:\n"
            "  base: cpu                 # an official slim Python image; cuda for GPUs\n"
            '  python: "3.11"\n'
            "  pip: []                   # pinned packages, e.g. [numpy==2.1.3]\n"
        )
    image += f"  repository: {repository}    # the ECR repository build_and_push.sh creates and pushes to\n"

    if variant.distributed:
        instance = "ml.g5.12xlarge" if variant.gpu else "ml.c5.2xlarge"
        per_host = "auto                      # one process per GPU" if variant.gpu else "2"
        resources = (
            "distribution:\n"
            "  type: torchrun              # train.py runs under torchrun on every instance\n"
            f"  processes_per_host: {per_host}\n"
            "resources:\n"
            f"  instance_type: {instance}\n"
            "  instance_count: 2\n"
        )
    else:
        instance = "ml.g5.xlarge" if variant.gpu else "ml.m5.large"
        resources = f"resources:\n  instance_type: {instance}\n  instance_count: 1\n"
    resources += "  volume_gb: 10\n"

    tuning = ""
    if variant.tuning:
        tuning = (
            "tuning:                       # sagemaker-byoc submit --tune job.yaml; run-local --trial N rehearses a trial\n"
            '  objective: {metric: "validation:loss", type: Minimize}\n'
            "  strategy: Bayesian\n"
            "  max_jobs: 8\n"
            "  max_parallel_jobs: 2\n"
            "  ranges:\n"
            "    lr: {min: 0.001, max: 0.5, scaling: Logarithmic}\n"
            "    epochs: {min: 5, max: 50}\n"
        )

    return (
        f"# yaml-language-server: $schema={SCHEMA_FILE}\n"
        "# A SageMaker training job. Before submitting, put your account, role and bucket below.\n"
        "#   sagemaker-byoc validate job.yaml     check it (nothing is written)\n"
        "#   sagemaker-byoc run-local job.yaml    run it here as SageMaker would, on data/\n"
        "#   sagemaker-byoc compile job.yaml      write generated/: Dockerfile, train, build_and_push.sh, the request\n"
        "#   sagemaker-byoc explain job.yaml      every field of the request, and where its value came from\n"
        "version: 1\n"
        f"name: {quoted_name}\n"
        'account: "123456789012"        # your AWS account id, quoted: as a number YAML would drop leading zeros\n'
        "region: us-east-1\n"
        "role: arn:aws:iam::123456789012:role/SageMakerRole   # an IAM role SageMaker can assume\n"
        f"{image}"
        "source_dir: code               # copied into the image; a local run uses it as it is\n"
        "entry_point: train.py\n"
        "hyperparameters:               # train.py gets them as --epochs 20 --lr 0.1\n"
        "  epochs: 20\n"
        "  lr: 0.1\n"
        "inputs:                        # each channel: /opt/ml/input/data/<name>, SM_CHANNEL_<NAME>\n"
        "  train:\n"
        f"    s3: s3://your-bucket/{name}/train/\n"
        "    content_type: text/csv\n"
        "    local: data/train          # what run-local uses instead of S3\n"
        "  validation:\n"
        f"    s3: s3://your-bucket/{name}/validation/\n"
        "    content_type: text/csv\n"
        "    local: data/validation\n"
        "output:\n"
        f"  s3: s3://your-bucket/{name}/output/   # model.tar.gz lands under here\n"
        f"{resources}"
        "limits:\n"
        "  max_runtime: 1h\n"
        "metrics:                       # regular expressions over the job's log, shown in CloudWatch\n"
        "  - name: train:loss\n"
        '    regex: "train_loss=([0-9.eE+-]+)"\n'
        "  - name: validation:loss\n"
        '    regex: "validation_loss=([0-9.eE+-]+)"\n'
        f"{tuning}"
    )
