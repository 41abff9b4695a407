"""run-local --trial: a tuning job rehearsed locally, each trial's objective read from its log."""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.local import LocalOptions
from sagemaker_byoc.local.trials import draw, run_trials
from sagemaker_byoc.spec.hyperparameter_encoding import encode
from sagemaker_byoc.spec.model import ParameterRange
from tests.compiler.jobs import REPO, make_job

from .jobs import job_document, write_job

EXAMPLE = REPO / "examples" / "tuning"
TRIAL_LINE = re.compile(r"  trial (\d): lr=(\S+) epochs=(\d+) optimizer=\"(\w+)\" -> (\S+)")


def run_local(job, *options):
    return subprocess.run([sys.executable, "-m", "sagemaker_byoc", "run-local", str(job), *map(str, options)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)


def test_trials_draw_inside_the_ranges_and_report_the_best(tmp_path):
    job = tmp_path / "tuning"
    shutil.copytree(EXAMPLE, job, ignore=shutil.ignore_patterns(".local", "generated"))
    result = run_local(job / "job.yaml", "--trial", 3, "--seed", 5, "--workdir", tmp_path / "runs")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    trials = [TRIAL_LINE.fullmatch(line) for line in result.stdout.splitlines() if line.startswith("  trial ")]
    assert len(trials) == 3 and all(trials), result.stdout[-2000:]
    objectives = []
    for number, (match, run) in enumerate(zip(trials, sorted((tmp_path / "runs").iterdir())), start=1):
        assert run.name == f"trial-{number}"
        lr, epochs, optimizer, objective = float(match[2]), int(match[3]), match[4], float(match[5])
        assert 0.0001 <= lr <= 0.5 and 1 <= epochs <= 30 and optimizer in ("sgd", "momentum")
        # The script received the drawn epochs (one train_loss line each) and printed the objective.
        log = (run / ".run" / "log.txt").read_text()
        assert f"validation_loss={match[5]}" in log
        assert log.count("train_loss=") == epochs
        # The service's own key, written as the service writes it (not JSON-encoded).
        written = json.loads((run / "input" / "config" / "hyperparameters.json").read_text())
        assert written["_tuning_objective_metric"] == "validation:loss"
        objectives.append((objective, number))
    best = min(objectives)
    assert re.search(rf"^best: trial {best[1]}, validation:loss {re.escape(trials[best[1] - 1][5])}: ", result.stdout, re.M)
    again = run_local(job / "job.yaml", "--trial", 3, "--seed", 5, "--workdir", tmp_path / "again")
    assert [line for line in again.stdout.splitlines() if line.startswith("  trial ")] == [m[0] for m in trials]


def test_an_objective_that_never_matches_fails_the_rehearsal(tmp_path):
    job = tmp_path / "tuning"
    shutil.copytree(EXAMPLE, job, ignore=shutil.ignore_patterns(".local", "generated"))
    text = (job / "job.yaml").read_text().replace('regex: "validation_loss=([0-9.eE+-]+)"', 'regex: "val_loss=([0-9.]+)"')
    (job / "job.yaml").write_text(text)
    result = run_local(job / "job.yaml", "--trial", 1, "--workdir", tmp_path / "runs")
    assert result.returncode == 1
    assert "  trial 1: " in result.stdout and result.stdout.rstrip().endswith(
        "no trial reported validation:loss: check that the script prints it and that its regex in metrics captures the value"
    )


def test_trial_needs_a_tuning_section(tmp_path):
    result = run_local(make_job(tmp_path), "--trial", 2)
    assert result.returncode == 2 and "--trial needs a tuning: section" in result.stderr


ranges = st.one_of(
    st.integers(-50, 50).flatmap(lambda low: st.integers(low + 1, low + 60).map(lambda high: ParameterRange("i", "Integer", low, high))),
    st.floats(1e-8, 10).flatmap(lambda low: st.floats(low * 1.01, low * 1000).flatmap(
        lambda high: st.sampled_from(["Auto", "Linear", "Logarithmic"]).map(lambda s: ParameterRange("c", "Continuous", low, high, s)))),
    st.floats(0, 0.5).flatmap(lambda low: st.floats(low + 0.01, 0.999).map(lambda high: ParameterRange("r", "Continuous", low, high, "ReverseLogarithmic"))),
    st.lists(st.text(max_size=3), min_size=1, max_size=4).map(lambda values: ParameterRange("k", "Categorical", values=tuple(values))),
)


@given(ranges, st.integers(0, 2**32))
def test_a_drawn_value_lies_inside_its_range(parameter, seed):
    value = draw(parameter, random.Random(seed))
    if parameter.kind == "Categorical":
        assert value in parameter.values
    elif parameter.kind == "Integer":
        assert isinstance(value, int) and parameter.min <= value <= parameter.max
    else:
        assert isinstance(value, float) and parameter.min * (1 - 1e-12) <= value <= parameter.max * (1 + 1e-12)


@pytest.mark.parametrize("encoding", ["framework", "estimator", "model_trainer"])
def test_a_trial_gets_its_values_as_the_tuning_request_lists_them(tmp_path, encoding):
    """The service passes a categorical value as the tuning request lists it, in the job's
    hyperparameter_encoding, over the static values (encoded alike); a number drawn from an
    Integer range as its decimal text."""
    document = job_document(
        hyperparameters={"flag": False, "name": "adam", "layers": ["a", "b"]},
        hyperparameter_encoding=encoding,
        tuning={
            "objective": {"metric": "train:loss", "type": "Minimize"}, "strategy": "Random", "max_jobs": 2,
            "ranges": {"flag": {"values": [True]}, "size": {"values": [7]}, "epochs": {"min": 3, "max": 4}},
        },
    )  # fmt: skip
    job = write_job(tmp_path / "job", document, script="print('loss: 0.5')\n")
    out = io.StringIO()
    assert run_trials(LocalOptions(job, workdir=tmp_path / "runs", keep_runs=None), 1, 0, out) == 0, out.getvalue()
    written = json.loads((tmp_path / "runs" / "trial-1" / "input" / "config" / "hyperparameters.json").read_text())
    assert written.pop("epochs") in ("3", "4")
    assert written == {
        "flag": encode(True, encoding),
        "size": encode(7, encoding),
        "name": encode("adam", encoding),
        "layers": encode(["a", "b"], encoding),
        "_tuning_objective_metric": "train:loss",
    }
    request = compile_job(job).rendered.tuning_request.body
    listed = request["HyperParameterTuningJobConfig"]["ParameterRanges"]["CategoricalParameterRanges"]
    assert {r["Name"]: r["Values"][0] for r in listed} == {"flag": written["flag"], "size": written["size"]}
