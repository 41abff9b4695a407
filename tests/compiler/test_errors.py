"""Bad input: compiler-style diagnostics with line and column, exit 2, never a traceback, and
nothing written."""

from __future__ import annotations

import json
import os

import pytest

from tests.compiler.jobs import MINIMAL, make_job, run_compiler, with_lines


def errors_of(result) -> list[str]:
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if ": error: " in line]


def test_valid_minimal_job_compiles(tmp_path):
    job = make_job(tmp_path)
    result = run_compiler("compile", job)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "generated").iterdir()) == [
        "Dockerfile", "Dockerfile.dockerignore", "build_and_push.sh", "create_training_job.json", "train",
    ]


def test_unknown_key_gets_a_did_you_mean_at_its_line_and_column(tmp_path):
    job = make_job(tmp_path, MINIMAL.replace("entry_point:", "entry_pont:"))
    result = run_compiler("validate", job)
    assert result.returncode == 2
    assert f"{job}:8:1: error: unknown key 'entry_pont'; did you mean 'entry_point'? (at /entry_pont)" in errors_of(result)


def test_every_error_is_reported_at_once(tmp_path):
    text = MINIMAL.replace("region: us-east-1", "region: mars").replace("name: demo", "name: de_mo")
    job = make_job(tmp_path, text + "spto: true\n")
    errors = errors_of(run_compiler("validate", job))
    assert len(errors) == 3
    assert any(":2:7: error: name: 'de_mo' is not valid" in e for e in errors)
    assert any(":4:9: error: region: 'mars' is not valid" in e for e in errors)
    assert any(":11:1: error: unknown key 'spto'; did you mean 'spot'?" in e for e in errors)


def test_nested_unknown_key_and_enum_suggestion(tmp_path):
    job = make_job(tmp_path, MINIMAL.replace("  repository: demo/train", "  repository: demo/train\n  base: gpu\n  pyhton: '3.11'"))
    errors = errors_of(run_compiler("validate", job))
    assert any(":8:9: error: base: 'gpu' is not one of cpu, cuda" in e and "(at /image/base)" in e for e in errors)
    assert any(":9:3: error: unknown key 'pyhton'; did you mean 'python'? (at /image/pyhton)" in e for e in errors)


def test_wrong_type_names_what_was_expected(tmp_path):
    job = make_job(tmp_path, with_lines("spot: maybe"))
    errors = errors_of(run_compiler("validate", job))
    assert errors == [f"{job}:11:7: error: spot: expected a boolean, got a string 'maybe' (at /spot)"]


def test_channel_short_and_long_forms_are_explained_by_the_form_used(tmp_path):
    job = make_job(tmp_path, with_lines("inputs:", "  train: http://bucket/x", "  val: {s3: 's3://bucket/v/', mode: Fil}"))
    errors = errors_of(run_compiler("validate", job))
    assert any(":12:10: error: train: 'http://bucket/x' is not valid: expected an S3 URI" in e for e in errors)
    assert any("mode: 'Fil' is not one of File, FastFile, Pipe; did you mean 'File'? (at /inputs/val/mode)" in e for e in errors)
    assert len(errors) == 2


def test_yaml_syntax_error_has_its_position(tmp_path):
    job = make_job(tmp_path, MINIMAL + "tags: {a: b\n")
    result = run_compiler("validate", job)
    assert result.returncode == 2
    errors = errors_of(result)
    # Where the mapping was opened, not where the file ended.
    assert errors == [f"{job}:11:7: error: YAML syntax: the mapping opened with '{{' here is never closed: add '}}'"]


def test_duplicate_key_is_an_error(tmp_path):
    job = make_job(tmp_path, MINIMAL + "name: again\n")
    errors = errors_of(run_compiler("validate", job))
    assert len(errors) == 1 and "duplicate key" in errors[0] and errors[0].startswith(f"{job}:11:")


@pytest.mark.parametrize("text", ["", "- a list\n", "just text\n"])
def test_a_document_that_is_not_a_mapping(tmp_path, text):
    job = make_job(tmp_path, text)
    result = run_compiler("validate", job)
    assert result.returncode == 2
    assert errors_of(result)


def test_missing_job_file(tmp_path):
    result = run_compiler("validate", tmp_path / "nope.yaml")
    assert result.returncode == 2
    assert errors_of(result) == [f"{tmp_path / 'nope.yaml'}:1:1: error: no such file"]


def test_not_utf8(tmp_path):
    job = make_job(tmp_path)
    job.write_bytes(MINIMAL.encode() + b"tags: {a: \xff}\n")
    result = run_compiler("validate", job)
    assert result.returncode == 2 and errors_of(result)


def test_failed_compile_leaves_the_output_directory_untouched(tmp_path):
    job = make_job(tmp_path)
    assert run_compiler("compile", job).returncode == 0
    out = tmp_path / "generated"
    before = {p.name: (p.read_bytes(), p.stat().st_mode) for p in out.iterdir()}
    job.write_text(MINIMAL.replace("region: us-east-1", "region: nowhere"))
    result = run_compiler("compile", job)
    assert result.returncode == 2
    after = {p.name: (p.read_bytes(), p.stat().st_mode) for p in out.iterdir()}
    assert after == before
    assert sorted(os.listdir(tmp_path)) == ["code", "generated", "job.yaml"]


def test_failed_compile_creates_nothing(tmp_path):
    job = make_job(tmp_path, MINIMAL.replace("region: us-east-1", "region: nowhere"))
    result = run_compiler("compile", job, "-o", tmp_path / "out" / "deeper")
    assert result.returncode == 2
    assert sorted(os.listdir(tmp_path)) == ["code", "job.yaml"]


def test_validate_writes_nothing(tmp_path):
    job = make_job(tmp_path)
    assert run_compiler("validate", job).returncode == 0
    assert sorted(os.listdir(tmp_path)) == ["code", "job.yaml"]


def test_usage_error_exits_2():
    result = run_compiler("compile")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_a_bad_key_is_reported_at_the_key(tmp_path):
    job = make_job(tmp_path, with_lines("environment: {1BAD: x}", "hyperparameters: {'a=b': 1}", "inputs: {'bad/name': s3://bucket/x}"))
    errors = errors_of(run_compiler("validate", job))
    assert errors == [
        f"{job}:11:15: error: key '1BAD' is not valid: expected a variable name: letters, digits and _, not starting with a digit"
        " (at /environment/1BAD)",
        f"{job}:12:19: error: hyperparameter 'a=b': a name holding '=' cannot be an environment variable (SM_HP_…): train"
        " would refuse the job (at /hyperparameters/a=b)",
        f"{job}:13:10: error: key 'bad/name' is not valid: expected a channel name: letters, digits, . - _, 1 to 64 characters, neither . nor .. (each channel is a folder)"
        " (at /inputs/bad~1name)",
    ]


def test_a_long_hyperparameter_name_is_reported_at_the_key(tmp_path):
    name = "k" * 257
    job = make_job(tmp_path, with_lines(f"hyperparameters: {{{name}: 1}}"))
    errors = errors_of(run_compiler("validate", job))
    assert len(errors) == 1 and errors[0].startswith(f"{job}:11:19: error: key 'kkk") and "has 257 characters; at most 256" in errors[0]


def test_max_wait_without_spot_only_warns_and_stays_out_of_the_request(tmp_path):
    # The README promises a warning, not an error: the request must not carry MaxWaitTimeInSeconds
    # without EnableManagedSpotTraining (SageMaker refuses that pair).
    job = make_job(tmp_path, with_lines("limits: {max_wait: 3h}"))
    for command in ("validate", "compile"):
        result = run_compiler(command, job)
        assert result.returncode == 0, result.stderr
        assert result.stderr == f"{job}:11:20: warning: max_wait applies only with spot: true (at /limits/max_wait)\n"
    request = json.loads((tmp_path / "generated" / "create_training_job.json").read_text())
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 86400}
    assert "EnableManagedSpotTraining" not in request


def test_names_from_job_yaml_reach_the_terminal_as_escapes(tmp_path):
    """A name holding ESC, a bell or a bidirectional override was printed raw: it could hide
    text, retitle the terminal or reorder a line. Every diagnostic stays one visible line."""
    job = make_job(tmp_path, with_lines(
        "metrics:",
        '  - {name: "a\\e[8mX\\u202eY", regex: "(x)"}',
        '  - {name: "a\\e[8mX\\u202eY", regex: "(x)"}',
        'tuning: {objective: {metric: "b\\e]0;title\\u0007", type: Minimize}, max_jobs: 2, ranges: {r: {min: 1, max: 2}}}',
    ))
    result = run_compiler("validate", job)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and all(line.startswith(f"{job}:") for line in lines)
    assert not any(char in result.stderr for char in "\x1b\x07\u202e")
    assert "metrics: a\\x1b[8mX\\u202eY, a\\x1b[8mX\\u202eY" in result.stderr


def test_the_terminal_escaper_keeps_text_and_tabs_and_escapes_what_a_terminal_acts_on():
    from sagemaker_byoc.text import escape

    assert escape.terminal("loss: ([0-9.]+)\tC:\\\\path é 名") == "loss: ([0-9.]+)\tC:\\\\path é 名"
    assert escape.terminal("a\nb\rc\x1bd\x7fe\x85f\u2028g\u202eh\u2066i") == "a\\x0ab\\x0dc\\x1bd\\x7fe\\x85f\\u2028g\\u202eh\\u2066i"


def test_a_range_of_either_shape_is_explained_by_the_keys_it_has(tmp_path):
    """A tuning range is {min, max} or {values}: the keys given say which one was meant."""
    job = make_job(tmp_path, with_lines(
        "metrics: [{name: loss, regex: 'l=([0-9]+)'}]",
        "tuning: {objective: {metric: loss, type: Minimize}, max_jobs: 2, ranges: {a: {values: [[1]]}, b: {min: 1}, c: {}, d: {min: 1, values: [1]}}}",
    ))  # fmt: skip
    errors = [line.split(": error: ", 1)[1] for line in errors_of(run_compiler("validate", job))]
    assert errors == [
        "expected a string or a number or a boolean, got a list (at /tuning/ranges/a/values/0)",
        "b: missing required key 'max' (at /tuning/ranges/b)",
        "expected a mapping with min and max or a mapping with values, got an empty mapping (at /tuning/ranges/c)",
        "expected a mapping with min and max or a mapping with values, got one with min, values (at /tuning/ranges/d)",
    ]
