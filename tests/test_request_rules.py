"""spec.request_rules: every kind of service-model constraint, the aws CLI's stricter model, and the
documented cross-field rules, each with a bad and a good value."""

import copy
import json
import re
import unicodedata

import botocore.exceptions
import botocore.session
import botocore.validate
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sagemaker_byoc.aws import java_regex, service_model
from sagemaker_byoc.aws.request_rules import Violation, check_request

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mnist:1.0"


def valid_request() -> dict:
    return {
        "TrainingJobName": "mnist-2026-11-22",
        "RoleArn": ROLE,
        "AlgorithmSpecification": {
            "TrainingImage": IMAGE,
            "TrainingInputMode": "File",
            "MetricDefinitions": [{"Name": "loss", "Regex": "loss=([0-9.]+)"}],
            "ContainerEntrypoint": ["/opt/ml/code/train"],
        },
        "HyperParameters": {"epochs": "10", "learning-rate": "0.01"},
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": "s3://bucket/train/",
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
                "ContentType": "text/csv",
                "CompressionType": "None",
            },
            {
                "ChannelName": "validation",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/validation/"}},
            },
        ],
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/output/", "CompressionType": "GZIP"},
        "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "Tags": [{"Key": "team", "Value": "ml équipe 2"}],
        "Environment": {"LOG_LEVEL": "info"},
    }


def full_request() -> dict:
    """A valid request that uses most optional members."""
    request = valid_request()
    request["ResourceConfig"] = {
        "InstanceType": "ml.g5.2xlarge",
        "InstanceCount": 2,
        "VolumeSizeInGB": 100,
        "KeepAlivePeriodInSeconds": 600,
    }
    request["StoppingCondition"] = {"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 10800, "MaxPendingTimeInSeconds": 7200}
    request["EnableManagedSpotTraining"] = True
    request["CheckpointConfig"] = {"S3Uri": "s3://bucket/checkpoints/", "LocalPath": "/opt/ml/checkpoints"}
    request["VpcConfig"] = {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123abcd"]}
    request["EnableNetworkIsolation"] = False
    request["EnableInterContainerTrafficEncryption"] = True
    request["RetryStrategy"] = {"MaximumRetryAttempts": 3}
    request["DebugHookConfig"] = {
        "S3OutputPath": "s3://bucket/debug/",
        "HookParameters": {"save_interval": "100"},
        "CollectionConfigurations": [{"CollectionName": "losses"}, {"CollectionName": "weights"}],
    }
    request["DebugRuleConfigurations"] = [
        {
            "RuleConfigurationName": "LossNotDecreasing",
            "RuleEvaluatorImage": IMAGE,
            "InstanceType": "ml.t3.medium",
            "VolumeSizeInGB": 0,
        }
    ]
    request["ProfilerConfig"] = {"S3OutputPath": "s3://bucket/profiler/", "ProfilingIntervalInMilliseconds": 500}
    request["ExperimentConfig"] = {"ExperimentName": "mnist", "TrialName": "trial-1"}
    request["TensorBoardOutputConfig"] = {"S3OutputPath": "s3://bucket/tb/"}
    request["InputDataConfig"][1]["InputMode"] = "Pipe"
    request["InputDataConfig"][1]["CompressionType"] = "Gzip"
    request["InputDataConfig"][1]["RecordWrapperType"] = "RecordIO"
    request["InputDataConfig"][1]["ShuffleConfig"] = {"Seed": 42}
    request["RemoteDebugConfig"] = {"EnableRemoteDebug": False}
    request["InfraCheckConfig"] = {"EnableInfraCheck": True}
    return request


def messages(request: dict) -> list[str]:
    return [violation.message for violation in check_request(request)]


def at(request: dict, path: tuple) -> list[str]:
    return [violation.message for violation in check_request(request) if violation.path == path]


def set_path(request: dict, path: tuple, value) -> dict:
    changed = copy.deepcopy(request)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


def drop_path(request: dict, path: tuple) -> dict:
    changed = copy.deepcopy(request)
    target = changed
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return changed


# --- whole requests -----------------------------------------------------------------------------


def test_a_valid_request_has_no_violations():
    assert check_request(valid_request()) == []


def test_a_valid_request_using_most_members_has_no_violations():
    assert check_request(full_request()) == []


def test_violations_are_reported_all_at_once_in_a_stable_order():
    request = set_path(valid_request(), ("TrainingJobName",), "bad_name")
    request = set_path(request, ("RoleArn",), "arn")
    request = set_path(request, ("ResourceConfig", "InstanceCount"), "2")
    first = check_request(request)
    assert [v.path for v in first] == [("TrainingJobName",), ("RoleArn",), ("RoleArn",), ("ResourceConfig", "InstanceCount")]
    assert check_request(copy.deepcopy(request)) == first
    assert all(isinstance(v, Violation) and "\n" not in v.message for v in first)


def test_a_request_that_is_not_an_object_is_one_violation():
    assert check_request([]) == [Violation((), "the request must be an object, not a list ([])")]


# --- required and unknown members ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path, container",
    [
        (("RoleArn",), ()),
        (("OutputDataConfig", "S3OutputPath"), ("OutputDataConfig",)),
        (("InputDataConfig", 0, "ChannelName"), ("InputDataConfig", 0)),
        (("AlgorithmSpecification", "TrainingInputMode"), ("AlgorithmSpecification",)),
    ],
)
def test_a_missing_required_member_is_reported_on_its_container(path, container):
    request = drop_path(valid_request(), path)
    assert any(f"lacks the required member {path[-1]}" in m for m in at(request, container))


def test_an_unknown_member_is_reported_with_a_suggestion():
    request = set_path(valid_request(), ("ResourceConfig", "InstanceCout"), 1)
    assert at(request, ("ResourceConfig", "InstanceCout")) == [
        "InstanceCout is not a member of ResourceConfig (did you mean InstanceCount?)"
    ]
    assert at(set_path(valid_request(), ("Unheard",), 1), ("Unheard",)) == ["Unheard is not a member of the request"]


# --- types --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, bad, expected",
    [
        (("ResourceConfig", "InstanceCount"), True, "InstanceCount must be an integer, not a boolean (true)"),
        (("ResourceConfig", "InstanceCount"), "2", 'InstanceCount must be an integer, not a string ("2")'),
        (("ResourceConfig", "InstanceCount"), 2.0, "InstanceCount must be an integer, not a number (2.0)"),
        (("ResourceConfig", "InstanceCount"), None, "InstanceCount must be an integer, not null (null)"),
        (("HyperParameters", "epochs"), 10, 'HyperParameters["epochs"] must be a string, not an integer (10)'),
        (("EnableNetworkIsolation",), 1, "EnableNetworkIsolation must be a boolean (true or false), not an integer (1)"),
        (("EnableNetworkIsolation",), "true", 'EnableNetworkIsolation must be a boolean (true or false), not a string ("true")'),
        (("StoppingCondition",), [], "StoppingCondition must be an object, not a list ([])"),
        (("InputDataConfig",), {}, "InputDataConfig must be a list, not an object ({})"),
    ],
)
def test_a_value_of_the_wrong_json_type_is_reported(path, bad, expected):
    assert at(set_path(valid_request(), path, bad), path) == [expected]


def test_integers_must_fit_their_width():
    path = ("ResourceConfig", "InstanceCount")
    assert at(set_path(valid_request(), path, 2**31), path) == [
        "InstanceCount 2147483648 does not fit a 32-bit integer (-2147483648..2147483647)"
    ]
    assert at(set_path(valid_request(), path, 2**31 - 1), path) == []
    seed = ("InputDataConfig", 1, "ShuffleConfig")
    request = set_path(full_request(), seed, {"Seed": 2**40})
    assert at(request, seed + ("Seed",)) == []
    assert at(set_path(request, seed, {"Seed": 2**63}), seed + ("Seed",)) != []


# --- strings ------------------------------------------------------------------------------------


def test_string_length_limits():
    name = ("TrainingJobName",)
    assert at(set_path(valid_request(), name, "a" * 63), name) == []
    assert at(set_path(valid_request(), name, "a" * 64), name)[0] == (
        'TrainingJobName "' + "a" * 59 + '…" is 64 characters long; at most 63 allowed'
    )
    role = ("RoleArn",)
    assert any(
        "is 19 characters long; at least 20 required" in m
        for m in at(set_path(valid_request(), role, "arn:aws:iam::1:role"), role)
    )


def test_string_length_counts_code_points():
    key = ("Tags", 0, "Key")
    assert at(set_path(valid_request(), key, "é" * 128), key) == []
    assert at(set_path(valid_request(), key, "😀" * 128), key) != []  # not a letter, number or separator
    assert "129 characters long" in at(set_path(valid_request(), key, "é" * 129), key)[0]


def test_a_lone_surrogate_is_not_valid_unicode():
    value = ("Tags", 0, "Value")
    assert at(set_path(valid_request(), value, "ab\ud800"), value) == [
        'Value "ab\\ud800" is not valid Unicode (it holds a lone surrogate)'
    ]


@pytest.mark.parametrize(
    "path, bad, good",
    [
        (("TrainingJobName",), "my_job", "my-job"),
        (("TrainingJobName",), "job-", "job--1"),
        (("TrainingJobName",), "-job", "j"),
        (("RoleArn",), "arn:aws:iam::123456789012:user/SageMaker", ROLE),
        (("RoleArn",), ROLE + " ", ROLE),
        (("InputDataConfig", 0, "ChannelName"), "train data", "train.data-1_x"),
        (("InputDataConfig", 0, "DataSource", "S3DataSource", "S3Uri"), "gs://bucket/x", "https://bucket.s3.amazonaws.com/x"),
        (("InputDataConfig", 0, "DataSource", "S3DataSource", "S3Uri"), "s3://", "s3://b"),
        (("OutputDataConfig", "KmsKeyId"), "alias/My Key", "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab"),
        (("Environment", "LOG_LEVEL"), "x" * 513, "multi\nline\tvalue"),
        (("HyperParameters", "epochs"), "10\n", "10 "),
        (("HyperParameters", "epochs"), "a\u2028b", "a\u2029"[:1] + "b"),
        (("Tags", 0, "Value"), "x;y", "Ünïcode 名前 ٣ :/=+-@_."),
        (("Tags", 0, "Value"), "tab\there", "no\u00a0break\u2003em"),
    ],
)
def test_patterns_must_match_the_whole_value(path, bad, good):
    assert at(set_path(valid_request(), path, good), path) == []
    assert at(set_path(valid_request(), path, bad), path) != []


def test_a_pattern_message_names_the_value_and_the_pattern():
    path = ("TrainingJobName",)
    assert at(set_path(valid_request(), path, "my_job"), path) == [
        'TrainingJobName "my_job" does not match the pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62} (the whole value must match)'
    ]


def test_map_keys_are_checked_against_their_shape():
    request = set_path(valid_request(), ("Environment",), {"1BAD": "x", "GOOD_1": "y", "_ok": "z"})
    assert at(request, ("Environment", "1BAD")) == [
        'Environment key "1BAD" does not match the pattern [a-zA-Z_][a-zA-Z0-9_]* (the whole value must match)'
    ]
    assert at(request, ("Environment", "GOOD_1")) == [] and at(request, ("Environment", "_ok")) == []
    long_key = "k" * 257
    request = set_path(valid_request(), ("HyperParameters",), {long_key: "1"})
    assert "257 characters long; at most 256 allowed" in at(request, ("HyperParameters", long_key))[0]


def test_algorithm_name_rejects_a_trailing_hyphen_through_the_lookbehind():
    spec = {"AlgorithmName": "my-algo", "TrainingInputMode": "File"}
    request = set_path(valid_request(), ("AlgorithmSpecification",), spec)
    assert messages(request) == []
    for bad in ("my-algo-", "arn:aws:sagemaker:us-east-1:123456789012:algorithm/my-algo-", "-algo"):
        request = set_path(request, ("AlgorithmSpecification", "AlgorithmName"), bad)
        assert at(request, ("AlgorithmSpecification", "AlgorithmName")) != [], bad
    good = "arn:aws:sagemaker:us-east-1:123456789012:algorithm/my-algo"
    assert (
        at(set_path(request, ("AlgorithmSpecification", "AlgorithmName"), good), ("AlgorithmSpecification", "AlgorithmName"))
        == []
    )


def test_the_lambda_arn_pattern_uses_java_posix_alnum_which_is_ascii_only():
    path = ("AlgorithmSpecification", "TrainingImageConfig")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:creds"
    config = {
        "TrainingRepositoryAccessMode": "Vpc",
        "TrainingRepositoryAuthConfig": {"TrainingRepositoryCredentialsProviderArn": arn},
    }
    request = set_path(valid_request(), path, config)
    assert messages(request) == []
    bad = set_path(
        request, path + ("TrainingRepositoryAuthConfig", "TrainingRepositoryCredentialsProviderArn"), arn.replace("aws", "awś")
    )
    assert len(messages(bad)) == 1


# --- enums --------------------------------------------------------------------------------------


def test_small_enums_list_their_values():
    path = ("AlgorithmSpecification", "TrainingInputMode")
    assert at(set_path(valid_request(), path, "Streaming"), path) == [
        'TrainingInputMode "Streaming" is not one of FastFile, File, Pipe'
    ]
    assert at(set_path(valid_request(), path, "file"), path) != []
    assert at(set_path(valid_request(), path, "FastFile"), path) == []


def test_large_enums_suggest_close_values():
    path = ("ResourceConfig", "InstanceType")
    message = at(set_path(valid_request(), path, "ml.m5.xlarg"), path)[0]
    assert message.startswith('InstanceType "ml.m5.xlarg" is not one of the 225 allowed values; closest: ml.m5.xlarge')
    assert at(set_path(valid_request(), path, "ml.inf1.xlarge"), path) != []


def test_instance_types_newer_than_the_cli_model_pass():
    """The CLI does not check enums on the client, so its older list does not matter."""
    request = set_path(valid_request(), ("ResourceConfig", "InstanceType"), "ml.r8i.large")
    assert messages(request) == []


# --- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, low_bad, low_good, high_good, high_bad",
    [
        (("ResourceConfig", "KeepAlivePeriodInSeconds"), -1, 0, 21600, 21601),
        (("RetryStrategy", "MaximumRetryAttempts"), 0, 1, 30, 31),
        (("StoppingCondition", "MaxPendingTimeInSeconds"), 1799, 7200, 2419200, 2419201),
    ],
)
def test_numeric_ranges(path, low_bad, low_good, high_good, high_bad):
    base = set_path(valid_request(), ("RetryStrategy",), {"MaximumRetryAttempts": 1})
    for good in (low_good, high_good):
        assert at(set_path(base, path, good), path) == []
    assert any("is below the minimum" in m for m in at(set_path(base, path, low_bad), path))
    assert any("is above the maximum" in m for m in at(set_path(base, path, high_bad), path))


def test_a_minimum_of_zero_is_enforced():
    path = ("ResourceConfig", "VolumeSizeInGB")
    assert "VolumeSizeInGB -1 is below the minimum 0" in at(set_path(valid_request(), path, -1), path)


# --- lists and maps -----------------------------------------------------------------------------


def channel(name: str) -> dict:
    return {"ChannelName": name, "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://b/{name}/"}}}


def test_list_sizes():
    path = ("InputDataConfig",)
    assert at(set_path(valid_request(), path, [channel(f"c{i}") for i in range(20)]), path) == []
    assert at(set_path(valid_request(), path, [channel(f"c{i}") for i in range(21)]), path) == [
        "InputDataConfig has 21 entries; at most 20 allowed"
    ]
    assert at(set_path(valid_request(), path, []), path) == ["InputDataConfig has 0 entries; at least 1 required"]
    entry = ("AlgorithmSpecification", "ContainerEntrypoint")
    assert at(set_path(valid_request(), entry, []), entry) == ["ContainerEntrypoint has 0 entries; at least 1 required"]
    assert at(set_path(valid_request(), entry, ["x"] * 101), entry) == [
        "ContainerEntrypoint has 101 entries; at most 100 allowed"
    ]
    tags = ("Tags",)
    many = [{"Key": f"k{i}", "Value": ""} for i in range(51)]
    assert at(set_path(valid_request(), tags, many), tags) == ["Tags has 51 entries; at most 50 allowed"]
    assert at(set_path(valid_request(), tags, many[:50]), tags) == []


def test_list_items_are_checked_with_their_index():
    path = ("AlgorithmSpecification", "ContainerEntrypoint")
    request = set_path(valid_request(), path, ["ok", "x" * 257])
    assert at(request, path + (1,)) == ['ContainerEntrypoint[1] "' + "x" * 59 + '…" is 257 characters long; at most 256 allowed']


def test_map_entry_counts():
    path = ("HyperParameters",)
    assert at(set_path(valid_request(), path, {f"k{i}": "v" for i in range(100)}), path) == []
    assert at(set_path(valid_request(), path, {f"k{i}": "v" for i in range(101)}), path) == [
        "HyperParameters has 101 entries; at most 100 allowed"
    ]
    hook = ("DebugHookConfig",)
    request = set_path(valid_request(), hook, {"S3OutputPath": "s3://b/d", "HookParameters": {f"p{i}": "1" for i in range(21)}})
    assert at(request, hook + ("HookParameters",)) == ["HookParameters has 21 entries; at most 20 allowed"]


def test_map_values_are_checked():
    path = ("HyperParameters", "epochs")
    assert at(set_path(valid_request(), path, "9" * 2500), path) == []
    assert "2501 characters long; at most 2500 allowed" in at(set_path(valid_request(), path, "9" * 2501), path)[0]


# --- the aws CLI's bundled model ----------------------------------------------------------------


def test_max_pending_time_between_the_two_minimums_fails_only_in_the_cli():
    path = ("StoppingCondition", "MaxPendingTimeInSeconds")
    assert at(set_path(valid_request(), path, 3600), path) == [
        "MaxPendingTimeInSeconds 3600 is below the aws CLI's minimum 7200 (botocore allows 1800)"
    ]
    assert at(set_path(valid_request(), path, 1799), path) == ["MaxPendingTimeInSeconds 1799 is below the minimum 1800"]
    assert at(set_path(valid_request(), path, 7200), path) == []


def test_members_unknown_to_the_cli_model_are_reported():
    request = set_path(
        valid_request(),
        ("ResourceConfig",),
        {"InstancePreferences": [{"InstanceType": "ml.m5.xlarge"}], "InstanceCount": 1, "VolumeSizeInGB": 5},
    )
    assert any("unknown to the aws CLI's older model" in m for m in at(request, ("ResourceConfig", "InstancePreferences")))
    serverless = {
        "BaseModelArn": "arn:aws:sagemaker:us-east-1:aws:hub-content/SageMakerPublicHub/Model/llama/1.0.0",
        "JobType": "FineTuning",
        "SequenceLength": "32K",
    }
    request = set_path(valid_request(), ("ServerlessJobConfig",), serverless)
    assert any("unknown to the aws CLI" in m for m in at(request, ("ServerlessJobConfig", "SequenceLength")))


# --- cross-field rules --------------------------------------------------------------------------


def test_training_image_and_algorithm_name_are_exclusive():
    path = ("AlgorithmSpecification", "AlgorithmName")
    assert at(set_path(valid_request(), path, "my-algo"), path) == [
        "AlgorithmName and TrainingImage are mutually exclusive; set only one"
    ]
    request = drop_path(valid_request(), ("AlgorithmSpecification", "TrainingImage"))
    assert at(request, ("AlgorithmSpecification",)) == ["AlgorithmSpecification needs either TrainingImage or AlgorithmName"]


def test_spot_training_needs_max_wait_at_least_max_runtime():
    spot = set_path(valid_request(), ("EnableManagedSpotTraining",), True)
    assert at(spot, ("EnableManagedSpotTraining",)) == [
        "managed spot training needs StoppingCondition.MaxWaitTimeInSeconds (at least MaxRuntimeInSeconds)"
    ]
    wait = ("StoppingCondition", "MaxWaitTimeInSeconds")
    assert at(set_path(spot, wait, 3599), wait) == ["MaxWaitTimeInSeconds 3599 must be at least MaxRuntimeInSeconds 3600"]
    assert messages(set_path(spot, wait, 3600)) == []
    no_runtime = set_path(drop_path(spot, ("StoppingCondition", "MaxRuntimeInSeconds")), wait, 7200)
    assert at(no_runtime, wait) == [
        "MaxWaitTimeInSeconds 7200 must be at least MaxRuntimeInSeconds 86400, the default when MaxRuntimeInSeconds is unset"
    ]


def test_max_wait_without_spot_is_refused():
    wait = ("StoppingCondition", "MaxWaitTimeInSeconds")
    assert at(set_path(valid_request(), wait, 7200), wait) == [
        "MaxWaitTimeInSeconds is only allowed when EnableManagedSpotTraining is true"
    ]
    request = set_path(set_path(valid_request(), wait, 7200), ("EnableManagedSpotTraining",), False)
    assert at(request, wait) != []


def test_max_runtime_is_at_most_28_days():
    path = ("StoppingCondition", "MaxRuntimeInSeconds")
    assert at(set_path(valid_request(), path, 2419200), path) == []
    assert at(set_path(valid_request(), path, 2419201), path) == [
        "MaxRuntimeInSeconds 2419201 exceeds the maximum of 28 days (2419200)"
    ]


def test_augmented_manifest_needs_pipe_mode_and_channel_mode_overrides_job_mode():
    data_type = ("InputDataConfig", 0, "DataSource", "S3DataSource", "S3DataType")
    request = set_path(valid_request(), data_type, "AugmentedManifestFile")
    assert at(request, data_type) == [
        "S3DataType AugmentedManifestFile needs Pipe input mode, but this channel's input mode is File"
    ]
    assert at(set_path(request, ("InputDataConfig", 0, "InputMode"), "Pipe"), data_type) == []
    assert at(set_path(request, ("InputDataConfig", 0, "InputMode"), "FastFile"), data_type) != []
    pipe_job = set_path(request, ("AlgorithmSpecification", "TrainingInputMode"), "Pipe")
    assert at(pipe_job, data_type) == []
    assert at(set_path(pipe_job, ("InputDataConfig", 0, "InputMode"), "File"), data_type) != []


@pytest.mark.parametrize("member, value", [("CompressionType", "Gzip"), ("RecordWrapperType", "RecordIO")])
def test_compression_and_record_wrapping_only_in_pipe_mode(member, value):
    path = ("InputDataConfig", 0, member)
    request = set_path(valid_request(), path, value)
    assert at(request, path) == [
        f"{member} {value} works only in Pipe input mode; this channel's input mode is File (leave it unset or None)"
    ]
    assert at(set_path(request, ("InputDataConfig", 0, "InputMode"), "Pipe"), path) == []
    assert at(set_path(valid_request(), path, "None"), path) == []


def test_channel_names_are_unique():
    request = set_path(valid_request(), ("InputDataConfig", 1, "ChannelName"), "train")
    assert at(request, ("InputDataConfig", 1, "ChannelName")) == [
        'ChannelName "train" is already used by InputDataConfig[0]; channel names must be unique'
    ]


def test_tag_keys_are_unique_and_case_sensitive():
    tags = [{"Key": "team", "Value": "a"}, {"Key": "Team", "Value": "b"}, {"Key": "team", "Value": "c"}]
    request = set_path(valid_request(), ("Tags",), tags)
    assert [v.path for v in check_request(request)] == [("Tags", 2, "Key")]


def test_rule_configuration_and_collection_names_are_unique():
    rule = {"RuleConfigurationName": "r", "RuleEvaluatorImage": IMAGE}
    request = set_path(valid_request(), ("DebugRuleConfigurations",), [rule, dict(rule)])
    assert [v.path for v in check_request(request)] == [("DebugRuleConfigurations", 1, "RuleConfigurationName")]
    request = set_path(valid_request(), ("ProfilerRuleConfigurations",), [rule, dict(rule)])
    assert [v.path for v in check_request(request)] == [("ProfilerRuleConfigurations", 1, "RuleConfigurationName")]
    hook = {"S3OutputPath": "s3://b/d", "CollectionConfigurations": [{"CollectionName": "a"}, {"CollectionName": "a"}]}
    request = set_path(valid_request(), ("DebugHookConfig",), hook)
    assert [v.path for v in check_request(request)] == [("DebugHookConfig", "CollectionConfigurations", 1, "CollectionName")]


def preferences_request(**resource) -> dict:
    config = {
        "InstancePreferences": [{"InstanceType": "ml.p5.48xlarge"}, {"InstanceType": "ml.p4d.24xlarge"}],
        "InstanceCount": 1,
        "VolumeSizeInGB": 50,
    }
    config.update(resource)
    return set_path(valid_request(), ("ResourceConfig",), config)


def cross_field(request: dict) -> list[tuple]:
    """Violations other than the CLI's unknown-member report for InstancePreferences."""
    return [(v.path, v.message) for v in check_request(request) if "unknown to the aws CLI" not in v.message]


def test_instance_preferences_alone_are_fine_apart_from_the_cli():
    assert cross_field(preferences_request()) == []


@pytest.mark.parametrize(
    "member, value", [("InstanceType", "ml.m5.xlarge"), ("InstanceGroups", []), ("InstancePlacementConfig", {})]
)
def test_instance_preferences_exclude_other_instance_settings(member, value):
    assert cross_field(preferences_request(**{member: value})) == [
        (("ResourceConfig", member), f"{member} and InstancePreferences are mutually exclusive")
    ]


def test_instance_preferences_exclude_spot_and_repeat_no_type():
    request = set_path(preferences_request(), ("EnableManagedSpotTraining",), True)
    request = set_path(request, ("StoppingCondition", "MaxWaitTimeInSeconds"), 3600)
    assert (
        ("EnableManagedSpotTraining",),
        "EnableManagedSpotTraining and ResourceConfig.InstancePreferences are mutually exclusive",
    ) in cross_field(request)
    repeated = preferences_request(InstancePreferences=[{"InstanceType": "ml.p5.48xlarge"}, {"InstanceType": "ml.p5.48xlarge"}])
    assert [path for path, _ in cross_field(repeated)] == [("ResourceConfig", "InstancePreferences", 1, "InstanceType")]


def test_instance_preference_counts_are_all_or_none_and_in_one_place():
    some = preferences_request(
        InstancePreferences=[{"InstanceType": "ml.p5.48xlarge", "InstanceCount": 2}, {"InstanceType": "ml.p4d.24xlarge"}]
    )
    assert ("InstanceCount must be set on every InstancePreferences entry or on none") in [m for _, m in cross_field(some)]
    both = preferences_request(InstancePreferences=[{"InstanceType": "ml.p5.48xlarge", "InstanceCount": 2}])
    assert [p for p, _ in cross_field(both)] == [("ResourceConfig", "InstanceCount")]
    neither = drop_path(preferences_request(), ("ResourceConfig", "InstanceCount"))
    assert [p for p, _ in cross_field(neither)] == [("ResourceConfig",)]
    per_preference = drop_path(both, ("ResourceConfig", "InstanceCount"))
    assert cross_field(per_preference) == []


def test_per_preference_training_plans_exclude_the_job_level_plan():
    plan = "arn:aws:sagemaker:us-east-1:123456789012:training-plan/my-plan-0001"
    request = preferences_request(
        TrainingPlanArn=plan, InstancePreferences=[{"InstanceType": "ml.p5.48xlarge", "TrainingPlanArns": [plan]}]
    )
    assert [p for p, _ in cross_field(request)] == [("ResourceConfig", "InstancePreferences", 0, "TrainingPlanArns")]
    assert cross_field(drop_path(request, ("ResourceConfig", "TrainingPlanArn"))) == []


def test_selected_instance_members_are_read_only():
    request = set_path(valid_request(), ("ResourceConfig", "SelectedInstanceType"), "ml.m5.xlarge")
    assert any("read-only" in m for m in at(request, ("ResourceConfig", "SelectedInstanceType")))


def test_serverless_evaluation_needs_an_evaluation_type_and_sequence_lengths_are_bounded():
    base = {
        "BaseModelArn": "arn:aws:sagemaker:us-east-1:aws:hub-content/SageMakerPublicHub/Model/llama/1.0.0",
        "JobType": "Evaluation",
    }
    request = set_path(valid_request(), ("ServerlessJobConfig",), base)
    assert at(request, ("ServerlessJobConfig",)) == ["ServerlessJobConfig with JobType Evaluation needs EvaluationType"]
    assert at(set_path(request, ("ServerlessJobConfig", "EvaluationType"), "BenchmarkEvaluation"), ("ServerlessJobConfig",)) == []
    length = ("ServerlessJobConfig", "SequenceLength")
    assert any("outside 1K..1024K" in m for m in at(set_path(request, length, "2048K"), length))
    assert any("outside 1K..1024K" in m for m in at(set_path(request, length, "0K"), length))
    assert not any("outside" in m for m in at(set_path(request, length, "1024K"), length))


def test_requests_need_an_algorithm_and_resources_unless_serverless():
    request = drop_path(drop_path(valid_request(), ("AlgorithmSpecification",)), ("InputDataConfig",))
    request = drop_path(request, ("ResourceConfig",))
    assert [v.path for v in check_request(request)] == [(), ()]
    request["ServerlessJobConfig"] = {
        "BaseModelArn": "arn:aws:sagemaker:us-east-1:aws:hub-content/SageMakerPublicHub/Model/llama/1.0.0",
        "JobType": "FineTuning",
    }
    assert check_request(request) == []
    no_count = drop_path(valid_request(), ("ResourceConfig", "InstanceCount"))
    assert at(no_count, ("ResourceConfig",)) == ["ResourceConfig sets InstanceType but not InstanceCount"]


def test_data_sources_need_exactly_one_kind_and_known_instance_groups():
    source = ("InputDataConfig", 0, "DataSource")
    assert at(set_path(valid_request(), source, {}), source) == [
        "DataSource needs one of S3DataSource, FileSystemDataSource or DatasetSource"
    ]
    fs = {"FileSystemId": "fs-0123abcd", "FileSystemAccessMode": "ro", "FileSystemType": "EFS", "DirectoryPath": "/data"}
    both = set_path(valid_request(), source + ("FileSystemDataSource",), fs)
    assert at(both, source) == ["DataSource sets S3DataSource and FileSystemDataSource; set exactly one"]
    groups = [{"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "InstanceGroupName": "cpu"}]
    request = set_path(valid_request(), ("ResourceConfig",), {"InstanceGroups": groups, "VolumeSizeInGB": 10})
    names = source + ("S3DataSource", "InstanceGroupNames")
    assert at(set_path(request, names, ["cpu"]), names + (0,)) == []
    assert at(set_path(request, names, ["gpu"]), names + (0,)) == [
        'InstanceGroupNames entry "gpu" names no group in ResourceConfig.InstanceGroups'
    ]


def test_volume_rules_follow_the_instance_storage():
    kms = ("ResourceConfig", "VolumeKmsKeyId")
    request = set_path(set_path(valid_request(), ("ResourceConfig", "InstanceType"), "ml.g5.xlarge"), kms, "alias/key")
    assert at(request, kms) == [
        "VolumeKmsKeyId cannot be used with ml.g5.xlarge: its local NVMe storage is encrypted by the instance"
    ]
    assert at(set_path(valid_request(), kms, "alias/key"), kms) == []
    no_volume = drop_path(valid_request(), ("ResourceConfig", "VolumeSizeInGB"))
    assert at(no_volume, ("ResourceConfig",)) == ["ml.m5.xlarge has only EBS storage: set VolumeSizeInGB to at least 1"]
    nvme = set_path(no_volume, ("ResourceConfig", "InstanceType"), "ml.p4d.24xlarge")
    assert check_request(nvme) == []
    size = ("ResourceConfig", "VolumeSizeInGB")
    assert at(set_path(valid_request(), size, 0), size) == ["ml.m5.xlarge has only EBS storage: set VolumeSizeInGB to at least 1"]
    assert at(set_path(valid_request(), size, 1), size) == []
    assert at(set_path(nvme, size, 0), size) == []  # instance storage: no EBS volume is needed


def test_a_job_needs_at_least_one_instance():
    count = ("ResourceConfig", "InstanceCount")
    assert at(set_path(valid_request(), count, 0), count) == ["InstanceCount 0: a training job needs at least 1 instance"]
    groups = [{"InstanceType": "ml.m5.xlarge", "InstanceCount": 0, "InstanceGroupName": "cpu"}]
    request = set_path(valid_request(), ("ResourceConfig",), {"InstanceGroups": groups, "VolumeSizeInGB": 10})
    group_count = ("ResourceConfig", "InstanceGroups", 0, "InstanceCount")
    assert at(request, group_count) == ['InstanceCount 0: instance group "cpu" needs at least 1 instance']
    assert at(set_path(request, group_count, 1), group_count) == []


def test_documented_value_lists():
    interval = ("ProfilerConfig", "ProfilingIntervalInMilliseconds")
    request = set_path(valid_request(), ("ProfilerConfig",), {"ProfilingIntervalInMilliseconds": 300})
    assert at(request, interval) == ["ProfilingIntervalInMilliseconds 300 is not one of 100, 200, 500, 1000, 5000, 60000"]
    assert at(set_path(request, interval, 60000), interval) == []
    placement = {"PlacementSpecifications": [{"InstanceCount": 0}]}
    request = set_path(valid_request(), ("ResourceConfig", "InstancePlacementConfig"), placement)
    assert at(request, ("ResourceConfig", "InstancePlacementConfig", "PlacementSpecifications", 0, "InstanceCount")) != []


def test_cross_field_rules_tolerate_mistyped_input():
    request = valid_request()
    request["InputDataConfig"] = [None, "x", {"ChannelName": 5, "DataSource": []}]
    request["ResourceConfig"] = {"InstancePreferences": "x", "InstanceCount": "1"}
    request["StoppingCondition"] = {"MaxRuntimeInSeconds": "1", "MaxWaitTimeInSeconds": None}
    request["EnableManagedSpotTraining"] = True
    request["Tags"] = [{"Key": 1}, {"Key": 1}]
    assert check_request(request)  # no exception, violations reported


# --- the derived constraints file ---------------------------------------------------------------


def test_the_committed_constraints_match_the_installed_botocore_and_awscli():
    committed = service_model.CONSTRAINTS_PATH.read_text(encoding="utf-8")
    derived = service_model.render(service_model.derive_installed())
    assert committed == derived, "schemas/create_training_job.constraints.json is stale: run `make constraints`"


def test_the_constraints_file_says_where_it_came_from():
    constraints = json.loads(service_model.CONSTRAINTS_PATH.read_text(encoding="utf-8"))
    assert "Do not edit" in constraints["_generated"]
    assert constraints["sources"]["botocore"] == botocore.__version__
    assert constraints["shapes"]["CreateTrainingJobRequest"]["required"] == ["OutputDataConfig", "RoleArn", "TrainingJobName"]


def test_the_derivation_refuses_a_shape_type_it_cannot_check():
    model = service_model.load_botocore_model()
    model = copy.deepcopy(model)
    model["shapes"]["MaxRuntimeInSeconds"]["type"] = "timestamp"
    with pytest.raises(service_model.UnsupportedModel) as raised:
        service_model.derive(model, model, service_model.installed_versions())
    assert str(raised.value) == "shape MaxRuntimeInSeconds has type timestamp, which the checker does not handle"


@pytest.mark.parametrize("which", ["botocore", "cli"])
def test_the_derivation_refuses_a_model_whose_operation_takes_another_input(which):
    model = service_model.load_botocore_model()
    renamed = copy.deepcopy(model)
    renamed["operations"]["CreateTrainingJob"]["input"]["shape"] = "CreateTrainingJobInput"
    botocore_model, cli_model = (renamed, model) if which == "botocore" else (model, renamed)
    with pytest.raises(service_model.UnsupportedModel) as raised:
        service_model.derive(botocore_model, cli_model, service_model.installed_versions())
    assert str(raised.value) == {
        "botocore": "CreateTrainingJob no longer takes CreateTrainingJobRequest",
        "cli": "the aws CLI's CreateTrainingJob does not take CreateTrainingJobRequest",
    }[which]


def test_the_derivation_records_what_the_cli_checks_more_strictly():
    model = service_model.load_botocore_model()
    cli = copy.deepcopy(model)
    cli["shapes"]["TrainingJobName"]["min"] = 3
    cli["shapes"]["VpcConfig"]["required"] = ["SecurityGroupIds", "Subnets"]
    cli["shapes"]["RetryStrategy"]["required"] = ["MaximumRetryAttempts"]
    cli["shapes"]["CheckpointConfig"]["required"] = ["LocalPath", "S3Uri"]
    del cli["shapes"]["CheckpointConfig"]["members"]["S3Uri"]
    stricter = service_model.derive(model, cli, service_model.installed_versions())["cli_stricter"]
    assert stricter == {
        "CheckpointConfig": {"required": ["LocalPath"], "unknown_members": ["S3Uri"]},
        "TrainingJobName": {"min": 3},
    }


# --- pattern translation ------------------------------------------------------------------------

JAVA_LINE_TERMINATORS = "\n\r\u0085\u2028\u2029"
TAG_PUNCTUATION = "_.:/=+-@"


def tag_reference(value: str) -> bool:
    return all(c in TAG_PUNCTUATION or unicodedata.category(c)[0] in "LZN" for c in value)


def any_but_line_terminators(value: str) -> bool:
    return not any(c in JAVA_LINE_TERMINATORS for c in value)


def arn_or_name_reference(value: str) -> bool:
    prefix = re.fullmatch(r"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:[a-z\-]*/", value[: value.rfind("/") + 1])
    name = value[value.rfind("/") + 1 :] if prefix else value
    ascii_alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return 1 <= len(name) <= 63 and name[0] in ascii_alnum and name[-1] != "-" and all(c in ascii_alnum + "-" for c in name)


def lambda_reference(value: str) -> bool:
    ascii_alnum_dash = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
    parts = value.split(":", 6)
    return (
        len(parts) == 7
        and parts[0] == "arn"
        and parts[2] == "lambda"
        and parts[1] != ""
        and set(parts[1]) <= ascii_alnum_dash
        and parts[3] != ""
        and set(parts[3]) <= ascii_alnum_dash
        and len(parts[4]) == 12
        and all(c in "0123456789" for c in parts[4])
        and parts[5] == "function"
        and any_but_line_terminators(parts[6])
    )


def s3_uri_reference(value: str) -> bool:
    """The host part ([^/]+) takes anything but '/', line terminators included; after the first '/' no terminator."""
    for scheme in ("https://", "s3://"):
        if value.startswith(scheme):
            rest = value[len(scheme) :]
            if rest[:1] in ("", "/"):
                return False
            slash = rest.find("/")
            return slash < 0 or any_but_line_terminators(rest[slash + 1 :])
    return False


REFERENCES = {
    "([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)": tag_reference,
    ".*": any_but_line_terminators,
    ".+": lambda v: v != "" and any_but_line_terminators(v),
    "[\\S\\s]*": lambda v: True,
    "[a-zA-Z_][a-zA-Z0-9_]*": lambda v: re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", v, re.ASCII) is not None,
    "(arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:[a-z\\-]*\\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)": arn_or_name_reference,
    "arn:[\\p{Alnum}\\-]+:lambda:[\\p{Alnum}\\-]+:[0-9]{12}:function:.*": lambda_reference,
    "(https|s3)://([^/]+)/?(.*)": s3_uri_reference,
    "\\d+K": lambda v: v[:-1] != "" and v.endswith("K") and all(c in "0123456789" for c in v[:-1]),
}

PATTERNS = json.loads(service_model.CONSTRAINTS_PATH.read_text(encoding="utf-8"))["patterns"]

# Characters that make the translations differ from a naive one: Java line terminators, Unicode
# letters, separators and digits (\p{…}), non-ASCII digits and letters (\d, \w, \p{Alnum} are ASCII),
# and the punctuation the patterns use.
TRICKY = (
    JAVA_LINE_TERMINATORS
    + "\t\x0b\x0c \u00a0\u2003\u3000"
    + "éÉßø名字ٌ٣٤໑Ⅻ½²𝟘𝐀"
    + "😀\u0301\u200b"
    + "-_.:/=+@;,*#%[]()\\"
    + "aAzZ09K"
)
text_with_tricky_characters = st.text(alphabet=st.sampled_from(TRICKY) | st.characters(codec="utf-8"), max_size=24)


def test_every_reference_pattern_is_in_the_constraints_file():
    assert set(REFERENCES) <= set(PATTERNS)


@pytest.mark.parametrize("java_pattern", sorted(REFERENCES))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_translated_patterns_agree_with_reference_checks(java_pattern, data):
    python_pattern = re.compile(PATTERNS[java_pattern])
    reference = REFERENCES[java_pattern]
    value = data.draw(text_with_tricky_characters | st.from_regex(python_pattern, fullmatch=True))
    assert (python_pattern.fullmatch(value) is not None) == reference(value), (java_pattern, value)


ASCII_PATTERNS = json.loads(service_model.CONSTRAINTS_PATH.read_text(encoding="utf-8"))["ascii_patterns"]
ascii_text = st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=24)


def test_the_ascii_translations_are_the_ones_that_differ_and_are_far_shorter():
    assert ASCII_PATTERNS and set(ASCII_PATTERNS) <= set(PATTERNS)
    assert all(ASCII_PATTERNS[java] != PATTERNS[java] for java in ASCII_PATTERNS)
    tag = "([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)"
    assert ASCII_PATTERNS[tag] == "([ +\\--:=@-Z_a-z]*)" and len(PATTERNS[tag]) > 10_000


@pytest.mark.parametrize("java_pattern", sorted(ASCII_PATTERNS))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_an_ascii_translation_decides_an_ascii_value_as_the_whole_one_does(java_pattern, data):
    """aws/request_rules.py checks ASCII values with the cut-down pattern: on ASCII it must agree
    with the whole translation, matches and refusals alike."""
    whole, cut = re.compile(PATTERNS[java_pattern]), re.compile(ASCII_PATTERNS[java_pattern])
    value = data.draw(ascii_text | st.from_regex(cut, fullmatch=True))
    assert (whole.fullmatch(value) is not None) == (cut.fullmatch(value) is not None), (java_pattern, value)


@pytest.mark.parametrize(
    ("java", "ascii_python"),
    [
        (".", "[\\u0000-\\u0009\\u000b\\u000c\\u000e-\\u007f]"),
        ("\\p{L}+", "[A-Za-z]+"),
        ("[^a-z]", "[\\u0000-`{-\\u007f]"),
        ("[é]x", "(?!)x"),
        ("\\P{L}", "[\\u0000-@\\[-`{-\\u007f]"),
    ],
)
def test_an_ascii_translation_keeps_only_the_ascii_members_of_each_class(java, ascii_python):
    assert java_regex.translate(java, ascii_only=True) == ascii_python


def test_a_non_ascii_value_is_checked_with_the_whole_pattern():
    """A letter outside ASCII is a letter to \\p{L}: the cut pattern would refuse it."""
    checked = check_request({**valid_request(), "Tags": [{"Key": "projet-é", "Value": "名字"}]})
    assert [v for v in checked if v.path[0] == "Tags"] == []
    refused = check_request({**valid_request(), "Tags": [{"Key": "a;b", "Value": "x"}]})
    assert [v.path for v in refused if v.path[0] == "Tags"] == [("Tags", 0, "Key")]


@pytest.mark.parametrize(
    "java, python",
    [
        (".", "[^\\u000a\\u000d\\u0085\\u2028\\u2029]"),
        ("\\d\\w\\s", "[0-9][0-9A-Z_a-z][\\u0009-\\u000d ]"),
        ("[\\p{Alnum}\\-]", "[\\-0-9A-Za-z]"),
        ("[a-z0-9-\\.]", "[\\-.0-9a-z]"),
        ("[-a]", "[\\-a]"),
        ("(?<!-)x", "(?<!-)x"),
        ("a{2,5}?", "a{2,5}?"),
    ],
)
def test_java_constructs_are_translated(java, python):
    assert java_regex.translate(java) == python


@pytest.mark.parametrize(
    ("java", "why"),
    [
        ("\\b", "unsupported escape \\b at offset 2"),
        ("\\p{IsHan}", "unsupported property \\p{IsHan} at offset 9"),
        ("[a&&b]", "nested classes and intersections are not supported at offset 2"),
        ("[a[b]]", "nested classes and intersections are not supported at offset 2"),
        ("(?<name>x)", "unsupported group construct at offset 1"),
        ("\\uD800", "surrogate code units are not supported at offset 6"),
        ("\\v", "unsupported escape \\v at offset 2"),
    ],
)
def test_unknown_java_constructs_are_refused(java, why):
    with pytest.raises(java_regex.UnsupportedPattern) as raised:
        java_regex.translate(java)
    assert str(raised.value) == f"{why} in {java!r}"


def test_unicode_categories_are_expanded_from_unicodedata():
    letters = re.compile(java_regex.translate("\\p{L}+"))
    assert letters.fullmatch("Ωmegaß名") and not letters.fullmatch("a1")
    separators = re.compile(java_regex.translate("\\p{Z}"))
    assert all(separators.fullmatch(c) for c in " \u00a0\u2028\u2029\u3000") and not separators.fullmatch("\t")
    numbers = re.compile(java_regex.translate("\\p{N}"))
    assert all(numbers.fullmatch(c) for c in "7٣Ⅻ½²") and not numbers.fullmatch("x")


# --- agreement with botocore's own validator ----------------------------------------------------


@pytest.fixture(scope="module")
def input_shape():
    return botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateTrainingJob").input_shape


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def leaf_paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaf_paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaf_paths(item, path + (index,))


def get_path(request: dict, path: tuple):
    for key in path:
        request = request[key]
    return request


def near(original):
    """Values of the original's kind, near it: most keep the request valid, some cross a limit."""
    if isinstance(original, bool):
        return st.booleans()
    if isinstance(original, int):
        if original < 0:  # an earlier mutation drew it: stay on its side of zero
            return st.integers(min_value=original * 2 - 1, max_value=0)
        return st.integers(min_value=max(0, original // 2 - 1), max_value=original * 2 + 1)
    if isinstance(original, str):
        return st.sampled_from([original, original[: max(1, len(original) // 2)], original + "1", original.upper(), ""])
    return st.just(copy.deepcopy(original))


@st.composite
def mutated_requests(draw):
    request = draw(st.sampled_from([valid_request, full_request]))()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in leaf_paths(request) if p]
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "near", "near", "drop", "keep"]))
        if action == "drop" and not isinstance(path[-1], int):
            request = drop_path(request, path)
        elif action == "replace":
            request = set_path(request, path, draw(json_values))
        elif action == "near":
            request = set_path(request, path, draw(near(get_path(request, path))))
    return request


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=mutated_requests())
def test_every_request_the_checker_accepts_passes_botocore_validation(request, input_shape):
    # Type-keeping mutations ("near") let a good share of the examples reach botocore (the share
    # shows in `pytest --hypothesis-show-statistics`).
    accepted = not check_request(request)
    event("accepted by the checker, compared with botocore" if accepted else "refused by the checker")
    if accepted:
        botocore.validate.validate_parameters(request, input_shape)


def test_botocore_validation_would_have_let_these_through(input_shape):
    """The checker catches what botocore does not: maximums, patterns, enums, map sizes, booleans as integers."""
    request = set_path(valid_request(), ("HyperParameters",), {f"k{i}": "v" for i in range(101)})
    request = set_path(request, ("TrainingJobName",), "bad_name")
    request = set_path(request, ("ResourceConfig", "InstanceType"), "ml.p99.xlarge")
    request = set_path(request, ("ResourceConfig", "InstanceCount"), True)
    request = set_path(request, ("ResourceConfig", "KeepAlivePeriodInSeconds"), 99999)
    botocore.validate.validate_parameters(request, input_shape)
    assert len(check_request(request)) == 5


def test_checker_and_botocore_agree_on_a_missing_member(input_shape):
    request = drop_path(valid_request(), ("RoleArn",))
    assert check_request(request)
    with pytest.raises(botocore.exceptions.ParamValidationError):
        botocore.validate.validate_parameters(request, input_shape)
