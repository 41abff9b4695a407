"""Advice for a local run that failed in a way only a local run fails.

A script that names /opt/ml itself (open("/opt/ml/input/data/train/x.csv")) runs in SageMaker
and fails here with its own FileNotFoundError: a local run has no /opt/ml, its run directory
stands in for it and is passed as SAGEMAKER_BASE_DIR and the SM_* variables. The log is
watched line by line (it may be larger than memory) for the first "No such file" that names a
path under /opt/ml, and the summary then says which variable names that folder in both places,
or that --docker runs the script with the real /opt/ml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

# Python's FileNotFoundError ("[Errno 2] No such file or directory: '/opt/ml/…'") and the
# same errno as C programs and shells word it ("cat: /opt/ml/…: No such file or directory").
MISSING_FILE = re.compile(r"FileNotFoundError|No such file or directory")
# A path under /opt/ml as such messages quote it; /opt/mlflow is not one.
OPT_ML_PATH = re.compile(r"/opt/ml(?:/[^\s'\":,;()\[\]]*)?(?![\w.-])")
BASE_DIR_EXPRESSION = 'os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml")'
# The variables that name a folder under /opt/ml here and in SageMaker, most specific first.
FOLDER_VARIABLES = (
    (("input", "config"), "SM_INPUT_CONFIG_DIR"),
    (("input",), "SM_INPUT_DIR"),
    (("model",), "SM_MODEL_DIR"),
    (("output", "data"), "SM_OUTPUT_DATA_DIR"),
    (("output", "intermediate"), "SM_OUTPUT_INTERMEDIATE_DIR"),
    (("output",), "SM_OUTPUT_DIR"),
)


class OptMlScan:
    """Watches the log's lines for the first missing file under /opt/ml."""

    def __init__(self) -> None:
        self.path: str | None = None

    def feed(self, line: str) -> None:
        if self.path is None and "/opt/ml" in line and MISSING_FILE.search(line):
            found = OPT_ML_PATH.search(line)
            if found:
                self.path = found.group(0)


def opt_ml_hint(path: str, channels: Iterable[str]) -> str:
    name, folder = portable_name(PurePosixPath(path), set(channels))
    return (
        f"hint: the script looked for {path}, and a local run has no /opt/ml: the run directory stands in for it. "
        f"{name} names {folder} here and in SageMaker; or run with --docker, where the image has the real /opt/ml"
    )


def portable_name(path: PurePosixPath, channels: set[str]) -> tuple[str, str]:
    """The expression a script can use for path's folder, and that folder."""
    parts = path.parts[3:]  # after "/", "opt", "ml"
    if parts[:2] == ("input", "data") and len(parts) > 2 and parts[2] in channels:
        return f"SM_CHANNEL_{parts[2].upper()}", f"/opt/ml/input/data/{parts[2]}"
    for prefix, variable in FOLDER_VARIABLES:
        if parts[: len(prefix)] == prefix:
            return variable, "/opt/ml/" + "/".join(prefix)
    return BASE_DIR_EXPRESSION, "/opt/ml"
