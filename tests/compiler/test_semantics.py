"""One test per semantic rule: a job that breaks it and one that keeps it."""

from __future__ import annotations

import pytest

from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.spec import SpecError, load_job
from tests.compiler.jobs import MINIMAL, make_job, run_compiler, with_lines


def findings(tmp_path, text, files=None):
    """(errors, warnings) as 'line:col: message' strings."""
    job = make_job(tmp_path, text, files)
    try:
        _, found = load_job(job)
    except SpecError as error:
        found = error.diagnostics
    show = lambda d: f"{d.line}:{d.col}: {d.message}"  # noqa: E731
    return [show(d) for d in found if d.severity == "error"], [show(d) for d in found if d.severity == "warning"]


def test_minimal_job_has_no_findings(tmp_path):
    assert findings(tmp_path, MINIMAL) == ([], [])


def test_spot_needs_max_wait(tmp_path):
    errors, _ = findings(tmp_path, with_lines("spot: true"))
    assert errors == ["11:7: spot training needs limits.max_wait (at least limits.max_runtime)"]


def test_spot_max_wait_below_max_runtime(tmp_path):
    errors, _ = findings(tmp_path, with_lines("spot: true", "limits: {max_runtime: 2h, max_wait: 90m}"))
    assert errors == ["12:37: max_wait (1h30m) must be at least max_runtime (2h) with spot training"]


def test_spot_with_enough_max_wait(tmp_path):
    assert findings(tmp_path, with_lines("spot: true", "limits: {max_runtime: 2h, max_wait: 2h}")) == ([], [])


def test_max_wait_without_spot_is_a_warning(tmp_path):
    assert findings(tmp_path, with_lines("limits: {max_wait: 3h}")) == ([], ["11:20: max_wait applies only with spot: true"])


def test_cuda_only_with_cuda_base(tmp_path):
    errors, _ = findings(tmp_path, MINIMAL.replace("  repository: demo/train", "  repository: demo/train\n  cuda: '12.4.1'"))
    assert errors == ["8:3: cuda is set but image.base is cpu; set base: cuda or remove cuda"]


def test_cuda_base_takes_major_minor_python(tmp_path):
    text = MINIMAL.replace("  repository: demo/train", "  repository: demo/train\n  base: cuda\n  python: '3.11.9'")
    errors, warnings = findings(tmp_path, with_lines_of(text, "resources: {instance_type: ml.g5.xlarge}"))
    assert len(errors) == 1 and errors[0].startswith("9:11: with base: cuda, python is major.minor")
    assert warnings == []  # a cuda image on a GPU instance is what it is for


def with_lines_of(text, *lines):
    return text + "".join(line + "\n" for line in lines)


def test_gpu_base_on_cpu_instance_is_a_warning(tmp_path):
    text = MINIMAL.replace("  repository: demo/train", "  repository: demo/train\n  base: cuda")
    errors, warnings = findings(tmp_path, with_lines_of(text, "resources: {instance_type: ml.c5.xlarge}"))
    assert errors == []
    assert warnings == ["12:28: ml.c5.xlarge has no GPU, but image.base is cuda: the image is larger than needed"]


@pytest.mark.parametrize("instance", ["ml.p4d.24xlarge", "ml.p3.2xlarge", "ml.g5.xlarge", "ml.g4dn.xlarge", "ml.g6e.2xlarge"])
def test_cpu_base_on_gpu_instance_is_a_warning(tmp_path, instance):
    _, warnings = findings(tmp_path, with_lines(f"resources: {{instance_type: {instance}}}"))
    assert warnings == [f"11:28: {instance} has GPUs, but image.base is cpu: the job cannot use them"]
    cuda = MINIMAL.replace("  repository: demo/train", "  repository: demo/train\n  base: cuda")
    assert findings(tmp_path, with_lines_of(cuda, f"resources: {{instance_type: {instance}}}")) == ([], [])


@pytest.mark.parametrize("instance", ["ml.m5.xlarge", "ml.c5.2xlarge", "ml.trn1.2xlarge", "ml.r5.large"])
def test_cpu_base_on_an_instance_without_nvidia_gpus_is_fine(tmp_path, instance):
    assert findings(tmp_path, with_lines(f"resources: {{instance_type: {instance}}}")) == ([], [])


def test_entry_point_must_exist(tmp_path):
    errors, _ = findings(tmp_path, MINIMAL.replace("entry_point: train.py", "entry_point: fit.py"))
    assert errors == [f"8:14: entry point {tmp_path / 'code' / 'fit.py'} does not exist"]


def test_entry_point_must_stay_inside_source_dir(tmp_path):
    errors, _ = findings(tmp_path, MINIMAL.replace("entry_point: train.py", "entry_point: ../job.yaml"))
    assert errors == ["8:14: entry_point '../job.yaml': the entry point must be a path inside source_dir, without '.' or '..' segments"]


def test_source_dir_must_exist(tmp_path):
    errors, _ = findings(tmp_path, with_lines("source_dir: src"))
    assert errors == [f"11:13: source directory {tmp_path / 'src'} does not exist"]


def test_requirements_must_exist(tmp_path):
    text = MINIMAL.replace("  repository: demo/train", "  repository: demo/train\n  requirements: reqs.txt")
    errors, _ = findings(tmp_path, text)
    assert errors == [f"8:17: requirements file {tmp_path / 'reqs.txt'} does not exist"]
    assert findings(tmp_path, text, {"reqs.txt": "numpy==2.1.3\n"}) == ([], [])


def test_encoded_hyperparameter_at_most_2500_characters(tmp_path):
    fits = "x" * 2498  # 2500 once quoted
    assert findings(tmp_path, with_lines("hyperparameters:", f"  text: {fits}")) == ([], [])
    errors, _ = findings(tmp_path, with_lines("hyperparameters:", f"  text: {fits}y"))
    assert errors == ["12:9: hyperparameter 'text' is 2501 characters once JSON-encoded; SageMaker allows 2500"]


def test_at_most_100_hyperparameters(tmp_path):
    lines = [f"  k{i}: {i}" for i in range(101)]
    errors, _ = findings(tmp_path, with_lines("hyperparameters:", *lines))
    assert errors == ["12:3: hyperparameters: 101 entries; at most 100 allowed"]


def test_at_most_20_channels(tmp_path):
    lines = [f"  c{i}: s3://bucket/c{i}/" for i in range(21)]
    errors, _ = findings(tmp_path, with_lines("inputs:", *lines))
    assert errors == ["12:3: inputs: 21 entries; at most 20 allowed"]


def test_metric_regex_must_compile(tmp_path):
    errors, _ = findings(tmp_path, with_lines("metrics: [{name: loss, regex: 'loss: ([0-9.]+'}]"))
    assert len(errors) == 1 and errors[0].startswith("11:31: regex of metric 'loss' does not compile")


def test_metric_regex_needs_a_group(tmp_path):
    errors, _ = findings(tmp_path, with_lines("metrics: [{name: loss, regex: 'loss: [0-9.]+'}]"))
    assert errors == ["11:31: regex of metric 'loss' needs a capturing group around the value, e.g. 'loss: ([0-9.]+)'"]


def test_metric_names_unique(tmp_path):
    errors, _ = findings(tmp_path, with_lines("metrics: [{name: a, regex: 'a=(.)'}, {name: a, regex: 'b=(.)'}]"))
    assert errors == ["11:45: metric 'a' is defined twice"]


def test_vpc_needs_subnets_and_security_groups(tmp_path):
    errors, _ = findings(tmp_path, with_lines("network: {subnets: [subnet-0abc]}"))
    assert errors == ["11:10: a VPC needs both subnets and security_groups; security_groups is empty"]


def test_local_channel_path_stays_inside_the_job(tmp_path):
    errors, _ = findings(tmp_path, with_lines("inputs:", "  train: {s3: 's3://bucket/t/', local: ../elsewhere}"))
    assert errors == ["12:40: local must stay inside the job's directory, or be an absolute path"]


def test_request_rules_report_at_the_job_yaml_line(tmp_path):
    """API limits the schema leaves to the request checker still point into job.yaml."""
    errors, _ = findings(tmp_path, with_lines("limits: {max_runtime: 29d}"))
    assert errors == []  # load_job alone does not see the request ...
    from sagemaker_byoc.compiler.pipeline import compile_job  # ... the pipeline does

    with pytest.raises(SpecError) as raised:
        compile_job(tmp_path / "job.yaml")
    (error,) = raised.value.errors
    assert (error.line, error.col, error.pointer) == (11, 23, "/limits/max_runtime")


def test_a_nul_in_a_hyperparameter_is_refused_at_its_line(tmp_path):
    """train refuses a NUL anywhere in the hyperparameters; the compiler says so first."""
    job = make_job(tmp_path, with_lines(
        'hyperparameters: {plain: "a\\0b", nested: {"k\\0": 1}, fine: "a\\\\0b"}',
        "metrics: [{name: 'val:loss', regex: 'loss=([0-9.]+)'}]",
        'tuning: {objective: {metric: "val:loss", type: Minimize}, max_jobs: 2, ranges: {opt: {values: [sgd, "ad\\0am"]}}}',
    ))
    with pytest.raises(SpecError) as caught:
        compile_job(job)
    found = [(d.pointer, d.message) for d in caught.value.errors]
    assert [pointer for pointer, _ in found] == ["/hyperparameters/plain", "/hyperparameters/nested", "/tuning/ranges/opt/values/1"]
    assert all("NUL character (U+0000)" in message and "train would refuse" in message for _, message in found)


def test_messages_for_the_mistakes_of_a_first_week(tmp_path):
    """m5.large without ml., a role's name without its ARN, a Python out of range, ${VAR} in
    an environment value (never expanded), a metric regex with a second group."""
    job = make_job(tmp_path, MINIMAL.replace("role: arn:aws:iam::123456789012:role/SageMakerRole", "role: SageMakerTrainingRole")
                   .replace("image:\n", 'image:\n  python: "3.14"\n') + "\n".join([
                       "resources: {instance_type: m5.large}",
                       "environment: {PATH: '/opt/ml/code:${PATH}', HOME_DIR: '$HOME/x', PRICE: 'costs $5'}",
                       "metrics: [{name: loss, regex: 'loss=([0-9.]+) (epoch)'}]",
                   ]) + "\n")
    with pytest.raises(SpecError) as caught:
        load_job(job)
    messages = {d.pointer: d.message for d in caught.value.diagnostics}
    assert messages["/resources/instance_type"].endswith("did you mean 'ml.m5.large'? (SageMaker's names start with ml.)")
    assert "write its ARN, arn:aws:iam::<account>:role/SageMakerTrainingRole" in messages["/role"]
    assert messages["/image/python"] == "python: '3.14' is not valid: expected a Python from 3.9 to 3.13, major.minor (3.11) or major.minor.patch (3.11.10)"
    assert messages["/environment/PATH"].startswith("PATH: ${PATH} is not expanded")
    assert messages["/environment/HOME_DIR"].startswith("HOME_DIR: $HOME is not expanded")
    assert "/environment/PRICE" not in messages
    assert "has 2 capturing groups" in messages["/metrics/0/regex"]
    severities = {d.pointer: d.severity for d in caught.value.diagnostics}
    assert severities["/environment/PATH"] == severities["/metrics/0/regex"] == "warning"


def test_a_jobs_folder_stands_for_its_job_yaml(tmp_path):
    job = make_job(tmp_path)
    assert run_compiler("validate", tmp_path).stdout == f"{job}: valid\n"


@pytest.mark.parametrize("requirements", ["code/requirements.txt", "./code/requirements.txt", "link.txt"])
def test_source_dirs_requirements_named_again_are_installed_once(tmp_path, requirements):
    job = make_job(tmp_path, MINIMAL.replace("  repository: demo/train", f"  repository: demo/train\n  requirements: {requirements}"),
                   files={"code/requirements.txt": "numpy==2.1.3\n"})  # fmt: skip
    (tmp_path / "link.txt").symlink_to("code/requirements.txt")
    result = run_compiler("compile", job)
    assert result.returncode == 0, result.stderr
    assert "warning: " in result.stderr and "installs anyway: remove image.requirements" in result.stderr
    dockerfile = (tmp_path / "generated" / "Dockerfile").read_text()
    assert dockerfile.count("pip install") == 1 and "-r /tmp/requirements/job.txt" in dockerfile


def test_two_requirements_files_are_both_installed(tmp_path):
    job = make_job(tmp_path, MINIMAL.replace("  repository: demo/train", "  repository: demo/train\n  requirements: reqs.txt"),
                   files={"code/requirements.txt": "numpy==2.1.3\n", "reqs.txt": "pandas==2.2.3\n"})  # fmt: skip
    result = run_compiler("compile", job)
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
    dockerfile = (tmp_path / "generated" / "Dockerfile").read_text()
    assert "-r /tmp/requirements/job.txt" in dockerfile and "-r /tmp/requirements/code.txt" in dockerfile
