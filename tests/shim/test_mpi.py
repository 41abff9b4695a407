"""MPI launch: the shim's mpirun command line against the toolkit's own MasterRunner.

The toolkit's runner is built in-process (oracle virtualenv) on the same /opt/ml tree and asked
for its command line. The shim runs with stand-ins for sshd, ssh and mpirun on PATH: mpirun
records its arguments and environment. Known deviations (shim/README.md) are applied to the
toolkit's command before the comparison: no LD_PRELOAD of gethostname.so, and no -x for the
variables that differ from host to host; a local run of one host names it localhost.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import harness
from .conftest import awk_params, require_awk, require_shell, shell_params
from .harness import AWKS, DEFAULT_AWK, DEFAULT_SHELL, SHELLS, Awk, Job, Shell
from .test_torchrun import FOUR_GPUS, heterogeneous, two_hosts

RECORD = "MPIRUN_RECORD"
STAND_IN_MPIRUN = f"""exec python3 - "$@" <<'PROGRAM'
import json, os, sys
with open(os.environ["{RECORD}"], "w") as record:
    json.dump({{"argv": sys.argv[1:], "env": dict(os.environ)}}, record)
PROGRAM
"""
# sshd -D stays in the foreground until it is ended; ssh answers for every host.
STAND_IN_SSHD = "exec sleep 600\n"
STAND_IN_SSH = 'echo "$*" >>"$SSH_LOG"\n'

TOOLKIT_PROGRAM = """\
import json, os
from sagemaker_training import runner

mpi = runner.get(runner.MPIRunnerType)
json.dump({"command": mpi._create_command(), "role": type(mpi).__name__}, open(os.environ["TOOLKIT_RECORD"], "w"))
"""
HOST_SPECIFIC = {
    "SM_CURRENT_HOST",
    "SM_CURRENT_INSTANCE_TYPE",
    "SM_CURRENT_INSTANCE_GROUP",
    "SM_CURRENT_INSTANCE_GROUP_HOSTS",
    "SM_TRAINING_ENV",
    "SM_NUM_GPUS",
    "SM_NUM_CPUS",
    "SM_NUM_NEURONS",
}
MPI = {"sagemaker_mpi_enabled": "true"}


FIXTURES: dict[str, Callable[[], Job]] = {
    "single_host_cpu": lambda: Job(hyperparameters=MPI),
    "single_host_four_gpus": lambda: Job(hyperparameters=MPI, fake_commands={"nvidia-smi": FOUR_GPUS}),
    "master_of_two_hosts": lambda: Job(hyperparameters={**MPI, "epochs": "3"}, resourceconfig=two_hosts("algo-1")),
    "explicit_processes_per_host": lambda: Job(
        hyperparameters={**MPI, "sagemaker_mpi_num_of_processes_per_host": "3"}, resourceconfig=two_hosts("algo-1")
    ),
    "explicit_total": lambda: Job(
        hyperparameters={**MPI, "sagemaker_mpi_num_of_processes_per_host": "2", "sagemaker_mpi_num_processes": "3"},
        resourceconfig=two_hosts("algo-1"),
    ),
    "custom_options": lambda: Job(
        hyperparameters={**MPI, "sagemaker_mpi_custom_mpi_options": '"--NCCL_DEBUG WARN -x FOO=1  --verbose"'},
        resourceconfig=two_hosts("algo-1"),
    ),
    "custom_options_with_equals": lambda: Job(
        hyperparameters={**MPI, "sagemaker_mpi_custom_mpi_options": '"--NCCL_DEBUG=WARN -x FOO=1"'},
        resourceconfig=two_hosts("algo-1"),
    ),
    "shell_script_entry_point": lambda: Job(
        hyperparameters={**MPI, "epochs": "3"}, program="train.sh", resourceconfig=two_hosts("algo-1")
    ),
    "efa_rdma_type": lambda: Job(hyperparameters=MPI, resourceconfig=two_hosts("algo-1", "ml.p4d.24xlarge")),
    "heterogeneous_master": lambda: Job(
        hyperparameters={**MPI, "sagemaker_distribution_instance_groups": '["train"]'},
        resourceconfig=heterogeneous("algo-3", "train"),
    ),
}


def with_stand_ins(job: Job, root: Path) -> Job:
    job.fake_commands = {**job.fake_commands, "mpirun": STAND_IN_MPIRUN, "sshd": STAND_IN_SSHD, "ssh": STAND_IN_SSH}
    root.mkdir(parents=True, exist_ok=True)
    job.env = {
        **job.env,
        RECORD: str(root / "mpirun.json"),
        "SSH_LOG": str(root / "ssh.log"),
        "TRAIN_SSHD": "sshd",
        "TRAIN_MPI_DONE_DIR": str(root),
        "TRAIN_MPI_ENVIRONMENT_FILE": str(root / "environment"),
        "TRAIN_MPI_USER_ENVIRONMENT_FILE": str(root / "ssh" / "environment"),
    }
    return job


def toolkit_command(job: Job, root: Path) -> list[str]:
    tree = harness.build(job, root)
    env = {**harness.environment(tree, job), "TOOLKIT_RECORD": str(root / "toolkit.json")}
    completed = subprocess.run(
        [str(harness.ORACLE_PYTHON), "-c", TOOLKIT_PROGRAM], env=env, cwd=tree.root, check=False, capture_output=True
    )
    assert completed.returncode == 0, completed.stderr.decode()
    record = json.loads((root / "toolkit.json").read_text())
    assert record["role"] == "MasterRunner"
    return record["command"]


def without_deviations(command: list[str]) -> list[str]:
    kept: list[str] = []
    i = 0
    while i < len(command):
        if command[i] == "-x" and (command[i + 1].startswith("LD_PRELOAD=") or command[i + 1] in HOST_SPECIFIC):
            i += 2
            continue
        kept.append(command[i])
        i += 1
    return kept


def split_at_python(command: list[str]) -> tuple[list[str], list[str]]:
    """The mpirun options, and what follows the interpreter (or the ./script) they run."""
    if "-m" in command:
        at = command.index("-m") - 1
        return command[:at], command[at + 1 :]
    if "/bin/sh" in command:  # the toolkit runs a script as /bin/sh -c './train.sh ARGS'; train runs it directly
        at = command.index("/bin/sh")
        return command[:at], shlex.split(command[at + 2])
    at = next(i for i, w in enumerate(command) if w.startswith("./"))
    return command[:at], command[at:]


def check(name: str, shell: Shell, awk: Awk, tmp_path: Path) -> None:
    require_shell(shell)
    require_awk(awk)
    expected = without_deviations(
        toolkit_command(with_stand_ins(FIXTURES[name](), tmp_path / "oracle"), tmp_path / "oracle-tree")
    )
    hosts = expected.index("--host") + 1
    if "," not in expected[hosts]:  # one host in a local run (the harness's): localhost, not algo-1
        expected[hosts] = expected[hosts].replace("algo-1", "localhost")
    outcome = harness.run_shim(with_stand_ins(FIXTURES[name](), tmp_path / "shim"), tmp_path / "tree", shell=shell, awk=awk)
    label = f"{name}, {shell.name}, {awk.name}"
    record = tmp_path / "shim" / "mpirun.json"
    assert record.exists(), f"{label}: mpirun was not started\n{outcome.describe()}"
    seen = json.loads(record.read_text())
    options, entry = split_at_python(["mpirun", *seen["argv"]])
    want_options, want_entry = split_at_python(expected)
    # The -x list of toolkit variables: the same names; their order is each side's own.
    assert sorted(options) == sorted(want_options), label
    assert [w for w in options if not w.startswith("SM_")] == [w for w in want_options if not w.startswith("SM_")], label
    assert entry == want_entry, label
    assert outcome.exit_code == 0 and outcome.success, f"{label}\n{outcome.describe()}"


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_same_mpirun_as_the_toolkit(name: str, oracle: None, shim: Path, tmp_path: Path) -> None:
    check(name, DEFAULT_SHELL, DEFAULT_AWK, tmp_path)


@pytest.mark.parametrize("shell", shell_params(tuple(s for s in SHELLS if s != DEFAULT_SHELL)))
def test_every_shell_with_mawk(shell: Shell, oracle: None, shim: Path, tmp_path: Path) -> None:
    check("custom_options", shell, DEFAULT_AWK, tmp_path)


@pytest.mark.parametrize("awk", awk_params(tuple(a for a in AWKS if a != DEFAULT_AWK)))
def test_every_awk_with_dash(awk: Awk, oracle: None, shim: Path, tmp_path: Path) -> None:
    check("custom_options", DEFAULT_SHELL, awk, tmp_path)


def test_custom_option_replaces_the_default_of_the_same_name(shim: Path, tmp_path: Path) -> None:
    options = '"-mca btl_tcp_if_include lo -x NCCL_DEBUG=WARN -bind-to core"'
    job = with_stand_ins(Job(hyperparameters={**MPI, "sagemaker_mpi_custom_mpi_options": options}), tmp_path)
    outcome = harness.run_shim(job, tmp_path / "tree")
    argv = json.loads((tmp_path / "mpirun.json").read_text())["argv"]
    assert outcome.exit_code == 0, outcome.describe()
    assert [argv[i + 2] for i, w in enumerate(argv) if w == "-mca" and argv[i + 1] == "btl_tcp_if_include"] == ["lo"]
    assert [w for w in argv if w.startswith("NCCL_DEBUG")] == ["NCCL_DEBUG=WARN"]
    assert [argv[i + 1] for i, w in enumerate(argv) if w == "-bind-to"] == ["core"]


def test_worker_serves_ssh_and_ends_with_the_master_status(shim: Path, tmp_path: Path) -> None:
    job = with_stand_ins(Job(hyperparameters=MPI, resourceconfig=two_hosts("algo-2")), tmp_path)
    # The master ends at once, and writes its done file as the shim does: whole (mv).
    job.fake_commands["sshd"] = f"echo 0 >{tmp_path}/done.new && mv {tmp_path}/done.new {tmp_path}/done.algo-1\nexec sleep 600\n"
    (tmp_path / "done.algo-1").write_text("3\n")  # an earlier run's
    outcome = harness.run_shim(job, tmp_path / "tree")
    assert outcome.exit_code == 0 and outcome.success, outcome.describe()
    assert not (tmp_path / "mpirun.json").exists()
    assert "SM_CURRENT_HOST=algo-2\n" in (tmp_path / "environment").read_text()


@pytest.mark.parametrize("shell", shell_params())
def test_worker_gives_sshd_every_host_variable_and_pam_env_what_it_reads_intact(shell: Shell, shim: Path, tmp_path: Path) -> None:
    """pam_env would cut SM_TRAINING_ENV at the '#': it goes to the login user's
    ~/.ssh/environment (home from passwd, not $HOME) only, which sshd reads for the names given
    to PermitUserEnvironment; SM_CURRENT_HOST goes to /etc/environment too, as the toolkit's."""
    require_shell(shell)
    job = with_stand_ins(Job(hyperparameters={**MPI, "color": '"#ff0000"'}, resourceconfig=two_hosts("algo-2")), tmp_path)
    del job.env["TRAIN_MPI_USER_ENVIRONMENT_FILE"]
    home = tmp_path / "passwd home"
    home.mkdir()
    job.fake_commands["getent"] = f"echo 'someone:x:0:0:Some One,,,:{home}:/bin/sh'\n"
    job.fake_commands["sshd"] = (
        f'printf "%s\\n" "$@" >{tmp_path}/sshd.args\n'
        f"echo 0 >{tmp_path}/done.tmp && mv {tmp_path}/done.tmp {tmp_path}/done.algo-1\nexec sleep 600\n"
    )
    outcome = harness.run_shim(job, tmp_path / "tree", shell=shell)
    assert outcome.exit_code == 0 and outcome.success, outcome.describe()
    lines = (home / ".ssh" / "environment").read_text().splitlines()
    given = dict(line.split("=", 1) for line in lines)
    assert set(given) == HOST_SPECIFIC
    assert given["SM_CURRENT_HOST"] == "algo-2"
    assert json.loads(given["SM_TRAINING_ENV"])["hyperparameters"]["color"] == "#ff0000"
    assert (home / ".ssh").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "sshd.args").read_text().split("\n")[:3] == ["-D", "-o", "PermitUserEnvironment=" + ",".join(given)]
    pam = (tmp_path / "environment").read_text().splitlines()
    assert "SM_CURRENT_HOST=algo-2" in pam and not [line for line in pam if line.startswith("SM_TRAINING_ENV=")]
    assert set(pam) < set(lines)


def worker_environment_files(root: Path, hyperparameters: dict, awk: Awk = DEFAULT_AWK) -> tuple[list[str], list[str]]:
    """The lines a worker gives ~/.ssh/environment and /etc/environment."""
    job = with_stand_ins(Job(hyperparameters={**MPI, **hyperparameters}, resourceconfig=two_hosts("algo-2")), root)
    # The master ends at once; its done file appears whole (mv), as ssh's echo is not seen half-written.
    job.fake_commands["sshd"] = f"echo 0 >{root}/done.tmp && mv {root}/done.tmp {root}/done.algo-1\nexec sleep 600\n"
    outcome = harness.run_shim(job, root / "tree", awk=awk)
    assert outcome.exit_code == 0 and outcome.success, outcome.describe()
    return (root / "ssh" / "environment").read_text().splitlines(), (root / "environment").read_text().splitlines()


@pytest.mark.parametrize("awk", awk_params())
def test_pam_env_gets_a_line_that_fits_its_8192_byte_buffer(awk: Awk, shim: Path, tmp_path: Path) -> None:
    """Linux-PAM before 1.6 reads /etc/environment with fgets into 8192 bytes: a line of 8191
    bytes with its newline is read, one more byte ends the file there. sshd reads either."""
    require_awk(awk)

    def training_env_lines(pad: int, root: Path) -> tuple[int, bool]:
        user, pam = worker_environment_files(root, {"pad": json.dumps("p" * pad)}, awk)
        line = next(line for line in user if line.startswith("SM_TRAINING_ENV="))
        return len(line) + 1, line in pam

    length, _ = training_env_lines(100, tmp_path / "a")  # paths of one length: only the pad differs
    fits = 100 + 8191 - length
    assert training_env_lines(fits, tmp_path / "b") == (8191, True)
    assert training_env_lines(fits + 1, tmp_path / "c") == (8192, False)


def test_worker_refuses_a_host_variable_no_file_of_sshd_can_hold(shim: Path, tmp_path: Path) -> None:
    """A newline ends a line of ~/.ssh/environment: only a malformed resourceconfig.json has one."""
    resourceconfig = {**two_hosts("algo-2"), "current_group_name": "home\ngrown"}
    resourceconfig["instance_groups"][0]["instance_group_name"] = "home\ngrown"
    job = with_stand_ins(Job(hyperparameters=MPI, resourceconfig=resourceconfig), tmp_path)
    outcome = harness.run_shim(job, tmp_path / "tree")
    assert outcome.exit_code == 1 and outcome.failure is not None, outcome.describe()
    assert "SM_CURRENT_INSTANCE_GROUP holds a newline, which sshd cannot give the MPI ranks of this host" in outcome.failure


def test_worker_reports_a_failed_master(shim: Path, tmp_path: Path) -> None:
    job = with_stand_ins(Job(hyperparameters=MPI, resourceconfig=two_hosts("algo-2")), tmp_path)
    job.fake_commands["sshd"] = f"echo 7 >{tmp_path}/done.new && mv {tmp_path}/done.new {tmp_path}/done.algo-1\nexec sleep 600\n"
    outcome = harness.run_shim(job, tmp_path / "tree")
    assert outcome.exit_code == 7 and not outcome.success
    assert "mpirun on the MPI master algo-1 failed with status 7" in outcome.failure


def test_master_names_the_worker_that_never_answers(shim: Path, tmp_path: Path) -> None:
    job = with_stand_ins(Job(hyperparameters=MPI, resourceconfig=two_hosts("algo-1")), tmp_path)
    job.fake_commands["ssh"] = "exit 255\n"
    job.env["TRAIN_MPI_WAIT_SECONDS"] = "2"
    outcome = harness.run_shim(job, tmp_path / "tree")
    assert outcome.exit_code == 1 and not (tmp_path / "mpirun.json").exists()
    assert "host algo-2 did not answer over ssh within 2 s" in outcome.failure


def test_master_tells_every_worker_the_status(shim: Path, tmp_path: Path) -> None:
    job = with_stand_ins(Job(hyperparameters=MPI, resourceconfig=two_hosts("algo-1")), tmp_path)
    job.fake_commands["mpirun"] = "echo 'rank 1 raised ValueError' >&2\nexit 5\n"
    outcome = harness.run_shim(job, tmp_path / "tree")
    assert outcome.exit_code == 5 and not outcome.success
    assert "rank 1 raised ValueError" in outcome.failure
    # Whole, so that the worker never reads it half-written.
    assert f"algo-2 echo 5 >{tmp_path}/done.algo-1.new && mv {tmp_path}/done.algo-1.new {tmp_path}/done.algo-1" in (tmp_path / "ssh.log").read_text()


HOSTILE = st.lists(
    st.sampled_from(
        ["$(touch CANARY)", "`touch CANARY`", ";", "touch CANARY", "'", '"', "\n", "|", "&&", "$HOME", "\\", "-x", "--mca",
         "--NCCL_DEBUG", "--NCCL_DEBUG=WARN", "TRACE", "FOO=1"]
    ),
    min_size=1,
    max_size=8,
)


def custom_words(options: str) -> tuple[list[str], str]:
    """The custom options as the toolkit's argparse reads them: --NCCL_DEBUG V (or =V) sets
    NCCL_DEBUG (the last one wins); every other word is passed to mpirun, in order."""
    words = [w for w in re.split(r"[ \t\n\r\f\v]+", options) if w]
    rest, nccl, i = [], "INFO", 0
    while i < len(words):
        if words[i] == "--NCCL_DEBUG" and i + 1 < len(words):
            nccl, i = words[i + 1], i + 2
        elif words[i].startswith("--NCCL_DEBUG="):
            nccl, i = words[i].removeprefix("--NCCL_DEBUG="), i + 1
        else:
            rest.append(words[i])
            i += 1
    return rest, nccl


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(words=HOSTILE)
def test_custom_options_never_run_a_shell_command(words: list[str], shim: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("hostile")
    options = " ".join(words).replace("CANARY", str(root / "canary"))
    job = with_stand_ins(Job(hyperparameters={**MPI, "sagemaker_mpi_custom_mpi_options": json.dumps(options)}), root)
    harness.run_shim(job, root / "tree")
    assert not (root / "canary").exists()
    argv = json.loads((root / "mpirun.json").read_text())["argv"]
    rest, nccl = custom_words(options)
    # The custom words, whole and in order, as one run of mpirun's arguments; NCCL_DEBUG as set.
    assert any(argv[i : i + len(rest)] == rest for i in range(len(argv) - len(rest) + 1)), (rest, argv)
    assert f"NCCL_DEBUG={nccl}" in argv


def test_a_single_host_starts_no_sshd(shim: Path, tmp_path: Path) -> None:
    job = with_stand_ins(Job(hyperparameters=MPI), tmp_path)
    job.fake_commands["sshd"] = f"touch {tmp_path}/sshd-started\nexec sleep 600\n"
    outcome = harness.run_shim(job, tmp_path / "tree")
    assert outcome.exit_code == 0 and (tmp_path / "mpirun.json").exists(), outcome.describe()
    assert not (tmp_path / "sshd-started").exists()


def test_two_hosts_start_sshd_on_the_master(shim: Path, tmp_path: Path) -> None:
    job = with_stand_ins(Job(hyperparameters=MPI, resourceconfig=two_hosts("algo-1")), tmp_path)
    job.fake_commands["sshd"] = f"touch {tmp_path}/sshd-started\nexec sleep 600\n"
    outcome = harness.run_shim(job, tmp_path / "tree")
    assert outcome.exit_code == 0 and (tmp_path / "sshd-started").exists(), outcome.describe()
