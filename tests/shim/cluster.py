"""Two SageMaker hosts on this machine, for the distributed launch tests.

The cluster gets a network namespace of its own (only its loopback, so the fixed port 7777 of
the toolkit's protocol cannot meet another test), and each host a mount and UTS namespace of
its own: hostname algo-N and a private /etc/hosts that maps algo-1 to 127.0.0.2 and algo-2 to
127.0.0.3, both loopback aliases. Each host runs shim/train on its own /opt/ml tree.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import harness
from .harness import Job

ADDRESSES = {"algo-1": "127.0.0.2", "algo-2": "127.0.0.3"}
HOSTS = tuple(ADDRESSES)


def can_run() -> str | None:
    """Why the cluster cannot run here, or None."""
    for tool in ("unshare", "nsenter", "ip", "mount", "hostname"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if os.geteuid() != 0:
        return "namespaces need root"
    return None


def resourceconfig(current: str, hosts: tuple[str, ...] = HOSTS) -> dict:
    return {
        "current_host": current,
        "current_instance_type": "ml.m5.xlarge",
        "current_group_name": "homogeneousCluster",
        "hosts": list(hosts),
        "instance_groups": [{"instance_group_name": "homogeneousCluster", "instance_type": "ml.m5.xlarge", "hosts": list(hosts)}],
        "network_interface_name": "lo",
    }


@dataclass
class Host:
    name: str
    tree: harness.Tree
    process: subprocess.Popen
    pid_file: Path
    exit_code: int | None = None

    @property
    def shim_pid(self) -> int | None:
        text = self.pid_file.read_text().strip() if self.pid_file.exists() else ""
        return int(text) if text else None

    @property
    def failure(self) -> str | None:
        path = self.tree.base / "output" / "failure"
        return path.read_text(errors="replace") if path.exists() else None

    @property
    def success(self) -> bool:
        return (self.tree.base / "output" / "success").exists()

    @property
    def stderr(self) -> str:
        return (self.tree.root / "stderr").read_text(errors="replace")


@dataclass
class Cluster:
    root: Path
    holder: subprocess.Popen
    netns_pid: int
    hosts: dict[str, Host] = field(default_factory=dict)

    def start(self, name: str, job: Job, binds: dict[str, Path] | None = None, empty_dirs: tuple[str, ...] = ()) -> Host:
        """Runs train as host `name`; `binds` maps a file of this machine (/etc/ssh/ssh_config)
        to the private copy the host sees in its own mount namespace, and each of `empty_dirs`
        (/run) is an empty tmpfs there."""
        tree = harness.build(job, self.root / name)
        hosts_file = self.root / f"{name}.hosts"
        hosts_file.write_text("127.0.0.1 localhost\n" + "".join(f"{a} {h}\n" for h, a in ADDRESSES.items()))
        pid_file = self.root / f"{name}.pid"
        env = harness.environment(tree, job)
        env.pop("SM_STUDIO_LOCAL_MODE")
        mounts = "".join(f"mount -t tmpfs tmpfs {shlex.quote(target)} && " for target in empty_dirs)
        mounts += "".join(
            f"mount --bind {shlex.quote(str(source))} {shlex.quote(target)} && " for target, source in (binds or {}).items()
        )
        inner = 'mount --bind "$1" /etc/hosts && ' + mounts + 'hostname "$2" && echo $$ >"$3" && exec dash "$4"'
        argv = [
            "nsenter", f"--net=/proc/{self.netns_pid}/ns/net",
            "unshare", "--mount", "--uts", "--fork",
            "sh", "-c", inner, "host", str(hosts_file), name, str(pid_file), str(harness.SHIM),
        ]  # fmt: skip
        with open(tree.root / "stdout", "wb") as out, open(tree.root / "stderr", "wb") as err:
            process = subprocess.Popen(argv, env=env, cwd=tree.root, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        host = Host(name, tree, process, pid_file)
        self.hosts[name] = host
        return host

    def signal(self, name: str, signum: int) -> None:
        host = self.hosts[name]
        deadline = time.monotonic() + 30
        while host.shim_pid is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert host.shim_pid is not None, f"{name} never started"
        os.kill(host.shim_pid, signum)

    def wait(self, timeout: float) -> dict[str, int | None]:
        """Every host's exit status; None for a host still running at the deadline (then killed)."""
        deadline = time.monotonic() + timeout
        for host in self.hosts.values():
            try:
                host.exit_code = host.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                host.exit_code = None
        return {name: host.exit_code for name, host in self.hosts.items()}

    def close(self) -> None:
        """Ends whatever is left: every process of the cluster lives in its network namespace."""
        for host in self.hosts.values():
            if host.process.poll() is None:
                kill_namespace_members(self.netns_pid)
                host.process.kill()
                host.process.wait()
        try:
            os.kill(self.netns_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.holder.kill()
        self.holder.wait()


def kill_namespace_members(netns_pid: int) -> None:
    target = os.readlink(f"/proc/{netns_pid}/ns/net")
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in (netns_pid, os.getpid()):
            continue
        try:
            if os.readlink(f"/proc/{entry}/ns/net") == target:
                os.kill(int(entry), signal.SIGKILL)
        except OSError:
            continue


def open_cluster(root: Path) -> Cluster:
    root.mkdir(parents=True, exist_ok=True)
    pid_file = root / "netns.pid"
    holder = subprocess.Popen(
        [
            "unshare",
            "--net",
            "--fork",
            "--kill-child",
            "sh",
            "-c",
            'ip link set lo up && echo $$ >"$1" && exec sleep 3600',
            "netns",
            str(pid_file),
        ],
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text().strip()):
        if holder.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the cluster's network namespace did not come up")
        time.sleep(0.02)
    return Cluster(root, holder, int(pid_file.read_text()))
