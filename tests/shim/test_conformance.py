"""Differential tests: shim/train against AWS's sagemaker-training 5.1.4 `train`, job by job.

Each job is written twice, identically; the toolkit and the shim (dash + mawk, the Debian and
Ubuntu defaults) launch the same dump entry point, and every SM_* variable, CURRENT_HOST,
SAGEMAKER_JOB_NAME, SAGEMAKER_REGION, the argv and the cwd must be equal. Deliberate deviations
(signal forwarding, the script's exit status, failure-file text, the banner, PYTHONPATH keeping
its old entries) are not compared here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from . import harness, jobs
from .conftest import ToolkitRuns, require_awk, require_shell, shell_params
from .harness import DEFAULT_AWK, DEFAULT_SHELL, INHERITED_MARKER, Job, Outcome, Shell

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def default_tools() -> None:
    require_shell(DEFAULT_SHELL)
    require_awk(DEFAULT_AWK)


@pytest.mark.parametrize("name", sorted(jobs.LAUNCHING))
def test_launch_matches_toolkit(name: str, oracle: None, shim: Path, toolkit_runs: ToolkitRuns, tmp_path: Path) -> None:
    toolkit = toolkit_runs.outcome(name, jobs.LAUNCHING[name])
    outcome = harness.run_shim(jobs.LAUNCHING[name](), tmp_path)
    harness.assert_same_launch(toolkit, outcome, name)
    assert outcome.exit_code == 0, f"the entry point exited 0 but the shim exited {outcome.exit_code}\n{outcome.describe()}"
    assert outcome.success, f"no output/success after a successful run\n{outcome.describe()}"
    assert outcome.env is not None
    assert outcome.env.get(INHERITED_MARKER[0]) == INHERITED_MARKER[1], "the parent's environment was not passed on"


@pytest.mark.parametrize("name", sorted(jobs.FAILING))
def test_refusal_matches_toolkit(name: str, oracle: None, shim: Path, toolkit_runs: ToolkitRuns, tmp_path: Path) -> None:
    toolkit = toolkit_runs.outcome(name, jobs.FAILING[name])
    outcome = harness.run_shim(jobs.FAILING[name](), tmp_path)
    harness.assert_same_failure(toolkit, outcome, name)


# ---------------------------------------------------------------------------------------------
# The worked example of toolkit-contract.md §8, as documented: runs without the oracle too.


def documented_worked_example() -> tuple[dict[str, str], list[str]]:
    documented = json.loads((DATA / "worked_example.json").read_text(encoding="utf-8"))
    cpus = str(os.cpu_count())
    env = {}
    for name, value in documented["env"].items():
        if name == "SM_NUM_CPUS":
            value = cpus
        env[name] = value.replace('"num_cpus":2,', f'"num_cpus":{cpus},')
    return env, documented["argv"]


def assert_documented_worked_example(outcome: Outcome, who: str) -> None:
    assert outcome.launched, f"{who} did not launch the worked example: {outcome.describe()}"
    assert outcome.env is not None and outcome.argv is not None
    env, argv = documented_worked_example()
    actual = harness.contract_view(outcome.env, outcome.base)
    problems = harness.env_differences(env, actual) + harness.argv_differences(argv, outcome.argv)
    if problems:
        text = "\n".join(problems).replace("toolkit:", "documented:").replace(" shim:   ", f" {who}:")
        raise AssertionError(f"{who} differs from toolkit-contract.md §8:\n{text}")


def test_toolkit_matches_the_documented_worked_example(oracle: None, toolkit_runs: ToolkitRuns) -> None:
    """Checks the harness and the oracle against the contract's observed values."""
    assert_documented_worked_example(toolkit_runs.outcome("worked_example", jobs.worked_example), "the toolkit")


def test_shim_matches_the_documented_worked_example(shim: Path, tmp_path: Path) -> None:
    assert_documented_worked_example(harness.run_shim(jobs.worked_example(), tmp_path), "the shim")


# ---------------------------------------------------------------------------------------------
# Hyphenated and other non-identifier names


def test_hyphenated_keys_reach_the_entry_point(shim: Path, tmp_path: Path) -> None:
    job = Job(
        hyperparameters={"learning-rate": "0.001", "dotted.key": "v", "plain string": "x y", "\u043a\u043b\u044e\u0447": "1"}
    )
    outcome = harness.run_shim(job, tmp_path)
    assert outcome.env is not None, outcome.describe()
    expected = {
        "SM_HP_LEARNING-RATE": "0.001",
        "SM_HP_DOTTED.KEY": "v",
        "SM_HP_PLAIN STRING": "x y",
        "SM_HP_\u041a\u041b\u042e\u0427": "1",
    }
    actual = {name: outcome.env.get(name, "<absent>") for name in expected}
    assert actual == expected


def test_shell_entry_point_gets_every_variable(oracle: None, shim: Path, tmp_path: Path) -> None:
    """A COMMAND entry point (`run.sh`) sees the hyphenated names too.

    The toolkit starts it through `/bin/sh -c`, and dash drops such names (toolkit-contract.md
    §3.5), so the expectation comes from the toolkit's own functions instead of its launch.
    """
    job = jobs.worked_example()
    job.program = "run.sh"
    job.program_in_env = True
    expected = harness.toolkit_values(job, tmp_path / "toolkit")
    outcome = harness.run_shim(job, tmp_path / "shim")
    assert outcome.launched and outcome.env is not None and outcome.argv is not None, outcome.describe()
    problems = harness.env_differences(
        harness.contract_view(expected.env, expected.base), harness.contract_view(outcome.env, outcome.base)
    )
    problems += harness.argv_differences(expected.argv[1:], outcome.argv[1:])
    assert not problems, "\n".join(["run.sh saw other values than the toolkit computes:", *problems])
    assert Path(outcome.argv[0]).name == "run.sh"


def test_toolkit_functions_agree_with_the_real_train(oracle: None, toolkit_runs: ToolkitRuns, tmp_path: Path) -> None:
    """The oracle's Python API (used where `train` cannot launch, and by the property tests'
    long-lived oracle) gives what `train` exports."""
    for name in ("worked_example", "heterogeneous_cluster", "numbers", "nested", "unicode_raw"):
        launched = toolkit_runs.outcome(name, jobs.LAUNCHING[name])
        assert launched.env is not None and launched.argv is not None
        computed = harness.toolkit_values(jobs.LAUNCHING[name](), tmp_path / name)
        job = jobs.LAUNCHING[name]()
        server = harness.OracleServer(harness.build(job, tmp_path / f"{name}-server"), job)
        try:
            served = server.values()
        finally:
            server.close()
        assert not isinstance(served, str), served
        for label, expected in (("API", computed), ("server", served)):
            problems = harness.env_differences(
                harness.contract_view(launched.env, launched.base), harness.contract_view(expected.env, expected.base)
            )
            problems += harness.argv_differences(launched.argv, expected.argv)
            assert not problems, "\n".join([f"{name}: {label} vs real train", *problems])


# ---------------------------------------------------------------------------------------------
# PYTHONPATH: the code dir first, what was there kept (the toolkit replaces it, defect #7)


@pytest.mark.parametrize("inherited", [None, "/opt/extra:/opt/more"], ids=["unset", "set"])
def test_pythonpath_prepends_the_code_dir(inherited: str | None, shim: Path, tmp_path: Path) -> None:
    job = Job(env={} if inherited is None else {"PYTHONPATH": inherited})
    outcome = harness.run_shim(job, tmp_path)
    assert outcome.env is not None, outcome.describe()
    code_dir = f"{outcome.base}/code"
    expected = code_dir if inherited is None else f"{code_dir}:{inherited}"
    assert outcome.env.get("PYTHONPATH") == expected


def test_toolkit_also_puts_the_code_dir_first(oracle: None, toolkit_runs: ToolkitRuns) -> None:
    toolkit = toolkit_runs.outcome("empty_files", jobs.empty_files)
    assert toolkit.env is not None
    assert toolkit.env["PYTHONPATH"].split(":")[0] == f"{toolkit.base}/code"


# ---------------------------------------------------------------------------------------------
# The API maxima: the toolkit dies with E2BIG; the shim launches without the oversized variables


def test_api_maxima_launch_without_only_the_oversized_variables(oracle: None, shim: Path, tmp_path: Path) -> None:
    job = jobs.api_maxima()
    expected = harness.toolkit_values(job, tmp_path / "toolkit")
    oversized = {
        name for name, value in expected.env.items() if len(name.encode()) + len(value.encode()) + 2 > harness.MAX_ENV_STRING
    }
    assert {"SM_HPS", "SM_USER_ARGS", "SM_TRAINING_ENV"} <= oversized, "the fixture is not at the API maxima"

    outcome = harness.run_shim(job, tmp_path / "shim")
    assert outcome.launched and outcome.env is not None and outcome.argv is not None, outcome.describe()
    fitting = {name: value for name, value in expected.env.items() if name not in oversized}
    problems = harness.env_differences(
        harness.contract_view(fitting, expected.base), harness.contract_view(outcome.env, outcome.base)
    )
    problems += harness.argv_differences(expected.argv, outcome.argv)
    assert not problems, "\n".join(["at the API maxima the shim's launch differs:", *problems])
    unmentioned = sorted(name for name in oversized if name not in outcome.stderr)
    assert not unmentioned, f"the banner does not say that these were left out: {unmentioned}"


def test_toolkit_dies_with_e2big_at_the_api_maxima(oracle: None, tmp_path: Path) -> None:
    """The reason the shim must leave variables out (toolkit-contract.md §3.6)."""
    outcome = harness.run_toolkit(jobs.api_maxima(), tmp_path)
    assert not outcome.launched
    assert outcome.exit_code == 7, outcome.describe()


# ---------------------------------------------------------------------------------------------
# The awk really is the one on PATH


@pytest.mark.parametrize("shell", shell_params())
def test_shim_runs_the_awk_found_on_path(shell: Shell, shim: Path, tmp_path: Path) -> None:
    """Otherwise the awk matrix would test nothing (a shell could prefer a built-in applet)."""
    require_shell(shell)
    mawk = DEFAULT_AWK.path()
    assert mawk is not None
    record = tmp_path / "awk-calls"
    wrapper_dir = tmp_path / "wrapper"
    wrapper_dir.mkdir()
    wrapper = wrapper_dir / "awk"
    wrapper.write_text(f"#!/bin/sh\nprintf 'x' >> '{record}'\nexec '{mawk}' \"$@\"\n", encoding="utf-8")
    wrapper.chmod(0o755)
    job = jobs.worked_example()
    tree = harness.build(job, tmp_path / "job")
    env = harness.environment(tree, job)
    env["PATH"] = f"{wrapper_dir}:{env['PATH']}"
    env.update(shell.env)
    completed = harness.subprocess.run(harness.shim_command(shell), env=env, capture_output=True, check=False)
    assert tree.dump.exists(), completed.stderr.decode(errors="replace")
    assert record.exists(), "the shim never ran `awk` from PATH"


def test_injection_canary_in_the_fixture_set_never_fires(shim: Path, tmp_path: Path) -> None:
    canary = tmp_path / jobs.CANARY_NAME
    payloads = jobs.injection_payloads(str(canary))
    hyperparameters = {}
    for index, payload in enumerate(payloads):
        hyperparameters[f"raw{index}"] = payload
        hyperparameters[f"json{index}"] = json.dumps(payload)
        hyperparameters[payload] = "key"
        hyperparameters[f"list{index}"] = json.dumps([payload, {payload: payload}])
    outcome = harness.run_shim(Job(hyperparameters=hyperparameters), tmp_path / "job")
    assert outcome.launched, outcome.describe()
    assert not canary.exists(), "a hyperparameter was executed by a shell"
    assert outcome.env is not None
    assert outcome.env["SM_HP_RAW0"] == payloads[0]


# ---------------------------------------------------------------------------------------------
# Nothing the shim starts outlives it holding its output (a `$(train)` or a log pipe would hang)


def processes_holding_pipe(inode: int) -> list[str]:
    holders = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if any(os.readlink(fd) == f"pipe:[{inode}]" for fd in (proc / "fd").iterdir()):
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                holders.append(f"pid {proc.name}: {command}")
        except OSError:
            continue
    return holders


def test_no_process_outlives_the_shim_holding_its_output(shim: Path, tmp_path: Path) -> None:
    for attempt in range(3):
        job = jobs.worked_example()
        tree = harness.build(job, tmp_path / str(attempt))
        read_end, write_end = os.pipe()
        try:
            process = harness.subprocess.Popen(
                harness.shim_command(DEFAULT_SHELL),
                env=harness.environment(tree, job, DEFAULT_AWK),
                cwd=tree.root,
                stdin=harness.subprocess.DEVNULL,
                stdout=write_end,
                stderr=write_end,
            )
            os.close(write_end)
            assert process.wait(timeout=harness.RUN_TIMEOUT_S) == 0
            holders = processes_holding_pipe(os.fstat(read_end).st_ino)
            assert not holders, f"after the shim exited, these still hold its stdout/stderr: {holders}"
        finally:
            os.close(read_end)


# ---------------------------------------------------------------------------------------------
# SAGEMAKER_TRAINING_MODULE: the framework containers' variable, exported as SM_FRAMEWORK_MODULE


def test_the_training_module_variable_reaches_sm_framework_module(oracle: None, shim: Path, tmp_path: Path) -> None:
    job = Job(env={"SAGEMAKER_TRAINING_MODULE": "sagemaker_pytorch_container.training:main"})
    expected = harness.toolkit_values(job, tmp_path / "toolkit")
    assert expected.env["SM_FRAMEWORK_MODULE"] == "sagemaker_pytorch_container.training:main"  # the fixture sets it
    outcome = harness.run_shim(job, tmp_path / "shim")
    assert outcome.env is not None, outcome.describe()
    problems = harness.env_differences(
        harness.contract_view(expected.env, expected.base), harness.contract_view(outcome.env, outcome.base)
    )
    assert not problems, "\n".join(["with SAGEMAKER_TRAINING_MODULE set:", *problems])
