"""Derive the CreateTrainingJob and CreateHyperParameterTuningJob constraints from the installed
service models.

`python -m sagemaker_byoc.aws.service_model` (or `make constraints`) reads two copies of the SageMaker service
model:

- botocore's own (`botocore/data/sagemaker/2017-07-24/service-2.json.gz`), used by boto3;
- the one bundled inside the awscli v1 package (`awscli/botocore/data/…/service-2.json`), which
  `aws sagemaker create-training-job --cli-input-json` validates against. It is older and in places
  stricter. It is read by path: importing it through awscli would swap the botocore package.

For each operation it walks every shape reachable from the request shape, keeps only what
validation needs (types, required members, min/max, patterns, enums, members) and writes
`schemas/<operation>.constraints.json`: compact, sorted, deterministic (and, beside them,
`schemas/regions.json`, the Regions of botocore's endpoint data: aws/regions.py). Each Java pattern is
stored with its Python translation, so checking a request never has to load the 2.4 MB model.

The CLI's client-side validator checks only required members, unknown members, types and `min`
(botocore's VALIDATED_METADATA_ATTRS); enums, maximums and patterns of its older model are never
checked on the client. So the file records, per botocore shape, only where the CLI is stricter in
those four respects.
"""

import gzip
import importlib.metadata
import importlib.util
import json
import sys
from pathlib import Path

import botocore
import botocore.loaders

from sagemaker_byoc.aws import java_regex, regions

SERVICE = "sagemaker"
API_VERSION = "2017-07-24"
OPERATION = "CreateTrainingJob"
ROOT_SHAPE = "CreateTrainingJobRequest"
TUNING_OPERATION = "CreateHyperParameterTuningJob"

REPO_ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS_PATH = REPO_ROOT / "schemas" / "create_training_job.constraints.json"
# Each operation whose request the compiler renders, and the file its constraints are kept in.
CONSTRAINTS_PATHS = {
    OPERATION: CONSTRAINTS_PATH,
    TUNING_OPERATION: REPO_ROOT / "schemas" / "create_hyper_parameter_tuning_job.constraints.json",
}

SCALAR_TYPES = {"string", "integer", "long", "boolean", "float", "double"}
CONTAINER_TYPES = {"structure", "list", "map"}
KEPT_ATTRIBUTES = ("type", "min", "max", "pattern", "enum", "required")


class UnsupportedModel(ValueError):
    """The service model uses something the request checker does not know how to check."""


def load_botocore_model() -> dict:
    return botocore.loaders.Loader().load_service_model(SERVICE, "service-2", API_VERSION)


def awscli_model_path() -> Path:
    spec = importlib.util.find_spec("awscli")
    if spec is None or spec.origin is None:
        raise UnsupportedModel("the awscli package is not installed")
    return Path(spec.origin).parent / "botocore" / "data" / SERVICE / API_VERSION / "service-2.json"


def load_awscli_model() -> dict:
    path = awscli_model_path()
    opener = gzip.open if path.suffix == ".gz" else open
    if not path.exists() and path.with_suffix(".json.gz").exists():
        path, opener = path.with_suffix(".json.gz"), gzip.open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def awscli_botocore_version() -> str:
    """The version of the botocore copy inside awscli, read from its source without importing it."""
    init = awscli_model_path().parents[3] / "__init__.py"
    for line in init.read_text(encoding="utf-8").splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("'\"")
    raise UnsupportedModel(f"no __version__ in {init}")


def shape_closure(shapes: dict, root: str) -> list[str]:
    """Every shape name reachable from root, sorted."""
    seen: set[str] = set()
    pending = [root]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending.extend(referenced_shapes(shapes[name]))
    return sorted(seen)


def referenced_shapes(shape: dict) -> list[str]:
    names = [shape[key]["shape"] for key in ("member", "key", "value") if key in shape]
    names.extend(member["shape"] for member in shape.get("members", {}).values())
    return names


def constraint_shape(name: str, shape: dict) -> dict:
    """The validation-relevant part of one shape."""
    shape_type = shape["type"]
    if shape_type not in SCALAR_TYPES | CONTAINER_TYPES:
        raise UnsupportedModel(f"shape {name} has type {shape_type}, which the checker does not handle")
    if shape.get("union") or shape.get("document") or shape.get("streaming"):
        raise UnsupportedModel(f"shape {name} is a union, document or stream")
    kept = {key: shape[key] for key in KEPT_ATTRIBUTES if key in shape}
    if "enum" in kept:
        kept["enum"] = sorted(kept["enum"])
    if "required" in kept:
        kept["required"] = sorted(kept["required"])
    if "members" in shape:
        kept["members"] = {member: spec["shape"] for member, spec in sorted(shape["members"].items())}
    for key in ("member", "key", "value"):
        if key in shape:
            kept[key] = shape[key]["shape"]
    return kept


def cli_stricter(botocore_shapes: dict, cli_shapes: dict, root: str = ROOT_SHAPE) -> dict:
    """Per botocore shape name: what the CLI's model checks on the client that botocore's does not.

    Walks both models in parallel from the root, so a member is compared with the shape the CLI
    uses at the same place even where the two models name shapes differently.
    """
    stricter: dict[str, dict] = {}
    pending = [(root, root)]
    visited: set[tuple[str, str]] = set()
    while pending:
        ours, theirs = pending.pop()
        if (ours, theirs) in visited:
            continue
        visited.add((ours, theirs))
        difference = shape_difference(ours, botocore_shapes[ours], cli_shapes[theirs])
        if difference:
            if stricter.get(ours, difference) != difference:
                raise UnsupportedModel(f"shape {ours} maps to CLI shapes with different constraints")
            stricter[ours] = difference
        pending.extend(parallel_children(botocore_shapes[ours], cli_shapes[theirs]))
    return {name: stricter[name] for name in sorted(stricter)}


def shape_difference(name: str, ours: dict, theirs: dict) -> dict:
    if ours["type"] != theirs["type"]:
        raise UnsupportedModel(f"shape {name} is {ours['type']} for botocore but {theirs['type']} for the CLI")
    difference: dict = {}
    if "min" in theirs and theirs["min"] > ours.get("min", float("-inf")):
        difference["min"] = theirs["min"]
    unknown = sorted(set(ours.get("members", {})) - set(theirs.get("members", {})))
    if unknown:
        difference["unknown_members"] = unknown
    required = sorted(set(theirs.get("required", [])) - set(ours.get("required", [])))
    if required:
        difference["required"] = required
    return difference


def parallel_children(ours: dict, theirs: dict) -> list[tuple[str, str]]:
    pairs = [(ours[key]["shape"], theirs[key]["shape"]) for key in ("member", "key", "value") if key in ours]
    for member, spec in ours.get("members", {}).items():
        if member in theirs.get("members", {}):
            pairs.append((spec["shape"], theirs["members"][member]["shape"]))
    return pairs


def derive(botocore_model: dict, cli_model: dict, versions: dict, operation: str = OPERATION) -> dict:
    shapes = botocore_model["shapes"]
    root = f"{operation}Request"
    if botocore_model["operations"][operation]["input"]["shape"] != root:
        raise UnsupportedModel(f"{operation} no longer takes {root}")
    if cli_model["operations"][operation]["input"]["shape"] != root:
        raise UnsupportedModel(f"the aws CLI's {operation} does not take {root}")
    constraint_shapes = {name: constraint_shape(name, shapes[name]) for name in shape_closure(shapes, root)}
    java_patterns = sorted({shape["pattern"] for shape in constraint_shapes.values() if "pattern" in shape})
    return {
        "_generated": (
            "Generated by `make constraints` (python -m sagemaker_byoc.aws.service_model) from the sagemaker "
            f"{API_VERSION} service models of botocore {versions['botocore']} and of awscli "
            f"{versions['awscli']} (bundled botocore {versions['awscli_botocore']}); patterns "
            f"translated with Unicode {versions['unicode']}. Do not edit."
        ),
        "sources": versions,
        "operation": operation,
        "root": root,
        "shapes": constraint_shapes,
        "patterns": {pattern: java_regex.translate(pattern) for pattern in java_patterns},
        "ascii_patterns": _ascii_patterns(java_patterns),
        "cli_stricter": cli_stricter(shapes, cli_model["shapes"], root),
    }


def _ascii_patterns(java_patterns: list[str]) -> dict[str, str]:
    """The translations for ASCII values (java_regex.translate's ascii_only), where they differ
    from the whole one: compiling those takes a fraction of the time."""
    cut = {pattern: java_regex.translate(pattern, ascii_only=True) for pattern in java_patterns}
    return {pattern: text for pattern, text in cut.items() if text != java_regex.translate(pattern)}


def installed_versions() -> dict:
    return {
        "botocore": botocore.__version__,
        "awscli": importlib.metadata.version("awscli"),
        "awscli_botocore": awscli_botocore_version(),
        "unicode": java_regex.unicode_version(),
    }


def derive_installed(operation: str = OPERATION) -> dict:
    return derive(load_botocore_model(), load_awscli_model(), installed_versions(), operation)


def render(constraints: dict) -> str:
    return json.dumps(constraints, indent=1, sort_keys=True, ensure_ascii=True) + "\n"


def main() -> int:
    try:
        texts = {path: render(derive_installed(operation)) for operation, path in CONSTRAINTS_PATHS.items()}
        texts[regions.REGIONS_PATH] = regions.render(regions.derive())
    except (UnsupportedModel, java_regex.UnsupportedPattern, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
