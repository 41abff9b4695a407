"""job.yaml: reading, schema validation, semantic checks and the typed model."""

from sagemaker_byoc.spec.diagnostics import Diagnostic, SpecError
from sagemaker_byoc.spec.loader import load_job
from sagemaker_byoc.spec.model import Job

__all__ = ["Diagnostic", "Job", "SpecError", "load_job"]
