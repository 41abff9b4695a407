"""A local moto server and an AWS environment pointing at it, for tests that drive the real aws
CLI, boto3 and the generated scripts.

Each pytest process (each xdist worker) starts its own `moto_server` on 127.0.0.1 and a port
the kernel picks, and stops it by PID at the end. Subprocesses get `aws_env`: dummy credentials, a fixed
region, `AWS_ENDPOINT_URL` set to the server and no configuration files, so nothing can reach
real AWS or read the developer's profile.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from tests.aws.moto_env import VENV_BIN, isolated_env
from tests.tools import require_tool

MOTO_SERVER = VENV_BIN / "moto_server"
AWS_CLI = VENV_BIN / "aws"
REGION = "us-east-1"
START_TIMEOUT_S = 30.0
# Werkzeug's startup line, " * Running on http://127.0.0.1:40123".
RUNNING_ON = re.compile(r"Running on http://127\.0\.0\.1:(\d+)")


# Straight to 127.0.0.1, whatever proxy the environment names.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _answers(endpoint: str) -> bool:
    try:
        with _DIRECT.open(f"{endpoint}/moto-api/", timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _start_moto(log_path: Path) -> tuple[subprocess.Popen, str]:
    """Start moto_server on a port the kernel picks (-p 0), so no other process can take it
    between a probe and the bind; the port is read from the server's startup line."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", "0"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    endpoint = None
    while time.monotonic() < deadline and process.poll() is None:
        if endpoint is None:
            found = RUNNING_ON.search(log_path.read_text(errors="replace"))
            endpoint = found and f"http://127.0.0.1:{found[1]}"
        if endpoint and _answers(endpoint):
            return process, endpoint
        time.sleep(0.05)
    _stop(process)
    raise RuntimeError(f"moto_server did not start; {log_path}:\n{log_path.read_text(errors='replace')[-2000:]}")


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a running moto server, e.g. http://127.0.0.1:40123."""
    require_tool(MOTO_SERVER.exists(), f"moto_server not installed in {VENV_BIN} (pip install 'moto[server]==5.2.5')")
    process, endpoint = _start_moto(tmp_path_factory.mktemp("moto") / "moto_server.log")
    try:
        yield endpoint
    finally:
        _stop(process)


def reset_moto(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", data=b"", method="POST")
    with _DIRECT.open(request, timeout=10) as response:
        assert json.load(response) == {"status": "ok"}


@pytest.fixture
def fresh_moto(moto_endpoint: str) -> str:
    """The moto server, emptied of every resource before the test."""
    reset_moto(moto_endpoint)
    return moto_endpoint


@pytest.fixture(scope="session")
def aws_env(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for subprocesses (aws CLI, boto3, scripts) that talk to the moto server."""
    return isolated_env(
        tmp_path_factory.mktemp("aws-env"),
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_ENDPOINT_URL=moto_endpoint,
    )


@pytest.fixture(scope="session")
def aws_cli() -> Path:
    require_tool(AWS_CLI.exists(), f"aws CLI not installed in {VENV_BIN} (pip install awscli==1.46.3)")
    return AWS_CLI


@pytest.fixture
def moto_boto3(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch):
    """A factory of in-process boto3 clients for the moto server, configured only through the
    same environment the subprocesses get (AWS_ENDPOINT_URL included)."""
    import boto3

    for key in [key for key in os.environ if key.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in aws_env.items():
        if key.startswith("AWS_") or key.lower() == "no_proxy":
            monkeypatch.setenv(key, value)

    def client(service: str, region: str = REGION):
        return boto3.session.Session(region_name=region).client(service)

    return client


# The scripted endpoint's fixture, for every test module here.
from tests.aws.scripted_aws import scripted_sagemaker  # noqa: E402,F401
