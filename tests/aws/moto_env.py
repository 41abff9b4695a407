"""The environment for anything that talks to AWS in these tests: no AWS setting of the developer's
leaks in, and no configuration or credentials file is read."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def isolated_env(tmp_dir: Path, **extra: str) -> dict[str, str]:
    """The environment minus every AWS setting, with empty configuration files: a base for both
    the moto environment and the no-credentials cases."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    config = tmp_dir / "aws-config"
    credentials = tmp_dir / "aws-credentials"
    config.write_text("")
    credentials.write_text("")
    env.update(
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
        AWS_EC2_METADATA_DISABLED="true",
        # The local servers must never be reached through a proxy from the environment.
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', os.defpath)}",
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def closed_port() -> int:
    """A port nothing listens on (it was free a moment ago; good enough on a test machine)."""
    return free_port()
