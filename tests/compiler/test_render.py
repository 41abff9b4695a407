"""What the compiler renders: the request's members, the hyperparameter encoding, the image
tag, determinism and atomic output."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sagemaker_byoc.compiler import output
from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.compiler.request import encode_hyperparameter
from sagemaker_byoc.spec.durations import describe, seconds
from tests.compiler.jobs import MINIMAL, REPO, make_job, run_compiler, with_lines

FULL = with_lines(
    "hyperparameters: {epochs: 10, lr: 0.001, model-name: resnet50, layers: [64, 128], flag: true, none: null}",
    "inputs:",
    "  train: s3://bucket/prefix/train/",
    "  validation: {s3: 's3://bucket/prefix/val/', content_type: text/csv, mode: Pipe, distribution: ShardedByS3Key,",
    "               compression: Gzip, record_wrapper: RecordIO, local: data/val}",
    "resources: {instance_type: ml.g5.xlarge, instance_count: 2, volume_gb: 50, keep_alive: 10m}",
    "limits: {max_runtime: 2h, max_wait: 3h, max_pending: 1d}",
    "spot: true",
    "checkpoints: {s3: 's3://bucket/ckpt/'}",
    "environment: {LOG_LEVEL: info, WORKERS: 4, DEBUG: false}",
    "metrics: [{name: 'train:loss', regex: 'loss: ([0-9.]+)'}]",
    "tags: {project: mnist, team: ml}",
    "network: {subnets: [subnet-0abc], security_groups: [sg-0abc], isolation: true, encrypt_inter_container: true}",
    "retry: {max_attempts: 2}",
)


def test_full_request(tmp_path):
    request = compile_job(make_job(tmp_path, FULL)).rendered.request.body
    assert request["HyperParameters"] == {
        "epochs": "10", "lr": "0.001", "model-name": '"resnet50"', "layers": "[64, 128]", "flag": "true", "none": "null",
    }
    assert request["InputDataConfig"] == [
        {"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://bucket/prefix/train/", "S3DataDistributionType": "FullyReplicated"}}},
        {"ChannelName": "validation", "ContentType": "text/csv", "CompressionType": "Gzip", "RecordWrapperType": "RecordIO",
         "InputMode": "Pipe", "DataSource": {"S3DataSource": {
             "S3DataType": "S3Prefix", "S3Uri": "s3://bucket/prefix/val/", "S3DataDistributionType": "ShardedByS3Key"}}},
    ]
    assert request["ResourceConfig"] == {"InstanceType": "ml.g5.xlarge", "InstanceCount": 2, "VolumeSizeInGB": 50, "KeepAlivePeriodInSeconds": 600}
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 7200, "MaxWaitTimeInSeconds": 10800, "MaxPendingTimeInSeconds": 86400}
    assert request["EnableManagedSpotTraining"] is True
    assert request["CheckpointConfig"] == {"S3Uri": "s3://bucket/ckpt/", "LocalPath": "/opt/ml/checkpoints"}
    assert request["Environment"] == {"LOG_LEVEL": "info", "WORKERS": "4", "DEBUG": "false"}
    assert request["Tags"] == [{"Key": "project", "Value": "mnist"}, {"Key": "team", "Value": "ml"}]
    assert request["VpcConfig"] == {"SecurityGroupIds": ["sg-0abc"], "Subnets": ["subnet-0abc"]}
    assert request["EnableNetworkIsolation"] is True and request["EnableInterContainerTrafficEncryption"] is True
    assert request["RetryStrategy"] == {"MaximumRetryAttempts": 2}
    assert request["AlgorithmSpecification"]["MetricDefinitions"] == [{"Name": "train:loss", "Regex": "loss: ([0-9.]+)"}]
    assert request["AlgorithmSpecification"]["TrainingInputMode"] == "File"


def test_minimal_request_has_defaults_and_nothing_unset(tmp_path):
    request = compile_job(make_job(tmp_path)).rendered.request.body
    assert sorted(request) == [
        "AlgorithmSpecification", "OutputDataConfig", "ResourceConfig", "RoleArn", "StoppingCondition", "TrainingJobName",
    ]
    assert request["ResourceConfig"] == {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": 86400}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@given(json_values)
@settings(max_examples=500)
def test_hyperparameter_encoding_is_lossless_and_ascii(value):
    # The SDK's encoding: json.dumps with its default escapes, so that the length SageMaker
    # counts (and spec/semantics.py checks) is that of the escaped text.
    encoded = encode_hyperparameter(value)
    assert encoded.isascii()
    assert json.loads(encoded) == value


def test_a_non_ascii_hyperparameter_is_sent_escaped_and_checked_at_that_length(tmp_path):
    # 416 euro signs are 2498 characters escaped ("\u20ac" each, plus quotes): the limit is met
    # exactly by what the request carries.
    fits = "\u20ac" * 416
    request = compile_job(make_job(tmp_path, with_lines("hyperparameters:", f"  text: {fits}"))).rendered.request.body
    assert request["HyperParameters"]["text"] == '"' + "\\u20ac" * 416 + '"'
    result = run_compiler("validate", make_job(tmp_path, with_lines("hyperparameters:", f"  text: {fits}\u20ac")))
    assert result.returncode == 2
    assert f"{tmp_path / 'job.yaml'}:12:9: error: hyperparameter 'text' is 2504 characters once JSON-encoded" in result.stderr


@given(st.integers(min_value=0, max_value=10**7))
@settings(max_examples=500)
def test_durations_round_trip(total):
    assert seconds(describe(total)) == total


def test_duration_forms():
    assert [seconds(v) for v in (90, "90s", "30m", "2h", "1d", "1h30m", "1d2h3m4s")] == [90, 90, 1800, 7200, 86400, 5400, 93784]


def test_compiling_twice_gives_identical_bytes(tmp_path):
    job = make_job(tmp_path, FULL)
    assert run_compiler("compile", job).returncode == 0
    first = {p.name: p.read_bytes() for p in (tmp_path / "generated").iterdir()}
    assert run_compiler("compile", job).returncode == 0
    assert {p.name: p.read_bytes() for p in (tmp_path / "generated").iterdir()} == first


def test_output_is_independent_of_the_working_directory(tmp_path):
    job = make_job(tmp_path / "job", FULL)
    assert run_compiler("compile", job).returncode == 0
    first = {p.name: p.read_bytes() for p in (tmp_path / "job" / "generated").iterdir()}
    assert run_compiler("compile", "job.yaml", cwd=tmp_path / "job").returncode == 0
    assert {p.name: p.read_bytes() for p in (tmp_path / "job" / "generated").iterdir()} == first


def test_modes_and_headers(tmp_path):
    job = make_job(tmp_path)
    assert run_compiler("compile", job).returncode == 0
    out = tmp_path / "generated"
    assert oct(out.stat().st_mode & 0o777) == "0o755"  # a new directory is readable by the image build
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in out.iterdir()}
    assert modes == {"Dockerfile": "0o644", "Dockerfile.dockerignore": "0o644", "train": "0o755", "build_and_push.sh": "0o755", "create_training_job.json": "0o644"}
    header = "Code generated by sagemaker-byoc from ../job.yaml. DO NOT EDIT."
    assert (out / "Dockerfile").read_text().splitlines()[0] == f"# {header}"
    assert (out / "Dockerfile.dockerignore").read_text().splitlines()[0] == f"# {header}"
    assert (out / "build_and_push.sh").read_text().splitlines()[:2] == ["#!/bin/sh", f"# {header}"]
    train = (out / "train").read_text().splitlines()
    assert train[1] == f"# {header}"
    shim = (REPO / "shim" / "train").read_text().splitlines()
    assert [train[0], *train[2:]] == shim  # the shim verbatim, but for the header
    json.loads((out / "create_training_job.json").read_text())


def test_default_tag_follows_the_build_inputs(tmp_path):
    job = make_job(tmp_path)
    tag = lambda: compile_job(job).rendered.image_uri.rsplit(":", 1)[1]  # noqa: E731
    first = tag()
    assert len(first) == 12
    (tmp_path / "code" / "__pycache__").mkdir()
    (tmp_path / "code" / "__pycache__" / "train.cpython-311.pyc").write_bytes(b"\0")
    assert tag() == first  # bytecode caches are not build inputs
    job.write_text(MINIMAL + "hyperparameters: {epochs: 3}\n")
    assert tag() == first  # hyperparameters do not change the image
    (tmp_path / "code" / "model.py").write_text("x = 1\n")
    assert tag() != first  # code does


def test_explicit_tag_is_used(tmp_path):
    job = make_job(tmp_path, MINIMAL.replace("  repository: demo/train", "  repository: demo/train\n  tag: v1"))
    assert compile_job(job).rendered.image_uri == "123456789012.dkr.ecr.us-east-1.amazonaws.com/demo/train:v1"


def test_dockerfile_layers_put_code_last(tmp_path):
    job = make_job(tmp_path, MINIMAL.replace("  repository: demo/train", "  repository: demo/train\n  apt: [libgl1]\n  pip: [numpy==2.1.3]"))
    assert run_compiler("compile", job).returncode == 0
    lines = (tmp_path / "generated" / "Dockerfile").read_text().splitlines()
    order = [next(i for i, line in enumerate(lines) if line.startswith(prefix)) for prefix in
             ("FROM python:3.11.", "RUN apt-get update", 'RUN ["python3", "-m", "pip", "install", "--no-cache-dir", "numpy==2.1.3"]',
              'COPY ["generated/train", "/usr/local/bin/train"]', "WORKDIR /opt/ml/code", 'COPY ["code/", "/opt/ml/code/"]')]
    assert order == sorted(order)
    assert "    SAGEMAKER_PROGRAM=train.py \\" in lines


def test_compile_replaces_stale_artifacts_in_an_existing_directory(tmp_path):
    job = make_job(tmp_path)
    out = tmp_path / "generated"
    out.mkdir()
    (out / "Dockerfile").write_text("# Code generated by sagemaker-byoc from ../job.yaml. DO NOT EDIT.\nstale\n")
    (out / "create_training_job.json").write_text('{"AlgorithmSpecification": {}, "RoleArn": "stale"}')
    (out / "notes.txt").write_text("mine\n")
    assert run_compiler("compile", job).returncode == 0
    assert (out / "Dockerfile").read_text().startswith("# Code generated")
    assert json.loads((out / "create_training_job.json").read_text())["RoleArn"] != "stale"
    assert (out / "notes.txt").read_text() == "mine\n"  # files that are not artifacts stay
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".generated")]  # no staging left


@pytest.mark.parametrize(
    ("name", "content"),
    [("Dockerfile", "FROM my-own-base\n"), ("train", "#!/bin/sh\nexec python my_train.py\n"), ("create_training_job.json", '{"mine": true}\n')],
)
def test_a_file_the_compiler_did_not_write_is_never_replaced(tmp_path, name, content):
    """compile -o DIR once replaced the user's own Dockerfile and train there: an artifact
    replaces only a file with the generated-code header (a request: one of our requests)."""
    job = make_job(tmp_path)
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / name).write_text(content)
    result = run_compiler("compile", job, "-o", tmp_path / "deploy")
    assert result.returncode == 2
    assert result.stderr == (
        f"{job}: error: {tmp_path / 'deploy' / name} was not written by sagemaker-byoc (it has no generated-code header); "
        "not replaced: move it, or compile into another folder (-o)\n"
    )
    assert (tmp_path / "deploy" / name).read_text() == content
    assert [p.name for p in (tmp_path / "deploy").iterdir()] == [name]


def test_an_artifact_no_longer_rendered_is_removed_and_check_reports_it(tmp_path):
    """Removing tuning: left create_hyper_parameter_tuning_job.json behind, and check said up to date."""
    tuned = make_job(tmp_path, with_lines(
        "metrics: [{name: 'val:loss', regex: 'loss=([0-9.]+)'}]",
        "tuning: {objective: {metric: 'val:loss', type: Minimize}, max_jobs: 2, ranges: {lr: {min: 0.001, max: 0.1}}}",
    ))
    assert run_compiler("compile", tuned).returncode == 0
    stale = tmp_path / "generated" / "create_hyper_parameter_tuning_job.json"
    assert stale.exists()
    make_job(tmp_path, MINIMAL)
    checked = run_compiler("check", tuned)
    assert checked.returncode == 1 and f"{stale}: no longer rendered (a compile removes it)" in checked.stderr
    assert run_compiler("compile", tuned).returncode == 0
    assert not stale.exists()
    assert run_compiler("check", tuned).returncode == 0


def test_staging_happens_beside_the_output_so_the_rename_is_atomic(tmp_path, monkeypatch):
    # os.replace is atomic only within one filesystem: the staging directory must be a sibling
    # of the output directory, never in the system's temporary folder.
    monkeypatch.setenv("TMPDIR", str(tmp_path / "system-tmp"))
    (tmp_path / "system-tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    renames = []
    real_replace = os.replace
    monkeypatch.setattr(output.os, "replace", lambda src, dst: (renames.append((Path(src), Path(dst))), real_replace(src, dst)))
    artifacts = compile_job(make_job(tmp_path / "job")).rendered.artifacts
    for existing in (False, True):  # a new output directory, then one that exists
        renames.clear()
        output.write_artifacts(artifacts, tmp_path / "job" / "generated")
        assert renames, "nothing was moved into place"
        for src, dst in renames:
            assert src.parent.parent == dst.parent.parent if existing else src.parent == dst.parent, (src, dst)
        assert sorted(p.name for p in (tmp_path / "job").iterdir()) == ["code", "generated", "job.yaml"]  # no staging left
    assert list((tmp_path / "system-tmp").iterdir()) == []


def _compile_in_step(job: Path, barrier, failures) -> None:
    """A compile into a folder that does not exist yet, in a process of its own, held at its
    first rename until the other process reaches its own: both have staged their artifacts and
    found no output folder, the collision of two compiles started together, every time. A
    barrier that breaks (a compile that renames nothing first) lets it go on: no timing decides."""
    import threading

    real_replace = os.replace
    waited = []

    def replace_in_step(src, dst):
        if not waited:
            waited.append(True)
            try:
                barrier.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
        real_replace(src, dst)

    output.os.replace = replace_in_step
    try:
        output.write_artifacts(compile_job(job).rendered.artifacts, job.parent / "generated")
    except BaseException as error:  # reported to the test, whatever it is
        failures.put(f"{type(error).__name__}: {error}")


def _assert_complete_output(job: Path) -> None:
    artifacts = compile_job(job).rendered.artifacts
    out = job.parent / "generated"
    assert sorted(p.name for p in out.iterdir()) == sorted(a.name for a in artifacts)
    for artifact in artifacts:
        assert (out / artifact.name).read_bytes() == artifact.content, artifact.name
        assert (out / artifact.name).stat().st_mode & 0o777 == artifact.mode, artifact.name
    assert sorted(p.name for p in job.parent.iterdir()) == ["code", "generated", "job.yaml"], "no staging left"


@pytest.mark.parametrize("round_", range(5))
def test_two_compiles_into_a_new_folder_both_succeed(tmp_path, round_):
    """Two compiles of one job into a folder that did not exist: the second rename met the
    first one's folder and failed with ENOTEMPTY. Both must succeed, leaving one complete output."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    job = make_job(tmp_path / "job", with_lines("hyperparameters: {round: %d}" % round_))
    barrier, failures = context.Barrier(2), context.Queue()
    processes = [context.Process(target=_compile_in_step, args=(job, barrier, failures)) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    reported = [failures.get(timeout=5) for _ in range(failures.qsize())] if not failures.empty() else []
    assert reported == [] and [p.exitcode for p in processes] == [0, 0], reported
    _assert_complete_output(job)


def test_two_compile_commands_started_together_both_succeed(tmp_path):
    """The same through the command line, as two users (or make -j) run it, several rounds."""
    import subprocess
    import sys

    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    for round_ in range(4):
        job = make_job(tmp_path / f"job-{round_}")
        started = [
            subprocess.Popen([sys.executable, "-m", "sagemaker_byoc", "compile", str(job)], cwd=REPO, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        results = [(process.wait(timeout=120), process.stderr.read()) for process in started]
        for process in started:
            process.stdout.close()
            process.stderr.close()
        assert results == [(0, ""), (0, "")], results
        _assert_complete_output(job)


def test_compile_into_another_directory(tmp_path):
    job = make_job(tmp_path / "job")
    result = run_compiler("compile", job, "-o", tmp_path / "job" / "build" / "artifacts")
    assert result.returncode == 0, result.stderr
    dockerfile = (tmp_path / "job" / "build" / "artifacts" / "Dockerfile").read_text()
    assert 'COPY ["build/artifacts/train", "/usr/local/bin/train"]' in dockerfile
    assert "from ../../job.yaml" in dockerfile.splitlines()[0]
    assert "warning" not in result.stderr
    outside = run_compiler("compile", job, "-o", tmp_path / "elsewhere")
    assert outside.returncode == 0 and "outside the job's directory" in outside.stderr


@pytest.mark.parametrize("out", ["code", "."])
def test_an_output_folder_that_holds_the_code_is_refused(tmp_path, out):
    """The output folder is left out of the image: written into source_dir (or above it), the
    image would have lost train.py."""
    job = make_job(tmp_path)
    result = run_compiler("compile", job, "-o", tmp_path / out)
    assert result.returncode == 2
    assert f"it holds the code ({tmp_path / 'code'}), which the image would then leave out" in result.stderr
    assert sorted(p.name for p in (tmp_path / "code").iterdir()) == ["train.py"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["code", "job.yaml"]
