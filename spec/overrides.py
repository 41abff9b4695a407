"""Hyperparameter overrides: read from the command line (`--hp KEY=VALUE`, `--hp-new KEY=VALUE`,
`--hps 'k=v …'`, for run-local and submit) and applied to a parsed job document, before any
check sees it.

A value is read the way job.yaml reads it (YAML 1.2 restricted to JSON, spec/source.py):
`epochs=3` is the integer 3, `name=resnet` a string, `layers=[64,128]` a list, `note=` null.

An override replaces the value of a hyperparameter that job.yaml names (or a tuned one, in
tuning.ranges). A name that is in neither is a typo far more often than a wish, so it is
refused with the closest known name, unless the override says it adds a new hyperparameter
(run-local's --hp-new, and the service's own keys that --trial passes).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from sagemaker_byoc.spec.diagnostics import Diagnostic
from sagemaker_byoc.spec.source import SHIM_DEPTH, Source, YamlError, parse_yaml


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


class OverrideError(ValueError):
    """A KEY=VALUE that cannot be read; the message names it."""


def parse_overrides(items: list[str], joined: str | None = None, new: list[str] | tuple[str, ...] = ()) -> list[Override]:
    """`--hp` items, then the words of `--hps` (shell quoting), then `--hp-new` items (which may
    add a hyperparameter job.yaml does not name), each KEY=VALUE."""
    words = list(items)
    if joined:
        try:
            words += shlex.split(joined)
        except ValueError as exc:
            raise OverrideError(f"cannot split hyperparameter overrides {joined!r}: {exc}") from None
    overrides = [parse_override(word, "--hp" if index < len(items) else "--hps") for index, word in enumerate(words)]
    return overrides + [parse_override(word, "--hp-new", new=True) for word in new]


def parse_override(text: str, option: str = "--hp", new: bool = False) -> Override:
    key, equals, value_text = text.partition("=")
    if not equals or not key:
        raise OverrideError(f"hyperparameter override {text!r} is not KEY=VALUE")
    return Override(key, parse_value(value_text, text), text, new=new, option=option)


def parse_value(value_text: str, context: str) -> Any:
    try:
        return parse_yaml(value_text, max_depth=SHIM_DEPTH)
    except YamlError as exc:
        raise OverrideError(f"hyperparameter override {context!r}: {exc.message}") from None
