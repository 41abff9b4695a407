"""mpirun over two real hosts on this machine (tests/shim/cluster.py): Open MPI launches the
ranks on algo-2 through a real sshd, and an mpi4py allreduce runs across both hosts. Each host
gets its own sshd on its loopback alias, with keys made in the test's tmp dir, UsePAM yes and
the machine's PAM stack (Debian's /etc/pam.d/sshd, pam_env among its session modules); the ssh
client configuration, /etc/environment, /root and sshd's files are private bind mounts of each
host's mount namespace, so the machine's own ssh setup is never read or written."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.tools import require_tool

from . import cluster, harness
from .harness import Job

# Debian's python3 holds python3-mpi4py, built against Debian's Open MPI (.ci/apt-packages).
PYTHON = "/usr/bin/python3"

# The variables that differ from host to host (mpi_host_specific in shim/train): a rank on a
# worker gets them from its own host, through sshd, not from mpirun -x.
HOST_SPECIFIC = (
    "SM_CURRENT_HOST",
    "SM_CURRENT_INSTANCE_TYPE",
    "SM_CURRENT_INSTANCE_GROUP",
    "SM_CURRENT_INSTANCE_GROUP_HOSTS",
    "SM_TRAINING_ENV",
    "SM_NUM_GPUS",
    "SM_NUM_CPUS",
    "SM_NUM_NEURONS",
)
# A line of each worker's /etc/environment before train appends to it: a rank that sees it was
# started through sshd's PAM stack with pam_env reading that file (Debian's /etc/pam.d/sshd).
PAM_PROBE = ("PAM_ENV_PROBE", "read-by-pam_env")

ALL_REDUCE = """\
import json, os, socket, sys, time
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
# Every host-specific variable as this rank sees it, and the probe only pam_env can set.
seen = {name: os.environ.get(name) for name in NAMES}
with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], f"env.{socket.gethostname()}.{rank}"), "w") as out:
    json.dump(seen, out)
if os.environ.get("SM_HP_FAIL_RANK") == str(rank):
    raise ValueError(f"rank {rank} fails on purpose")
if os.environ.get("SM_HP_HANG"):
    open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], f"rank.{rank}.pid"), "w").write(str(os.getpid()))
    time.sleep(600)
total = comm.allreduce(rank + 1)
with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], f"rank{rank}"), "w") as out:
    training_env = json.loads(os.environ["SM_TRAINING_ENV"])
    out.write(f"{total} {comm.Get_size()} {os.environ['SM_CURRENT_HOST']} {training_env['current_host']} {socket.gethostname()}")
""".replace("NAMES", repr((*HOST_SPECIFIC, PAM_PROBE[0])))


@pytest.fixture(autouse=True)
def _tools() -> None:
    reason = cluster.can_run()
    require_tool(reason is None, f"the two-host cluster cannot run: {reason}")
    for tool in ("mpirun", "ssh", "ssh-keygen"):
        require_tool(shutil.which(tool) is not None, f"{tool} (Open MPI / OpenSSH, .ci/apt-packages) is not installed")
    require_tool(Path("/usr/sbin/sshd").exists(), "openssh-server (.ci/apt-packages) is not installed")
    probe = subprocess.run([PYTHON, "-c", "import mpi4py"], check=False, capture_output=True)
    require_tool(probe.returncode == 0, "python3-mpi4py (.ci/apt-packages) is not installed")


def ssh_setup(root: Path) -> dict[str, dict[str, Path]]:
    """Per host: a private ssh_config, /etc/environment and an sshd wrapper bound to its address."""
    keys = root / "keys"
    keys.mkdir(parents=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / "id")], check=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(keys / "host")], check=True)
    shutil.copy(keys / "id.pub", keys / "authorized_keys")
    client = root / "ssh_config"
    client.write_text(
        f"Host *\n  IdentityFile {keys / 'id'}\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n"
    )
    binds = {}
    for host, address in cluster.ADDRESSES.items():
        config = root / f"sshd_config.{host}"
        config.write_text(
            f"ListenAddress {address}\nHostKey {keys / 'host'}\nAuthorizedKeysFile {keys / 'authorized_keys'}\n"
            f"PidFile {root / f'sshd.{host}.pid'}\nPermitRootLogin yes\nStrictModes no\nUsePAM yes\n"
        )
        environment = root / f"environment.{host}"
        environment.write_text(f"{PAM_PROBE[0]}={PAM_PROBE[1]}\n")
        binds[host] = {"/etc/ssh/ssh_config": client, "/etc/environment": environment, "config": config}
    return binds


def started_hyperparameters(hyperparameters: dict | None) -> dict:
    """Hyperparameters reach every rank (mpirun -x SM_HP_*); other variables only the master's."""
    return {"sagemaker_mpi_enabled": "true", "sagemaker_mpi_num_of_processes_per_host": "2", **(hyperparameters or {})}


def start(
    the_cluster: cluster.Cluster, host: str, setup: dict[str, Path], hyperparameters: dict | None = None, **env: str
) -> cluster.Host:
    wrapper = the_cluster.root / f"sshd-{host}"
    wrapper.write_text(f'#!/bin/sh\nmkdir -p /run/sshd || exit\nexec /usr/sbin/sshd -f {setup["config"]} "$@"\n')
    wrapper.chmod(0o755)
    job = Job(
        hyperparameters=started_hyperparameters(hyperparameters),
        resourceconfig=cluster.resourceconfig(host),
        env={
            "TRAIN_DNS_WAIT_SECONDS": "5",
            "TRAIN_SSHD": str(wrapper),
            "SM_PYTHON": PYTHON,
            "TRAIN_MPI_WAIT_SECONDS": "20",
            "TRAIN_MPI_DONE_DIR": str(the_cluster.root),
            **env,
        },
    )
    binds = {target: source for target, source in setup.items() if target.startswith("/")}
    # sshd needs /run/sshd: each host gets a /run of its own to make it in. The login user's
    # home (root's, from passwd, whatever HOME says) is private too: sshd reads ~/.ssh there.
    started = the_cluster.start(host, job, binds, empty_dirs=("/run", "/root"))
    (started.tree.base / "code" / "train.py").write_text(ALL_REDUCE)
    return started


@pytest.fixture
def mpi_cluster(tmp_path: Path):
    the_cluster = cluster.open_cluster(tmp_path / "cluster")
    yield the_cluster, ssh_setup(tmp_path / "ssh")
    the_cluster.close()


def test_allreduce_across_two_hosts(mpi_cluster) -> None:
    the_cluster, setup = mpi_cluster
    master = start(the_cluster, "algo-1", setup["algo-1"])
    worker = start(the_cluster, "algo-2", setup["algo-2"])
    codes = the_cluster.wait(timeout=90)
    assert codes == {"algo-1": 0, "algo-2": 0}, master.stderr[-3000:] + "\n----\n" + worker.stderr[-3000:]
    results = sorted(p.read_text() for p in (master.tree.base / "output" / "data").glob("rank*"))
    # Ranks 0-1 run on algo-1, 2-3 on algo-2 (--host algo-1:2,algo-2:2), each seeing its own host.
    assert results == [
        "10 4 algo-1 algo-1 algo-1",
        "10 4 algo-1 algo-1 algo-1",
        "10 4 algo-2 algo-2 algo-2",
        "10 4 algo-2 algo-2 algo-2",
    ]


# Hyperparameters pam_env cannot read from /etc/environment: '#' starts a comment anywhere in a
# line, and a line of 8 KiB or more ends the file (Linux-PAM 1.5.2 and 1.4.0, BUF_SIZE 8192).
# Four values of 2,400 characters make SM_TRAINING_ENV's line well over 8 KiB; their text holds
# what a parser of shell or env files could take for syntax, and non-ASCII (JSON-escaped there).
HOSTILE_TEXT = "# \"double\" 'single' back\\slash $HOME `date` $(id) ;&| tab\t x=y é 日本 \u0085 "
HOSTILE_HYPERPARAMETERS = {
    "color": json.dumps("#ff0000"),
    "starts_with_a_quote": json.dumps("'quoted'"),
    "ends_with_a_backslash": json.dumps("C:\\"),
    **{f"long_{i}": json.dumps((str(i) + HOSTILE_TEXT * 60)[:2400]) for i in range(4)},
}


def test_a_worker_rank_gets_its_host_variables_byte_for_byte(mpi_cluster, oracle: None, tmp_path: Path) -> None:
    """Each rank sees its own host's SM_TRAINING_ENV, SM_CURRENT_HOST, … exactly as that host's
    train computes them (the toolkit's values for that host, which train's conformance tests
    hold it to), through the real sshd with Debian's PAM stack and pam_env."""
    the_cluster, setup = mpi_cluster
    master = start(the_cluster, "algo-1", setup["algo-1"], HOSTILE_HYPERPARAMETERS)
    worker = start(the_cluster, "algo-2", setup["algo-2"], HOSTILE_HYPERPARAMETERS)
    codes = the_cluster.wait(timeout=90)
    data = master.tree.base / "output" / "data"
    seen = {p.name: json.loads(p.read_text()) for p in sorted(data.glob("env.*"))}
    assert sorted(seen) == ["env.algo-1.0", "env.algo-1.1", "env.algo-2.2", "env.algo-2.3"], (
        f"{codes}\n{master.stderr[-3000:]}\n----\n{worker.stderr[-3000:]}"
    )
    for host, started in (("algo-1", master), ("algo-2", worker)):
        job = Job(hyperparameters=started_hyperparameters(HOSTILE_HYPERPARAMETERS), resourceconfig=cluster.resourceconfig(host))
        expected = harness.toolkit_values(job, tmp_path / f"toolkit-{host}")
        want = {name: expected.env[name].replace(expected.base, "<base>") for name in HOST_SPECIFIC}
        for name, values in seen.items():
            if not name.startswith(f"env.{host}."):
                continue
            got = {n: (v or "").replace(str(started.tree.base), "<base>") for n, v in values.items() if n in HOST_SPECIFIC}
            for variable in HOST_SPECIFIC:
                assert got[variable] == want[variable], (
                    f"{name}: {harness.describe_value_difference(variable, want[variable], got[variable])}"
                )
            training_env = json.loads(got["SM_TRAINING_ENV"])
            assert training_env["current_host"] == host
            assert training_env["hyperparameters"]["color"] == "#ff0000"
    # The worker's ranks came through sshd's PAM session, whose pam_env read /etc/environment.
    assert seen["env.algo-2.2"][PAM_PROBE[0]] == PAM_PROBE[1], seen["env.algo-2.2"]
    assert len(seen["env.algo-2.2"]["SM_TRAINING_ENV"]) > 8192
    assert codes == {"algo-1": 0, "algo-2": 0}, master.stderr[-3000:] + "\n----\n" + worker.stderr[-3000:]


def test_a_rank_that_raises_ends_the_job_on_both_hosts(mpi_cluster) -> None:
    the_cluster, setup = mpi_cluster
    master = start(the_cluster, "algo-1", setup["algo-1"], {"fail_rank": '"3"'})
    worker = start(the_cluster, "algo-2", setup["algo-2"], {"fail_rank": '"3"'})
    codes = the_cluster.wait(timeout=90)
    assert None not in codes.values() and codes["algo-1"] != 0 and codes["algo-2"] == codes["algo-1"], codes
    # mpirun tags each line with [job,rank]: the failure file shows rank 3's traceback.
    assert master.failure is not None and "ValueError: rank 3 fails on purpose" in master.failure, master.failure
    assert master.failure.startswith(f"ExecuteUserScriptError:\nExitCode {codes['algo-1']}\n")
    assert (
        worker.failure is not None and f"mpirun on the MPI master algo-1 failed with status {codes['algo-1']}" in worker.failure
    )


def test_sigterm_to_the_master_ends_every_rank(mpi_cluster) -> None:
    the_cluster, setup = mpi_cluster
    master = start(the_cluster, "algo-1", setup["algo-1"], {"hang": '"1"'})
    worker = start(the_cluster, "algo-2", setup["algo-2"], {"hang": '"1"'})
    data = master.tree.base / "output" / "data"
    deadline = time.monotonic() + 60
    while len(list(data.glob("rank.*.pid"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    pids = [int(p.read_text()) for p in data.glob("rank.*.pid")]
    assert len(pids) == 4, master.stderr[-3000:]
    the_cluster.signal("algo-1", signal.SIGTERM)
    codes = the_cluster.wait(timeout=60)
    assert codes["algo-1"] == 143 and codes["algo-2"] not in (None, 0), codes
    assert master.failure is not None and "ExitCode 143" in master.failure
    assert worker.failure is not None and "failed with status" in worker.failure
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text(), (
            f"rank process {pid} survived"
        )


def test_a_worker_whose_sshd_never_comes_up_is_named(mpi_cluster) -> None:
    the_cluster, setup = mpi_cluster
    setup["algo-2"]["config"] = Path("/nonexistent/sshd_config")  # its sshd exits at once
    started = time.monotonic()
    master = start(the_cluster, "algo-1", setup["algo-1"], TRAIN_MPI_WAIT_SECONDS="5")
    worker = start(the_cluster, "algo-2", setup["algo-2"], TRAIN_MPI_WAIT_SECONDS="5")
    codes = the_cluster.wait(timeout=60)
    assert codes == {"algo-1": 1, "algo-2": 1}, codes
    assert time.monotonic() - started < 45
    assert master.failure is not None and "host algo-2 did not answer over ssh within 5 s" in master.failure, master.failure
    assert worker.failure is not None and "the MPI master algo-1 stopped answering" in worker.failure, worker.failure


def test_one_host_runs_real_mpirun_without_ssh(shim: Path, tmp_path: Path) -> None:
    """run-local of an MPI job: real mpirun starts both ranks here (--host localhost:2); no sshd exists."""
    job = Job(
        hyperparameters={"sagemaker_mpi_enabled": "true", "sagemaker_mpi_num_of_processes_per_host": "2"},
        resourceconfig=cluster.resourceconfig("algo-1", ("algo-1",)),
        env={"SM_PYTHON": PYTHON, "TRAIN_SSHD": str(tmp_path / "no-sshd")},
    )
    tree = harness.build(job, tmp_path / "tree")
    (tree.base / "code" / "train.py").write_text(ALL_REDUCE)
    outcome = harness.rerun_shim(tree, job)
    assert outcome.exit_code == 0, outcome.describe()
    results = sorted(p.read_text() for p in (tree.base / "output" / "data").glob("rank*"))
    assert results == ["3 2 algo-1 algo-1 " + socket.gethostname()] * 2
