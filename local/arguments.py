"""The run-local subcommand's options, and turning them into a run."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from sagemaker_byoc.local.layout import KEEP_RUNS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workdir", metavar="DIR", help="run directory, new or empty (default: .local/<UTC timestamp>/ beside JOB)"
    )
    parser.add_argument(
        "--allow-missing-channels", action="store_true", help="give channels without a local: path an empty directory"
    )
    parser.add_argument("--link-data", action="store_true", help="symlink each channel's local: path instead of copying it")
    parser.add_argument(
        "--docker", action="store_true", help="build the image from the generated Dockerfile and run it with docker"
    )
    parser.add_argument(
        "--interrupt-after",
        type=_seconds,
        metavar="SECONDS",
        help="SIGTERM the job after SECONDS, then, with checkpoints, restart it to show whether it resumes",
    )
    parser.add_argument(
        "--install-requirements",
        action="store_true",
        help="let train pip-install code/requirements.txt into the local Python, as an image without baked code would",
    )
    parser.add_argument(
        "--python", metavar="PYTHON", help="interpreter for the entry point (default: python3 on PATH, or $SM_PYTHON)"
    )
    parser.add_argument(
        "--trial", type=_count, metavar="N",
        help="rehearse the tuning job: N runs with values drawn from tuning.ranges, each trial's objective and the best",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of --trial's draws (default: 0)")
    parser.add_argument(
        "--keep", type=_keep, default=KEEP_RUNS, metavar="N|all",
        help=f"earlier runs to keep in the job's .local/; older ones are removed (default: {KEEP_RUNS})",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show the whole banner of train, the SM_* environment included")


def run(args: argparse.Namespace) -> int:
    # The run's modules (the compiler among them) only when a run is asked for, not for --help.
    from sagemaker_byoc.local.session import EXIT_INVALID, LocalOptions, LocalRunError, run_local
    from sagemaker_byoc.local.trials import run_trials
    from sagemaker_byoc.spec.overrides import OverrideError, parse_overrides

    try:
        options = LocalOptions(
            job_path=Path(args.job),
            overrides=parse_overrides(args.hp, args.hps, args.hp_new),
            workdir=Path(args.workdir) if args.workdir else None,
            allow_missing_channels=args.allow_missing_channels,
            link_data=args.link_data,
            docker=args.docker,
            interrupt_after_s=args.interrupt_after,
            install_requirements=args.install_requirements,
            python=args.python,
            verbose=args.verbose,
            keep_runs=args.keep,
        )
        if args.trial is not None:
            return run_trials(options, args.trial, args.seed, sys.stdout)
        return run_local(options)
    except (OverrideError, LocalRunError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID


def _keep(text: str) -> int | None:
    if text == "all":
        return None
    if not text.isdigit() or not text.isascii():
        raise argparse.ArgumentTypeError(f"not a number of runs or 'all': {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value
