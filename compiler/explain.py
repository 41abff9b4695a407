"""`sagemaker-byoc explain JOB`: every field of the rendered CreateTrainingJob request, one line
each, with where its value came from: `job.yaml:LINE` and the key that holds it, or `default`
and the key whose schema default it is; and the rule that derived it where the value is not
the key's text as written (a duration in seconds, an encoded hyperparameter, the image tag).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from sagemaker_byoc.compiler.base_images import base_login_registry, choose_base
from sagemaker_byoc.compiler.request import Request, RequestPath, SpecPath
from sagemaker_byoc.spec.model import Job
from sagemaker_byoc.spec.source import Source

# Keys written bare in a field's path; any other key is written as a JSON string in brackets.
PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# Values longer than this are shortened: the line is about where a value came from.
VALUE_WIDTH = 72
# The provenance column starts here, or after the field and value when they are longer.
COLUMN = 64


# The field whose line says what the image is built from.
TRAINING_IMAGE = ("AlgorithmSpecification", "TrainingImage")


def explain(request: Request, source: Source, job_name: str, job: Job | None = None) -> list[str]:
    """One line per leaf of the request, in the request's order; with the job, the image's line
    also says how a base image of its own is pulled and what SageMaker runs on it."""
    notes = {TRAINING_IMAGE: _base_image_note(job, source, job_name)} if job is not None else {}
    rows = []
    for path, value in _leaves(request.body):
        where = _provenance(request, source, path, job_name)
        if notes.get(path):
            where = f"{where}; {notes[path]}"
        rows.append((_request_path(path), _shown(value), where))
    width = min(COLUMN, max(len(f"{field} = {value}") for field, value, _ in rows))
    return [f"{f'{field} = {value}':<{width}}  # {where}" for field, value, where in rows]


def _base_image_note(job: Job, source: Source, job_name: str) -> str | None:
    """image.base_image: where it is pulled from, and that SageMaker still runs the shim on it."""
    if job.image.base_image is None:
        return None
    line, _ = source.position(("image", "base_image"))
    parts = [f"built FROM {job_name}:{line} image.base_image"]
    registry = base_login_registry(job)
    if registry is not None:
        parts.append(
            f"build_and_push.sh logs in to {registry.host} (Region {registry.region}) before the build, besides the job's own registry"
        )
    if choose_base(job.image).own:
        parts.append(
            "SageMaker runs train, the shim: the image resets the base's entrypoint and puts the shim's folder first on PATH, "
            "so a launcher the base brings (a Deep Learning Container's sagemaker-training train) stays installed, unused"
        )
    return "; ".join(parts)


def _leaves(node: Any, path: RequestPath = ()) -> Iterator[tuple[RequestPath, Any]]:
    if isinstance(node, dict) and node:
        for key, child in node.items():
            yield from _leaves(child, (*path, key))
    elif isinstance(node, list) and node:
        for index, child in enumerate(node):
            yield from _leaves(child, (*path, index))
    else:
        yield path, node


def _provenance(request: Request, source: Source, path: RequestPath, job_name: str) -> str:
    origin = request.origin(path)
    written = _written_node(source, origin)
    if not origin:
        where = "fixed"
    elif written is None:
        where = f"default ({_key(origin)})"
    else:
        # A structure's value is its key (a channel's name is the key of its mapping).
        structure = isinstance(_data_at(source.data, written), (dict, list))
        line, _ = source.position(written, key=structure)
        where = f"{job_name}:{line} {_key(written)}"
    rule = _rule(request, path)
    return f"{where}; {rule}" if rule else where


def _written_node(source: Source, origin: SpecPath) -> SpecPath | None:
    """The job.yaml node that holds the value: the origin itself, or, for the `s3` of a channel
    written as just its S3 URI, that string."""
    if origin in source.values:
        return origin
    shorthand = origin[:-1]
    if origin[-1:] == ("s3",) and shorthand in source.values and isinstance(_data_at(source.data, shorthand), str):
        return shorthand
    return None


def _data_at(data: Any, path: SpecPath) -> Any:
    for key in path:
        data = data[key]
    return data


def _rule(request: Request, path: RequestPath) -> str | None:
    """The rule recorded for the value or for the structure that holds it."""
    while path:
        if path in request.rules:
            return request.rules[path]
        path = path[:-1]
    return None


def _request_path(path: RequestPath) -> str:
    shown = ""
    for key in path:
        shown += f"[{key}]" if isinstance(key, int) else (f".{key}" if shown else key) if _plain(key) else f"[{json.dumps(key)}]"
    return shown


def _plain(key: str) -> bool:
    return PLAIN_KEY.fullmatch(key) is not None


def _key(path: SpecPath) -> str:
    return _request_path(path)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= VALUE_WIDTH else f"{text[: VALUE_WIDTH - 12]}…({len(text)} chars)"
