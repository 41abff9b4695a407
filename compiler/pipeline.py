"""From a job file to checked artifacts: load and check the spec, render, check the request.

Every problem comes back as one SpecError listing every diagnostic, in job.yaml terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sagemaker_byoc.compiler import escape
from sagemaker_byoc.compiler.build_inputs import DEFAULT_OUTPUT_DIR
from sagemaker_byoc.compiler.render import Rendered, render
from sagemaker_byoc.compiler.request import HatchRefusal
from sagemaker_byoc.spec import Diagnostic, Job, SpecError
from sagemaker_byoc.spec.loader import load_unchecked
from sagemaker_byoc.spec.request_rules import check_request, check_tuning_request, member_name

DEFAULT_OUT = DEFAULT_OUTPUT_DIR


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
    job, findings = load_unchecked(job_path)
    out_dir = out_dir if out_dir is not None else default_out_dir(job_path)
    rendered = render_or_report(job, out_dir, findings)
    findings += _request_findings(job, rendered, findings)
    if any(d.severity == "error" for d in findings):
        raise SpecError(job.path, findings)
    return Compiled(job, rendered, findings, out_dir)


def render_or_report(job: Job, out_dir: Path, findings: list[Diagnostic]) -> Rendered:
    """Render, or raise SpecError with the findings so far when a value cannot be written into
    its artifact (compiler/escape.py): a job.yaml value is reported at its line by the checks
    already; a name that is no job.yaml value (the output folder's) is reported here."""
    try:
        return render(job, out_dir)
    except escape.Unrepresentable as problem:
        errors = [d for d in findings if d.severity == "error"]
        raise SpecError(job.path, findings if errors else [*findings, Diagnostic(1, 1, f"cannot write the artifacts for {out_dir}: {problem}")]) from None


def _request_findings(job: Job, rendered: Rendered, findings: list[Diagnostic]) -> list[Diagnostic]:
    """Violations of the API's rules, at the job.yaml node behind them; a node that already
    has an error in job.yaml terms keeps that one alone."""
    reported = {d.pointer for d in findings if d.severity == "error"}
    # A refused entry is not in the request, so nothing below reports it again.
    refusals = [_hatch_refusal(job, refusal) for refusal in rendered.request.hatch_refusals]
    violations = [job.source.diagnostic(rendered.request.origin(v.path), v.message) for v in check_request(rendered.request.body)]
    violations = refusals + [d for d in violations if d.pointer not in reported]
    tuning = rendered.tuning_request
    if tuning is not None:
        # The training job definition repeats the training request: a node reported there
        # keeps that report alone.
        reported |= {d.pointer for d in violations}
        tuning_violations = (
            job.source.diagnostic(tuning.origin(v.path), f"in the tuning request: {v.message}") for v in check_tuning_request(tuning.body)
        )
        violations += [d for d in tuning_violations if d.pointer not in reported]
    return violations


def _hatch_refusal(job: Job, refusal: HatchRefusal) -> Diagnostic:
    """Why an escape-hatch entry was not applied: one source of truth per request field."""
    member = ".".join(member_name(str(step)) for step in refusal.at[1:])
    if refusal.rendered_from is None:
        message = f"{member} is not rendered from job.yaml, so there is nothing to override; add it under request"
    else:
        key = ".".join(member_name(str(step)) for step in refusal.rendered_from) or "job.yaml"
        message = (
            f"{member} is rendered from {key}; set it there, or replace it under request_override "
            "(two places that set one field would leave it unclear which one counts)"
        )
    return job.source.diagnostic(refusal.at, message, key=True)
