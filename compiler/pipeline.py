"""From a job file to checked artifacts: load and check the spec, render, check the request.

Every problem comes back as one SpecError listing every diagnostic, in job.yaml terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compiler.render import Rendered, render
from spec import Diagnostic, Job, SpecError, load_job
from spec.request_rules import check_request

DEFAULT_OUT = "generated"


@dataclass(frozen=True)
class Compiled:
    job: Job
    rendered: Rendered
    warnings: list[Diagnostic]
    out_dir: Path


def default_out_dir(job_path: Path) -> Path:
    return job_path.parent / DEFAULT_OUT


def compile_job(job_path: Path, out_dir: Path | None = None) -> Compiled:
    """Load, check and render a job; SpecError if anything is wrong."""
    job, warnings = load_job(job_path)
    out_dir = out_dir if out_dir is not None else default_out_dir(job_path)
    rendered = render(job, out_dir)
    violations = [
        job.source.diagnostic(rendered.request.origin(v.path), v.message)
        for v in check_request(rendered.request.body)
    ]
    if violations:
        raise SpecError(job.path, violations + warnings)
    return Compiled(job, rendered, warnings, out_dir)
