"""The three files SageMaker writes into /opt/ml/input/config, built from the request.

Everything comes from the CreateTrainingJob request the compiler renders, so a local run sees
what a cloud job would: hyperparameters as the request's JSON strings, one inputdataconfig entry
per channel the host receives, and the resource configuration of the first host of a cluster.
In a heterogeneous cluster a channel with InstanceGroupNames reaches only the hosts of those
groups, so the local host, which plays one group, gets only the channels of its group. Key names and their
order follow what SageMaker writes (toolkit-contract.md §2 and §8).
"""

from __future__ import annotations

import json
from typing import Any

from sagemaker_byoc.spec.distribution_hyperparameters import DISTRIBUTION_INSTANCE_GROUPS

CURRENT_HOST = "algo-1"
GROUP_NAME = "homogeneousCluster"
NETWORK_INTERFACE = "eth0"
DEFAULT_INPUT_MODE = "File"


def hyperparameters(request: dict[str, Any]) -> dict[str, str]:
    """The request's HyperParameters, unchanged: every value is already the string SageMaker writes."""
    return dict(request.get("HyperParameters") or {})


def input_data_config(request: dict[str, Any]) -> dict[str, dict[str, str]]:
    """One entry per channel, in request order, with the four keys SageMaker writes."""
    job_mode = request.get("AlgorithmSpecification", {}).get("TrainingInputMode", DEFAULT_INPUT_MODE)
    config: dict[str, dict[str, str]] = {}
    for channel in delivered_channels(request):
        entry: dict[str, str] = {}
        if "ContentType" in channel:
            entry["ContentType"] = channel["ContentType"]
        entry["TrainingInputMode"] = channel.get("InputMode", job_mode)
        # A mounted file system is the same on every host: fully replicated, as far as the
        # script can tell.
        entry["S3DistributionType"] = channel["DataSource"].get("S3DataSource", {}).get("S3DataDistributionType", "FullyReplicated")
        entry["RecordWrapperType"] = channel.get("RecordWrapperType", "None")
        config[channel["ChannelName"]] = entry
    return config


def local_group_name(request: dict[str, Any]) -> str | None:
    """The instance group the local host plays (resource_config's), or None in a homogeneous
    cluster, where every host gets every channel."""
    groups = request["ResourceConfig"].get("InstanceGroups")
    return _local_group(request, groups)["InstanceGroupName"] if groups else None


def _groups_of(channel: dict[str, Any]) -> list[str]:
    """The channel's InstanceGroupNames; empty: every host (a file system has none)."""
    return list(channel.get("DataSource", {}).get("S3DataSource", {}).get("InstanceGroupNames") or [])


def delivered_channels(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's channels that SageMaker delivers to the local host, in request order."""
    group = local_group_name(request)
    channels = request.get("InputDataConfig") or []
    return [c for c in channels if group is None or not _groups_of(c) or group in _groups_of(c)]


def left_out_channels(request: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(name, InstanceGroupNames) of each channel that only other groups' hosts receive."""
    delivered = {id(channel) for channel in delivered_channels(request)}
    return [(c["ChannelName"], _groups_of(c)) for c in request.get("InputDataConfig") or [] if id(c) not in delivered]


def resource_config(request: dict[str, Any]) -> dict[str, Any]:
    """A one-host cluster: a local run is always algo-1, whatever the instance counts say, because
    the other hosts do not exist here and a script that waited for them would hang. In a
    heterogeneous cluster algo-1 joins the distribution's first group (the first group when the
    distribution names none), so that a local run exercises the distributed launch."""
    config = request["ResourceConfig"]
    groups = config.get("InstanceGroups")
    if groups:
        group = _local_group(request, groups)
        name, instance_type = group["InstanceGroupName"], group["InstanceType"]
    else:
        name, instance_type = GROUP_NAME, config["InstanceType"]
    hosts = [CURRENT_HOST]
    return {
        "current_host": CURRENT_HOST,
        "current_instance_type": instance_type,
        "current_group_name": name,
        "hosts": hosts,
        "instance_groups": [{"instance_group_name": name, "instance_type": instance_type, "hosts": list(hosts)}],
        "network_interface_name": NETWORK_INTERFACE,
    }


def _local_group(request: dict[str, Any], groups: list[dict[str, Any]]) -> dict[str, Any]:
    encoded = (request.get("HyperParameters") or {}).get(DISTRIBUTION_INSTANCE_GROUPS)
    wanted = json.loads(encoded) if encoded else []
    return next((group for group in groups if group["InstanceGroupName"] in wanted), groups[0])
