"""Defaults of job.yaml keys, read from the schema so that they are written down only once."""

from __future__ import annotations

from functools import cache
from typing import Any

from sagemaker_byoc.spec.schema import job_schema


@cache
def default(*keys: str) -> Any:
    """The schema's `default` for a key path, e.g. default("resources", "instance_type")."""
    node = job_schema()
    for key in keys:
        node = _resolve(node)["properties"][key]
    node = _resolve(node)
    if "default" not in node:
        raise KeyError(f"the schema gives no default for {'.'.join(keys)}")
    return node["default"]


def _resolve(node: dict) -> dict:
    while "$ref" in node and "properties" not in node and "default" not in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = job_schema()["$defs"][name]
    return node


@cache
def channel_default(key: str) -> Any:
    """The schema's `default` for a key of an input channel in its long form."""
    long_form = next(b for b in job_schema()["$defs"]["channel"]["oneOf"] if b.get("type") == "object")
    return long_form["properties"][key]["default"]


@cache
def definition_default(definition: str, key: str) -> Any:
    """The schema's `default` for a key of a shared definition, e.g. ("file_system", "access")."""
    return job_schema()["$defs"][definition]["properties"][key]["default"]
