"""/opt/ml is the run directory: container paths in the job's values, mapped for a local run.

In SageMaker the job's files live under /opt/ml; locally they live under the run directory,
which the shim receives as SAGEMAKER_BASE_DIR. A hyperparameter or environment value that
names a path under /opt/ml (sagemaker_submit_directory: /opt/ml/input/data/scripts,
--checkpoint-dir /opt/ml/checkpoints) names the same path under the run directory here, and
the job's checkpoint path, wherever it is, names the run's checkpoint directory. With --docker
nothing is mapped: the container has the real paths.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

OPT_ML = PurePosixPath("/opt/ml")
# Set for local runs of jobs with checkpoints, so that a script written as
# os.environ.get("CHECKPOINT_DIR", "/opt/ml/checkpoints") finds its directory both here and in
# SageMaker, where the variable is unset.
CHECKPOINT_VARIABLE = "CHECKPOINT_DIR"


@dataclass(frozen=True)
class Mapped:
    where: str  # "hyperparameter epochs", "environment DATA_DIR"
    container: str
    local: str


def container_path(value: str) -> PurePosixPath:
    """An absolute container path as the container's kernel resolves it: `.` and `..`
    segments applied, so that /opt/ml/../../tmp/x is /tmp/x, outside /opt/ml."""
    return PurePosixPath(posixpath.normpath(value))


def local_path(value: str, base: Path, checkpoint_path: str | None, checkpoint_dir: Path | None) -> str | None:
    """The run's path for a container path, or None when value is not one to map."""
    if not value.startswith("/"):
        return None
    path = container_path(value)
    if checkpoint_path is not None and checkpoint_dir is not None and path == container_path(checkpoint_path):
        return str(checkpoint_dir)
    if path == OPT_ML or OPT_ML in path.parents:
        return str(base / path.relative_to(OPT_ML)) if path != OPT_ML else str(base)
    return None


def localize(
    request: dict[str, Any], base: Path, checkpoint_path: str | None, checkpoint_dir: Path | None
) -> tuple[dict[str, Any], list[Mapped]]:
    """The request with mapped hyperparameter and environment values, and what was mapped."""
    mapped: list[Mapped] = []
    hyperparameters = {}
    for name, encoded in (request.get("HyperParameters") or {}).items():
        try:
            value, as_json = json.loads(encoded), True
        except ValueError:
            value, as_json = encoded, False  # sent as it is (hyperparameter_encoding: estimator, model_trainer)
        replacement = local_path(value, base, checkpoint_path, checkpoint_dir) if isinstance(value, str) else None
        if replacement is None:
            hyperparameters[name] = encoded
        else:
            # Written as the value was: JSON-encoded, or as it is.
            hyperparameters[name] = json.dumps(replacement) if as_json else replacement
            mapped.append(Mapped(f"hyperparameter {name}", value, replacement))
    environment = {}
    for name, value in (request.get("Environment") or {}).items():
        replacement = local_path(value, base, checkpoint_path, checkpoint_dir)
        environment[name] = value if replacement is None else replacement
        if replacement is not None:
            mapped.append(Mapped(f"environment {name}", value, replacement))
    if checkpoint_dir is not None and CHECKPOINT_VARIABLE not in environment:
        environment[CHECKPOINT_VARIABLE] = str(checkpoint_dir)
    localized = dict(request)
    if "HyperParameters" in request:
        localized["HyperParameters"] = hyperparameters
    localized["Environment"] = environment
    return localized, mapped
