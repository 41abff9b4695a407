"""What a training job's entry point receives, per the toolkit contract
(../shared/reference/toolkit-contract.md §3.2, §5, §6, §7), written from its rules: the
expected argv and SM_HP_* values for a hyperparameters.json."""

from __future__ import annotations

import json
from typing import Any

RESERVED = {
    "sagemaker_program",
    "sagemaker_submit_directory",
    "sagemaker_enable_cloudwatch_metrics",
    "sagemaker_region",
    "sagemaker_container_log_level",
    "sagemaker_job_name",
    "default_user_module_name",
    "_tuning_objective_metric",
    "sagemaker_s3_output",
}


def decode(raw: Any) -> Any:
    """§5: json.loads, or the value itself when that fails."""
    try:
        return json.loads(raw)
    except (ValueError, TypeError):
        return raw


def is_user_key(key: str) -> bool:
    """§6: reserved names and every sagemaker_* key leave the user hyperparameters."""
    return key not in RESERVED and not key.startswith("sagemaker_")


def env_value(value: Any) -> str:
    """§3.2: strings as they are, None empty, anything else compact sorted ASCII JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def arg_value(value: Any) -> str:
    """§7: Python str() of the decoded value; dicts as k=v pairs, keys sorted."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in sorted(value.items()))
    return str(value)


def expected_argv(hyperparameters: dict[str, str]) -> list[str]:
    args: list[str] = []
    for key in sorted(k for k in hyperparameters if is_user_key(k)):
        args += [f"--{key}" if len(key) > 1 else f"-{key}", arg_value(decode(hyperparameters[key]))]
    return args


def expected_hp_env(hyperparameters: dict[str, str]) -> dict[str, str]:
    """SM_HP_<KEY upper-cased>; for keys that upper-case alike the later one wins."""
    env: dict[str, str] = {}
    for key, raw in hyperparameters.items():
        if is_user_key(key):
            env[f"SM_HP_{key.upper()}"] = env_value(decode(raw))
    return env


def expected_hps(hyperparameters: dict[str, str]) -> str:
    decoded = {k: decode(v) for k, v in hyperparameters.items() if is_user_key(k)}
    return json.dumps(decoded, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
