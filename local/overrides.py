"""Reading the hyperparameter overrides of one local run (`--hp KEY=VALUE`, `--hp-new KEY=VALUE`,
`--hps 'k=v …'`).

A value is read the way job.yaml reads it (YAML 1.2 restricted to JSON, spec/source.py):
`epochs=3` is the integer 3, `name=resnet` a string, `layers=[64,128]` a list, `note=` null.
compiler.pipeline.compile_job applies them (spec/overrides.py), and the overridden job goes
through the same checks as job.yaml itself.
"""

from __future__ import annotations

import shlex
from typing import Any

from sagemaker_byoc.spec.overrides import Override
from sagemaker_byoc.spec.source import SHIM_DEPTH, YamlError, parse_yaml


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
