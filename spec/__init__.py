"""job.yaml: reading, schema validation, semantic checks and the typed model.

The names below are imported on first use (PEP 562), so that importing one light module of
the package (spec.diagnostics, say) does not load the schema validator and the rules.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["Diagnostic", "Job", "SpecError", "load_job"]
_HOMES = {"Diagnostic": "diagnostics", "SpecError": "diagnostics", "load_job": "loader", "Job": "model"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
