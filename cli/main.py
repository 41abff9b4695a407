"""Command line: sagemaker-byoc (or python -m sagemaker_byoc) {compile,check,validate,explain,run-local,submit} JOB
[options], {status,logs,stop} NAME [options] for a job already started (submit/job_commands.py),
init DIR (cli/starter.py) and schema.

Exit status: 0 success, 1 the committed artifacts differ from a fresh render (check) or the job
failed (run-local, submit --wait, logs --follow), 2 invalid input or no job of that name, 3 an
AWS-side failure (submit, status, logs, stop) or a local run skipped for a missing framework
(run-local), 4 the image in ECR is missing or stale (submit). Diagnostics go to stderr as
`job.yaml:LINE:COL: error: message (at pointer)`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

# Only what every command needs: the compiler, run-local, the AWS clients and the validators,
# and the options of each command (defined in its own package), are imported when that command
# runs, so --help and a compile pay for nothing else (tests/test_import_cost.py counts them).
from sagemaker_byoc import __version__
from sagemaker_byoc.cli import starter
from sagemaker_byoc.compiler.output import OutputError
from sagemaker_byoc.spec.diagnostics import Diagnostic, SpecError
from sagemaker_byoc.text import escape

if TYPE_CHECKING:
    from sagemaker_byoc.compiler.pipeline import Compiled
    from sagemaker_byoc.spec.overrides import Override

EXIT_OK, EXIT_DRIFT, EXIT_INVALID = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser(_command_named(argv)).parse_args(argv)
    if getattr(args, "job", None) and Path(args.job).is_dir():
        args.job = str(Path(args.job) / "job.yaml")  # a job's folder names its job.yaml
    try:
        return args.command(args)
    except SpecError as error:
        for diagnostic in error.diagnostics:
            print(diagnostic.format(error.path), file=sys.stderr)
        return EXIT_INVALID
    except OutputError as error:
        print(f"{args.job}: error: {error}", file=sys.stderr)
        return EXIT_INVALID
    except starter.StarterError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt as stop:
        # 128 + the signal, as a shell reports a command it stopped: SIGTERM (run-local's, as
        # Ctrl-C) or SIGINT.
        return getattr(stop, "exit_status", 130)


def compile_command(args: argparse.Namespace) -> int:
    compiled = _compile(args)
    if not compiled.out_dir.resolve().is_relative_to(compiled.job.directory.resolve()):
        print(
            f"{args.job}: warning: {compiled.out_dir} is outside the job's directory, the Docker build context: "
            "the Dockerfile cannot COPY train from there",
            file=sys.stderr,
        )
    from sagemaker_byoc.compiler.output import write_artifacts

    write_artifacts(compiled.rendered.artifacts, compiled.out_dir)
    print(f"{args.job}: wrote {', '.join(a.name for a in compiled.rendered.artifacts)} to {compiled.out_dir}")
    return EXIT_OK


def check_command(args: argparse.Namespace) -> int:
    from sagemaker_byoc.compiler.output import differences

    compiled = _compile(args)
    found = differences(compiled.rendered.artifacts, compiled.out_dir)
    if found:
        sys.stderr.write("".join(found))
        print(f"{args.job}: {compiled.out_dir} is out of date; run: {_compile_command(args)}", file=sys.stderr)
        return EXIT_DRIFT
    print(f"{args.job}: {compiled.out_dir} is up to date")
    return EXIT_OK


def _compile_command(args: argparse.Namespace) -> str:
    """The compile that brings the artifacts up to date, as the user ran this program: the
    installed command, or in this repository (where `make check` runs it) make's target."""
    out = f" -o {escape.sh(args.out)}" if getattr(args, "out", None) else ""
    if Path(sys.argv[0]).name != "sagemaker-byoc" and Path("Makefile").is_file() and Path("sagemaker_byoc").is_dir():
        command = f"make compile JOB={escape.sh(args.job)}" + (f" OUT={escape.sh(args.out)}" if out else "")
    else:
        command = f"sagemaker-byoc compile {escape.sh(args.job)}{out}"
    return escape.terminal(command)


def validate_command(args: argparse.Namespace) -> int:
    _compile(args)
    print(f"{args.job}: valid")
    return EXIT_OK


def run_local_command(args: argparse.Namespace) -> int:
    from sagemaker_byoc.local import arguments

    return arguments.run(args)


def submit_command(args: argparse.Namespace) -> int:
    from sagemaker_byoc.spec.overrides import OverrideError, parse_overrides

    try:
        overrides = parse_overrides(args.hp, args.hps, args.hp_new)
    except OverrideError as error:
        print(f"submit: error: {escape.terminal(str(error))}", file=sys.stderr)
        return EXIT_INVALID
    compiled = _compile(args, overrides)
    if args.tune:
        from sagemaker_byoc.submit import tuning

        return tuning.run(compiled, args)
    from sagemaker_byoc.submit import training

    return training.run(compiled, args)


def job_command(action: str) -> Callable[[argparse.Namespace], int]:
    """status, logs or stop (submit/job_commands.py), imported when it runs."""

    def run(args: argparse.Namespace) -> int:
        from sagemaker_byoc.submit import job_commands

        return getattr(job_commands, action)(args)

    return run


def explain_command(args: argparse.Namespace) -> int:
    from sagemaker_byoc.compiler.explain import explain

    compiled = _compile(args)
    job = compiled.job
    for line in explain(compiled.rendered.request, job.source, args.job, job):
        print(line)
    return EXIT_OK


def init_command(args: argparse.Namespace) -> int:
    directory = Path(args.directory)
    name = starter.job_name_for(directory, args.name)
    variant = starter.Variant(gpu=args.gpu, distributed=args.distributed, tuning=args.tuning)
    starter.write_starter(directory, starter.starter_files(name, variant))
    job = directory / "job.yaml"
    # The commands as they can be pasted: the folder quoted for the shell, and shown as escapes
    # where it holds characters a terminal would act on.
    print(escape.terminal(f"wrote a starter job {name} to {directory}; next:"))
    setup = starter.local_setup(directory, variant)
    if setup:
        print("  # run-local needs torch on this machine: a .venv beside job.yaml, which it uses")
        print(escape.terminal("  " + " && ".join(" ".join(escape.sh(word) for word in command) for command in setup)))
    print(escape.terminal(f"  sagemaker-byoc run-local {escape.sh(str(job))}"))
    print(escape.terminal(f"  sagemaker-byoc compile {escape.sh(str(job))}"))
    return EXIT_OK


def schema_command(args: argparse.Namespace) -> int:
    from sagemaker_byoc.spec.schema import SCHEMA_PATH

    if args.out is None:
        sys.stdout.write(SCHEMA_PATH.read_text())
        return EXIT_OK
    out = Path(args.out)
    try:
        refusal = _not_replaceable(out)
        if refusal is None:
            _write_atomically(out, SCHEMA_PATH.read_bytes())
    except OSError as error:
        refusal = f"cannot write {out}: {error.strerror or error}"
    if refusal is not None:
        print(f"error: {refusal}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {out}")
    return EXIT_OK


def _not_replaceable(out: Path) -> str | None:
    """Why `schema -o` must not write out: only a new file or an earlier schema is replaced,
    never a link (written through, it would change another file) or any other file."""
    from sagemaker_byoc.spec.modeline import READ_LIMIT, is_json_schema, read_regular_file

    if out.is_symlink():
        return f"{out} is a symbolic link; name the file itself"
    if not out.exists():
        return None
    try:
        content = read_regular_file(out, READ_LIMIT)
    except OSError:
        return f"{out} exists and is not a regular file; not replaced"
    if not is_json_schema(content):
        return f"{out} exists and is no JSON Schema; not replaced (remove it first, or name another file)"
    return None


def _write_atomically(path: Path, content: bytes) -> None:
    """A file replaced whole or not at all: written beside it, then renamed over it."""
    import tempfile

    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(staging, 0o644)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise


def _compile(args: argparse.Namespace, overrides: Sequence[Override] = ()) -> Compiled:
    from sagemaker_byoc.compiler.pipeline import compile_job

    compiled = compile_job(Path(args.job), Path(args.out) if getattr(args, "out", None) else None, overrides)
    _print_warnings(compiled.job.path, compiled.warnings)
    return compiled


def _print_warnings(path: Path, warnings: list[Diagnostic]) -> None:
    for warning in sorted(warnings):
        print(warning.format(path), file=sys.stderr)


def _command_named(argv: list[str]) -> str | None:
    """The command an argument list names: its first word that is no option."""
    return next((word for word in argv if not word.startswith("-")), None)


def _add_override_options(parser: argparse.ArgumentParser, scope: str) -> None:
    """--hp, --hp-new and --hps: hyperparameter overrides (spec/overrides.py), read like job.yaml."""
    parser.add_argument("--hp", action="append", default=[], metavar="KEY=VALUE",
                        help=f"override a hyperparameter {scope}; VALUE is read like job.yaml (YAML or JSON); repeatable")
    parser.add_argument("--hp-new", action="append", default=[], metavar="KEY=VALUE",
                        help="like --hp, for a hyperparameter job.yaml does not name (--hp refuses one, as a likely typo); repeatable")
    parser.add_argument("--hps", metavar="'KEY=VALUE …'", help="several overrides in one string, split like a shell command line")


def _parser(named: str | None) -> argparse.ArgumentParser:
    """The parser of every command, with the options of the command named alone: each command's
    options come from its own package (local/, submit/), which --help and the other commands
    need not import. `sagemaker-byoc COMMAND --help` still shows that command's options."""
    parser = argparse.ArgumentParser(prog="sagemaker-byoc", description="One job.yaml -> the Dockerfile, train shim, build script and CreateTrainingJob request of a SageMaker training job; run it locally, submit it, watch it.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], help: str, out: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument("job", metavar="JOB", help="path to job.yaml, or the folder that holds it")
        if out:
            sub.add_argument("-o", "--out", metavar="OUT", help="artifact directory (default: generated/ beside JOB)")
        sub.set_defaults(command=handler)
        return sub

    command("compile", compile_command, "render Dockerfile, train, build_and_push.sh and create_training_job.json")
    command("check", check_command, "exit 1 with a diff if the artifacts in OUT differ from a fresh render")
    command("validate", validate_command, "check JOB and report every problem; write nothing", out=False)
    command("explain", explain_command, "every field of the request JOB renders, and where its value came from", out=False)
    run_local = command("run-local", run_local_command, "run JOB on this machine as SageMaker would, in a directory laid out like /opt/ml", out=False)
    submit = command("submit", submit_command, "validate and compile JOB, then start it on SageMaker as <name>-<UTC timestamp>", out=False)
    if named == "run-local":
        from sagemaker_byoc.local import arguments

        _add_override_options(run_local, "for this run")
        arguments.add_arguments(run_local)
    elif named == "submit":
        from sagemaker_byoc.submit import training

        _add_override_options(submit, "for this job (its request; job.yaml is left as it is)")
        training.add_arguments(submit)

    init = commands.add_parser("init", help="write a starter job into DIR", description=starter.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    init.add_argument("directory", metavar="DIR", help="a new or empty folder")
    init.add_argument("--name", help="the job's name (default: made from DIR's name)")
    init.add_argument("--gpu", action="store_true", help="a CUDA image on a GPU instance, with PyTorch")
    init.add_argument("--distributed", action="store_true", help="PyTorch DDP under torchrun on two instances")
    init.add_argument("--tuning", action="store_true", help="add a hyperparameter tuning job over lr and epochs")
    init.set_defaults(command=init_command, job=None)

    schema = commands.add_parser("schema", help="print job.yaml's JSON Schema, or write it to a file for editors")
    schema.add_argument("-o", "--out", metavar="FILE", help="write it here instead of standard output")
    schema.set_defaults(command=schema_command, job=None)

    def by_name(name: str, handler: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(command=handler)
        return sub

    by_name_commands = {
        "status": by_name("status", job_command("status"), "show a started job's status, transitions, failure reason and model"),
        "logs": by_name("logs", job_command("logs"), "print every host's CloudWatch log lines of a training job"),
        "stop": by_name("stop", job_command("stop"), "stop a training job (or with --tuning a tuning job)"),
    }
    if named in by_name_commands:
        from sagemaker_byoc.submit import job_commands

        getattr(job_commands, f"add_{named}_arguments")(by_name_commands[named])
    return parser
