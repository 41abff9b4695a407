"""What run-local leaves behind: .local/ stays out of git and keeps its newest runs only, and
the output shows the job's own lines rather than the shim's environment banner."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from sagemaker_byoc.local import LocalOptions
from sagemaker_byoc.local.layout import KEEP_RUNS, LOCAL_GITIGNORE
from tests.local.jobs import REPO_ROOT, run_cli, run_in_process, write_job
from tests.tools import require_tool


def runs_in(job) -> list[str]:
    return sorted(p.name for p in (job.parent / ".local").iterdir() if p.name[0].isdigit())


def test_the_local_folder_ignores_itself_in_git(tmp_path):
    git = shutil.which("git")
    require_tool(git is not None, "git is not installed")
    job = write_job(tmp_path / "job")
    subprocess.run([git, "init", "-q", str(tmp_path / "job")], check=True)
    status, _ = run_in_process(LocalOptions(job_path=job))
    assert status == 0
    assert (job.parent / ".local" / ".gitignore").read_text() == LOCAL_GITIGNORE
    untracked = subprocess.run([git, "status", "--porcelain", "--untracked-files=all"], cwd=job.parent, capture_output=True, text=True, check=True)
    assert ".local" not in untracked.stdout and "job.yaml" in untracked.stdout


def test_a_gitignore_of_the_users_own_is_left_alone(tmp_path):
    job = write_job(tmp_path / "job")
    (job.parent / ".local").mkdir()
    (job.parent / ".local" / ".gitignore").write_text("mine\n")
    assert run_in_process(LocalOptions(job_path=job))[0] == 0
    assert (job.parent / ".local" / ".gitignore").read_text() == "mine\n"


def test_a_run_keeps_the_newest_earlier_runs_and_nothing_else_is_touched(tmp_path):
    job = write_job(tmp_path / "job")
    local = job.parent / ".local"
    local.mkdir()
    old = ["20240101T000000Z", "20240101T000000Z-1", "20240102T000000Z-trials", "20240103T000000Z"]
    for name in old + ["mine", "docker", "20240104T000000Z.bak"]:
        (local / name).mkdir()
    (local / "20240105T000000Z").write_text("a file, not a run\n")
    status, out = run_in_process(LocalOptions(job_path=job, keep_runs=2))
    assert status == 0
    runs = runs_in(job)
    assert [r for r in runs if r.startswith("2024")] == ["20240102T000000Z-trials", "20240103T000000Z", "20240104T000000Z.bak", "20240105T000000Z"]
    assert len([r for r in runs if not r.startswith("2024")]) == 1  # this run
    assert (local / "mine").is_dir() and (local / "docker").is_dir()
    assert f"removed 2 earlier runs from {local} (keeping 2; --keep N or --keep all)" in out


def test_keep_zero_leaves_only_this_run_and_a_workdir_run_prunes_nothing(tmp_path):
    job = write_job(tmp_path / "job")
    for _ in range(2):
        assert run_in_process(LocalOptions(job_path=job))[0] == 0
    assert len(runs_in(job)) == 2
    assert run_in_process(LocalOptions(job_path=job, workdir=tmp_path / "elsewhere", keep_runs=0))[0] == 0
    assert len(runs_in(job)) == 2
    assert run_in_process(LocalOptions(job_path=job, keep_runs=0))[0] == 0
    assert len(runs_in(job)) == 1


def test_keep_on_the_command_line(tmp_path):
    job = write_job(tmp_path / "job")
    (job.parent / ".local").mkdir()
    for day in range(1, KEEP_RUNS + 3):
        (job.parent / ".local" / f"202401{day:02d}T000000Z").mkdir()
    kept_all = run_cli("run-local", str(job), "--keep", "all")
    assert kept_all.returncode == 0 and len(runs_in(job)) == KEEP_RUNS + 3
    default = run_cli("run-local", str(job))
    assert default.returncode == 0, default.stderr
    assert len(runs_in(job)) == KEEP_RUNS + 1
    refused = run_cli("run-local", str(job), "--keep", "some")
    assert refused.returncode == 2 and "not a number of runs or 'all': 'some'" in refused.stderr


def test_the_banner_shows_the_command_and_leaves_the_environment_to_verbose(tmp_path):
    job = write_job(tmp_path / "job")
    quiet = run_cli("run-local", str(job), "--workdir", str(tmp_path / "quiet"))
    loud = run_cli("run-local", str(job), "--workdir", str(tmp_path / "loud"), "--verbose")
    assert quiet.returncode == loud.returncode == 0
    for result in (quiet, loud):
        assert "train: invoking the entry point in" in result.stderr
        assert "  command: python3 -- train.py\n" in result.stderr
        assert "loss: 0.125" in result.stdout
    assert "train: environment:" not in quiet.stderr and "SM_MODEL_DIR=" not in quiet.stderr
    assert "train: environment:" in loud.stderr and "  SM_MODEL_DIR=" in loud.stderr
    # Only the banner is quieter: the script sees the same environment either way.
    dumps = [(tmp_path / name / "output" / "data" / "dump.json").read_text() for name in ("quiet", "loud")]
    assert dumps[0].replace("quiet", "X").replace('"TRAIN_BANNER": "brief", ', "") == dumps[1].replace("loud", "X").replace('"TRAIN_BANNER": "full", ', "")


@pytest.fixture
def make_path():
    found = shutil.which("make")
    require_tool(found is not None, "make is not installed")
    return found


def test_make_check_checks_the_job_it_is_given(tmp_path, make_path):
    job = write_job(tmp_path / "job")
    stale = subprocess.run([make_path, "-s", "-C", str(REPO_ROOT), "check", f"JOB={job}"], capture_output=True, text=True)
    assert stale.returncode != 0
    assert f"{job}: {job.parent / 'generated'} is out of date; run: make compile JOB={job}" in stale.stderr
    assert "examples/" not in stale.stdout + stale.stderr
    assert run_cli("compile", str(job)).returncode == 0
    fresh = subprocess.run([make_path, "-s", "-C", str(REPO_ROOT), "check", f"JOB={job}"], capture_output=True, text=True)
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout == f"{job}: {job.parent / 'generated'} is up to date\n"


def test_pruning_passes_by_a_run_that_is_still_going_on(tmp_path):
    """--keep removed a run whose script was still running; its lock (held until the process
    ends) now keeps it."""
    from sagemaker_byoc.local.layout import claim_run, in_use, new_run_dir, prune_runs
    from sagemaker_byoc.spec import load_job

    job, _ = load_job(write_job(tmp_path / "job"))
    running = new_run_dir(job, None, now=1_000_000_000)
    finished = new_run_dir(job, None, now=1_000_000_060)
    current = new_run_dir(job, None, now=1_000_000_120)
    with claim_run(running):
        assert in_use(running) and not in_use(finished)
        assert prune_runs(job, 0, current) == [finished]
        assert running.is_dir()
    assert not in_use(running)
    assert prune_runs(job, 0, current) == [running]


def test_two_trial_runs_started_in_the_same_second_get_folders_of_their_own(tmp_path):
    from sagemaker_byoc.local.layout import RUN_FOLDER, new_run_dir
    from sagemaker_byoc.spec import load_job

    job, _ = load_job(write_job(tmp_path / "job"))
    first, second = (new_run_dir(job, None, now=1_000_000_000, suffix="-trials") for _ in range(2))
    assert first != second and first.name.endswith("-trials") and second.name.endswith("-trials")
    assert RUN_FOLDER.fullmatch(first.name) and RUN_FOLDER.fullmatch(second.name)


def test_latest_links_to_the_last_run_started(tmp_path):
    job = write_job(tmp_path / "job")
    local = job.parent / ".local"
    for _ in range(2):
        status, _out = run_in_process(LocalOptions(job_path=job))
        assert status == 0
    newest = runs_in(job)[-1]
    latest = local / "latest"
    assert latest.is_symlink() and os.readlink(latest) == newest, "relative: the job's folder may move"
    assert (latest / "output" / "success").is_file()
    assert sorted(p.name for p in local.iterdir()) == sorted([".gitignore", "latest", *runs_in(job)]), "no temporary link left"


def test_pruning_never_follows_latest_and_a_workdir_run_leaves_it_alone(tmp_path):
    job = write_job(tmp_path / "job")
    local = job.parent / ".local"
    local.mkdir()
    outside = tmp_path / "outside"
    (outside / "20240101T000000Z").mkdir(parents=True)  # named like a run, and not one of this job's
    (local / "latest").symlink_to(outside)
    assert run_in_process(LocalOptions(job_path=job, keep_runs=0))[0] == 0
    assert (outside / "20240101T000000Z").is_dir()
    (run,) = runs_in(job)
    assert os.readlink(local / "latest") == run
    assert run_in_process(LocalOptions(job_path=job, workdir=tmp_path / "elsewhere"))[0] == 0
    assert os.readlink(local / "latest") == run


def test_a_folder_of_the_users_named_latest_is_left_alone(tmp_path):
    job = write_job(tmp_path / "job")
    (job.parent / ".local" / "latest").mkdir(parents=True)
    (job.parent / ".local" / "latest" / "mine").write_text("kept\n")
    status, out = run_in_process(LocalOptions(job_path=job))
    assert status == 0
    assert (job.parent / ".local" / "latest" / "mine").read_text() == "kept\n"
    assert f"note: {job.parent / '.local' / 'latest'} is not a symbolic link; left as it is" in out


def test_trials_make_latest_their_folder(tmp_path):
    from sagemaker_byoc.local.layout import new_run_dir
    from sagemaker_byoc.spec import load_job

    job, _ = load_job(write_job(tmp_path / "job"))
    trials = new_run_dir(job, None, suffix="-trials")
    assert os.readlink(job.directory / ".local" / "latest") == trials.name
