"""What a launch starts. Speed is kept by counting, never by timing (README, Development):
starting a program is most of what a launch costs, so the count is what is guarded.

Every program the shim may start by name is put first on PATH as a wrapper that notes its
name and hands over to the real one (with `exec`, so process ids and parents stay as they
were).
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from . import harness, jobs
from .conftest import awk_params, require_awk
from .harness import Awk

# Every program shim/README.md lists under "Tools it uses", and those it no longer uses.
TOOLS = ("awk", "env", "mkfifo", "rm", "tee", "cut", "tail", "cat", "sleep", "mkdir", "chmod", "dd", "cp",
         "tar", "getent", "nslookup", "uname", "getconf", "wc", "ls", "tr", "date", "sh")

WRAPPER = """#!/bin/sh
printf '%s\\n' {name} >>'{log}'
exec '{real}' "$@"
"""

# They cut strings at a NUL byte: wc measures the three configuration files.
NUL_CUTTING_AWKS = ("busybox awk", "original-awk")


@pytest.mark.parametrize("awk", awk_params())
def test_a_launch_starts_awk_once_and_each_tool_of_the_relay_once(awk: Awk, tmp_path: Path) -> None:
    require_awk(awk)
    # The realistic job: 2 hosts, and an s3:// submit directory over a code directory that
    # already holds the entry point (so it is not downloaded).
    job = jobs.realistic(program="noop", noop=True)
    tree = harness.build(job, tmp_path / "job")
    env = harness.environment(tree, job, awk)
    spy = tmp_path / "spy"
    spy.mkdir()
    log = tmp_path / "started"
    for name in TOOLS:
        real = shutil.which(name, path=env["PATH"])
        if real is not None:
            (spy / name).write_text(WRAPPER.format(name=name, log=log, real=real))
            (spy / name).chmod(0o755)
    env["PATH"] = f"{spy}:{env['PATH']}"
    completed = subprocess.run(harness.shim_command(harness.DEFAULT_SHELL), env=env, cwd=tree.root,
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=harness.RUN_TIMEOUT_S, check=False)
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")[-1500:]
    started = Counter(log.read_text().split())
    # The two seconds tee is given once the entry point has ended are counted by a sleep,
    # started only when tee has not ended by then.
    assert started.pop("sleep", 0) <= 1, started
    expected = Counter({"awk": 1, "env": 1, "mkfifo": 1, "rm": 1, "tee": 1, "cut": 1, "tail": 1})
    if awk.name in NUL_CUTTING_AWKS:
        expected["wc"] = 1
    assert started == expected
