"""The pure parts of a local run: metric extraction, /opt/ml path mapping, override parsing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagemaker_byoc.local import OverrideError, parse_overrides
from sagemaker_byoc.local.metrics import extract
from sagemaker_byoc.local.paths import localize
from sagemaker_byoc.spec.model import Metric


def test_metrics_count_matches_keep_the_last_value_and_flag_non_numbers():
    metrics = (Metric("loss", r"loss: (\S+)"), Metric("acc", r"acc=([0-9.]+)"), Metric("f1", r"f1 ([0-9.]+)"))
    log = ["epoch 1 loss: 0.5 acc=0.7", "loss: nan?", "epoch 2 loss: 0.25", "acc=0.9 acc=0.1"]
    loss, acc, f1 = extract(metrics, log)
    assert (loss.count, loss.last, loss.unparsable, loss.example) == (2, 0.25, 1, "nan?")
    assert (acc.count, acc.last) == (2, 0.9), "the first match of a line, as re.search finds it"
    assert (f1.count, f1.last, f1.unparsable) == (0, None, 0)


def test_paths_under_opt_ml_and_the_checkpoint_path_map_to_the_run_directory():
    base = Path("/runs/r1")
    request = {
        "HyperParameters": {
            "submit": json.dumps("/opt/ml/input/data/scripts"),
            "ckpt": json.dumps("/checkpoints/"),
            "other": json.dumps("/opt/mlx"),
            "plain": "adam",
            "number": "3",
        },
        "Environment": {"DATA": "/opt/ml/input/data/train", "HOME_DIR": "/home/x"},
    }
    localized, mapped = localize(request, base, "/checkpoints", base / "checkpoints")
    assert localized["HyperParameters"] == {
        "submit": json.dumps("/runs/r1/input/data/scripts"),
        "ckpt": json.dumps("/runs/r1/checkpoints"),
        "other": json.dumps("/opt/mlx"),
        "plain": "adam",
        "number": "3",
    }
    assert localized["Environment"] == {
        "DATA": "/runs/r1/input/data/train",
        "HOME_DIR": "/home/x",
        "CHECKPOINT_DIR": "/runs/r1/checkpoints",
    }
    assert [m.where for m in mapped] == ["hyperparameter submit", "hyperparameter ckpt", "environment DATA"]
    assert request["HyperParameters"]["submit"] == json.dumps("/opt/ml/input/data/scripts"), "the request is not changed"


def test_a_path_sent_as_it_is_stays_as_it_is_once_mapped():
    """Under hyperparameter_encoding: estimator or model_trainer a string is sent as it is, so its
    mapped path must be too: JSON's quotes would reach the script."""
    localized, _ = localize({"HyperParameters": {"raw": "/opt/ml/checkpoints", "json": json.dumps("/opt/ml/model")}}, Path("/r"), None, None)
    assert localized["HyperParameters"] == {"raw": "/r/checkpoints", "json": json.dumps("/r/model")}


def test_without_checkpoints_no_checkpoint_variable_is_set():
    localized, mapped = localize({"HyperParameters": {"a": "1"}}, Path("/r"), None, None)
    assert localized["Environment"] == {} and mapped == []


def test_overrides_read_values_like_job_yaml():
    parsed = parse_overrides(["a=1", "b=x y", "c=[1, {d: 2}]", "e=", "f=a=b", "g=yes"], "h='two words' i=0.5")
    assert [(o.key, o.value) for o in parsed] == [
        ("a", 1),
        ("b", "x y"),
        ("c", [1, {"d": 2}]),
        ("e", None),
        ("f", "a=b"),
        ("g", "yes"),
        ("h", "two words"),
        ("i", 0.5),
    ]


@pytest.mark.parametrize("bad", ["=1", "novalue", "x={", "y=[1,"])
def test_malformed_overrides_are_errors(bad: str):
    with pytest.raises(OverrideError, match="hyperparameter override"):
        parse_overrides([bad])


@pytest.mark.parametrize(
    "bad, problem",
    [
        ("s=!!set {a}", "the tag !!set has no JSON meaning"),
        ("k={1: a, '1': b}", 'duplicate key "1"'),
        ("m={<<: {a: 1}}", "merge keys"),
        ("n=.nan", "not a number JSON can hold"),
        ("d=" + "[" * 101 + "]" * 101, "nesting deeper than 100 levels"),
    ],
)
def test_overrides_without_a_json_meaning_are_errors_as_in_job_yaml(bad: str, problem: str):
    with pytest.raises(OverrideError, match="hyperparameter override") as caught:
        parse_overrides([bad])
    assert problem in str(caught.value)


def test_an_override_may_nest_as_deep_as_the_shim_allows():
    (override,) = parse_overrides(["d=" + "[" * 100 + "]" * 100])
    assert override.value[0][0] is not None
