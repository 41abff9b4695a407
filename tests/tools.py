"""The tools .ci/run provides (shells, awks, Java, unshare, root, the JSONTestSuite and the shared
reference in ../shared, the toolkit oracle, the SageMaker SDK, the linters, moto and the aws CLI).

On a workstation a test whose tool is absent is skipped with the way to get it; in CI
(CI=true) .ci/run has installed everything, so an absence is a broken CI setup and fails the
test instead of hiding it among the skips.
"""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def require_tool(present: bool, message: str) -> None:
    """Skip the test with `message` unless `present`; under CI=true, fail it instead."""
    __tracebackhide__ = True  # report the caller's line
    if present:
        return
    if in_ci():
        pytest.fail(f"{message} (CI=true: .ci/run provides this, so its absence is a failure, not a skip)", pytrace=False)
    pytest.skip(message)
