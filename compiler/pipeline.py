"""From a job file to checked artifacts, in one direction: read job.yaml and apply the
hyperparameter overrides; check it (schema and semantics) into a model; draft the requests from
the model and check them against the API's rules; only then render the artifacts. The one
sequence of checks, for compile, validate, submit and run-local alike.

Every problem comes back as one SpecError listing every diagnostic of every layer, in job.yaml
terms. An invalid job renders no artifact; its requests are drafted once, or twice when the
schema refused a section (once for each stand-in, spec/partial.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sagemaker_byoc.aws.request_rules import check_request, check_tuning_request, member_name
from sagemaker_byoc.compiler.render import Draft, Rendered, draft, render
from sagemaker_byoc.compiler.request import HatchRefusal
from sagemaker_byoc.spec import Diagnostic, Job, SpecError, contract
from sagemaker_byoc.spec.code_tree import DEFAULT_OUTPUT_DIR
from sagemaker_byoc.spec.loader import check_document
from sagemaker_byoc.spec.modeline import stale_schema
from sagemaker_byoc.spec.overrides import Override, apply_overrides
from sagemaker_byoc.spec.source import read_source
from sagemaker_byoc.text import escape

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
        checked = check_document(source)
    except SpecError as error:
        raise SpecError(where, findings + error.diagnostics) from None
    findings += checked.findings
    out_dir = out_dir if out_dir is not None else default_out_dir(job_path)
    drafts = _drafts(checked.complete, out_dir, findings, where)
    findings += _request_findings(drafts, checked.refused, findings)
    findings += stale_schema(checked.job.path)
    if checked.refused or any(d.severity == "error" for d in findings):
        raise SpecError(where, findings)
    return Compiled(checked.job, _render(drafts[0], findings, where), findings, out_dir)


def described_path(job_path: Path, overrides: Sequence[Override]) -> str | Path:
    """Diagnostics name the overrides too: a bad value may come from the command line."""
    if not overrides:
        return job_path
    return f"{job_path} (with hyperparameters {' '.join(o.text for o in overrides)})"


def _drafts(jobs: tuple[Job, ...], out_dir: Path, findings: list[Diagnostic], where: str | Path) -> tuple[Draft, ...]:
    """The drafts of the complete models; none where a value cannot be written into its
    artifact, which the checks report at its line (or, for the output folder's name, this)."""
    try:
        return tuple(draft(job, out_dir) for job in jobs)
    except escape.Unrepresentable as problem:
        if any(d.severity == "error" for d in findings):
            return ()
        raise SpecError(where, [*findings, _unwritable(out_dir, problem)]) from None


def _render(drafted: Draft, findings: list[Diagnostic], where: str | Path) -> Rendered:
    code = drafted.job.code_path.resolve()
    if code.is_relative_to(drafted.out_dir):
        # The output folder is never code (compiler/build_inputs.py), so the image would lack it.
        problem = f"cannot write the artifacts into {drafted.out_dir}: it holds the code ({code}), which the image would then leave out; choose another folder (-o)"
        raise SpecError(where, [*findings, Diagnostic(1, 1, problem)])
    try:
        return render(drafted)
    except escape.Unrepresentable as problem:
        raise SpecError(where, [*findings, _unwritable(drafted.out_dir, problem)]) from None


def _unwritable(out_dir: Path, problem: Exception) -> Diagnostic:
    return Diagnostic(1, 1, f"cannot write the artifacts for {out_dir}: {problem}")


def _request_findings(drafts: tuple[Draft, ...], refused: frozenset[str], findings: list[Diagnostic]) -> list[Diagnostic]:
    """The API's rules on the drafted requests. With refused sections, the requests of the two
    stand-ins are checked, and a violation is reported only when both have it at a node outside
    the refused sections: one that depends on a stand-in would follow from an error already
    reported."""
    if not refused:
        return [d for drafted in drafts for d in _violations(drafted, findings)]
    found = [
        {(d.pointer, d.message): d for d in _violations(drafted, findings) if _section(d.pointer) not in refused}
        for drafted in drafts
    ]
    return [d for key, d in found[0].items() if key in found[1]] if len(found) == 2 else []


def _violations(drafted: Draft, findings: list[Diagnostic]) -> list[Diagnostic]:
    """Violations of the API's rules, at the job.yaml node behind them; a node that already
    has an error in job.yaml terms keeps that one alone."""
    job = drafted.job
    reported = {d.pointer for d in findings if d.severity == "error"}
    # A refused entry is not in the request, so nothing below reports it again.
    refusals = [_hatch_refusal(job, refusal) for refusal in drafted.request.hatch_refusals]
    request = drafted.request
    violations = [job.source.diagnostic(request.origin(v.path), v.message) for v in check_request(request.body)]
    violations = refusals + [d for d in violations if d.pointer not in reported]
    # What train would refuse, wherever in job.yaml it came from; after the API's rules, which
    # say it in the API's terms first (a name too long, say).
    reported |= {d.pointer for d in violations}
    breaches = contract.training_breaches(request.body, lambda path: _derived(request.origin(path)))
    violations += _once([job.source.diagnostic(request.origin(b.path), b.message, key=b.key, severity=b.severity) for b in breaches], reported)
    tuning = drafted.tuning_request
    if tuning is not None:
        # The training job definition repeats the training request: a node reported there
        # keeps that report alone.
        reported |= {d.pointer for d in violations}
        tuning_violations = (
            job.source.diagnostic(tuning.origin(v.path), f"in the tuning request: {v.message}") for v in check_tuning_request(tuning.body)
        )
        violations += _once(list(tuning_violations), reported)
        reported |= {d.pointer for d in violations}
        breaches = contract.tuning_breaches(tuning.body, lambda path: _derived(tuning.origin(path)))
        violations += _once([job.source.diagnostic(tuning.origin(b.path), b.message, key=b.key, severity=b.severity) for b in breaches], reported)
    return violations


def _derived(origin: tuple[str | int, ...]) -> bool:
    """Set by the compiler from a key other than the value's own: the distribution's
    hyperparameters, which carry the toolkit's reserved names on purpose."""
    return origin[:1] == ("distribution",)


def _once(found: list[Diagnostic], reported: set[str]) -> list[Diagnostic]:
    """The findings at nodes not reported yet, each node once."""
    kept: list[Diagnostic] = []
    for diagnostic in found:
        if diagnostic.pointer not in reported:
            reported.add(diagnostic.pointer)
            kept.append(diagnostic)
    return kept


def _section(pointer: str) -> str:
    return pointer.split("/")[1] if pointer else ""


def _hatch_refusal(job: Job, refusal: HatchRefusal) -> Diagnostic:
    """Why an escape-hatch entry was not applied: one source of truth per request field."""
    member = ".".join(member_name(str(step)) for step in refusal.at[1:])
    if refusal.reason is not None:
        message = f"{member} {refusal.reason}"
    elif refusal.rendered_from is None:
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
