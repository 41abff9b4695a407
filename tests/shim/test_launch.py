"""How the shim gets the code in place and starts the entry point.

Entry-point kinds, SM_PYTHON, setup.py packages, submit directories (local directory, tarball,
tarball in an input channel, unsafe tarballs, s3:// without the aws CLI), the requirements.txt
rule, entry-point validation, the DNS wait and GPU detection.

pip is never really run: SM_PYTHON points at a stand-in interpreter that records its
arguments, answers `-m pip ...` itself and hands everything else to the real Python.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tools import require_tool

from . import harness
from .conftest import require_awk, require_shell
from .harness import Job, Outcome, Tree

# Records each call (one JSON line), fakes pip, runs the rest with the real interpreter.
STAND_IN_PYTHON = """#!/bin/sh
{python} -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@" >>{log}
if [ "$1" = -m ] && [ "$2" = pip ]; then
    exit {pip_status}
fi
exec {python} "$@"
"""

# An entry point that records who started it: its parent's command line shows whether a
# shell sat in between.
PARENT_PROGRAM = """#!{python}
import json, os, sys
with open("/proc/%d/cmdline" % os.getppid(), "rb") as f:
    parent = [a.decode() for a in f.read().split(b"\\0")[:-1]]
with open({dump!r}, "w") as f:
    json.dump({{"argv": sys.argv, "parent": parent, "cwd": os.getcwd()}}, f)
"""


def run(job: Job, tmp_path: Path, prepare=None) -> tuple[Outcome, Tree]:  # type: ignore[no-untyped-def]
    """harness.run_shim, with a hook to change the tree before the run."""
    tree = harness.build(job, tmp_path / "job")
    if prepare is not None:
        prepare(tree)
    env = harness.environment(tree, job, harness.DEFAULT_AWK)
    completed = subprocess.run(
        harness.shim_command(harness.DEFAULT_SHELL), env=env, cwd=tree.root, stdin=subprocess.DEVNULL,
        capture_output=True, timeout=harness.RUN_TIMEOUT_S, check=False,
    )
    return harness._outcome(tree, completed), tree


def stand_in_python(tmp_path: Path, pip_status: int = 0) -> tuple[Path, Path]:
    log = tmp_path / "python-calls.jsonl"
    script = tmp_path / "stand-in-python"
    script.write_text(STAND_IN_PYTHON.format(python=harness._python(), log=log, pip_status=pip_status))
    script.chmod(0o755)
    return script, log


def calls(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


# ------------------------------------------------------------------------------- entry points


def test_a_py_entry_point_runs_with_python3_from_path(tmp_path: Path) -> None:
    outcome, tree = run(Job(hyperparameters={"epochs": "2"}), tmp_path)
    assert outcome.exit_code == 0, outcome.describe()
    assert outcome.cmdline is not None
    assert Path(outcome.cmdline[0]).name.startswith("python3")
    assert outcome.cmdline[1:] == ["--", "train.py", "--epochs", "2"]
    assert outcome.cwd == str(tree.base / "code")


@pytest.mark.parametrize("through", ["file-link", "directory-link"])
def test_the_entry_point_is_never_made_executable_through_a_link_out_of_the_code_dir(through: str, tmp_path: Path) -> None:
    """chmod follows links: an entry point (or a directory above it) that leads out of the code
    directory would make a file that is not the job's world-writable."""
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "run.sh"
    victim.write_text("#!/bin/sh\nexit 0\n")
    victim.chmod(0o644)

    def link_out(tree: Tree) -> None:
        code = tree.base / "code"
        if through == "file-link":
            (code / "run.sh").unlink(missing_ok=True)
            (code / "run.sh").symlink_to(victim)
        else:
            shutil.rmtree(code / "sub", ignore_errors=True)
            (code / "sub").symlink_to(outside, target_is_directory=True)

    outcome, _ = run(Job(program="run.sh" if through == "file-link" else "sub/run.sh"), tmp_path, link_out)
    assert victim.stat().st_mode & 0o777 == 0o644, outcome.describe()
    assert outcome.exit_code == 126, "not executable, and not made so"


def test_an_entry_point_inside_the_code_dir_is_made_executable(tmp_path: Path) -> None:
    def plain(tree: Tree) -> None:
        (tree.base / "code" / "sub").mkdir(exist_ok=True)
        entry = tree.base / "code" / "sub" / "run.sh"
        entry.write_text("#!/bin/sh\nexit 0\n")
        entry.chmod(0o644)

    outcome, tree = run(Job(program="sub/run.sh"), tmp_path, plain)
    assert outcome.exit_code == 0, outcome.describe()
    assert (tree.base / "code" / "sub" / "run.sh").stat().st_mode & 0o777 == 0o777


def test_sm_python_chooses_the_interpreter(tmp_path: Path) -> None:
    python, log = stand_in_python(tmp_path)
    outcome, _ = run(Job(hyperparameters={"x": "1"}, env={"SM_PYTHON": str(python)}), tmp_path)
    assert outcome.exit_code == 0, outcome.describe()
    assert calls(log) == [["--", "train.py", "-x", "1"]]


def test_other_entry_points_run_directly_without_a_shell(tmp_path: Path) -> None:
    dump = tmp_path / "parent.json"

    def write_program(tree: Tree) -> None:
        entry = tree.base / "code" / "run.sh"
        entry.write_text(PARENT_PROGRAM.format(python=harness._python(), dump=str(dump)))
        entry.chmod(0o644)  # the shim makes it executable, as the toolkit does

    job = Job(program="run.sh", hyperparameters={"msg": "it's a \"test\" $HOME;ls", "n": "2"})
    outcome, tree = run(job, tmp_path, write_program)
    assert outcome.exit_code == 0, outcome.describe()
    record = json.loads(dump.read_text())
    assert record["argv"] == ["./run.sh", "--msg", "it's a \"test\" $HOME;ls", "-n", "2"]
    # The parent is the shim itself (its shell running shim/train), not `sh -c`.
    assert str(harness.SHIM) in record["parent"], record["parent"]
    assert "-c" not in record["parent"]
    assert record["cwd"] == str(tree.base / "code")


def test_a_code_dir_with_setup_py_is_pip_installed_and_run_as_a_module(tmp_path: Path) -> None:
    python, log = stand_in_python(tmp_path)

    def add_setup(tree: Tree) -> None:
        (tree.base / "code" / "setup.py").write_text("from setuptools import setup\nsetup(name='x')\n")

    outcome, _ = run(Job(hyperparameters={"lr": "0.1"}, env={"SM_PYTHON": str(python)}), tmp_path, add_setup)
    assert outcome.exit_code == 0, outcome.describe()
    assert calls(log) == [["-m", "pip", "install", "."], ["-m", "train", "--lr", "0.1"]]


@pytest.mark.parametrize(("baked", "expected"), [(None, ["-m", "pip", "install", ".", "-r", "requirements.txt"]), ("1", ["-m", "pip", "install", "."])])
def test_a_setup_py_package_installs_its_requirements_in_the_same_pip_call(
    baked: str | None, expected: list[str], tmp_path: Path
) -> None:
    # The toolkit's modules.install: `pip install . -r requirements.txt` when both files exist.
    python, log = stand_in_python(tmp_path)

    def add_both(tree: Tree) -> None:
        (tree.base / "code" / "setup.py").write_text("from setuptools import setup\nsetup(name='x')\n")
        (tree.base / "code" / "requirements.txt").write_text("numpy\n")

    env = {"SM_PYTHON": str(python)} | ({"TRAIN_BAKED_CODE": baked} if baked else {})
    outcome, _ = run(Job(env=env), tmp_path, add_both)
    assert outcome.exit_code == 0, outcome.describe()
    assert calls(log) == [expected, ["-m", "train"]]


def test_a_failing_pip_install_fails_the_job_before_launch(tmp_path: Path) -> None:
    python, log = stand_in_python(tmp_path, pip_status=3)

    def add_requirements(tree: Tree) -> None:
        (tree.base / "code" / "requirements.txt").write_text("nothing-to-install\n")

    outcome, _ = run(Job(env={"SM_PYTHON": str(python)}), tmp_path, add_requirements)
    assert outcome.exit_code == 1
    assert not outcome.launched
    assert outcome.failure is not None and "InstallRequirementsError" in outcome.failure
    assert "ExitCode 3" in outcome.failure


@pytest.mark.parametrize(
    ("baked", "from_submit_dir", "installs"),
    [
        pytest.param(None, False, True, id="not-baked"),
        pytest.param("1", False, False, id="baked"),
        pytest.param("1", True, True, id="baked-but-submitted"),
        pytest.param("0", False, True, id="baked-flag-off"),
    ],
)
def test_requirements_are_installed_only_when_not_baked_into_the_image(
    baked: str | None, from_submit_dir: bool, installs: bool, tmp_path: Path
) -> None:
    python, log = stand_in_python(tmp_path)
    source = tmp_path / "source"
    source.mkdir()
    (source / "requirements.txt").write_text("numpy\n")
    shutil.copy(Path(__file__), source / "unused.py")
    env = {"SM_PYTHON": str(python)}
    if baked is not None:
        env["TRAIN_BAKED_CODE"] = baked
    hyperparameters = {"sagemaker_submit_directory": json.dumps(str(source))} if from_submit_dir else {}

    def add_requirements(tree: Tree) -> None:
        (tree.base / "code" / "requirements.txt").write_text("numpy\n")

    outcome, _ = run(Job(hyperparameters=hyperparameters, env=env), tmp_path, add_requirements)
    assert outcome.exit_code == 0, outcome.describe()
    pip_calls = [call for call in calls(log) if call[:2] == ["-m", "pip"]]
    assert pip_calls == ([["-m", "pip", "install", "-r", "requirements.txt"]] if installs else [])


# ------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("program", "words"),
    [
        ("../x.py", "contains '.' or '..' path segments"),
        ("a/./b.py", "contains '.' or '..' path segments"),
        ("-x.py", "a leading '-', which is read as a command-line option"),
        ("/abs.py", "a leading '/', which makes it an absolute path"),
        ("a b.py", "the character(s) ' '"),
        ("x;rm.py", "the character(s) ';'"),
    ],
)
def test_entry_point_names_are_validated_as_the_toolkit_5_1_4_does(program: str, words: str, tmp_path: Path) -> None:
    outcome, _ = run(Job(program=None, env={"SAGEMAKER_PROGRAM": program}), tmp_path)
    assert outcome.exit_code == 1
    assert not outcome.launched
    assert outcome.failure is not None and words in outcome.failure
    assert f"The training entry point '{program}' cannot be used" in outcome.failure


def test_no_entry_point_at_all_is_a_clear_error(tmp_path: Path) -> None:
    outcome, _ = run(Job(program=None), tmp_path)
    assert outcome.exit_code == 1
    assert outcome.failure is not None and outcome.failure.startswith("The training entry point name is empty.")


# ------------------------------------------------------------------------------- submit directory


def _source_files(directory: Path) -> None:
    directory.mkdir(parents=True)
    (directory / "train.py").write_text(harness.DUMP_PROGRAM.format(dump_path=str(directory.parent / "dump.json"), exit_code=0))
    (directory / "lib").mkdir()
    (directory / "lib" / "helper.txt").write_text("helper")


def _submitted_job(uri: str) -> Job:
    return Job(program=None, hyperparameters={"sagemaker_program": "train.py", "sagemaker_submit_directory": uri})


def _check_submitted(outcome: Outcome, tree: Tree) -> None:
    assert outcome.exit_code == 0, outcome.describe()
    assert (tree.base / "code" / "lib" / "helper.txt").read_text() == "helper"


def test_code_from_a_local_directory(tmp_path: Path) -> None:
    source = tmp_path / "src" / "code"
    _source_files(source)
    outcome, tree = run(_submitted_job(str(source)), tmp_path)
    _check_submitted(outcome, tree)
    assert json.loads((tmp_path / "src" / "dump.json").read_text())["env"]["SM_MODULE_DIR"] == str(source)


def _tarball(path: Path, source: Path) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for item in sorted(source.rglob("*")):
            tar.add(item, arcname=str(item.relative_to(source)), recursive=False)


def test_code_from_a_tarball(tmp_path: Path) -> None:
    source = tmp_path / "src" / "code"
    _source_files(source)
    tarball = tmp_path / "sourcedir.tar.gz"
    _tarball(tarball, source)
    outcome, tree = run(_submitted_job(str(tarball)), tmp_path)
    _check_submitted(outcome, tree)


def test_code_from_a_tarball_delivered_in_an_input_channel(tmp_path: Path) -> None:
    source = tmp_path / "src" / "code"
    _source_files(source)
    job = _submitted_job("")
    job.inputdataconfig = {"code": {"TrainingInputMode": "File"}}
    tree = harness.build(job, tmp_path / "job")
    # The channel's path is known once the tree exists: deliver the tarball, then name it.
    delivered = tree.base / "input" / "data" / "code" / "sourcedir.tar.gz"
    _tarball(delivered, source)
    hyperparameters = dict(job.hyperparameters, sagemaker_submit_directory=json.dumps(str(delivered)))
    (tree.base / "input" / "config" / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    env = harness.environment(tree, job, harness.DEFAULT_AWK)
    completed = subprocess.run(harness.shim_command(harness.DEFAULT_SHELL), env=env, cwd=tree.root,
                               capture_output=True, timeout=harness.RUN_TIMEOUT_S, check=False)
    _check_submitted(harness._outcome(tree, completed), tree)


def _hostile_tarball(path: Path, kind: str) -> None:
    with tarfile.open(path, "w:gz") as tar:
        data = b"print('ok')\n"
        info = tarfile.TarInfo("train.py")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        if kind == "parent":
            info = tarfile.TarInfo("../escaped.txt")
        elif kind == "absolute":
            info = tarfile.TarInfo("/tmp/escaped-absolute.txt")
        elif kind == "nested-parent":
            info = tarfile.TarInfo("lib/../../escaped.txt")
        else:
            info = tarfile.TarInfo("link")
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc" if kind == "absolute-link" else "../../outside"
            tar.addfile(info)
            return
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))


@pytest.mark.parametrize("kind", ["parent", "absolute", "nested-parent", "absolute-link", "relative-link"])
def test_tar_members_that_escape_the_code_dir_are_refused(kind: str, tmp_path: Path) -> None:
    tarball = tmp_path / "evil.tar.gz"
    _hostile_tarball(tarball, kind)
    outcome, tree = run(_submitted_job(str(tarball)), tmp_path)
    assert outcome.exit_code == 1
    assert not outcome.launched
    assert outcome.failure is not None and "refusing" in outcome.failure
    assert not (tree.base / "escaped.txt").exists()
    assert not (tree.base / "code" / "train.py").exists(), "nothing is extracted from a refused tarball"


def _tarball_with(path: Path, *members: tuple[str, str, str]) -> None:
    """train.py, then members (name, kind, link target or content): kind is file, symlink or hardlink."""
    with tarfile.open(path, "w:gz") as tar:
        entry = b"print('ok')\n"
        info = tarfile.TarInfo("train.py")
        info.size = len(entry)
        tar.addfile(info, io.BytesIO(entry))
        for name, kind, text in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(text.encode())
                tar.addfile(info, io.BytesIO(text.encode()))
                continue
            info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
            info.linkname = text
            tar.addfile(info)


@pytest.mark.parametrize(
    "member",
    [("a -> b", "symlink", "/etc"), ("a -> b", "symlink", "x -> ../../outside"), ("h", "hardlink", "../outside"),
     ("lib -> x", "hardlink", "/etc/passwd")],
    ids=["arrow-in-name-absolute", "arrow-in-name-and-target", "hardlink-parent", "hardlink-absolute"],
)
def test_links_are_judged_by_their_real_type_and_target_not_by_the_listing(member: tuple[str, str, str], tmp_path: Path) -> None:
    """A name holding " -> " used to move the split point of `tar -tv` and hide the target."""
    tarball = tmp_path / "evil.tar.gz"
    _tarball_with(tarball, member)
    outcome, tree = run(_submitted_job(str(tarball)), tmp_path)
    assert outcome.exit_code == 1
    assert not outcome.launched
    assert outcome.failure is not None and "refusing" in outcome.failure and "outside the code directory" in outcome.failure
    assert not (tree.base / "code" / "train.py").exists(), "nothing is extracted from a refused tarball"


def test_a_file_whose_name_holds_an_arrow_is_an_ordinary_file(tmp_path: Path) -> None:
    tarball = tmp_path / "fine.tar.gz"
    _tarball_with(tarball, ("notes -> etc", "file", "just a file"), ("lib/helper.txt", "file", "helper"))
    outcome, tree = run(_submitted_job(str(tarball)), tmp_path)
    assert outcome.exit_code == 0, outcome.describe()
    assert (tree.base / "code" / "notes -> etc").read_text() == "just a file"


def _without_python(job: Job) -> Job:
    job.env["SM_PYTHON"] = "/nonexistent/python3"
    return job


def test_without_python_a_tarball_with_any_link_is_refused(tmp_path: Path) -> None:
    tarball = tmp_path / "linked.tar.gz"
    _tarball_with(tarball, ("inside", "symlink", "train.py"))
    outcome, tree = run(_without_python(_submitted_job(str(tarball))), tmp_path)
    assert outcome.exit_code == 1
    assert outcome.failure is not None and "refusing" in outcome.failure and "without Python" in outcome.failure
    assert not (tree.base / "code" / "train.py").exists()


def test_without_python_a_tarball_of_plain_files_is_extracted(tmp_path: Path) -> None:
    tarball = tmp_path / "plain.tar.gz"
    _tarball_with(tarball, ("lib/helper.txt", "file", "helper"))
    outcome, tree = run(_without_python(_submitted_job(str(tarball))), tmp_path)
    assert (tree.base / "code" / "lib" / "helper.txt").read_text() == "helper", outcome.describe()
    assert outcome.failure is None or "refusing" not in outcome.failure


@pytest.mark.parametrize("entry", [".hidden", "..hidden", "visible", "link-to-nothing"])
def test_an_s3_submit_directory_is_not_downloaded_over_a_code_dir_that_holds_anything(entry: str, tmp_path: Path) -> None:
    """As the toolkit decides with os.listdir: hidden names count, and so does a dangling link."""

    def prepare(tree: Tree) -> None:
        path = tree.base / "code" / entry
        if entry == "link-to-nothing":
            os.symlink(tree.root / "nowhere", path)
        else:
            path.write_text("x")

    outcome, _ = run(_submitted_job("s3://bucket/prefix/sourcedir.tar.gz"), tmp_path, prepare)
    assert "is not empty; not downloading s3://bucket/prefix/sourcedir.tar.gz" in outcome.stderr, outcome.describe()
    assert "aws CLI" not in outcome.stderr and "cannot download" not in outcome.stderr


def test_an_s3_submit_directory_without_the_aws_cli_is_a_clear_error(tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("awk", "mkdir", "mkfifo", "rm", "cat", "tar", "cp", "ls", "dd", "sleep", "env", "tr", "chmod"):
        found = shutil.which(name)
        if found:
            os.symlink(found, tools / name)

    job = _submitted_job("s3://bucket/prefix/sourcedir.tar.gz")
    job.program = None
    tree = harness.build(job, tmp_path / "job")
    env = harness.environment(tree, job, harness.DEFAULT_AWK)
    env["PATH"] = f"{tree.bin_dir}:{harness.awk_dir(harness.DEFAULT_AWK, tree.root)}:{tools}"
    completed = subprocess.run(["/bin/dash", str(harness.SHIM)], env=env, cwd=tree.root, capture_output=True,
                               timeout=harness.RUN_TIMEOUT_S, check=False)
    outcome = harness._outcome(tree, completed)
    assert outcome.exit_code == 1
    assert outcome.failure is not None and "aws CLI" in outcome.failure
    assert "s3://bucket/prefix/sourcedir.tar.gz" in outcome.failure
    assert "aws CLI" in outcome.stderr


# ------------------------------------------------------------------------------- hosts and GPUs

TWO_HOSTS = {"current_host": "algo-1", "hosts": ["algo-1", "algo-2.invalid"]}


def test_the_dns_wait_is_skipped_in_studio_local_mode(tmp_path: Path) -> None:
    outcome, _ = run(Job(resourceconfig=TWO_HOSTS, env={"SM_STUDIO_LOCAL_MODE": "TRUE"}), tmp_path)
    assert outcome.exit_code == 0, outcome.describe()


def test_hosts_that_never_resolve_fail_the_job_after_the_wait(tmp_path: Path) -> None:
    require_tool(shutil.which("getent") is not None or shutil.which("nslookup") is not None, "neither getent nor nslookup installed")
    job = Job(resourceconfig={"current_host": "localhost", "hosts": ["localhost", "algo-2.invalid"]},
              env={"SM_STUDIO_LOCAL_MODE": "false", "TRAIN_DNS_WAIT_SECONDS": "1"})
    outcome, _ = run(job, tmp_path)
    assert outcome.exit_code == 1
    assert not outcome.launched
    assert outcome.failure is not None and "algo-2.invalid did not resolve" in outcome.failure


def test_resolvable_hosts_launch_without_studio_mode(tmp_path: Path) -> None:
    require_tool(shutil.which("getent") is not None or shutil.which("nslookup") is not None, "neither getent nor nslookup installed")
    job = Job(resourceconfig={"current_host": "localhost", "hosts": ["localhost", "127.0.0.1"]},
              env={"SM_STUDIO_LOCAL_MODE": "false", "TRAIN_DNS_WAIT_SECONDS": "5"})
    outcome, _ = run(job, tmp_path)
    assert outcome.exit_code == 0, outcome.describe()


@pytest.mark.parametrize(
    ("script", "gpus"),
    [
        pytest.param(
            "printf 'GPU 0: A100 (UUID: a)\\n  MIG 1g.5gb Device 0: (UUID: b)\\nGPU 1: A100 (UUID: c)\\n'",
            "2",
            id="two-gpus-one-mig",
        ),
        pytest.param("echo 'GPU 0: T4'; exit 9", "0", id="failing"),
        pytest.param("echo 'No devices found'", "0", id="no-devices"),
    ],
)
def test_sm_num_gpus_counts_nvidia_smi_lines(script: str, gpus: str, tmp_path: Path) -> None:
    outcome, _ = run(Job(fake_commands={"nvidia-smi": script}), tmp_path)
    assert outcome.exit_code == 0, outcome.describe()
    assert outcome.env is not None
    assert outcome.env["SM_NUM_GPUS"] == gpus
    assert json.loads(outcome.env["SM_TRAINING_ENV"])["num_gpus"] == int(gpus)


@pytest.mark.parametrize(("inherited", "expected"), [(None, "<code>"), ("", "<code>"), ("/a:/b", "<code>:/a:/b")])
def test_pythonpath_gets_the_code_dir_prepended(inherited: str | None, expected: str, tmp_path: Path) -> None:
    env = {} if inherited is None else {"PYTHONPATH": inherited}
    outcome, tree = run(Job(env=env), tmp_path)
    assert outcome.exit_code == 0, outcome.describe()
    assert outcome.env is not None
    assert outcome.env["PYTHONPATH"] == expected.replace("<code>", str(tree.base / "code"))


@pytest.fixture(scope="module")
def moto_s3(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A moto server on 127.0.0.1 (the one tests/aws uses), stopped after the module."""
    from tests.aws.conftest import MOTO_SERVER, _start_moto, _stop

    present = MOTO_SERVER.exists() and (MOTO_SERVER.parent / "aws").exists()
    require_tool(present, "moto_server or the aws CLI is not installed in .venv (requirements-dev.txt)")
    process, endpoint = _start_moto(tmp_path_factory.mktemp("moto") / "moto_server.log")
    try:
        yield endpoint
    finally:
        _stop(process)


def test_code_from_an_s3_submit_directory_with_the_aws_cli(moto_s3: str, tmp_path: Path) -> None:
    import boto3

    from tests.aws.moto_env import VENV_BIN, isolated_env

    source = tmp_path / "src" / "code"
    _source_files(source)
    tarball = tmp_path / "sourcedir.tar.gz"
    _tarball(tarball, source)
    aws = isolated_env(tmp_path, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                       AWS_DEFAULT_REGION="us-east-1")
    s3 = boto3.client("s3", endpoint_url=moto_s3, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="code-bucket")
    s3.upload_file(str(tarball), "code-bucket", "job/sourcedir.tar.gz")

    job = _submitted_job("s3://code-bucket/job/sourcedir.tar.gz")
    tree = harness.build(job, tmp_path / "job")
    env = harness.environment(tree, job, harness.DEFAULT_AWK)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE",
                 "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED", "NO_PROXY", "no_proxy"):
        env[name] = aws[name]
    env["S3_ENDPOINT_URL"] = moto_s3
    env["PATH"] += f":{VENV_BIN}"
    completed = subprocess.run(harness.shim_command(harness.DEFAULT_SHELL), env=env, cwd=tree.root,
                               capture_output=True, timeout=harness.RUN_TIMEOUT_S, check=False)
    _check_submitted(harness._outcome(tree, completed), tree)


# ------------------------------------------------------------------------------- banner and sizes


def test_the_banner_masks_secret_looking_values(tmp_path: Path) -> None:
    job = Job(hyperparameters={"api_token": "hunter2-secret", "epochs": "3"})
    outcome, _ = run(job, tmp_path)
    assert outcome.exit_code == 0, outcome.describe()
    assert outcome.env is not None and outcome.env["SM_HP_API_TOKEN"] == "hunter2-secret"
    assert "hunter2-secret" not in outcome.stderr
    assert "SM_HP_API_TOKEN=****" in outcome.stderr
    assert "SM_HP_EPOCHS=3" in outcome.stderr
    assert "'--api_token' '****'" in outcome.stderr
    assert "SM_HPS=****" in outcome.stderr
    assert "SM_TRAINING_ENV=****" in outcome.stderr and "SM_USER_ARGS=****" in outcome.stderr


# (hyperparameter name, JSON value, masked?): nested names, shapes anywhere, and ML names.
BANNER_CASES = [
    ("cfg", {"db": {"token": "abcdefgh12"}}, True),
    ("urls", ["https://example.com/x", "git+https://oauth2:hunter2hunter@github.com/o/r"], True),
    ("model", "hf_" + "AbCdEfGhIj" * 3 + "xy", True),
    ("note", "key AKIAIOSFODNN7EXAMPLE here", True),
    ("dsn", "postgres://admin:pw@db/x", True),
    ("hubToken", "abcdefgh12", True),
    ("pad_token", "<pad>", False),
    ("eos_token_id", 2, False),
    ("use_auth_token", True, False),
    ("private_key_path", "/keys/id_rsa", False),
    ("monkey", "banana-bread", False),
    ("password", "", False),
    ("db_password", None, False),
    ("mirror", "https://user:${TOKEN}@example.com/simple", False),
]


@pytest.mark.parametrize(
    "shell, awk",
    [(shell, harness.DEFAULT_AWK) for shell in harness.SHELLS] + [(harness.DEFAULT_SHELL, awk) for awk in harness.AWKS[1:]],
    ids=lambda x: x.name.replace(" ", "_"),
)
def test_the_banner_masks_credentials_by_shape_and_nested_names(shell: harness.Shell, awk: harness.Awk, tmp_path: Path) -> None:
    require_shell(shell)
    require_awk(awk)
    job = Job(hyperparameters={name: json.dumps(value) for name, value, _ in BANNER_CASES})
    outcome = harness.run_shim(job, tmp_path, shell=shell, awk=awk)
    assert outcome.exit_code == 0, outcome.describe()
    for name, value, masked in BANNER_CASES:
        variable = "SM_HP_" + name.upper()
        shown = outcome.env[variable]
        assert (f"  {variable}=****\n" in outcome.stderr) is masked, name
        assert (f"  {variable}={shown}\n" in outcome.stderr) is not masked, name
    assert "SM_HPS=****" in outcome.stderr and "SM_TRAINING_ENV=****" in outcome.stderr
    for secret in ("abcdefgh12", "hunter2hunter", "AKIAIOSFODNN7EXAMPLE", "admin:pw", "AbCdEfGhIj"):
        assert secret not in outcome.stderr


def test_the_banner_shows_the_aggregates_when_nothing_is_secret(tmp_path: Path) -> None:
    job = Job(hyperparameters={name: json.dumps(value) for name, value, masked in BANNER_CASES if not masked})
    outcome, _ = run(job, tmp_path)
    assert outcome.exit_code == 0, outcome.describe()
    assert "****" not in outcome.stderr and "<pad>" in outcome.stderr


def test_the_banner_masks_exactly_what_job_yaml_refuses(tmp_path: Path) -> None:
    """The shim's rules against spec/secrets.py over the corpus of the compiler's tests."""
    from sagemaker_byoc.spec.secrets import findings
    from tests.compiler import test_secrets as corpus

    cases: list[tuple[str, object]] = [("note", value) for value, _ in corpus.SHAPED]
    cases += [("note", value) for value in corpus.test_near_misses_of_each_shape_are_fine.pytestmark[0].args[1]]
    for line in corpus.test_ordinary_names_and_values_that_are_no_credential_are_fine.pytestmark[0].args[1]:
        name, _, text = line.partition(": ")
        if text in ("~", "null"):
            cases.append((name, None))
        else:
            cases.append((name, json.loads(text) if text[:1] in "0123456789tf" else text.strip("'")))
    cases += [(name, "s3cr3t-value") for name in corpus.test_secret_looking_names_are_errors_at_the_value.pytestmark[0].args[1]]
    cases += [("MY_AWS_SK", corpus.AWS_SECRET), ("MY_AWS_SK", corpus.AWS_SECRET.lower())]
    job = Job(hyperparameters={f"case{index}": json.dumps({name: value}) for index, (name, value) in enumerate(cases)})
    for awk in harness.AWKS:
        require_awk(awk)
        outcome = harness.run_shim(job, tmp_path / awk.name.replace(" ", "_"), awk=awk)
        assert outcome.exit_code == 0, outcome.describe()
        for index, (name, value) in enumerate(cases):
            refused = any(True for _ in findings({name: value}))
            assert (f"  SM_HP_CASE{index}=****\n" in outcome.stderr) is refused, (awk.name, name, value)


def _run_with_stack_limit(job: Job, tmp_path: Path, stack_kib: int) -> tuple[Outcome, Tree]:
    """A small stack limit makes execve's total limit (a quarter of it) small."""
    tree = harness.build(job, tmp_path / "job")
    env = harness.environment(tree, job, harness.DEFAULT_AWK)
    argv = ["sh", "-c", f'ulimit -s {stack_kib} && exec "$@"', "sh", *harness.shim_command(harness.DEFAULT_SHELL)]
    completed = subprocess.run(argv, env=env, cwd=tree.root, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=harness.RUN_TIMEOUT_S, check=False)
    return harness._outcome(tree, completed), tree


def test_over_the_total_limit_the_last_variables_are_left_out_and_named(tmp_path: Path) -> None:
    hyperparameters = {f"p{index:02}": chr(ord("a") + index % 26) * 5000 for index in range(40)}
    outcome, _ = _run_with_stack_limit(Job(hyperparameters=hyperparameters), tmp_path, 1024)
    assert outcome.exit_code == 0, outcome.describe()
    assert outcome.argv is not None and outcome.env is not None
    assert outcome.argv[1:] == [item for key in sorted(hyperparameters) for item in (f"--{key}", hyperparameters[key])]
    left_out = [f"SM_HP_{key.upper()}" for key in hyperparameters if f"SM_HP_{key.upper()}" not in outcome.env]
    assert left_out, "the fixture should not fit whole"
    assert "SM_TRAINING_ENV" not in outcome.env and "SM_HPS" not in outcome.env
    # The latest ones go first, and every one left out is named in the banner.
    assert left_out == [f"SM_HP_{key.upper()}" for key in sorted(hyperparameters)][-len(left_out):]
    for name in left_out + ["SM_TRAINING_ENV", "SM_HPS", "SM_USER_ARGS"]:
        assert f"{name}: left out" in outcome.stderr


def test_arguments_that_cannot_fit_at_all_are_a_clear_error(tmp_path: Path) -> None:
    hyperparameters = {f"p{index:02}": "x" * 5000 for index in range(80)}
    outcome, _ = _run_with_stack_limit(Job(hyperparameters=hyperparameters), tmp_path, 1024)
    assert outcome.exit_code == 1
    assert not outcome.launched
    assert outcome.failure is not None and "limit of execve" in outcome.failure


@pytest.mark.parametrize("awk", harness.AWKS, ids=lambda awk: awk.name.replace(" ", "_"))
def test_a_credential_as_deep_as_the_shim_allows_is_masked(awk: harness.Awk, tmp_path: Path) -> None:
    require_awk(awk)
    value: object = {"token": "abcdefghijk"}
    for level in range(99):  # 100 containers in all, the deepest value the shim accepts
        value = [value] if level % 2 else {"k": value}
    outcome = harness.run_shim(Job(hyperparameters={"deep": json.dumps(value)}), tmp_path, awk=awk)
    assert outcome.exit_code == 0, outcome.describe()
    assert "SM_HP_DEEP=****" in outcome.stderr and "abcdefghijk" not in outcome.stderr


_NAME_WORDS = st.sampled_from(["token", "Token", "TOKEN", "key", "Key", "api", "API", "access", "secret", "password", "pwd",
                               "aws", "AWS", "id", "pad", "max", "db", "credentials", "passphrase", "x1", "ssh"])
_SEPARATORS = st.lists(st.sampled_from(["_", "-", ".", ""]), min_size=4, max_size=4)
_NAMES = st.builds(
    lambda words, seps: "".join(w + s for w, s in zip(words, seps)).rstrip("_-."),
    st.lists(_NAME_WORDS, min_size=1, max_size=4),
    _SEPARATORS,
)
_FRAGMENTS = st.sampled_from([
    "AKIA", "ASIA", "ghp_", "gho_", "github_pat_", "glpat-", "xoxb-", "xoxz-", "hf_", "-----BEGIN ", "RSA ",
    "PRIVATE KEY-----", "https://", "git+ssh://", "user", ":", "@", "/", "$", "${", "}", "VAR", " ", "\t", "<", ">", "[",
    "|", "aws_secret_access_key=", "AWS_SECRET=", "\u00a0", "\x1c", "A", "Z9", "a", "0", "_", "-", "é", "arn:", "./", "~/",
])
_VALUES = st.one_of(
    st.builds("".join, st.lists(st.one_of(_FRAGMENTS, st.text("aZ09/+_-", min_size=1, max_size=45)), max_size=8)),
    st.none(), st.booleans(), st.integers(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=st.lists(st.tuples(_NAMES, _VALUES), min_size=1, max_size=30))
def test_the_banner_masks_exactly_what_job_yaml_refuses_for_drawn_names_and_values(cases, tmp_path_factory) -> None:
    from sagemaker_byoc.spec.secrets import findings

    job = Job(hyperparameters={f"case{index}": json.dumps({name: value}) for index, (name, value) in enumerate(cases)})
    outcome = harness.run_shim(job, tmp_path_factory.mktemp("banner"))
    assert outcome.exit_code == 0, outcome.describe()
    for index, (name, value) in enumerate(cases):
        refused = any(True for _ in findings({name: value}))
        assert (f"  SM_HP_CASE{index}=****\n" in outcome.stderr) is refused, (name, value)
