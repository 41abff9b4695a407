"""`sagemaker-byoc explain`: one line per request field, each naming the job.yaml line that
holds its value, or the default it took, and the rule that derived it."""

from __future__ import annotations

import json
import re

import pytest

from sagemaker_byoc.spec.defaults import default
from tests.compiler.jobs import EXAMPLES, MINIMAL, make_job, run_compiler

LINE = re.compile(r'(?P<field>(?:[^ "]|"(?:[^"\\]|\\.)*")+) = (?P<value>.*?) +# (?P<where>.*)')
PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def explained(job) -> list[dict[str, str]]:
    shown = run_compiler("explain", job)
    assert shown.returncode == 0, shown.stderr
    rows = []
    for line in shown.stdout.splitlines():
        match = LINE.fullmatch(line)
        assert match, line
        rows.append(match.groupdict())
    return rows


def leaves(node, path=""):
    if isinstance(node, dict) and node:
        for key, child in node.items():
            shown_key = (f".{key}" if path else key) if PLAIN_KEY.fullmatch(key) else f"[{json.dumps(key)}]"
            yield from leaves(child, path + shown_key)
    elif isinstance(node, list) and node:
        for index, child in enumerate(node):
            yield from leaves(child, f"{path}[{index}]")
    else:
        yield path, node


@pytest.mark.parametrize("job", EXAMPLES, ids=lambda p: p.parent.name)
def test_every_field_of_the_committed_request_is_explained_once_with_its_value(job):
    request = json.loads((job.parent / "generated" / "create_training_job.json").read_text())
    rows = explained(job)
    assert len(rows) == len({row["field"] for row in rows})
    # The committed request has its keys sorted; explain keeps the request's own order.
    assert sorted((row["field"], shown(row["value"])) for row in rows) == sorted((field, shown(json.dumps(value))) for field, value in leaves(request))


def shown(value: str) -> str:
    """A value as explain shows it: JSON, shortened past 72 characters."""
    return value if len(value) <= 72 else f"{value[:60]}…({len(value)} chars)"


@pytest.mark.parametrize("job", EXAMPLES, ids=lambda p: p.parent.name)
def test_every_line_named_holds_the_key_it_names(job):
    lines = job.read_text().splitlines()
    for row in explained(job):
        found = re.match(rf"{re.escape(str(job))}:(\d+) (\S+?)(;|$)", row["where"])
        if found is None:
            assert row["where"].startswith(("default (", "fixed")), row
            continue
        line, key = lines[int(found[1]) - 1], found[2]
        last = json.loads(key.rsplit("[", 1)[1][:-1]) if key.endswith('"]') else re.split(r"[.\[\]]", key.rstrip("]"))[-1]
        # A key's line holds the key, or (in a flow mapping or list) its value.
        assert last in line or (str(last).isdigit() and row["value"].strip('"') in line), (row, line)


def test_defaults_and_derivations_are_named(tmp_path):
    job = make_job(tmp_path, MINIMAL + "limits:\n  max_runtime: 2h\nhyperparameters:\n  lr: 0.5\ninputs:\n  train: s3://bucket/train/\n")
    rows = {row["field"]: row for row in explained(job)}
    assert rows["ResourceConfig.VolumeSizeInGB"]["value"] == json.dumps(default("resources", "volume_gb"))
    assert rows["ResourceConfig.VolumeSizeInGB"]["where"] == "default (resources.volume_gb)"
    assert rows["StoppingCondition.MaxRuntimeInSeconds"] == {
        "field": "StoppingCondition.MaxRuntimeInSeconds",
        "value": "7200",
        "where": f"{job}:12 limits.max_runtime; a duration, in seconds",
    }
    assert rows["HyperParameters.lr"]["where"] == (
        f"{job}:14 hyperparameters.lr; json.dumps(value), as the SDK's framework estimators (PyTorch, TensorFlow, ...) send it "
        "(hyperparameter_encoding: framework, the default)"
    )
    # A channel written as its S3 URI alone: the URI's line, the defaults of the long form.
    assert rows["InputDataConfig[0].DataSource.S3DataSource.S3Uri"]["where"] == f"{job}:16 inputs.train"
    assert rows["InputDataConfig[0].ChannelName"]["where"] == f"{job}:16 inputs.train"
    assert rows["InputDataConfig[0].DataSource.S3DataSource.S3DataType"]["where"] == "default (inputs.train.data_type)"
    assert rows["AlgorithmSpecification.TrainingInputMode"]["where"] == "fixed; always File; a channel's mode overrides it"
    assert "hash of every build input" in rows["AlgorithmSpecification.TrainingImage"]["where"]
    assert rows["TrainingJobName"]["where"].startswith(f"{job}:2 name; submit appends")


def test_an_explicit_tag_is_the_images_origin(tmp_path):
    job = make_job(tmp_path, MINIMAL.replace("  repository: demo/train\n", "  repository: demo/train\n  tag: v1\n"))
    rows = {row["field"]: row for row in explained(job)}
    assert rows["AlgorithmSpecification.TrainingImage"]["value"].endswith(':v1"')
    assert rows["AlgorithmSpecification.TrainingImage"]["where"].startswith(f"{job}:8 image.tag; ")


def test_unusual_keys_are_quoted_and_long_values_shortened(tmp_path):
    job = make_job(tmp_path, MINIMAL + f'hyperparameters:\n  "a b.c": 1\n  long: "{"x" * 200}"\n')
    rows = {row["field"]: row for row in explained(job)}
    assert rows['HyperParameters["a b.c"]']["value"] == '"1"'
    assert rows["HyperParameters.long"]["value"].endswith("…(206 chars)")


@pytest.mark.parametrize(("length", "whole"), [(66, True), (67, False)])
def test_a_value_of_exactly_the_display_width_is_shown_whole(tmp_path, length, whole):
    """HyperParameters' values are JSON-encoded strings: 66 characters show as 72, the width."""
    job = make_job(tmp_path, MINIMAL + f'hyperparameters:\n  name: "{"x" * length}"\n')
    shown = {row["field"]: row for row in explained(job)}["HyperParameters.name"]["value"]
    assert (shown == '"\\"' + "x" * length + '\\""') is whole
    assert shown.endswith(f"…({length + 6} chars)") is not whole


def test_an_invalid_job_is_reported_like_validate_does(tmp_path):
    job = make_job(tmp_path, MINIMAL.replace("region: us-east-1", "region: 5"))
    shown, checked = run_compiler("explain", job), run_compiler("validate", job)
    assert shown.returncode == checked.returncode == 2
    assert shown.stdout == "" and shown.stderr == checked.stderr
