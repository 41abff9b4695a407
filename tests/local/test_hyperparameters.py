"""Hyperparameters from job.yaml through a local run into the entry point's argv and
environment, as the toolkit contract formats them; and --hp overrides."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.local import LocalOptions, parse_overrides
from sagemaker_byoc.spec.secrets import secret_name

from . import contract
from .jobs import job_document, read_dump, run_cli, run_in_process, write_job

# Everything the schema lets through: any character but = and NUL in a name (1 to 256), control
# characters and astral planes included; surrogates cannot be written as UTF-8. Names with a line
# terminator break the API's `.*` (request rules refuse them); secret-looking and reserved names
# are refused too, so they are left out.
CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00")
NAME_CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="=\x00\n\r\x85\u2028\u2029")
KEYS = st.text(NAME_CHARACTERS, min_size=1, max_size=24).filter(
    lambda k: contract.is_user_key(k) and not secret_name(k)
)
TEXT = st.text(CHARACTERS, max_size=16)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.floats(allow_nan=False, allow_infinity=False, width=64).filter(lambda f: math.isfinite(f))
    | TEXT
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4), max_leaves=10)
HYPERPARAMETERS = st.dictionaries(KEYS, VALUES, min_size=0, max_size=100)  # the API allows 100


# JSON writes an astral character as a surrogate pair of \\u escapes; YAML reads each escape as
# one (invalid) character, so the pairs are rewritten as YAML's own \\U escape, as a user writes them.
_SURROGATE_PAIR = re.compile(r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})")


def _astral_as_yaml(match: re.Match) -> str:
    pair = (chr(int(match.group(2), 16)) + chr(int(match.group(3), 16))).encode("utf-16-le", "surrogatepass")
    return f"{match.group(1)}\\U{ord(pair.decode('utf-16-le')):08x}"


def _run(tmp: Path, hyperparameters: dict, overrides: list[str] = (), new: list[str] = ()) -> tuple[Path, dict, dict]:
    job = write_job(tmp / "job", job_document(hyperparameters=hyperparameters))
    job.write_text(_SURROGATE_PAIR.sub(_astral_as_yaml, job.read_text(encoding="utf-8")), encoding="utf-8")
    run_dir = tmp / "run"
    status, output = run_in_process(LocalOptions(job, overrides=parse_overrides(list(overrides), new=list(new)), workdir=run_dir))
    assert status == 0, output
    written = json.loads((run_dir / "input" / "config" / "hyperparameters.json").read_text(encoding="utf-8"))
    return job, written, read_dump(run_dir)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(hyperparameters=HYPERPARAMETERS)
def test_hyperparameters_round_trip_into_argv_and_environment(tmp_path_factory, hyperparameters):
    tmp = tmp_path_factory.mktemp("hp")
    job, written, dump = _run(tmp, hyperparameters)
    # The SDK's encoding, written out independently of the compiler: json.dumps per value.
    assert written == {name: json.dumps(value) for name, value in hyperparameters.items()}
    assert compile_job(job).rendered.request.body.get("HyperParameters", {}) == written
    assert dump["argv"] == contract.expected_argv(written)
    received = {name: value for name, value in dump["env"].items() if name.startswith("SM_HP_")}
    assert received == contract.expected_hp_env(written)
    assert dump["env"]["SM_HPS"] == contract.expected_hps(written)


def test_overrides_replace_and_add_hyperparameters(tmp_path: Path):
    _, written, dump = _run(
        tmp_path,
        {"epochs": 10, "optimizer": "adam"},
        ["epochs=3"],
        ["layers=[64, 128]", "note=", 'name="quoted words"', "ratio=1e-3", "when=2024-01-01"],
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
    result = run_cli("run-local", str(job), "--workdir", str(tmp_path / "run"), "--hp-new", f"blob={'x' * 3000}")
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


def test_an_override_of_a_hyperparameter_job_yaml_lacks_is_an_error_with_the_closest_name(tmp_path: Path):
    job = write_job(tmp_path / "job", job_document(hyperparameters={"epochs": 1, "lr": 0.1}))
    result = run_cli("run-local", str(job), "--workdir", str(tmp_path / "run"), "--hp", "epoch=2", "--hp", "lr=0.2")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        (f"{job} (with hyperparameters epoch=2 lr=0.2):{_line_of(job, 'hyperparameters')}:3: error: --hp epoch=2: no hyperparameter "
        "'epoch' in job.yaml; did you mean 'epochs'? (--hp-new epoch=2 adds a new one) (at /hyperparameters)")
    ]
    assert not (tmp_path / "run").exists()


def test_hps_names_itself_and_a_job_without_hyperparameters_is_reported_at_the_top(tmp_path: Path):
    job = write_job(tmp_path / "job")
    result = run_cli("run-local", str(job), "--workdir", str(tmp_path / "run"), "--hps", "zeta=1")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{job} (with hyperparameters zeta=1):1:1: error: --hps zeta=1: no hyperparameter 'zeta' in job.yaml (--hp-new zeta=1 adds a new one)"
    ]
    assert not (tmp_path / "run").exists()


def test_hp_new_adds_a_hyperparameter_and_a_tuned_one_needs_no_hp_new(tmp_path: Path):
    job = write_job(
        tmp_path / "job",
        job_document(
            hyperparameters={"epochs": 1},
            tuning={"objective": {"metric": "train:loss", "type": "Minimize"}, "max_jobs": 2, "ranges": {"lr": {"min": 0.001, "max": 0.1}}},
        ),
    )
    result = run_cli("run-local", str(job), "--workdir", str(tmp_path / "run"), "--hp", "lr=0.01", "--hp-new", "extra=x")
    assert result.returncode == 0, result.stderr
    written = json.loads((tmp_path / "run" / "input" / "config" / "hyperparameters.json").read_text(encoding="utf-8"))
    assert written == {"epochs": "1", "lr": "0.01", "extra": '"x"'}


def _line_of(job: Path, key: str) -> int:
    return next(number for number, line in enumerate(job.read_text(encoding="utf-8").splitlines(), 1) if line.lstrip().startswith(f'"{key}"'))


def test_what_the_quoted_number_warning_says_is_what_the_script_gets(tmp_path: Path):
    """The warning for "0.01"-like strings (spec/semantics.py) against a real run: SM_HPS holds
    a string, the argument is the text as written; a real number or boolean differs."""
    job, _, dump = _run(tmp_path, {"q": "1e-5", "n": 1e-5, "qb": "true", "b": True, "qf": "0.01", "f": 0.01})
    assert json.loads(dump["env"]["SM_HPS"]) == {"q": "1e-5", "n": 1e-5, "qb": "true", "b": True, "qf": "0.01", "f": 0.01}
    arguments = dict(zip(dump["argv"][::2], dump["argv"][1::2], strict=True))
    assert arguments == {"-q": "1e-5", "-n": "1e-05", "--qb": "true", "-b": "True", "--qf": "0.01", "-f": "0.01"}
    result = run_cli("validate", str(job))
    assert result.returncode == 0
    warned = [line.split(": warning: ")[1] for line in result.stderr.splitlines()]
    assert warned == [
        ('"1e-5" is a string: SM_HPS gives the script the string, not a number (its command-line argument is 1e-5 as written, '
        "1e-05 as a number); to send a number, write q: 1e-5 without quotes (at /hyperparameters/q)"),
        ('"true" is a string: SM_HPS gives the script the string, not a boolean (its command-line argument is true; a boolean\'s '
        "is True); to send a boolean, write qb: true without quotes (at /hyperparameters/qb)"),
        ('"0.01" is a string: SM_HPS gives the script the string, not a number (its command-line argument is the same text '
        "either way); to send a number, write qf: 0.01 without quotes (at /hyperparameters/qf)"),
    ]
