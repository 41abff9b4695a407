"""torchrun over two real hosts on this machine (tests/shim/cluster.py): a gloo all-reduce over
2 hosts x 2 processes, and the ways such a job fails. Every case must end on both hosts within
a bound, with the right exit status and failure file."""

from __future__ import annotations

import importlib.util
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tools import require_tool

from . import cluster
from .harness import Job


@pytest.fixture(autouse=True)
def _torch() -> None:
    require_tool(importlib.util.find_spec("torch") is not None, "torch==2.13.0 (requirements-dev.txt) runs the all-reduce")

TORCHRUN = Path(sys.executable).parent / "torchrun"

ALL_REDUCE = """\
import os, socket, sys, time
import torch
import torch.distributed as dist

dist.init_process_group("gloo")
rank = dist.get_rank()
if os.environ.get("FAIL_RANK") == str(rank):
    print(f"rank {rank} fails on purpose", file=sys.stderr, flush=True)
    raise SystemExit(7)
if os.environ.get("HANG"):
    open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], f"worker.{rank}"), "w").write(str(os.getpid()))
    for step in range(6000):  # training steps: a collective every 0.1 s
        dist.all_reduce(torch.ones(1))
        time.sleep(0.1)
value = torch.tensor([float(rank + 1)])
dist.all_reduce(value)
with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], f"rank{rank}"), "w") as out:
    out.write(f"{value.item():g} {dist.get_world_size()} {os.environ['SM_CURRENT_HOST']} {socket.gethostname()}")
dist.destroy_process_group()
"""


def job(host: str, **env: str) -> Job:
    return Job(
        hyperparameters={"sagemaker_torch_distributed_enabled": "true", "sagemaker_mpi_num_of_processes_per_host": "2"},
        resourceconfig=cluster.resourceconfig(host),
        env={"TRAIN_DNS_WAIT_SECONDS": "5", **env},
        fake_commands={"torchrun": f'exec {TORCHRUN} "$@"\n'},
    )


@pytest.fixture
def two_hosts(tmp_path: Path, shim: Path) -> Iterator[cluster.Cluster]:
    why = cluster.can_run()
    require_tool(not why, why or "")
    running = cluster.open_cluster(tmp_path / "cluster")
    yield running
    running.close()


def start(two_hosts: cluster.Cluster, **env: str) -> dict[str, cluster.Host]:
    hosts = {}
    for name in cluster.HOSTS:
        host = two_hosts.start(name, job(name, **env))
        (host.tree.base / "code" / "train.py").write_text(ALL_REDUCE)
        hosts[name] = host
    return hosts


def test_all_reduce_over_two_hosts(two_hosts: cluster.Cluster) -> None:
    hosts = start(two_hosts)
    assert two_hosts.wait(timeout=180) == {"algo-1": 0, "algo-2": 0}, hosts["algo-2"].stderr[-3000:]
    results = {}
    for name, host in hosts.items():
        assert host.success and host.failure is None
        for result in sorted((host.tree.base / "output" / "data").glob("rank*")):
            results[result.name] = result.read_text()
    assert results == {
        "rank0": "10 4 algo-1 algo-1",
        "rank1": "10 4 algo-1 algo-1",
        "rank2": "10 4 algo-2 algo-2",
        "rank3": "10 4 algo-2 algo-2",
    }


def test_a_rank_that_raises_ends_the_job_on_both_hosts(two_hosts: cluster.Cluster) -> None:
    hosts = start(two_hosts, FAIL_RANK="3")
    statuses = two_hosts.wait(timeout=240)
    assert None not in statuses.values(), statuses
    assert all(code != 0 for code in statuses.values()), statuses
    failing = hosts["algo-2"].failure
    # torchrun's summary, last on stderr, names the rank that failed first and its status.
    assert failing is not None and "rank      : 3 (local_rank: 1)\n  exitcode  : 7" in failing, failing
    assert "rank 3 fails on purpose" in hosts["algo-2"].stderr
    assert "torchrun --nnodes 2 --nproc_per_node 2 --master_addr algo-1 --master_port 7777 --node_rank 1 train.py" in failing
    assert hosts["algo-1"].failure is not None and not hosts["algo-1"].success


def test_sigterm_to_one_host_ends_the_job_on_both(two_hosts: cluster.Cluster) -> None:
    hosts = start(two_hosts, HANG="1")
    # Wait until every worker runs (each writes its pid), so that the signal has something to stop.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(two_hosts.root.glob("*/ml/output/data/worker.*"))) < 4:
        time.sleep(0.1)
    assert len(list(two_hosts.root.glob("*/ml/output/data/worker.*"))) == 4
    two_hosts.signal("algo-2", signal.SIGTERM)
    statuses = two_hosts.wait(timeout=240)
    assert None not in statuses.values(), statuses
    assert statuses["algo-2"] != 0 and statuses["algo-1"] != 0, statuses
    assert "killed by signal 15" in hosts["algo-2"].failure or "exited with status" in hosts["algo-2"].failure
    assert hosts["algo-1"].failure is not None


def test_a_worker_host_that_never_comes_up_ends_the_master_in_bounded_time(two_hosts: cluster.Cluster) -> None:
    master = two_hosts.start("algo-1", job("algo-1", TRAIN_RENDEZVOUS_TIMEOUT_SECONDS="10"))
    (master.tree.base / "code" / "train.py").write_text(ALL_REDUCE)
    started = time.monotonic()
    statuses = two_hosts.wait(timeout=120)
    assert statuses["algo-1"] not in (None, 0), statuses
    assert time.monotonic() - started < 120
    assert "--node_rank 0 --rdzv_conf timeout=10 train.py" in master.failure
    assert "waiting for clients. 1/2 clients joined." in master.failure, master.failure


STOPPABLE = """\
import os, signal, sys, time

rank = os.environ["RANK"]


def stop(signum, frame):
    with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], f"stopped.{rank}"), "w") as out:
        out.write(signal.Signals(signum).name)
    sys.exit(143)


signal.signal(signal.SIGTERM, stop)
open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], f"worker.{rank}"), "w").close()
time.sleep(600)
"""


def test_sigterm_reaches_every_worker_through_torchrun(two_hosts: cluster.Cluster) -> None:
    single = job("algo-1")
    single.resourceconfig = cluster.resourceconfig("algo-1", hosts=("algo-1",))
    host = two_hosts.start("algo-1", single)
    (host.tree.base / "code" / "train.py").write_text(STOPPABLE)
    data = host.tree.base / "output" / "data"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(data.glob("worker.*"))) < 2:
        time.sleep(0.1)
    assert sorted(p.name for p in data.glob("worker.*")) == ["worker.0", "worker.1"], host.stderr[-2000:]
    two_hosts.signal("algo-1", signal.SIGTERM)
    statuses = two_hosts.wait(timeout=120)
    assert statuses["algo-1"] not in (None, 0), statuses
    assert {p.name: p.read_text() for p in data.glob("stopped.*")} == {"stopped.0": "SIGTERM", "stopped.1": "SIGTERM"}
    assert "torchrun --nnodes 1 --nproc_per_node 2 train.py" in host.failure
