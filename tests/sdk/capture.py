"""Run by the SageMaker Python SDK's own interpreter (.sdk-v2/bin/python or .sdk-v3/bin/python,
`make sdk`), never by the project's: it imports nothing of the project. For each case it builds
the SDK's estimator or ModelTrainer, starts a training job and a tuning job, and records the
requests the SDK hands to botocore, answering them itself: no request leaves the process.

    capture.py CASES.json OUT.json

A case: {"id", "sdk": estimator | framework | model_trainer, "hyperparameters", optional
"instance_groups": [[name, type, count], ...], "distribution" (the PyTorch estimator's
distribution=, with instance group names), "keep_alive" (seconds), "tuning": {"ranges": {name:
{"values": [...]} | {"min", "max"}}}}. OUT: {"versions": {...}, "cases": {id: {"training":
params, "tuning": params, "error": text}}}.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import sys
import tempfile
import traceback


def _offline(*_args, **_kwargs):
    raise OSError("offline: the SDK's requests are captured, never sent")


# No connection of any kind: the SDK's telemetry and anything else that would reach out fail here.
socket.socket.connect = _offline  # type: ignore[method-assign]
socket.create_connection = _offline  # type: ignore[assignment]
socket.getaddrinfo = _offline  # type: ignore[assignment]

# No defaults config of the user's (a home of its own), and none of ours: the SDK validates a
# config file with jsonschema at every look-up, a quarter of a second each. Its telemetry, on
# without one, fails at the socket above and is dropped by the SDK.
os.environ.update(
    HOME=tempfile.mkdtemp(prefix="sdk-home-"), AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="us-west-2", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull, SAGEMAKER_SUPPRESS_V2_WARNING="1",
)  # fmt: skip
for _name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "SAGEMAKER_USER_CONFIG_OVERRIDE", "SAGEMAKER_ADMIN_CONFIG_OVERRIDE"):
    os.environ.pop(_name, None)

import logging  # noqa: E402

# The failed telemetry request's traceback, logged at every call, says nothing about the requests.
for _logger in ("sagemaker.telemetry.telemetry_logging", "sagemaker.core.telemetry.telemetry_logging"):
    logging.getLogger(_logger).disabled = True

import boto3  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

REGION = "us-west-2"  # a Debugger Region: the v2 estimators add DebugHookConfig and ProfilerConfig here
IMAGE = "123456789012.dkr.ecr.us-west-2.amazonaws.com/byoc/sdk:1"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
OUTPUT = "s3://example-bucket/output/"
METRICS = [{"Name": "loss", "Regex": "loss: ([0-9.]+)"}]
CREATED = {
    "CreateTrainingJob": {"TrainingJobArn": f"arn:aws:sagemaker:{REGION}:123456789012:training-job/j"},
    "CreateHyperParameterTuningJob": {"HyperParameterTuningJobArn": f"arn:aws:sagemaker:{REGION}:123456789012:hyper-parameter-tuning-job/t"},
}


class Recorder:
    """The botocore session's hooks: record what the SDK asks for, and answer it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    def clear(self) -> None:
        self.calls.clear()

    def given(self, params, model, **_kwargs):
        self.calls.append((model.name, json.loads(json.dumps(params, default=str))))

    def answer(self, model, **_kwargs):
        if model.name in CREATED:
            return AWSResponse("https://offline.invalid/", 200, {}, None), CREATED[model.name]
        kind = model.name.removeprefix("Describe")
        if kind in ("TrainingJob", "HyperParameterTuningJob"):
            return AWSResponse("https://offline.invalid/", 200, {}, None), self._described(kind)
        # Anything else (the v3 role checks: SimulatePrincipalPolicy, GetRole) is answered as a
        # caller without the permission would be: the SDK goes on without knowing.
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "offline"}}, model.name)

    def _described(self, kind: str) -> dict:
        created = next(params for name, params in reversed(self.calls) if name == f"Create{kind}")
        when = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
        if kind == "TrainingJob":
            return dict(created, TrainingJobArn=CREATED["CreateTrainingJob"]["TrainingJobArn"], TrainingJobStatus="InProgress",
                        SecondaryStatus="Starting", CreationTime=when)
        return dict(created, HyperParameterTuningJobArn=CREATED["CreateHyperParameterTuningJob"]["HyperParameterTuningJobArn"],
                    HyperParameterTuningJobStatus="InProgress", CreationTime=when, TrainingJobStatusCounters={}, ObjectiveStatusCounters={})

    def last(self, operation: str) -> dict | None:
        return next((params for name, params in reversed(self.calls) if name == operation), None)


RECORDER = Recorder()
# One session for every case: each new one would load botocore's service models again.
BOTO = boto3.Session(region_name=REGION)
BOTO.events.register("provide-client-params.sagemaker", RECORDER.given)
BOTO.events.register("before-call", RECORDER.answer)
_SESSIONS: dict[str, object] = {}


def sdk_session(version: str):
    """The SDK's session around BOTO, made once."""
    if version not in _SESSIONS:
        if version == "v2":
            import sagemaker

            _SESSIONS[version] = sagemaker.Session(boto_session=BOTO)
        else:
            from sagemaker.core.helper.session_helper import Session

            _SESSIONS[version] = Session(boto_session=BOTO)
    return _SESSIONS[version]


# ------------------------------------------------------------------------------- SDK v2


def run_v2(case: dict, number: int) -> None:
    from sagemaker.estimator import Estimator
    from sagemaker.instance_group import InstanceGroup
    from sagemaker.pytorch import PyTorch
    from sagemaker.tuner import CategoricalParameter, ContinuousParameter, HyperparameterTuner, IntegerParameter

    session = sdk_session("v2")
    groups = {name: InstanceGroup(name, kind, count) for name, kind, count in case.get("instance_groups", ())}

    def estimator():
        options = dict(image_uri=IMAGE, role=ROLE, output_path=OUTPUT, sagemaker_session=session, hyperparameters=case["hyperparameters"])
        if groups:
            options["instance_groups"] = list(groups.values())
        else:
            options.update(instance_type=case.get("instance_type", "ml.m5.large"), instance_count=case.get("instance_count", 1))
        if "keep_alive" in case:
            options["keep_alive_period_in_seconds"] = case["keep_alive"]
        if case["sdk"] == "estimator":
            return Estimator(**options)
        distribution = dict(case.get("distribution") or {})
        if "instance_groups" in distribution:  # the SDK compares the very objects
            distribution["instance_groups"] = [groups[name] for name in distribution["instance_groups"]]
        return PyTorch(entry_point="train.py", source_dir="s3://example-bucket/code/sourcedir.tar.gz", distribution=distribution or None, **options)

    estimator().fit(wait=False, logs=False, job_name=f"sdk-{number}")
    if "tuning" in case:
        kinds = {"values": CategoricalParameter, "integer": IntegerParameter, "continuous": ContinuousParameter}
        tuner = HyperparameterTuner(estimator(), "loss", _ranges(case, kinds), metric_definitions=METRICS, max_jobs=2, objective_type="Minimize")
        tuner.fit(wait=False, job_name=f"sdk-tuning-{number}")


# ------------------------------------------------------------------------------- SDK v3


def run_v3(case: dict, number: int) -> None:
    from sagemaker.core.parameter import CategoricalParameter, ContinuousParameter, IntegerParameter
    from sagemaker.train import ModelTrainer
    from sagemaker.train.configs import Compute, OutputDataConfig
    from sagemaker.train.tuner import HyperparameterTuner

    compute = dict(instance_type=case.get("instance_type", "ml.m5.large"), instance_count=case.get("instance_count", 1))
    if "keep_alive" in case:
        compute["keep_alive_period_in_seconds"] = case["keep_alive"]

    def trainer():
        return ModelTrainer(
            training_image=IMAGE, role=ROLE, compute=Compute(**compute), hyperparameters=case["hyperparameters"],
            output_data_config=OutputDataConfig(s3_output_path=OUTPUT), sagemaker_session=sdk_session("v3"),
            base_job_name=f"sdk-{number}",
        )  # fmt: skip

    trainer().train(wait=False, logs=False)
    if "tuning" in case:
        kinds = {"values": CategoricalParameter, "integer": IntegerParameter, "continuous": ContinuousParameter}
        tuner = HyperparameterTuner(
            model_trainer=trainer(), objective_metric_name="loss", hyperparameter_ranges=_ranges(case, kinds), metric_definitions=METRICS,
            max_jobs=2, objective_type="Minimize",
        )  # fmt: skip
        tuner.tune(wait=False, job_name=f"sdk-tuning-{number}")


def _ranges(case: dict, kinds: dict) -> dict:
    ranges = {}
    for name, given in case["tuning"]["ranges"].items():
        if "values" in given:
            ranges[name] = kinds["values"](given["values"])
        elif isinstance(given["min"], int) and isinstance(given["max"], int):
            ranges[name] = kinds["integer"](given["min"], given["max"])
        else:
            ranges[name] = kinds["continuous"](given["min"], given["max"])
    return ranges


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("sagemaker", "sagemaker-train", "sagemaker-core", "boto3", "botocore"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            pass
    return found


def main() -> int:
    cases = json.loads(open(sys.argv[1], encoding="utf-8").read())  # noqa: SIM115
    results = {}
    for number, case in enumerate(cases):
        RECORDER.clear()
        result: dict = {"error": None}
        try:
            (run_v3 if case["sdk"] == "model_trainer" else run_v2)(case, number)
        except Exception:  # noqa: BLE001 - reported to the test, which fails on it
            result["error"] = traceback.format_exc()
        result["training"] = RECORDER.last("CreateTrainingJob")
        result["tuning"] = RECORDER.last("CreateHyperParameterTuningJob")
        results[case["id"]] = result
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        json.dump({"versions": versions(), "cases": results}, out, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
