"""torchrun launch: the shim against the toolkit's own TorchDistributedRunner.

The toolkit's runner is built in-process (oracle virtualenv) on the same /opt/ml tree and asked
for its command line and the variables it sets; the PyTorch training container adds
MASTER_ADDR and MASTER_PORT=7777 from the toolkit's master_hostname. The shim runs with a
stand-in `torchrun` on PATH that records its arguments and environment. Every fixture runs under
dash + mawk, every shell with mawk and every awk with dash.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from . import harness
from .conftest import awk_params, require_awk, require_shell, shell_params
from tests.tools import require_tool

from .harness import AWKS, DEFAULT_AWK, DEFAULT_SHELL, SHELLS, Awk, Job, Shell

RECORD = "TORCHRUN_RECORD"
STAND_IN_TORCHRUN = f"""exec python3 - "$@" <<'PROGRAM'
import json, os, sys
with open(os.environ["{RECORD}"], "w") as record:
    json.dump({{"argv": sys.argv[1:], "env": dict(os.environ)}}, record)
PROGRAM
"""
FOUR_GPUS = "\n".join(f"echo 'GPU {i}: NVIDIA A100 (UUID: GPU-{i})'" for i in range(4)) + "\n"

TOOLKIT_PROGRAM = """\
import json, os
from sagemaker_training import environment, runner

before = dict(os.environ)
env = environment.Environment()
torchrun = runner.get(runner.TorchDistributedRunnerType)
command = torchrun._create_command()
added = {{name: value for name, value in os.environ.items() if before.get(name) != value}}
# The PyTorch training container (training.py) sets these for every runner.
added["MASTER_ADDR"] = env.master_hostname
added["MASTER_PORT"] = "7777"
sm = env.to_env_vars()
for name in {side!r}:
    sm[name] = os.environ.get(name, "")
json.dump({{"command": command, "added": added, "sm": sm}}, open(os.environ["TOOLKIT_RECORD"], "w"))
"""

LAUNCHER_VARIABLES = (
    "MASTER_ADDR", "MASTER_PORT", "NCCL_SOCKET_IFNAME", "NCCL_PROTO", "FI_PROVIDER", "FI_EFA_USE_DEVICE_RDMA", "RDMAV_FORK_SAFE",
)
TORCH = {"sagemaker_torch_distributed_enabled": "true"}


def two_hosts(current: str, instance_type: str = "ml.m5.xlarge") -> dict:
    return {
        "current_host": current,
        "current_instance_type": instance_type,
        "current_group_name": "homogeneousCluster",
        "hosts": ["algo-1", "algo-2"],
        "instance_groups": [{"instance_group_name": "homogeneousCluster", "instance_type": instance_type, "hosts": ["algo-1", "algo-2"]}],
        "network_interface_name": "ens5",
    }


def heterogeneous(current: str, group: str) -> dict:
    return {
        "current_host": current,
        "current_instance_type": "ml.p4d.24xlarge" if group == "train" else "ml.c5.2xlarge",
        "current_group_name": group,
        "hosts": ["algo-1", "algo-2", "algo-3", "algo-4"],
        "instance_groups": [
            {"instance_group_name": "data", "instance_type": "ml.c5.2xlarge", "hosts": ["algo-4"]},
            {"instance_group_name": "train", "instance_type": "ml.p4d.24xlarge", "hosts": ["algo-3", "algo-1", "algo-2"]},
        ],
        "network_interface_name": "eth0",
    }


FIXTURES: dict[str, Callable[[], Job]] = {
    "single_host_four_gpus": lambda: Job(hyperparameters=TORCH, fake_commands={"nvidia-smi": FOUR_GPUS}),
    "single_host_cpu": lambda: Job(hyperparameters=TORCH),
    "first_of_two_hosts": lambda: Job(hyperparameters=TORCH, resourceconfig=two_hosts("algo-1")),
    "second_of_two_hosts_with_gpus": lambda: Job(
        hyperparameters={**TORCH, "epochs": "3", "lr": '"0.1"'},
        resourceconfig=two_hosts("algo-2", "ml.g5.12xlarge"),
        fake_commands={"nvidia-smi": FOUR_GPUS},
    ),
    "explicit_count": lambda: Job(
        hyperparameters={**TORCH, "sagemaker_mpi_num_of_processes_per_host": "3"},
        resourceconfig=two_hosts("algo-2"),
        fake_commands={"nvidia-smi": FOUR_GPUS},
    ),
    "explicit_count_as_text": lambda: Job(hyperparameters={**TORCH, "sagemaker_mpi_num_of_processes_per_host": '"2"'}),
    "efa_nccl_type": lambda: Job(hyperparameters=TORCH, resourceconfig=two_hosts("algo-1", "ml.g5.48xlarge")),
    "efa_rdma_type": lambda: Job(hyperparameters=TORCH, resourceconfig=two_hosts("algo-2", "ml.p5.48xlarge")),
    "heterogeneous_rank_in_file_order": lambda: Job(
        hyperparameters={**TORCH, "sagemaker_distribution_instance_groups": '["train"]'},
        resourceconfig=heterogeneous("algo-1", "train"),
    ),
    "heterogeneous_master": lambda: Job(
        hyperparameters={**TORCH, "sagemaker_distribution_instance_groups": '["train"]'},
        resourceconfig=heterogeneous("algo-3", "train"),
    ),
    "neuron_parallel_compile": lambda: Job(hyperparameters=TORCH, env={"RUN_NEURON_PARALLEL_COMPILE": "1"}),
}


def with_stand_in(job: Job, root: Path) -> Job:
    job.fake_commands = {**job.fake_commands, "torchrun": STAND_IN_TORCHRUN, "neuron_parallel_compile": 'exec "$@"\n'}
    job.env = {**job.env, RECORD: str(root / "torchrun.json")}
    return job


def toolkit_launch(job: Job, root: Path) -> dict:
    tree = harness.build(job, root)
    env = {**harness.environment(tree, job), "TOOLKIT_RECORD": str(root / "toolkit.json")}
    completed = subprocess.run([str(harness.ORACLE_PYTHON), "-c", TOOLKIT_PROGRAM.format(side=harness.SIDE_VARIABLES)], env=env, cwd=tree.root, capture_output=True)
    assert completed.returncode == 0, completed.stderr.decode()
    record = json.loads((root / "toolkit.json").read_text())
    record["base"] = str(tree.base)
    return record


def shim_launch(job: Job, root: Path, shell: Shell, awk: Awk) -> tuple[harness.Outcome, dict]:
    outcome = harness.run_shim(job, root / "tree", shell=shell, awk=awk)
    record_file = root / "torchrun.json"
    assert record_file.exists(), f"torchrun was not started\n{outcome.describe()}"
    return outcome, json.loads(record_file.read_text())


def check(name: str, shell: Shell, awk: Awk, tmp_path: Path) -> None:
    require_shell(shell)
    require_awk(awk)
    expected = toolkit_launch(with_stand_in(FIXTURES[name](), tmp_path / "oracle"), tmp_path / "oracle-tree")
    outcome, seen = shim_launch(with_stand_in(FIXTURES[name](), tmp_path), tmp_path, shell, awk)
    label = f"{name}, {shell.name}, {awk.name}"
    command = expected["command"]
    if command[0] == "neuron_parallel_compile":
        command = command[1:]  # the stand-in execs torchrun
    assert ["torchrun", *seen["argv"]] == command, label
    for variable in LAUNCHER_VARIABLES:
        assert seen["env"].get(variable) == expected["added"].get(variable), f"{label}: {variable}"
    shim_view = harness.contract_view(seen["env"], outcome.base)
    toolkit_view = harness.contract_view(expected["sm"], expected["base"])
    assert harness.env_differences(toolkit_view, shim_view) == [], label
    assert outcome.exit_code == 0 and outcome.success, f"{label}\n{outcome.describe()}"


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_same_launch_as_the_toolkit(name: str, oracle: None, shim: Path, tmp_path: Path) -> None:
    check(name, DEFAULT_SHELL, DEFAULT_AWK, tmp_path)


@pytest.mark.parametrize("name", ["second_of_two_hosts_with_gpus", "heterogeneous_rank_in_file_order", "efa_rdma_type"])
@pytest.mark.parametrize("shell", shell_params(tuple(s for s in SHELLS if s != DEFAULT_SHELL)))
def test_every_shell_with_mawk(shell: Shell, name: str, oracle: None, shim: Path, tmp_path: Path) -> None:
    check(name, shell, DEFAULT_AWK, tmp_path)


@pytest.mark.parametrize("name", ["second_of_two_hosts_with_gpus", "heterogeneous_rank_in_file_order", "efa_rdma_type"])
@pytest.mark.parametrize("awk", awk_params(tuple(a for a in AWKS if a != DEFAULT_AWK)))
def test_every_awk_with_dash(awk: Awk, name: str, oracle: None, shim: Path, tmp_path: Path) -> None:
    check(name, DEFAULT_SHELL, awk, tmp_path)


def test_host_outside_the_distribution_groups_runs_one_process(shim: Path, tmp_path: Path) -> None:
    job = with_stand_in(
        Job(hyperparameters={**TORCH, "sagemaker_distribution_instance_groups": '["train"]'}, resourceconfig=heterogeneous("algo-4", "data")),
        tmp_path,
    )
    outcome = harness.run_shim(job, tmp_path / "tree")
    assert not (tmp_path / "torchrun.json").exists()
    assert outcome.launched and outcome.exit_code == 0, outcome.describe()
    assert "MASTER_ADDR" not in outcome.env and "NCCL_PROTO" not in outcome.env


@pytest.mark.parametrize(
    ("program", "files", "expected"),
    [
        ("train.sh", {}, "torchrun runs Python scripts only: the entry point 'train.sh' is not a .py script."),
        ("train.py", {"setup.py": "pass\n"}, "the entry point 'train.py' is run as a Python package (the code directory has setup.py)"),
    ],
)
def test_torchrun_runs_python_scripts_only(shim: Path, tmp_path: Path, program: str, files: dict, expected: str) -> None:
    job = with_stand_in(Job(hyperparameters=TORCH, program=program), tmp_path)
    tree = harness.build(job, tmp_path / "tree")
    for name, text in files.items():
        (tree.base / "code" / name).write_text(text)
    outcome = harness.rerun_shim(tree, job)
    assert outcome.exit_code == 1 and not outcome.launched
    assert not (tmp_path / "torchrun.json").exists()
    assert expected in outcome.failure


def test_missing_torchrun_is_a_clear_error(shim: Path, tmp_path: Path) -> None:
    outcome = harness.run_shim(Job(hyperparameters=TORCH), tmp_path / "tree")
    assert outcome.exit_code == 1 and not outcome.launched
    assert "torchrun is not on PATH: install torch in the image" in outcome.failure


@pytest.mark.parametrize("count", ['"0"', "0.5", '"two"', "[2]", "-1"])
def test_bad_process_count_is_refused(shim: Path, tmp_path: Path, count: str) -> None:
    job = with_stand_in(Job(hyperparameters={**TORCH, "sagemaker_mpi_num_of_processes_per_host": count}), tmp_path)
    outcome = harness.run_shim(job, tmp_path / "tree")
    assert outcome.exit_code == 1 and not (tmp_path / "torchrun.json").exists()
    assert "sagemaker_mpi_num_of_processes_per_host: must be a whole number of processes from 1 up" in outcome.failure


def test_torchrun_exit_status_and_stderr_reach_the_failure_file(shim: Path, tmp_path: Path) -> None:
    job = Job(hyperparameters=TORCH, fake_commands={"torchrun": "echo 'rank: 1 (local_rank: 1) exitcode: 3' >&2\nexit 3\n"})
    outcome = harness.run_shim(job, tmp_path / "tree")
    assert outcome.exit_code == 3 and not outcome.success
    assert 'Command "torchrun --nnodes 1 --nproc_per_node 1 train.py"' in outcome.failure
    assert "rank: 1 (local_rank: 1) exitcode: 3" in outcome.failure


@pytest.mark.parametrize("timeout", ["0", "10,rank=3", "1e3", "-5"])
def test_bad_rendezvous_timeout_is_refused(shim: Path, tmp_path: Path, timeout: str) -> None:
    job = with_stand_in(Job(hyperparameters=TORCH, env={"TRAIN_RENDEZVOUS_TIMEOUT_SECONDS": timeout}), tmp_path)
    outcome = harness.run_shim(job, tmp_path / "tree")
    assert outcome.exit_code == 1 and not (tmp_path / "torchrun.json").exists()
    assert "TRAIN_RENDEZVOUS_TIMEOUT_SECONDS must be a whole number of seconds from 1 up" in outcome.failure


def named_host(name: str) -> Shell:
    """dash in a UTS namespace of its own, on a host called `name`."""
    for tool in ("unshare", "hostname"):
        require_tool(shutil.which(tool) is not None, f"{tool} is not installed")
    require_tool(os.geteuid() == 0, "a UTS namespace needs root")
    return Shell(f"dash on {name}", ("unshare", "--uts", "sh", "-c", 'hostname "$0" && exec dash "$1"', name))


def test_a_host_name_that_does_not_resolve_fails_at_once(shim: Path, tmp_path: Path) -> None:
    """torchrun's workers meet at this host's own name: one that resolves nowhere (a container
    engine's random name) would keep them retrying for minutes. `.invalid` never resolves
    (RFC 6761)."""
    job = with_stand_in(Job(hyperparameters=TORCH), tmp_path)
    outcome = harness.run_shim(job, tmp_path / "tree", shell=named_host("no-such-host.invalid"))
    assert outcome.exit_code == 1 and not (tmp_path / "torchrun.json").exists(), outcome.describe()
    assert "this host's name no-such-host.invalid does not resolve" in outcome.failure
    assert "run-local --docker names its container algo-1" in outcome.failure


def test_a_host_name_that_resolves_starts_torchrun(shim: Path, tmp_path: Path) -> None:
    job = with_stand_in(Job(hyperparameters=TORCH), tmp_path)
    outcome = harness.run_shim(job, tmp_path / "tree", shell=named_host("localhost"))
    assert outcome.exit_code == 0, outcome.describe()
    assert json.loads((tmp_path / "torchrun.json").read_text())["argv"] == ["--nnodes", "1", "--nproc_per_node", "1", "train.py"]
