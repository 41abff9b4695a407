"""job.yaml: reading, schema validation, semantic checks and the typed model."""

from spec.diagnostics import Diagnostic, SpecError
from spec.loader import load_job
from spec.model import Job

__all__ = ["Diagnostic", "Job", "SpecError", "load_job"]
