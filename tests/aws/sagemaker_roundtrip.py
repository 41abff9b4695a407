"""What moto 5.2.5 keeps of a CreateTrainingJob request, and how to compare a request with what
DescribeTrainingJob (and ListTags) give back.

moto validates nothing, so a round trip through it proves only that the request travels: that the
aws CLI and boto3 accept its shapes and types, serialise it, and that the members arrive intact.
Whether the values are valid is proven by the request-rule tests, not here.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]

# moto/sagemaker/responses.py create_training_job passes only 18 members to the backend; these
# 10 are dropped silently and never appear in DescribeTrainingJob (sagemaker-api.md §9.1).
DROPPED_BY_MOTO = {
    "ProfilerConfig": "not passed to moto's backend",
    "ProfilerRuleConfigurations": "not passed to moto's backend",
    "Environment": "not passed to moto's backend",
    "RetryStrategy": "not passed to moto's backend",
    "RemoteDebugConfig": "not passed to moto's backend",
    "InfraCheckConfig": "not passed to moto's backend",
    "SessionChainingConfig": "not passed to moto's backend",
    "ServerlessJobConfig": "not passed to moto's backend",
    "MlflowConfig": "not passed to moto's backend",
    "ModelPackageConfig": "not passed to moto's backend",
}

# moto describes a fixed metric ("test:dcg") whatever the request defined.
REPLACED_BY_MOTO = {("AlgorithmSpecification", "MetricDefinitions")}

# DescribeTrainingJob has no Tags member (in AWS too): tags are read back with ListTags.
READ_WITH_LIST_TAGS = "Tags"

JOB_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")


def example_requests() -> list[Path]:
    return sorted(REPO_ROOT.glob("examples/*/generated/create_training_job.json"))


def example_scripts() -> list[Path]:
    return sorted(REPO_ROOT.glob("examples/*/generated/build_and_push.sh"))


def example_id(path: Path) -> str:
    return path.parent.parent.name


def job_region(generated_file: Path) -> str:
    """The region of the job whose generated/ holds this file."""
    from sagemaker_byoc.spec import load_job

    job, _ = load_job(generated_file.parent.parent / "job.yaml")
    return job.region


def load_request(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def unique_job_name(base: str, purpose: str) -> str:
    """A valid, unique TrainingJobName, so tests never collide on one server."""
    name = f"{base[:40].rstrip('-')}-{purpose}-{uuid.uuid4().hex[:8]}"
    assert JOB_NAME.fullmatch(name), name
    return name


def round_trip_differences(
    sent: dict[str, Any], described: dict[str, Any], tags: list[dict[str, str]], name: str
) -> list[str]:
    """Every way in which what moto gives back differs from what was sent, for the members moto
    keeps; an empty list when they agree."""
    problems = []
    if described.get("TrainingJobName") != name:
        problems.append(f"TrainingJobName: sent {name!r}, described {described.get('TrainingJobName')!r}")
    for member, value in sent.items():
        if member == "TrainingJobName" or member in DROPPED_BY_MOTO:
            continue
        if member == READ_WITH_LIST_TAGS:
            if tags != value:
                problems.append(f"Tags: sent {value!r}, ListTags gave {tags!r}")
            continue
        if member not in described:
            problems.append(f"{member}: sent {value!r}, missing from DescribeTrainingJob")
            continue
        expected, actual = _without_replaced(member, value), _without_replaced(member, described[member])
        if expected != actual:
            problems.append(f"{member}: sent {expected!r}, described {actual!r}")
    return problems


def _without_replaced(member: str, value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {key: item for key, item in value.items() if (member, key) not in REPLACED_BY_MOTO}
