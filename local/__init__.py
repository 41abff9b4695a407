"""Running a job on this machine as SageMaker would run it: `sagemaker-byoc run-local`.

The run gets a directory laid out like /opt/ml, the config files a training job receives, and
the generated `train` shim; see docs/run-local.md. The names below are imported on first use
(PEP 562), so that the command line's options (local/arguments.py) load no compiler.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["EXIT_SKIPPED", "LocalOptions", "LocalRunError", "OverrideError", "parse_overrides", "run_local"]
_HOMES = {
    "EXIT_SKIPPED": "sagemaker_byoc.local.session", "LocalOptions": "sagemaker_byoc.local.session",
    "LocalRunError": "sagemaker_byoc.local.session", "run_local": "sagemaker_byoc.local.session",
    "OverrideError": "sagemaker_byoc.spec.overrides", "parse_overrides": "sagemaker_byoc.spec.overrides",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
