"""A tuning trial reaches the entry point as job.yaml says: the compiled tuning request, a trial
drawn inside its ranges as the service passes it (each chosen value a string, plus
`_tuning_objective_metric`), and `train` launched on it gives the script the static and tuned
values, decoded as the toolkit decodes them, and keeps the service's own key off argv.
"""

from __future__ import annotations

import json
import random
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.spec import SpecError
from tests.compiler.jobs import make_job, with_lines, yaml_json
from tests.shim import harness
from tests.shim.conftest import require_oracle
from tests.shim.test_properties import PHASES

# Names the compiler accepts: not reserved, and not secret-looking (spec/semantics.py refuses those).
SECRET_WORDS = re.compile(r"secret|passw|pwd|token|credential|key|passphrase")
names = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789_-.é"), min_size=1, max_size=10).filter(
    lambda name: not name.startswith(("sagemaker_", "-")) and not SECRET_WORDS.search(name)
)
scalars = st.one_of(st.booleans(), st.integers(-(10**6), 10**6), st.floats(-1e6, 1e6, allow_nan=False), st.text(max_size=12))


@st.composite
def ranges(draw: st.DrawFn) -> dict:
    kind = draw(st.sampled_from(["Integer", "Continuous", "Categorical"]))
    if kind == "Categorical":
        return {"values": draw(st.lists(scalars, min_size=1, max_size=4, unique_by=json.dumps))}
    if kind == "Integer":
        low = draw(st.integers(-1000, 1000))
        return {"min": low, "max": low + draw(st.integers(1, 1000))}
    low = draw(st.floats(1e-6, 100))
    return {"min": low, "max": low * draw(st.floats(1.5, 100)), "scaling": draw(st.sampled_from(["Auto", "Linear", "Logarithmic"]))}


def service_choice(parameter: dict, chooser: random.Random) -> str:
    """A value the service would pass for one range: a string in every case."""
    if "Values" in parameter:
        return chooser.choice(parameter["Values"])
    low, high = parameter["MinValue"], parameter["MaxValue"]
    if "." in low or "." in high:
        return repr(chooser.uniform(float(low), float(high)))
    return str(chooser.randint(int(low), int(high)))


@settings(max_examples=25, deadline=None, phases=PHASES, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    statics=st.dictionaries(names, scalars, max_size=5),
    tuned=st.dictionaries(names, ranges(), min_size=1, max_size=5),
    seed=st.integers(0, 2**32),
)
def test_a_trial_reaches_the_entry_point_as_the_toolkit_would_pass_it(tmp_path_factory, statics, tuned, seed):
    require_oracle()
    directory = tmp_path_factory.mktemp("job")
    document = {
        "hyperparameters": statics,
        "metrics": [{"name": "validation:loss", "regex": "loss=([0-9.]+)"}],
        "tuning": {"objective": {"metric": "validation:loss", "type": "Minimize"}, "strategy": "Random", "max_jobs": 3, "ranges": tuned},
    }
    job_path = make_job(directory, with_lines(*(f"{key}: {yaml_json(value)}" for key, value in document.items())))
    try:
        body = compile_job(job_path).rendered.tuning_request.body
    except SpecError as refused:
        # What compiles, runs: the one value train refuses (a NUL) is refused here, at its line.
        assert refused.errors and all("NUL character (U+0000)" in d.message for d in refused.errors), refused
        assert "\\u0000" in json.dumps([statics, tuned])  # JSON's escape of a NUL
        return

    chooser = random.Random(seed)
    config = body["HyperParameterTuningJobConfig"]
    trial = dict(body["TrainingJobDefinition"].get("StaticHyperParameters", {}))
    chosen = {}
    for parameters in config["ParameterRanges"].values():
        for parameter in parameters:
            chosen[parameter["Name"]] = service_choice(parameter, chooser)
    trial.update(chosen)
    trial["_tuning_objective_metric"] = config["HyperParameterTuningJobObjective"]["MetricName"]

    job = harness.Job(hyperparameters=trial)
    shim = harness.run_shim(job, directory / "shim")
    toolkit = harness.run_toolkit(job, directory / "toolkit")
    harness.assert_same_launch(toolkit, shim)

    argv = shim.argv[1:]
    assert not any("_tuning_objective_metric" in arg for arg in argv)
    # The toolkit writes a one-character name as -k, a longer one as --name.
    flags = {(argv[i][1:] if len(argv[i]) == 2 else argv[i][2:]): argv[i + 1] for i in range(0, len(argv), 2)}
    assert set(flags) == set(statics) | set(tuned)
    for name, value in chosen.items():
        decoded = json.loads(value)
        assert flags[name] == (decoded if isinstance(decoded, str) else str(decoded)), name
    for name, value in statics.items():
        if name not in tuned and isinstance(value, (int, str)) and not isinstance(value, bool):
            assert flags[name] == str(value), name
