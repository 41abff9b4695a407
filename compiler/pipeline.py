"""From a job file to checked artifacts: load, apply hyperparameter overrides, check the spec,
render, check the request. The one sequence of checks, for compile, validate, submit and
run-local alike.

Every problem comes back as one SpecError listing every diagnostic of every layer, in job.yaml
terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sagemaker_byoc.compiler import escape
from sagemaker_byoc.compiler.build_inputs import DEFAULT_OUTPUT_DIR
from sagemaker_byoc.compiler.render import Rendered, render
from sagemaker_byoc.compiler.request import HatchRefusal
from sagemaker_byoc.spec import Diagnostic, Job, SpecError
from sagemaker_byoc.spec.loader import build_job, load_unchecked
from sagemaker_byoc.spec.modeline import stale_schema
from sagemaker_byoc.spec.overrides import Override, apply_overrides
from sagemaker_byoc.spec.request_rules import check_request, check_tuning_request, member_name
from sagemaker_byoc.spec.source import Source, read_source

DEFAULT_OUT = DEFAULT_OUTPUT_DIR


@dataclass(frozen=True)
class Compiled:
    job: Job
    rendered: Rendered
    warnings: list[Diagnostic]
    out_dir: Path


def default_out_dir(job_path: Path) -> Path:
    return job_path.parent / DEFAULT_OUT


def compile_job(job_path: Path, out_dir: Path | None = None, overrides: Sequence[Override] = ()) -> Compiled:
    """Load job.yaml, apply the hyperparameter overrides, check every layer (schema, semantics,
    the API's rules) and render; SpecError with every finding of every layer if anything is wrong."""
    where = described_path(job_path, overrides)
    source = read_source(job_path)
    findings = apply_overrides(source, list(overrides))
    try:
        job, checked, refused = load_unchecked(source)
    except SpecError as error:
        raise SpecError(where, findings + error.diagnostics) from None
    findings += checked
    out_dir = out_dir if out_dir is not None else default_out_dir(job_path)
    if refused:
        raise SpecError(where, findings + _request_findings_beside(source, refused, out_dir, findings))
    rendered = render_or_report(job, out_dir, findings, where)
    findings += _request_findings(job, rendered, findings)
    findings += stale_schema(job.path)
    if any(d.severity == "error" for d in findings):
        raise SpecError(where, findings)
    return Compiled(job, rendered, findings, out_dir)


def described_path(job_path: Path, overrides: Sequence[Override]) -> str | Path:
    """Diagnostics name the overrides too: a bad value may come from the command line."""
    if not overrides:
        return job_path
    return f"{job_path} (with hyperparameters {' '.join(o.text for o in overrides)})"


def render_or_report(job: Job, out_dir: Path, findings: list[Diagnostic], where: str | Path) -> Rendered:
    """Render, or raise SpecError with the findings so far when a value cannot be written into
    its artifact (compiler/escape.py): a job.yaml value is reported at its line by the checks
    already; a name that is no job.yaml value (the output folder's) is reported here."""
    try:
        return render(job, out_dir)
    except escape.Unrepresentable as problem:
        errors = [d for d in findings if d.severity == "error"]
        raise SpecError(where, findings if errors else [*findings, Diagnostic(1, 1, f"cannot write the artifacts for {out_dir}: {problem}")]) from None


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


# Valid values for the sections the schema refused, two different ones each, so that a request
# can be rendered around them. An optional section without one here is left out in both; spot
# and limits have one in the second, as the API's rules tie them to each other.
_STAND_INS = (
    {
        "version": 1, "name": "stand-in-a", "account": "000000000000", "region": "us-east-1",
        "role": "arn:aws:iam::000000000000:role/stand-in", "image": {"repository": "stand-in-a"},
        "entry_point": "stand_in.py", "output": {"s3": "s3://stand-in-a/output/"},
    },
    {
        "version": 1, "name": "stand-in-b", "account": "111111111111", "region": "eu-west-1",
        "role": "arn:aws:iam::111111111111:role/stand-in", "image": {"repository": "stand-in-b", "base": "cuda"},
        "entry_point": "stand_in.sh", "output": {"s3": "s3://stand-in-b/output/"},
        "spot": True, "limits": {"max_runtime": "1h", "max_wait": "2h"},
    },
)


def _request_findings_beside(source: Source, refused: frozenset[str], out_dir: Path, findings: list[Diagnostic]) -> list[Diagnostic]:
    """The API's rules on the sections the schema accepted. The request is rendered twice, each
    time with different valid stand-ins for the refused sections (optional ones left out), and a
    violation is reported only when both renders have it at a node outside the refused sections:
    one that depends on a stand-in would follow from an error already reported."""
    found = []
    for stand_in in _STAND_INS:
        data = {k: v for k, v in source.data.items() if k not in refused}
        data |= {k: stand_in[k] for k in refused if k in stand_in}
        job = build_job(replace(source, data=data))
        try:
            rendered = render(job, out_dir)
        except escape.Unrepresentable:
            return []
        found.append({(d.pointer, d.message): d for d in _request_findings(job, rendered, findings) if _section(d.pointer) not in refused})
    return [d for key, d in found[0].items() if key in found[1]]


def _section(pointer: str) -> str:
    return pointer.split("/")[1] if pointer else ""


def _hatch_refusal(job: Job, refusal: HatchRefusal) -> Diagnostic:
    """Why an escape-hatch entry was not applied: one source of truth per request field."""
    member = ".".join(member_name(str(step)) for step in refusal.at[1:])
    if refusal.rendered_from is None:
        message = f"{member} is not rendered from job.yaml, so there is nothing to override; add it under request"
    elif not refusal.rendered_from:
        message = f"{member} is set by the compiler, from no job.yaml key; replace it under request_override"
    else:
        key = ".".join(member_name(str(step)) for step in refusal.rendered_from)
        message = (
            f"{member} is rendered from {key}; set it there, or replace it under request_override "
            "(two places that set one field would leave it unclear which one counts)"
        )
    return job.source.diagnostic(refusal.at, message, key=True)
