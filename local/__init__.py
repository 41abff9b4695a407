"""Running a job on this machine as SageMaker would run it: `sagemaker-byoc run-local`.

The run gets a directory laid out like /opt/ml, the config files a training job receives, and
the generated `train` shim; see docs/run-local.md.
"""

from sagemaker_byoc.local.overrides import OverrideError, parse_overrides
from sagemaker_byoc.local.session import EXIT_SKIPPED, LocalOptions, LocalRunError, run_local

__all__ = ["EXIT_SKIPPED", "LocalOptions", "LocalRunError", "OverrideError", "parse_overrides", "run_local"]
