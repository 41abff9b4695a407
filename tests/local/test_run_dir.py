"""Where a local run writes: a new directory under the job's .local/ and nowhere else, unless
a workdir is given."""

from __future__ import annotations

import os
from pathlib import Path

from sagemaker_byoc.local import LocalOptions

from .jobs import run_cli, run_in_process, write_job


def _snapshot(directory: Path) -> dict[str, bytes]:
    """Every file outside .local/, with its content."""
    found = {}
    for root, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if d != ".local"]
        for name in names:
            path = Path(root) / name
            found[path.relative_to(directory).as_posix()] = path.read_bytes()
    return found


def _run_dir_from(output: str) -> Path:
    line = next(line for line in output.splitlines() if line.startswith("run directory: "))
    return Path(line.removeprefix("run directory: "))


def test_default_run_directory_is_a_new_one_under_the_jobs_local_dir(tmp_path: Path):
    job = write_job(tmp_path / "job")
    before = _snapshot(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    first = run_cli("run-local", str(job), cwd=elsewhere)
    second = run_cli("run-local", str(job), cwd=elsewhere)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    local = (tmp_path / "job" / ".local").resolve()
    runs = [(elsewhere / _run_dir_from(r.stdout)).resolve() for r in (first, second)]
    assert runs[0] != runs[1]
    for run in runs:
        assert run.parent == local
        assert (run / "input" / "config" / "hyperparameters.json").is_file()
        assert (run / "output" / "success").is_file()
    assert _snapshot(tmp_path) == before, "nothing outside .local/ changed"
    assert sorted(p.name for p in elsewhere.iterdir()) == []


def test_job_file_given_through_a_symlinked_directory_still_runs_under_its_local_dir(tmp_path: Path):
    job = write_job(tmp_path / "real")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    status, output = run_in_process(LocalOptions(tmp_path / "link" / "job.yaml"))
    assert status == 0, output
    assert _run_dir_from(output).resolve().parent == (tmp_path / "real" / ".local").resolve()
    assert job.is_file()


def test_workdir_is_used_exactly_and_must_be_empty(tmp_path: Path):
    job = write_job(tmp_path / "job")
    workdir = tmp_path / "chosen" / "run"
    result = run_cli("run-local", str(job), "--workdir", str(workdir))
    assert result.returncode == 0, result.stderr
    assert (workdir / "output" / "success").is_file()
    assert not (tmp_path / "job" / ".local").exists()

    again = run_cli("run-local", str(job), "--workdir", str(workdir))
    assert again.returncode == 2
    assert again.stderr.strip() == f"error: workdir {workdir} is not empty; give a new or empty directory"


def test_workdir_that_is_a_file_is_a_clear_error(tmp_path: Path):
    job = write_job(tmp_path / "job")
    target = tmp_path / "file"
    target.write_text("keep me")
    result = run_cli("run-local", str(job), "--workdir", str(target))
    assert result.returncode == 2
    assert "is not a directory" in result.stderr
    assert target.read_text() == "keep me"


def test_link_data_symlinks_channels_instead_of_copying(tmp_path: Path):
    job = write_job(tmp_path / "job")
    status, output = run_in_process(LocalOptions(job, workdir=tmp_path / "run", link_data=True))
    assert status == 0, output
    channel = tmp_path / "run" / "input" / "data" / "train"
    assert channel.is_symlink()
    assert channel.resolve() == (tmp_path / "job" / "data" / "train").resolve()
    copied = tmp_path / "copied"
    status, output = run_in_process(LocalOptions(job, workdir=copied))
    assert not (copied / "input" / "data" / "train").is_symlink()
    assert (copied / "input" / "data" / "train" / "part-0.csv").read_text() == "x,y\n1,2\n"


def test_a_job_whose_code_and_data_are_its_own_directory_does_not_copy_earlier_runs(tmp_path: Path):
    from .jobs import DUMP_SCRIPT, job_document

    directory = tmp_path / "job"
    document = job_document(source_dir=".", inputs={"train": {"s3": "s3://example-bucket/t/", "local": "."}})
    write_job(directory, document)
    (directory / "train.py").write_text(DUMP_SCRIPT)
    job = directory / "job.yaml"
    for _ in range(2):
        status, output = run_in_process(LocalOptions(job))
        assert status == 0, output
    latest = _run_dir_from(output)
    names = {p.name for p in (latest / "code").iterdir()}
    assert ".local" not in names and {"job.yaml", "train.py"} <= names
    assert not (latest / "input" / "data" / "train" / ".local").exists()
    assert (latest / "input" / "data" / "train" / "job.yaml").is_file()


# Changes its channel as a script may in SageMaker's File mode, where the channel is a private
# copy: rewrites one file, removes another, adds a third.
CHANGES_ITS_CHANNEL = """\
import os
channel = os.environ["SM_CHANNEL_TRAIN"]
with open(os.path.join(channel, "part-0.csv"), "w") as f:
    f.write("rewritten\\n")
os.remove(os.path.join(channel, "big.bin"))
open(os.path.join(channel, "added.txt"), "w").close()
"""


def test_a_large_channel_is_still_a_private_copy_and_the_run_says_what_it_cost(tmp_path: Path, monkeypatch):
    """Large or not, a channel is copied: the script may change it, as in SageMaker, and the
    user's data stays as it was. Above the threshold the run says how much it copied and how
    to copy less."""
    from sagemaker_byoc.local import session

    from .jobs import job_document

    monkeypatch.setattr(session, "LARGE_CHANNEL_DATA_BYTES", 3000)
    job = write_job(tmp_path / "job", job_document(), CHANGES_ITS_CHANNEL, data={"data/train/big.bin": "x" * 4000})
    source = tmp_path / "job" / "data" / "train"
    before = _snapshot(source)
    status, output = run_in_process(LocalOptions(job))
    assert status == 0, output
    assert _snapshot(source) == before, "the user's data is untouched"
    run = _run_dir_from(output) / "input" / "data" / "train"
    assert sorted(p.name for p in run.iterdir()) == ["added.txt", "part-0.csv"]
    assert (
        "note: this run copied 3.9 KiB of channel data (train 3.9 KiB): each run gets a private copy, which the script "
        "may change, as in SageMaker's File mode. --link-data links your files instead (a script that writes to its "
        "channel then changes them); --keep N keeps fewer earlier runs (now 10)"
    ) in output


def test_no_copy_note_below_the_threshold_with_link_data_or_a_workdir(tmp_path: Path, monkeypatch):
    from sagemaker_byoc.local import session

    from .jobs import job_document

    monkeypatch.setattr(session, "LARGE_CHANNEL_DATA_BYTES", 3000)
    small = write_job(tmp_path / "small")
    assert "channel data" not in run_in_process(LocalOptions(small))[1]
    large = write_job(tmp_path / "large", job_document(), data={"data/train/big.bin": "x" * 4000})
    assert "channel data" not in run_in_process(LocalOptions(large, link_data=True))[1]
    status, output = run_in_process(LocalOptions(large, workdir=tmp_path / "run"))
    assert status == 0
    assert "note: this run copied 3.9 KiB of channel data (train 3.9 KiB)" in output and "--keep" not in output
