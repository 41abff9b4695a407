"""Command line: sagemaker-byoc (or python -m sagemaker_byoc) {compile,check,validate,run-local,submit} JOB [options],
and {status,logs,stop} NAME [options] for a job already started (compiler/job_commands.py).

Exit status: 0 success, 1 the committed artifacts differ from a fresh render (check) or the job
failed (run-local, submit --wait, logs --follow), 2 invalid input or no job of that name, 3 an
AWS-side failure (submit, status, logs, stop) or a local run skipped for a missing framework
(run-local), 4 the image in ECR is missing or stale (submit). Diagnostics go to stderr as
`job.yaml:LINE:COL: error: message (at pointer)`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from sagemaker_byoc.compiler import job_commands, submit
from sagemaker_byoc.compiler.local import arguments as local_arguments
from sagemaker_byoc.compiler.output import OutputError, differences, write_artifacts
from sagemaker_byoc.compiler.pipeline import Compiled, compile_job
from sagemaker_byoc.spec import Diagnostic, SpecError

EXIT_OK, EXIT_DRIFT, EXIT_INVALID = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.command(args)
    except SpecError as error:
        for diagnostic in error.diagnostics:
            print(diagnostic.format(error.path), file=sys.stderr)
        return EXIT_INVALID
    except OutputError as error:
        print(f"{args.job}: error: {error}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130


def compile_command(args: argparse.Namespace) -> int:
    compiled = _compile(args)
    if not compiled.out_dir.resolve().is_relative_to(compiled.job.directory.resolve()):
        print(
            f"{args.job}: warning: {compiled.out_dir} is outside the job's directory, the Docker build context: "
            "the Dockerfile cannot COPY train from there",
            file=sys.stderr,
        )
    write_artifacts(compiled.rendered.artifacts, compiled.out_dir)
    print(f"{args.job}: wrote {', '.join(a.name for a in compiled.rendered.artifacts)} to {compiled.out_dir}")
    return EXIT_OK


def check_command(args: argparse.Namespace) -> int:
    compiled = _compile(args)
    found = differences(compiled.rendered.artifacts, compiled.out_dir)
    if found:
        sys.stderr.write("".join(found))
        print(f"{args.job}: {compiled.out_dir} is out of date; run: make compile JOB={args.job}", file=sys.stderr)
        return EXIT_DRIFT
    print(f"{args.job}: {compiled.out_dir} is up to date")
    return EXIT_OK


def validate_command(args: argparse.Namespace) -> int:
    _compile(args)
    print(f"{args.job}: valid")
    return EXIT_OK


def run_local_command(args: argparse.Namespace) -> int:
    return local_arguments.run(args)


def submit_command(args: argparse.Namespace) -> int:
    return submit.run(_compile(args), args)


def _compile(args: argparse.Namespace) -> Compiled:
    compiled = compile_job(Path(args.job), Path(args.out) if getattr(args, "out", None) else None)
    _print_warnings(compiled.job.path, compiled.warnings)
    return compiled


def _print_warnings(path: Path, warnings: list[Diagnostic]) -> None:
    for warning in sorted(warnings):
        print(warning.format(path), file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sagemaker-byoc", description="Compile a SageMaker job.yaml into its training artifacts.")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], help: str, out: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument("job", metavar="JOB", help="path to job.yaml")
        if out:
            sub.add_argument("-o", "--out", metavar="OUT", help="artifact directory (default: generated/ beside JOB)")
        sub.set_defaults(command=handler)
        return sub

    command("compile", compile_command, "render Dockerfile, train, build_and_push.sh and create_training_job.json")
    command("check", check_command, "exit 1 with a diff if the artifacts in OUT differ from a fresh render")
    command("validate", validate_command, "check JOB and report every problem; write nothing", out=False)
    local_arguments.add_arguments(command("run-local", run_local_command, "run JOB on this machine as SageMaker would, in a directory laid out like /opt/ml", out=False))
    submit.add_arguments(command("submit", submit_command, "validate and compile JOB, then start it on SageMaker as <name>-<UTC timestamp>", out=False))

    def by_name(name: str, handler: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(command=handler)
        return sub

    job_commands.add_status_arguments(by_name("status", job_commands.status, "show a started job's status, transitions, failure reason and model"))
    job_commands.add_logs_arguments(by_name("logs", job_commands.logs, "print every host's CloudWatch log lines of a training job"))
    job_commands.add_stop_arguments(by_name("stop", job_commands.stop, "stop a training job (or with --tuning a tuning job)"))
    return parser
