"""Hyperparameter overrides for one local run (`--hp KEY=VALUE`, `HPS='k=v …'`), and loading a
job with them applied.

A value is read the way job.yaml reads it (YAML 1.2 restricted to JSON, spec/source.py):
`epochs=3` is the integer 3, `name=resnet` a string, `layers=[64,128]` a list, `note=` null.
The overridden job then goes through the same schema, semantic and request checks as job.yaml itself.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sagemaker_byoc.compiler.pipeline import Compiled, default_out_dir, render_or_report
from sagemaker_byoc.spec import Diagnostic, SpecError
from sagemaker_byoc.spec.loader import build_job
from sagemaker_byoc.spec.request_rules import check_request
from sagemaker_byoc.spec.schema import schema_diagnostics
from sagemaker_byoc.spec.semantics import semantic_diagnostics
from sagemaker_byoc.spec.source import SHIM_DEPTH, YamlError, parse_yaml, read_source


class OverrideError(ValueError):
    """A KEY=VALUE that cannot be read; the message names it."""


@dataclass(frozen=True)
class Override:
    key: str
    value: Any
    text: str  # as the user wrote it, for messages


def parse_overrides(items: list[str], joined: str | None = None) -> list[Override]:
    """`--hp` items, then the words of `--hps` (shell quoting), each KEY=VALUE."""
    words = list(items)
    if joined:
        try:
            words += shlex.split(joined)
        except ValueError as exc:
            raise OverrideError(f"cannot split hyperparameter overrides {joined!r}: {exc}") from None
    return [parse_override(word) for word in words]


def parse_override(text: str) -> Override:
    key, equals, value_text = text.partition("=")
    if not equals or not key:
        raise OverrideError(f"hyperparameter override {text!r} is not KEY=VALUE")
    return Override(key, parse_value(value_text, text), text)


def parse_value(value_text: str, context: str) -> Any:
    try:
        return parse_yaml(value_text, max_depth=SHIM_DEPTH)
    except YamlError as exc:
        raise OverrideError(f"hyperparameter override {context!r}: {exc.message}") from None


def compile_with_overrides(job_path: Path, overrides: list[Override], out_dir: Path | None = None) -> Compiled:
    """Load, override, check and render a job in memory; SpecError if anything is wrong.

    The same steps as compiler.pipeline.compile_job, with the overrides applied to the parsed
    document before the schema sees it.
    """
    source = read_source(job_path)
    if overrides and isinstance(source.data, dict):
        hyperparameters = dict(source.data.get("hyperparameters") or {})
        for override in overrides:
            hyperparameters[override.key] = override.value
        source.data["hyperparameters"] = hyperparameters
    where = _where(job_path, overrides)
    problems = schema_diagnostics(source)
    if problems:
        raise SpecError(where, problems)
    job = build_job(source)
    findings = semantic_diagnostics(job)
    if any(d.severity == "error" for d in findings):
        raise SpecError(where, findings)
    out_dir = out_dir if out_dir is not None else default_out_dir(job_path)
    rendered = render_or_report(job, out_dir, findings)
    violations: list[Diagnostic] = [
        job.source.diagnostic(rendered.request.origin(v.path), v.message) for v in check_request(rendered.request.body)
    ]
    if violations:
        raise SpecError(where, violations + findings)
    return Compiled(job, rendered, findings, out_dir)


def _where(job_path: Path, overrides: list[Override]) -> str:
    """Diagnostics name the overrides too: a bad value may come from the command line."""
    if not overrides:
        return str(job_path)
    return f"{job_path} (with hyperparameters {' '.join(o.text for o in overrides)})"
