"""`docker run --rm IMAGE COMMAND` for Buildah, which has no such verb.

    python buildah_run.py --buildah PATH --name NAME [--add-host HOST:IP]… [--hostname NAME]
        [-v SRC:DST]… [-e K=V]… IMAGE COMMAND…

Makes a working container from IMAGE (with the /etc/hosts entries given), runs COMMAND in it
with the host name, volumes and variables given, removes the container, and exits with
COMMAND's status. `buildah run` does not pass signals on, so SIGTERM and SIGINT sent here go
to the container's own process, the one SageMaker's StopTrainingJob (`docker stop`) would
reach.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

# With chroot isolation, `buildah run` starts the command from a helper of this name.
CHROOT_HELPER = "buildah-chroot-exec"
PROC = Path("/proc")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    made = subprocess.run(
        # `buildah run` has no --add-host: the working container takes the entries.
        [args.buildah, "from", "--quiet", "--name", args.name, *_each("--add-host", args.add_host), args.image],
        check=False,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
    )
    if made.returncode != 0:
        return made.returncode
    container = made.stdout.strip().splitlines()[-1]
    options = _each("--volume", args.volume) + _each("--env", args.env)
    if args.hostname:
        options += ["--hostname", args.hostname]
    try:
        runner = subprocess.Popen([args.buildah, "run", *options, container, "--", *args.command], stdin=subprocess.DEVNULL)

        def forward(signum: int, _frame: object) -> None:
            for pid in container_processes(runner.pid) or [runner.pid]:
                try:
                    os.kill(pid, signum)
                except ProcessLookupError:
                    pass

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        status = runner.wait()
    finally:
        subprocess.run([args.buildah, "rm", container], check=False, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    return 128 - status if status < 0 else status


def _each(option: str, values: list[str]) -> list[str]:
    return [arg for value in values for arg in (option, value)]


def container_processes(runner_pid: int) -> list[int]:
    """The processes `buildah run` started in the container: the children of its chroot helper."""
    parents: dict[int, int] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            parent = _parent_pid(entry)
            if parent is not None:
                parents[int(entry.name)] = parent
    descendants = {runner_pid}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in descendants and pid not in descendants:
                descendants.add(pid)
                grew = True
    helpers = {pid for pid in descendants if _program(pid) == CHROOT_HELPER}
    return sorted(pid for pid in descendants if parents.get(pid) in helpers)


def _parent_pid(entry: Path) -> int | None:
    try:
        status = (entry / "status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1])
    return None


def _program(pid: int) -> str:
    try:
        first = (PROC / str(pid) / "cmdline").read_bytes().split(b"\0", 1)[0]
    except OSError:
        return ""
    return os.path.basename(first.decode("utf-8", "replace"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="buildah_run", description=__doc__.splitlines()[0])
    parser.add_argument("--buildah", default="buildah")
    parser.add_argument("--name", required=True)
    parser.add_argument("-v", "--volume", action="append", default=[])
    parser.add_argument("-e", "--env", action="append", default=[])
    parser.add_argument("--add-host", action="append", default=[])
    parser.add_argument("--hostname")
    parser.add_argument("image")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    return parser


if __name__ == "__main__":
    sys.exit(main())
