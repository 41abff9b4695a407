"""The fixture set: named jobs that the toolkit launches and the shim must launch identically.

`LAUNCHING` jobs succeed under the toolkit; `FAILING` jobs make the toolkit refuse to start the
entry point (the shim must refuse too, with the same exit status). Every function returns a new
`Job`, so tests may change what they get.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

from .harness import MISSING, Job

# Written into values and keys: if a shell ever evaluates one, the file appears.
CANARY_NAME = "injection-canary"


def injection_payloads(canary: str) -> list[str]:
    """Texts that run `touch <canary>` if any shell re-parses them."""
    return [
        f"$(touch {canary})",
        f"`touch {canary}`",
        f"; touch {canary}",
        f"x'; touch {canary}; echo '",
        f'x"; touch {canary}; echo "',
        f"x' \"$(touch {canary})\" '",
        f"\ntouch {canary}\n",
        f"| touch {canary}",
        f"&& touch {canary}",
        f"'\\''; touch {canary} #",
        # C1 controls and Unicode's separators: line breaks to some readers (NEL, U+2028), and
        # CSI (U+009B), ESC's one-byte twin on a terminal that reads C1.
        f"\x85touch {canary}\x85",
        f"x\u2028touch {canary}\u2029",
        f"\x9b8m$(touch {canary})\x1b[0m",
    ]


WORKED_EXAMPLE_HYPERPARAMETERS = (
    '{"epochs": "10", "learning-rate": "0.001", "lr_small": "1e-5", "use_cuda": "true", "dry-run": "false", '
    '"model_name": "\\"resnet50\\"", "optimizer": "adam", "plain string": "hello world", '
    '"layers": "[64, 128, 256]", '
    '"config": "{\\"dropout\\": 0.5, \\"act\\": \\"relu\\", \\"nested\\": {\\"a\\": [1, 2]}}", '
    '"nothing": "null", "empty": "", "quoted_int": "\\"42\\"", "leading_zero": "007", "nan_value": "NaN", '
    '"unicode_val": "\\"\u65e5\u672c\u8a9e \u2713\\"", "\u043a\u043b\u044e\u0447": '
    '"\u0437\u043d\u0430\u0447\u0435\u043d\u0438\u0435", "b": "1", "Zeta": "z", "dotted.key": "v", '
    '"raw_int": 5, "raw_bool": true, "sagemaker_program": "\\"train.py\\"", '
    '"sagemaker_submit_directory": "\\"s3://my-bucket/my-job/source/sourcedir.tar.gz\\"", '
    '"sagemaker_container_log_level": "20", "sagemaker_job_name": "\\"my-job-2024-01-01-00-00-00-000\\"", '
    '"sagemaker_region": "\\"us-west-2\\"", "sagemaker_distributed_dataparallel_enabled": "false", '
    '"sagemaker_instance_type": "\\"ml.p4d.24xlarge\\"", '
    '"_tuning_objective_metric": "\\"validation:accuracy\\""}'
)

WORKED_EXAMPLE_INPUTDATACONFIG = {
    "train": {
        "ContentType": "text/csv",
        "TrainingInputMode": "File",
        "S3DistributionType": "FullyReplicated",
        "RecordWrapperType": "None",
    },
    "validation-set": {
        "TrainingInputMode": "File",
        "S3DistributionType": "ShardedByS3Key",
        "RecordWrapperType": "None",
    },
}

WORKED_EXAMPLE_RESOURCECONFIG = {
    "current_host": "algo-1",
    "current_instance_type": "ml.p4d.24xlarge",
    "current_group_name": "homogeneousCluster",
    "hosts": ["algo-1", "algo-2"],
    "instance_groups": [
        {"instance_group_name": "homogeneousCluster", "instance_type": "ml.p4d.24xlarge", "hosts": ["algo-1", "algo-2"]}
    ],
    "network_interface_name": "eth0",
}


def worked_example() -> Job:
    """toolkit-contract.md §8, verbatim: the program comes from the sagemaker_program hp."""
    return Job(
        hyperparameters=WORKED_EXAMPLE_HYPERPARAMETERS,
        inputdataconfig=WORKED_EXAMPLE_INPUTDATACONFIG,
        resourceconfig=WORKED_EXAMPLE_RESOURCECONFIG,
        program_in_env=False,
    )


def empty_files() -> Job:
    return Job(hyperparameters={}, inputdataconfig={}, resourceconfig={"current_host": "algo-1", "hosts": ["algo-1"]})


def hostile_values() -> Job:
    values = [
        "two words",
        "it's",
        'say "hi"',
        "$(echo pwned)",
        "`echo pwned`",
        "a; echo pwned",
        "line1\nline2",
        "trailing newlines\n\n",
        "\n",
        "-e",
        "-n",
        "--",
        "--flag=value",
        "-",
        "*",
        "~",
        "$HOME",
        "${HOME}",
        "\\",
        "back\\slash\\n",
        "tab\there",
        "cr\r\nlf",
        "%s%n%d",
        "'\\''",
        "'",
        '"',
        "!event",
        "a|b&c>d<e",
        "#comment",
        "  padded  ",
        "=equals=",
        "\u2028line separator",
        "x" * 5000,
    ]
    hyperparameters: dict[str, str] = {}
    for index, value in enumerate(values):
        hyperparameters[f"raw_{index:02}"] = value
        hyperparameters[f"json_{index:02}"] = json.dumps(value)
    return Job(hyperparameters=hyperparameters)


def hostile_keys() -> Job:
    keys = [
        "two words",
        "it's",
        'say "hi"',
        "$(echo pwned)",
        "`echo pwned`",
        "a;b",
        "line\nbreak",
        "-x",
        "--",
        "-",
        "",
        "b",
        "B",
        "*",
        "back\\slash",
        "tab\tkey",
        "%s",
        "learning-rate",
        "dotted.key",
        "1starts_with_digit",
        "_underscore",
        "UPPER",
        "Mixed_Case",
    ]
    return Job(hyperparameters={key: json.dumps(f"value of {key}") for key in keys})


def unicode_text(ensure_ascii: bool) -> Job:
    pairs = {
        "\u043a\u043b\u044e\u0447": "\u0437\u043d\u0430\u0447\u0435\u043d\u0438\u0435",
        "stra\u00dfe": "gro\u00df",
        "\ufb01le": "ligature",
        "\u65e5\u672c\u8a9e": '"\u65e5\u672c\u8a9e \u2713"',
        "emoji\U0001f600": '"\U0001f600\U0001f680"',
        "caf\u00e9": "cr\u00e8me br\u00fbl\u00e9e",
        "combining\u0301": "e\u0301",
        "\u05e2\u05d1\u05e8\u05d9\u05ea": "\u202eright-to-left",
        "greek_\u03c3\u03c2": "\u03a3",
        "ellipsis\u2026": "\u00a0non-breaking space",
        "nbsp": "\u00a05",
        "zero_width": "\u200b",
        "supplementary": "\U00010348\U0001d11e",
        "list_of_unicode": '["\u00e9", "\U0001f600", "\u2028"]',
        "dict_of_unicode": '{"\u00e9": "\u00fc", "z": "\U0001f600"}',
    }
    return Job(hyperparameters=pairs, ensure_ascii=ensure_ascii)


def unicode_raw() -> Job:
    return unicode_text(ensure_ascii=False)


def unicode_escaped() -> Job:
    return unicode_text(ensure_ascii=True)


NUMBER_TEXTS = [
    "0",
    "-0",
    "10",
    " 5 ",
    "\n7\t",
    "123456789012345678901234567890",
    "-98765432109876543210",
    "9007199254740993",
    "1e-5",
    "1e-05",
    "1E5",
    "1e+16",
    "1e16",
    "1E-7",
    "1.5E+3",
    "0e0",
    "1.0",
    "-0.0",
    "0.1",
    "0.001",
    "0.0001",
    "1.50",
    "1e3",
    "123456789.123456789",
    "9999999999999999.0",
    "12345678901234567.0",
    "1e-400",
    "1E400",
    "-1E400",
    "5e-324",
    "2.2250738585072014e-308",
    "1.7976931348623157e308",
    "0.30000000000000004",
    "100.0",
    "1e22",
    "1e21",
    "123e-20",
    "NaN",
    "Infinity",
    "-Infinity",
    "007",
    "+1",
    ".5",
    "1.",
    "1_000",
    "0x10",
    "1e",
    "nan",
    "inf",
    "--1",
    "[1e-5, 1E5, -0.0, NaN, Infinity, -Infinity, 100000000000000000000, 0.1, 1.0]",
    '{"lr": 1e-05, "big": 123456789012345678901234567890, "neg": -0.0}',
]


def numbers() -> Job:
    return Job(hyperparameters={f"n{index:02}": text for index, text in enumerate(NUMBER_TEXTS)})


def raw_json_values() -> Job:
    """Values that are not JSON strings in the file (SageMaker never writes these; local fixtures may)."""
    return Job(
        hyperparameters=(
            '{"int": 5, "neg": -3, "big": 123456789012345678901234567890, "float": 1.5, "exp": 1E5, '
            '"small": 1e-05, "negzero": -0.0, "true": true, "false": false, "null": null, '
            '"list": [1, "a", [true, null]], "object": {"b": 1, "a": {"c": "d"}}, "empty_list": [], '
            '"empty_object": {}}'
        )
    )


def literals() -> Job:
    texts = ["true", "false", "null", "True", "False", "None", "TRUE", "nil", '"true"', '"null"', "[]", "{}", '""', '"']
    return Job(hyperparameters={f"lit{index:02}": text for index, text in enumerate(texts)})


def nested() -> Job:
    deep: object = "bottom"
    for level in range(20):
        deep = {f"level{level}": [deep]}
    values = {
        "list_of_ints": [64, 128, 256],
        "list_of_strings": ["a", "b c", "it's", 'say "hi"', "both ' and \"", "tab\t", "nl\n", "bell\u0007", ""],
        "list_mixed": [1, 1.5, "s", True, False, None, [], {}, [1, [2, [3]]]],
        "dict_simple": {"dropout": 0.5, "act": "relu"},
        "dict_sorting": {"b": 1, "B": 2, "a": 3, "_": 4, "\u00e9": 5, "10": 6, "9": 7, "": 8},
        "dict_values": {"s": "text with spaces", "l": ["x", 1], "d": {"k": "v"}, "n": None, "t": True, "f": 1e-05},
        "dict_unicode": {"\u043a": "\u0437", "emoji": "\U0001f600"},
        "deep": deep,
        "list_of_dicts": [{"b": 2, "a": 1}, {"z": [None]}],
        "empty_list": [],
        "empty_dict": {},
        "repr_escapes": ["\\", "\r", "\x7f", "x", "\u200b", "\u00ad", "\ud7ff"],
    }
    hyperparameters = {key: json.dumps(value) for key, value in values.items()}
    hyperparameters["compact_text"] = '{"z":1,"a":[1,2,{"y":null}]}'
    hyperparameters["spaced_text"] = ' [ 1 , { "a" : "b" } ] '
    hyperparameters["duplicate_inner_keys"] = '{"a": 1, "a": 2}'
    return Job(hyperparameters=hyperparameters)


def json_escapes() -> Job:
    """Every JSON escape, in keys and values, written as escaped text."""
    text = (
        '{"quote\\"key": "\\"a\\\\\\"b\\"", '
        '"slash\\/key": "a\\/b", '
        '"controls": "\\b\\f\\n\\r\\t", '
        '"low": "\\u0001\\u001f\\u007f", '
        '"pair\\ud83d\\ude00": "\\ud83d\\ude00", '
        '"latin": "\\u00e9\\u00C9", '
        '"json_in_string": "\\"\\\\u00e9\\\\n\\"", '
        '"backslashes": "\\\\\\\\", '
        '"ends_with_backslash": "x\\\\", '
        '"after": "y"}'
    )
    return Job(hyperparameters=text)


def reserved_keys() -> Job:
    return Job(
        hyperparameters={
            "sagemaker_program": '"train.py"',
            "sagemaker_submit_directory": '"s3://bucket/prefix/sourcedir.tar.gz"',
            "sagemaker_enable_cloudwatch_metrics": "false",
            "sagemaker_region": '"eu-central-1"',
            "sagemaker_container_log_level": "10",
            "sagemaker_job_name": '"job-with-name"',
            "default_user_module_name": '"ignored"',
            "_tuning_objective_metric": '"validation:loss"',
            "sagemaker_mpi_enabled": "false",
            "sagemaker_instance_type": '"ml.g5.xlarge"',
            "sagemaker_custom_flag": '{"nested": [1, 2]}',
            "sagemaker_raw": "not json",
            "sagemaker_": "1",
            "Sagemaker_upper": "kept as a user hyperparameter",
            "SAGEMAKER_LOUD": "kept as well",
            "xsagemaker_inside": "kept",
            "epochs": "3",
        },
        program_in_env=False,
    )


def program_env_wins() -> Job:
    """SAGEMAKER_PROGRAM beats the sagemaker_program hyperparameter."""
    return Job(hyperparameters={"sagemaker_program": '"other.py"', "epochs": "1"}, program="train.py")


def program_in_subdirectory() -> Job:
    return Job(hyperparameters={"sagemaker_program": '"src/train.py"'}, program="src/train.py", program_in_env=False)


def program_double_suffix() -> Job:
    return Job(hyperparameters={"epochs": "1"}, program="train.py.py")


def heterogeneous_cluster() -> Job:
    return Job(
        hyperparameters={
            "sagemaker_distributed_dataparallel_enabled": "true",
            "sagemaker_distribution_instance_groups": '["workers", "leaders"]',
            "epochs": "2",
        },
        resourceconfig={
            "current_host": "algo-3",
            "current_instance_type": "ml.p4d.24xlarge",
            "current_group_name": "workers",
            "hosts": ["algo-1", "algo-2", "algo-3", "algo-4"],
            "instance_groups": [
                {"instance_group_name": "leaders", "instance_type": "ml.c5.xlarge", "hosts": ["algo-2", "algo-1"]},
                {"instance_group_name": "workers", "instance_type": "ml.p4d.24xlarge", "hosts": ["algo-4", "algo-3"]},
                {"instance_group_name": "idle", "instance_type": "ml.m5.large", "hosts": []},
            ],
            "network_interface_name": "ens5",
            "topology": [{"hostName": "algo-1", "capacityUnitId": "cu-1"}, {"hostName": "algo-3", "capacityUnitId": "cu-2"}],
            "unknown_key": {"kept": ["verbatim", 1.5, None]},
        },
    )


def distributed_without_groups() -> Job:
    return Job(
        hyperparameters={"sagemaker_pytorch_ddp_enabled": "true"},
        resourceconfig={"current_host": "algo-2", "hosts": ["algo-2", "algo-1"], "current_group_name": "trainers"},
    )


def unknown_current_group() -> Job:
    return Job(
        resourceconfig={
            "current_host": "algo-1",
            "hosts": ["algo-1"],
            "current_group_name": "nowhere",
            "instance_groups": [{"instance_group_name": "somewhere", "instance_type": "ml.m5.large", "hosts": ["algo-1"]}],
        }
    )


def instance_group_without_hosts() -> Job:
    """Only the current group's hosts are read; another group may lack them."""
    return Job(resourceconfig={"current_host": "a", "hosts": ["a"], "instance_groups": [{"instance_group_name": "g"}]})


def many_channels() -> Job:
    names = ["train", "validation-set", "Test.Data", "zeta", "Alpha", "model_artifacts", "d\u00e9j\u00e0", "x y"]
    config = {name: {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated"} for name in names}
    config["train"] = {"ContentType": "application/x-recordio", "TrainingInputMode": "Pipe", "Extra": [1, {"b": 2, "a": None}]}
    return Job(inputdataconfig=config)


def case_collisions() -> Job:
    """Keys that upper-case alike: the later one in file order owns SM_HP_<KEY>."""
    return Job(
        hyperparameters={"lr": "0.1", "LR": "0.2", "Lr": "0.3", "stra\u00dfe": "1", "STRASSE": "2", "Epochs": "5", "epochs": "6"}
    )


def duplicate_keys() -> Job:
    return Job(hyperparameters='{"a": "1", "b": "x", "a": "2", "c": "[1, 2]", "c": "{}"}')


def formatted_files() -> Job:
    """Indented JSON with tabs and CRLF line ends."""
    hyperparameters = json.dumps({"epochs": "3", "lr": "0.01", "name": '"n"'}, indent="\t").replace("\n", "\r\n")
    resourceconfig = json.dumps({"current_host": "algo-1", "hosts": ["algo-1"]}, indent=4) + "\n\n"
    inputdataconfig = ' { "train" : { "TrainingInputMode" : "File" } } \n'
    return Job(hyperparameters=hyperparameters, resourceconfig=resourceconfig, inputdataconfig=inputdataconfig)


def empty_values() -> Job:
    return Job(hyperparameters={"empty": "", "quoted_empty": '""', "null": "null", "spaces": "   ", "newline": "\n"})


def many_hyperparameters() -> Job:
    return Job(hyperparameters={f"param_{index:03}": str(index * 0.5) for index in range(100)})


FAKE_NVIDIA_SMI = """\
printf '%s\\n' 'GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-1)' \
  '  MIG 1g.5gb     Device  0: (UUID: MIG-1)' \
  'GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-2)' \
  'GPU2 not counted'
"""


def gpus() -> Job:
    return Job(
        hyperparameters={"epochs": "1"},
        fake_commands={"nvidia-smi": FAKE_NVIDIA_SMI, "smddprun": "exit 0\n", "smddpmprun": "exit 0\n"},
    )


def failing_nvidia_smi() -> Job:
    return Job(fake_commands={"nvidia-smi": "echo 'GPU 0: broken'\nexit 9\n"})


def trainium2() -> Job:
    return Job(resourceconfig={"current_host": "algo-1", "hosts": ["algo-1"], "current_instance_type": "ml.trn2.48xlarge"})


def neuron_cores() -> Job:
    return Job(
        resourceconfig={"current_host": "algo-1", "hosts": ["algo-1"], "current_instance_type": "ml.trn1.32xlarge"},
        fake_commands={"neuron-ls": """echo '[{"neuron_device": 0, "nc_count": 2}, {"neuron_device": 1, "nc_count": 2}]'\n"""},
    )


def job_name_from_environment() -> Job:
    return Job(env={"TRAINING_JOB_NAME": "tj-123"})


def region_from_environment() -> Job:
    return Job(env={"AWS_DEFAULT_REGION": "eu-west-3"})


def aws_region_only() -> Job:
    return Job(env={"AWS_REGION": "ap-south-1"})


def log_level() -> Job:
    return Job(hyperparameters={"sagemaker_container_log_level": "40"})


def command_line_noise() -> Job:
    """Keys that look like options of python3 or of env."""
    return Job(hyperparameters={"c": '"import os"', "m": '"http.server"', "u": "1", "i": "", "S": "-", "0": "zero"})


def stale_environment() -> Job:
    """Variables already in the container's environment: the toolkit overwrites its own and
    passes the rest through."""
    return Job(
        hyperparameters={"epochs": "1"},
        env={
            "CURRENT_HOST": "stale-host",
            "SAGEMAKER_JOB_NAME": "stale-job",
            "SAGEMAKER_REGION": "stale-region",
            "SAGEMAKER_SUBMIT_DIRECTORY": "/stale/dir",
            "SM_HPS": '{"stale":1}',
            "SM_HP_EPOCHS": "99",
            "SM_USER_DEFINED": "passed through",
            "SM_CHANNEL_OLD": "/stale/channel",
        },
    )


def model_parallel_environment() -> Job:
    return Job(hyperparameters={"mp_parameters": '{"partitions": 2}'}, env={"SM_HP_MP_PARAMETERS": '{"partitions": 2}'})


LAUNCHING: dict[str, Callable[[], Job]] = {
    "stale_environment": stale_environment,
    "model_parallel_environment": model_parallel_environment,
    "worked_example": worked_example,
    "empty_files": empty_files,
    "hostile_values": hostile_values,
    "hostile_keys": hostile_keys,
    "unicode_raw": unicode_raw,
    "unicode_escaped": unicode_escaped,
    "numbers": numbers,
    "raw_json_values": raw_json_values,
    "literals": literals,
    "nested": nested,
    "json_escapes": json_escapes,
    "reserved_keys": reserved_keys,
    "program_env_wins": program_env_wins,
    "program_in_subdirectory": program_in_subdirectory,
    "program_double_suffix": program_double_suffix,
    "heterogeneous_cluster": heterogeneous_cluster,
    "distributed_without_groups": distributed_without_groups,
    "unknown_current_group": unknown_current_group,
    "instance_group_without_hosts": instance_group_without_hosts,
    "many_channels": many_channels,
    "case_collisions": case_collisions,
    "duplicate_keys": duplicate_keys,
    "formatted_files": formatted_files,
    "empty_values": empty_values,
    "many_hyperparameters": many_hyperparameters,
    "gpus": gpus,
    "failing_nvidia_smi": failing_nvidia_smi,
    "trainium2": trainium2,
    "neuron_cores": neuron_cores,
    "job_name_from_environment": job_name_from_environment,
    "region_from_environment": region_from_environment,
    "aws_region_only": aws_region_only,
    "log_level": log_level,
    "command_line_noise": command_line_noise,
}


def _failing(**fields: object) -> Callable[[], Job]:
    return lambda: Job(**fields)  # type: ignore[arg-type]


FAILING: dict[str, Callable[[], Job]] = {
    "hyperparameters_missing": _failing(hyperparameters=MISSING),
    "inputdataconfig_missing": _failing(inputdataconfig=MISSING),
    "resourceconfig_missing": _failing(resourceconfig=MISSING),
    "hyperparameters_malformed": _failing(hyperparameters="{not json"),
    "hyperparameters_empty_file": _failing(hyperparameters=""),
    "hyperparameters_truncated": _failing(hyperparameters='{"a": "1", "b": '),
    "hyperparameters_trailing_garbage": _failing(hyperparameters='{"a": "1"} x'),
    "hyperparameters_array": _failing(hyperparameters=[1, 2]),
    "inputdataconfig_malformed": _failing(inputdataconfig='{"train": {'),
    "resourceconfig_malformed": _failing(resourceconfig="{'current_host': 'algo-1'}"),
    "resourceconfig_without_hosts": _failing(resourceconfig={"current_host": "algo-1"}),
    "resourceconfig_without_current_host": _failing(resourceconfig={"hosts": ["algo-1"]}),
    "instance_group_without_name": _failing(
        resourceconfig={"current_host": "a", "hosts": ["a"], "instance_groups": [{"instance_type": "x", "hosts": ["a"]}]}
    ),
    "no_program": _failing(program=None),
    "program_escapes_code_dir": _failing(program="../escape.py"),
    "program_with_space": _failing(program="my train.py"),
    "key_with_equals_sign": _failing(hyperparameters={"a=b": "1"}),
    "nul_in_value": _failing(hyperparameters='{"a": "x\\u0000y"}'),
    "nul_in_key": _failing(hyperparameters='{"a\\u0000b": "1"}'),
    "channel_with_equals_sign": _failing(inputdataconfig={"a=b": {}}),
    "resourceconfig_empty": _failing(resourceconfig={}),
    "resourceconfig_hosts_not_a_list": _failing(resourceconfig={"current_host": "algo-1", "hosts": "algo-1"}),
    "resourceconfig_current_host_not_a_string": _failing(resourceconfig={"current_host": 1, "hosts": [1]}),
    "hyperparameters_null": _failing(hyperparameters="null"),
    "hyperparameters_string": _failing(hyperparameters='"epochs"'),
    "hyperparameters_with_byte_order_mark": _failing(hyperparameters=b"\xef\xbb\xbf{}"),
    "inputdataconfig_null": _failing(inputdataconfig="null"),
    "nul_in_decoded_value": _failing(hyperparameters='{"a": "\\"x\\\\u0000y\\""}'),
}


# ---------------------------------------------------------------------------------------------
# Benchmark-sized jobs (also used by the tests at the API maxima)


def _hosts(count: int) -> list[str]:
    return [f"algo-{index}" for index in range(1, count + 1)]


def _cluster(count: int, instance_type: str) -> dict[str, object]:
    hosts = _hosts(count)
    return {
        "current_host": hosts[0],
        "current_instance_type": instance_type,
        "current_group_name": "homogeneousCluster",
        "hosts": hosts,
        "instance_groups": [{"instance_group_name": "homogeneousCluster", "instance_type": instance_type, "hosts": hosts}],
        "network_interface_name": "eth0",
    }


def _channels(count: int) -> dict[str, object]:
    names = ["train", "validation"] + [f"channel-{index:02}" for index in range(count - 2)]
    return {
        name: {
            "ContentType": "application/x-parquet",
            "TrainingInputMode": "File",
            "S3DistributionType": "FullyReplicated",
            "RecordWrapperType": "None",
        }
        for name in names[:count]
    }


def realistic(program: str = "train.py", noop: bool = False) -> Job:
    """A typical job: 20 hyperparameters, 2 channels, 2 hosts."""
    hyperparameters = {
        "epochs": "20",
        "batch-size": "256",
        "learning-rate": "0.0003",
        "weight_decay": "1e-05",
        "momentum": "0.9",
        "warmup_steps": "500",
        "optimizer": '"adamw"',
        "scheduler": "cosine",
        "model_name": '"resnet50"',
        "pretrained": "true",
        "mixed_precision": '"bf16"',
        "layers": "[64, 128, 256, 512]",
        "dropout": "0.1",
        "seed": "42",
        "num_workers": "8",
        "gradient_clip": "1.0",
        "label_smoothing": "0.1",
        "augment": '{"flip": true, "crop": 224}',
        "checkpoint_every": "1000",
        "run_name": "baseline run",
        "sagemaker_program": json.dumps(program),
        "sagemaker_submit_directory": '"s3://bucket/job/source/sourcedir.tar.gz"',
        "sagemaker_container_log_level": "20",
        "sagemaker_job_name": '"realistic-job"',
        "sagemaker_region": '"us-west-2"',
    }
    return Job(
        hyperparameters=hyperparameters,
        inputdataconfig=_channels(2),
        resourceconfig=_cluster(2, "ml.g5.2xlarge"),
        program=program,
        program_in_env=False,
        noop=noop,
    )


# Characters for the API-maxima values: mostly ASCII, with what needs quoting or escaping.
_MAXIMA_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,:/" * 3 + "'\"\\\n\t$`()*;|&<>é€😀"

API_MAX_HYPERPARAMETERS = 100
API_MAX_KEY_LENGTH = 256
API_MAX_VALUE_LENGTH = 2500
API_MAX_CHANNELS = 20
API_MAX_HOSTS = 256


def _maxima_value(index: int, pick: Callable[[str], str]) -> str:
    """A value of exactly API_MAX_VALUE_LENGTH characters, of a type chosen by `index`."""
    kind = index % 4
    if kind == 0:  # raw text, not JSON
        return "v" + "".join(pick(_MAXIMA_ALPHABET) for _ in range(API_MAX_VALUE_LENGTH - 1))
    if kind == 1:  # a JSON-encoded string, as the SDK writes it
        text = ""
        while True:
            candidate = text + pick(_MAXIMA_ALPHABET)
            if len(json.dumps(candidate, ensure_ascii=False)) > API_MAX_VALUE_LENGTH:
                break
            text = candidate
        encoded = json.dumps(text, ensure_ascii=False)
        return encoded[:-1] + " " * (API_MAX_VALUE_LENGTH - len(encoded)) + '"'
    numbers = ["1e-05", "0.001", "123456789012345678901234567890", "-0.0", "1E5", "3", "2.5e-7"]
    if kind == 2:  # a list of numbers
        items = []
        while len("[" + ", ".join(items) + "]") < API_MAX_VALUE_LENGTH - 40:
            items.append(pick(numbers) if len(items) % 2 else pick(["0.1", "7", "1e-05"]))
        text = "[" + ", ".join(items) + "]"
        return text + " " * (API_MAX_VALUE_LENGTH - len(text))
    entries = []  # an object of strings and numbers
    while len("{" + ", ".join(entries) + "}") < API_MAX_VALUE_LENGTH - 60:
        entries.append(
            f'"k{len(entries)}": '
            + (json.dumps(pick(_MAXIMA_ALPHABET) * 5, ensure_ascii=False) if len(entries) % 2 else pick(numbers))
        )
    text = "{" + ", ".join(entries) + "}"
    return text + " " * (API_MAX_VALUE_LENGTH - len(text))


def api_maxima(program: str = "train.py", noop: bool = False) -> Job:
    """CreateTrainingJob's limits: 100 hyperparameters of 256 + 2500 characters, 20 channels, 256 hosts."""
    generator = random.Random(20241122)
    hyperparameters = {}
    for index in range(API_MAX_HYPERPARAMETERS):
        prefix = f"hyperparameter-{index:03}_"
        key = prefix + "k" * (API_MAX_KEY_LENGTH - len(prefix))
        hyperparameters[key] = _maxima_value(index, generator.choice)
    return Job(
        hyperparameters=hyperparameters,
        inputdataconfig=_channels(API_MAX_CHANNELS),
        resourceconfig=_cluster(API_MAX_HOSTS, "ml.p4d.24xlarge"),
        program=program,
        noop=noop,
    )


def rich() -> Job:
    """Most of the above in one job, for the full shell x awk cross product."""
    hyperparameters: dict[str, object] = {}
    for name in ("hostile_values", "hostile_keys", "unicode_raw", "numbers", "nested", "reserved_keys", "empty_values"):
        part = LAUNCHING[name]().hyperparameters
        assert isinstance(part, dict)
        for key, value in part.items():
            hyperparameters[key if key.startswith("sagemaker_") else f"{name}.{key}"] = value
    hyperparameters["plain"] = "1"
    job = heterogeneous_cluster()
    job.hyperparameters = hyperparameters
    job.inputdataconfig = many_channels().inputdataconfig
    job.program_in_env = False
    return job


LAUNCHING["rich"] = rich
