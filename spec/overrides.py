"""Hyperparameter overrides applied to a parsed job document, before any check sees it.

An override replaces the value of a hyperparameter that job.yaml names (or a tuned one, in
tuning.ranges). A name that is in neither is a typo far more often than a wish, so it is
refused with the closest known name, unless the override says it adds a new hyperparameter
(run-local's --hp-new, and the service's own keys that --trial passes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sagemaker_byoc.spec.diagnostics import Diagnostic
from sagemaker_byoc.spec.source import Source


@dataclass(frozen=True)
class Override:
    key: str
    value: Any
    text: str  # as the user wrote it, for messages
    new: bool = False  # may add a hyperparameter job.yaml does not name
    option: str = "--hp"  # how it was given, for messages


def apply_overrides(source: Source, overrides: list[Override]) -> list[Diagnostic]:
    """Set each override in source.data's hyperparameters; a diagnostic for each override that
    names no hyperparameter of the job without being marked new (and is then not applied)."""
    data = source.data
    if not overrides or not isinstance(data, dict):
        return []
    given = data.get("hyperparameters")
    if given is not None and not isinstance(given, dict):
        return []  # the schema reports the section; there is nothing to override in
    hyperparameters = dict(given or {})
    known = [*hyperparameters, *_tuned_names(data)]
    problems = []
    for override in overrides:
        if override.new or override.key in known:
            hyperparameters[override.key] = override.value
        else:
            at = ("hyperparameters",) if "hyperparameters" in data else ()
            problems.append(source.diagnostic(at, _unknown(override, known), key=bool(at)))
    data["hyperparameters"] = hyperparameters
    return problems


def _tuned_names(data: dict) -> list[str]:
    ranges = (data.get("tuning") or {}).get("ranges") if isinstance(data.get("tuning"), dict) else None
    return [str(name) for name in ranges] if isinstance(ranges, dict) else []


def _unknown(override: Override, known: list[str]) -> str:
    from difflib import get_close_matches  # on a mistake only

    close = get_close_matches(override.key, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{override.option} {override.text}: no hyperparameter {override.key!r} in job.yaml{hint} (--hp-new {override.text} adds a new one)"
