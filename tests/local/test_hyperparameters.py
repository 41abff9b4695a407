"""Hyperparameters from job.yaml through a local run into the entry point's argv and
environment, as the toolkit contract formats them; and --hp overrides."""

from __future__ import annotations

import json
import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.local import LocalOptions, parse_overrides
from compiler.pipeline import compile_job
from spec.secrets import secret_name

from . import contract
from .jobs import job_document, read_dump, run_cli, run_in_process, write_job

KEYS = st.from_regex(r"[A-Za-z][A-Za-z0-9_.-]{0,11}", fullmatch=True).filter(
    lambda k: contract.is_user_key(k) and not secret_name(k)
)
TEXT = st.text(st.characters(codec="utf-8", max_codepoint=0xFFFF, exclude_categories=("Cs", "Cc")), max_size=12)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=False, allow_infinity=False, width=64).filter(lambda f: math.isfinite(f))
    | TEXT
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=6)
HYPERPARAMETERS = st.dictionaries(KEYS, VALUES, min_size=0, max_size=6)


def _run(tmp: Path, hyperparameters: dict, overrides: list[str] = ()) -> tuple[Path, dict, dict]:
    job = write_job(tmp / "job", job_document(hyperparameters=hyperparameters))
    run_dir = tmp / "run"
    status, output = run_in_process(LocalOptions(job, overrides=parse_overrides(list(overrides)), workdir=run_dir))
    assert status == 0, output
    written = json.loads((run_dir / "input" / "config" / "hyperparameters.json").read_text(encoding="utf-8"))
    return job, written, read_dump(run_dir)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(hyperparameters=HYPERPARAMETERS)
def test_hyperparameters_round_trip_into_argv_and_environment(tmp_path_factory, hyperparameters):
    tmp = tmp_path_factory.mktemp("hp")
    job, written, dump = _run(tmp, hyperparameters)
    request = compile_job(job).rendered.request.body
    assert written == request.get("HyperParameters", {})
    assert {k: json.loads(v) for k, v in written.items()} == hyperparameters
    assert dump["argv"] == contract.expected_argv(written)
    received = {name: value for name, value in dump["env"].items() if name.startswith("SM_HP_")}
    assert received == contract.expected_hp_env(written)
    assert dump["env"]["SM_HPS"] == contract.expected_hps(written)


def test_overrides_replace_and_add_hyperparameters(tmp_path: Path):
    _, written, dump = _run(
        tmp_path,
        {"epochs": 10, "optimizer": "adam"},
        ["epochs=3", "layers=[64, 128]", "note=", 'name="quoted words"', "ratio=1e-3", "when=2024-01-01"],
    )
    assert written == {
        "epochs": "3",
        "optimizer": '"adam"',
        "layers": "[64, 128]",
        "note": "null",
        "name": '"quoted words"',
        "ratio": "0.001",
        "when": '"2024-01-01"',
    }
    assert dump["argv"] == contract.expected_argv(written)


def test_an_override_is_checked_like_job_yaml(tmp_path: Path):
    job = write_job(tmp_path / "job", job_document(hyperparameters={"epochs": 1}))
    result = run_cli("run-local", str(job), "--workdir", str(tmp_path / "run"), "--hp", f"blob={'x' * 3000}")
    assert result.returncode == 2
    assert "with hyperparameters blob=" in result.stderr
    assert "SageMaker allows 2500" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


def test_a_malformed_override_is_a_one_line_error(tmp_path: Path):
    job = write_job(tmp_path / "job")
    for bad in (["--hp", "no-equals-sign"], ["--hp", "x=[1, 2"], ["--hps", "a='unclosed"]):
        result = run_cli("run-local", str(job), *bad)
        assert result.returncode == 2, bad
        assert result.stderr.startswith("error: hyperparameter override") or "cannot split" in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "job" / ".local").exists() or not any((tmp_path / "job" / ".local").iterdir())
