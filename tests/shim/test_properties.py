"""Property tests: for generated hyperparameter maps, the shim launches what the toolkit would.

Each example is a whole hyperparameters.json (many keys at once, to test much per shim start)
written into one fixed tree per worker; the toolkit's values come from a long-lived oracle
process (harness.OracleServer), the shim runs under a drawn shell and awk. Keys and values range over
every JSON type, hostile shell characters and all of Unicode; an injection canary must never
fire. Maps the toolkit itself refuses ("=" in a key, NUL) are left to test_conformance.py.
"""

from __future__ import annotations

import json
import math
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from . import harness, jobs
from .conftest import require_awk, require_oracle, require_shell
from .harness import AWKS, DEFAULT_AWK, DEFAULT_SHELL, SHELLS, Awk, Job, OracleServer, Shell, Tree

# Enough to find bugs, small enough for ~4 minutes on 2 cores with everything else running.
EXAMPLES = 300

# Shrinking a failure can take Hypothesis minutes per test (each step starts the shim). In CI
# (CI=true) report the failing example as found, to stay within the run's time budget; run the
# file locally to get it shrunk.
PHASES = tuple(phase for phase in Phase if phase != Phase.shrink) if os.environ.get("CI") == "true" else tuple(Phase)

PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)

# Reserved keys the toolkit interprets (program, code location, logging, region, launch mode):
# a random value there changes what is launched or crashes the toolkit; the fixture set covers them.
INTERPRETED_KEYS = frozenset(
    {
        "sagemaker_program",
        "sagemaker_submit_directory",
        "sagemaker_container_log_level",
        "sagemaker_job_name",
        "sagemaker_region",
        "sagemaker_s3_output",
        "sagemaker_mpi_enabled",
        "sagemaker_parameter_server_enabled",
        "sagemaker_distributed_dataparallel_enabled",
        "sagemaker_pytorch_ddp_enabled",
        "sagemaker_pytorch_xla_multi_worker_enabled",
        "sagemaker_multi_worker_mirrored_strategy_enabled",
        "sagemaker_torch_distributed_enabled",
        "sagemaker_distribution_instance_groups",
        "sagemaker_mpi_num_of_processes_per_host",
    }
)

CANARY_TOKEN = "@CANARY@"

# ---------------------------------------------------------------------------------------------
# Strategies

HOSTILE_ASCII = "".join(chr(code) for code in range(0x20, 0x7F) if chr(code) != "=") + "\n\t\r\x01\x1b\x1f\x7f"
HOSTILE_FRAGMENTS = [
    "$(id)",
    "`id`",
    ";",
    "'",
    '"',
    "\\",
    "'\\''",
    "\n",
    "-",
    "--",
    "-e",
    "$HOME",
    "${x}",
    "*",
    "%s",
    "\\u00e9",
    "\\n",
] + jobs.injection_payloads(CANARY_TOKEN)

# Everything but lone surrogates (they cannot be encoded into an environment) and NUL.
any_character = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
hostile_character = st.sampled_from(HOSTILE_ASCII)


def texts(alphabet: st.SearchStrategy[str], max_size: int = 24) -> st.SearchStrategy[str]:
    pieces = st.one_of(alphabet, alphabet, st.sampled_from(HOSTILE_FRAGMENTS))
    return st.lists(pieces, max_size=max_size).map("".join)


unicode_text = texts(st.one_of(hostile_character, any_character))


def usable_key(key: str) -> bool:
    return "=" not in key and key not in INTERPRETED_KEYS


keys = st.one_of(
    unicode_text,
    texts(hostile_character, 12),
    st.sampled_from(["", "a", "b", "B", "-", "learning-rate", "dotted.key", "two words", "ключ", "straße", "ﬁle", "ǅ"]),
    texts(st.sampled_from("abcxyz_-"), 10).map(lambda suffix: "sagemaker_" + suffix),
    st.sampled_from(["_tuning_objective_metric", "default_user_module_name", "sagemaker_enable_cloudwatch_metrics"]),
).filter(lambda key: usable_key(key.replace("=", "")))


def clean_key(key: str) -> str:
    return key.replace("=", "")


@st.composite
def number_literals(draw: st.DrawFn) -> str:
    """JSON number text in every notation, and near misses that stay raw strings."""
    sign = draw(st.sampled_from(["", "-", "", "+"]))
    integer = draw(st.one_of(st.just("0"), st.from_regex(r"\A[1-9][0-9]{0,30}\Z"), st.from_regex(r"\A0[0-9]{1,3}\Z")))
    fraction = draw(st.one_of(st.just(""), st.from_regex(r"\A\.[0-9]{0,25}\Z")))
    exponent = draw(st.one_of(st.just(""), st.from_regex(r"\A[eE][+-]?[0-9]{0,4}\Z")))
    padding = draw(st.sampled_from(["", "", " ", "\n", "\t", " \r\n "]))
    return padding + sign + integer + fraction + exponent + padding


def float_texts(value: float) -> list[str]:
    texts_ = [repr(value), json.dumps(value)]
    if math.isfinite(value):
        texts_ += [f"{value:.17g}", f"{value:e}", f"{value:E}", f"{value:.3f}", f"{value:.25g}"]
    return texts_


floats_as_text = st.floats(allow_nan=True, allow_infinity=True).flatmap(lambda value: st.sampled_from(float_texts(value)))
bits_as_float = st.integers(min_value=0, max_value=2**64 - 1).map(lambda bits: struct.unpack("<d", struct.pack("<Q", bits))[0])
big_integers = st.integers(min_value=-(10**45), max_value=10**45)

number_texts = st.one_of(
    number_literals(),
    floats_as_text,
    bits_as_float.map(repr),
    big_integers.map(str),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "nan", "inf", "1e-05", "1E5", "-0.0", "1.0", "-0", "1E400", "1e-400"]),
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    big_integers,
    st.floats(allow_nan=True, allow_infinity=True),
    bits_as_float,
    unicode_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(unicode_text, children, max_size=5),
    ),
    max_leaves=12,
)


def is_finite_everywhere(value: object) -> bool:
    """False if a NaN or an infinity hides anywhere in `value`."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(is_finite_everywhere(item) for item in value)
    if isinstance(value, dict):
        return all(is_finite_everywhere(item) for item in value.values())
    return True


def encoded_in_file(values: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """How a value may sit in hyperparameters.json: JSON-encoded in a string (the SDK), or bare.

    Bare values stay finite: a bare NaN would make the file itself non-standard JSON, which
    Python accepts but a strict parser (and JSONTestSuite) rejects.
    """
    return st.one_of(
        values.map(lambda value: json.dumps(value)),
        values.map(lambda value: json.dumps(value, ensure_ascii=False)),
        values.map(lambda value: json.dumps(value, indent=1)),
        values.filter(is_finite_everywhere),
    )


def maps(values: st.SearchStrategy[object], max_size: int = 20) -> st.SearchStrategy[dict[str, object]]:
    return st.dictionaries(keys.map(clean_key), values, min_size=1, max_size=max_size)


# Every shell with mawk and every awk with dash, as far as installed (test_matrix.py shows what
# is missing); Hypothesis shrinks towards the first, dash + mawk.
Tools = tuple[Shell, Awk]
DEFAULT_TOOLS: Tools = (DEFAULT_SHELL, DEFAULT_AWK)
INSTALLED_TOOLS: list[Tools] = [DEFAULT_TOOLS]
INSTALLED_TOOLS += [(shell, DEFAULT_AWK) for shell in SHELLS[1:] if shell.available()]
INSTALLED_TOOLS += [(DEFAULT_SHELL, awk) for awk in AWKS[1:] if awk.available()]
tool_pairs = st.sampled_from(INSTALLED_TOOLS)

# ---------------------------------------------------------------------------------------------
# Running one example


class Workbench:
    """One fixed tree, its oracle, and the canary file, for one worker's examples."""

    def __init__(self, root: Path) -> None:
        self.job = Job(hyperparameters={})
        self.tree: Tree = harness.build(self.job, root / "job")
        self.canary = root / jobs.CANARY_NAME
        self.oracle = OracleServer(self.tree, self.job)

    def with_canary(self, value: object) -> object:
        """Point the injection payloads at this worker's canary file."""
        if isinstance(value, str):
            return value.replace(CANARY_TOKEN, str(self.canary))
        if isinstance(value, list):
            return [self.with_canary(item) for item in value]
        if isinstance(value, dict):
            return {self.with_canary(key): self.with_canary(item) for key, item in value.items()}
        return value

    def check(
        self,
        hyperparameters: dict[str, object],
        tools: Tools = DEFAULT_TOOLS,
        ensure_ascii: bool = False,
        inputdataconfig: dict[str, object] | None = None,
        resourceconfig: dict[str, object] | None = None,
    ) -> None:
        job = Job(hyperparameters=self.with_canary(hyperparameters), ensure_ascii=ensure_ascii)
        if inputdataconfig is not None:
            job.inputdataconfig = inputdataconfig
        if resourceconfig is not None:
            job.resourceconfig = resourceconfig
        harness.rewrite_configs(self.tree, job)
        expected = self.oracle.values()
        shell, awk = tools
        if isinstance(expected, str):
            # The toolkit refuses this map (e.g. a value it cannot put in the environment).
            outcome = harness.rerun_shim(self.tree, self.job, shell, awk)
            assert not outcome.launched and outcome.exit_code != 0, (
                f"the toolkit refuses this job ({expected}) but the shim launched it\n{outcome.describe()}"
            )
            return
        outcome = harness.rerun_shim(self.tree, self.job, shell, awk)
        assert not self.canary.exists(), "INJECTION: a hyperparameter was executed by a shell"
        assert outcome.launched and outcome.env is not None and outcome.argv is not None, outcome.describe()
        problems = harness.env_differences(
            harness.contract_view(expected.env, expected.base), harness.contract_view(outcome.env, outcome.base)
        )
        problems += harness.argv_differences(expected.argv, outcome.argv)
        if problems:
            text = json.dumps(job.hyperparameters, ensure_ascii=True)
            heading = f"the shim ({shell.name} + {awk.name}) differs from the toolkit:"
            raise AssertionError("\n".join([heading, *problems, f"hyperparameters.json: {text[:3000]}"]))

    def close(self) -> None:
        self.oracle.close()


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workbench]:
    require_oracle()
    require_shell(DEFAULT_SHELL)
    require_awk(DEFAULT_AWK)
    assert harness.SHIM.is_file(), f"{harness.SHIM} does not exist"
    workbench = Workbench(tmp_path_factory.mktemp("properties"))
    yield workbench
    workbench.close()


# ---------------------------------------------------------------------------------------------
# Properties


@PROPERTY_SETTINGS
@given(hyperparameters=maps(st.one_of(unicode_text, encoded_in_file(unicode_text))), tools=tool_pairs)
def test_string_keys_and_values(bench: Workbench, hyperparameters: dict[str, object], tools: Tools) -> None:
    """Raw strings, SDK-encoded strings, hostile characters and all of Unicode, in keys and values."""
    bench.check(hyperparameters, tools)


@PROPERTY_SETTINGS
@given(
    hyperparameters=maps(
        st.one_of(number_texts, number_texts.map(json.dumps), big_integers, st.floats(allow_nan=False, allow_infinity=False))
    ),
    tools=tool_pairs,
)
def test_numbers_in_every_notation(bench: Workbench, hyperparameters: dict[str, object], tools: Tools) -> None:
    """Integers of any size, floats as Python repr, NaN/Infinity, near-miss literals kept raw."""
    bench.check(hyperparameters, tools)


@PROPERTY_SETTINGS
@given(hyperparameters=maps(encoded_in_file(json_values), max_size=10), tools=tool_pairs)
def test_structured_values(bench: Workbench, hyperparameters: dict[str, object], tools: Tools) -> None:
    """Lists and objects of every JSON type: sorted compact JSON in SM_*, Python's str() in argv."""
    bench.check(hyperparameters, tools)


@PROPERTY_SETTINGS
@given(
    hyperparameters=maps(st.one_of(unicode_text, number_texts, encoded_in_file(json_values)), max_size=12),
    ensure_ascii=st.booleans(),
)
def test_file_encodings(bench: Workbench, hyperparameters: dict[str, object], ensure_ascii: bool) -> None:
    """The same maps written with \\uXXXX escapes or as raw UTF-8."""
    bench.check(hyperparameters, ensure_ascii=ensure_ascii)


payloads = st.sampled_from(jobs.injection_payloads(CANARY_TOKEN))


@PROPERTY_SETTINGS
@given(
    hyperparameters=st.dictionaries(
        st.one_of(payloads, st.tuples(texts(hostile_character, 6), payloads).map("".join)).map(clean_key),
        st.one_of(
            payloads,
            payloads.map(json.dumps),
            st.lists(payloads, min_size=1, max_size=3).map(json.dumps),
            st.dictionaries(payloads, payloads, min_size=1, max_size=2).map(json.dumps),
            st.tuples(unicode_text, payloads, unicode_text).map("".join),
        ),
        min_size=1,
        max_size=12,
    ),
    tools=tool_pairs,
)
def test_injection_canary_never_fires(bench: Workbench, hyperparameters: dict[str, object], tools: Tools) -> None:
    """`$(touch …)`, backticks, `;` and quote breakers in keys and values are never executed."""
    bench.check(hyperparameters, tools)


RESOURCECONFIG_KEYS = frozenset(
    {
        "current_host",
        "hosts",
        "current_instance_type",
        "current_group_name",
        "instance_groups",
        "network_interface_name",
        "topology",
    }
)
finite_json_values = json_values.filter(is_finite_everywhere)
names = unicode_text.filter(lambda name: "=" not in name)


@st.composite
def clusters(draw: st.DrawFn) -> dict[str, object]:
    """A resourceconfig: arbitrary host and group names, instance groups, unknown extra keys."""
    hosts = draw(st.lists(names, min_size=1, max_size=6, unique=True))
    config: dict[str, object] = {"current_host": draw(st.sampled_from(hosts)), "hosts": hosts}
    groups = draw(st.lists(names, max_size=3, unique=True))
    if groups:
        config["instance_groups"] = [
            {
                "instance_group_name": group,
                "instance_type": draw(names),
                "hosts": draw(st.lists(st.sampled_from(hosts), max_size=4, unique=True)),
            }
            for group in groups
        ]
    if draw(st.booleans()):
        config["current_group_name"] = draw(st.sampled_from(groups) if groups and draw(st.booleans()) else names)
    for key in ("current_instance_type", "network_interface_name"):
        if draw(st.booleans()):
            config[key] = draw(names)
    if draw(st.booleans()):
        config["topology"] = draw(st.lists(finite_json_values, max_size=3))
    extra = draw(st.dictionaries(names.filter(lambda key: key not in RESOURCECONFIG_KEYS), finite_json_values, max_size=3))
    return {**config, **extra}


# The toolkit builds channel paths with os.path.join, which restarts at a name beginning with
# "/"; SageMaker's API allows no "/" in a channel name ([A-Za-z0-9.\-_]+), so neither do we.
channel_names = names.filter(lambda name: not name.startswith("/"))


@PROPERTY_SETTINGS
@given(
    inputdataconfig=st.dictionaries(channel_names, st.dictionaries(names, finite_json_values, max_size=4), max_size=6),
    resourceconfig=clusters(),
    hyperparameters=maps(st.one_of(unicode_text, number_texts), max_size=4),
    tools=tool_pairs,
)
def test_channels_and_clusters(
    bench: Workbench,
    inputdataconfig: dict[str, object],
    resourceconfig: dict[str, object],
    hyperparameters: dict[str, object],
    tools: Tools,
) -> None:
    """Channel names (SM_CHANNEL_<NAME>), host and group names, instance groups and unknown keys."""
    bench.check(hyperparameters, tools, inputdataconfig=inputdataconfig, resourceconfig=resourceconfig)
