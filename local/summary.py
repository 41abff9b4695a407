"""What a local run prints: the injected configuration before, the summary after."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from sagemaker_byoc.local.layout import RunTree, files_under
from sagemaker_byoc.local.metrics import MetricResult
from sagemaker_byoc.local.resume import ResumeReport, resumed

FAILURE_SHOWN_LINES = 12


@dataclass(frozen=True)
class Outcome:
    """One attempt of the job, as the run tree and the log show it afterwards."""

    label: str
    tree: RunTree
    exit_code: int
    duration_s: float
    success_file: bool
    failure: str | None
    model_files: list[tuple[str, int]]
    output_files: list[tuple[str, int]]
    checkpoint_files: list[tuple[str, int]] | None  # None: the job has no checkpoints
    metrics: list[MetricResult]
    terminated_at_s: float | None
    killed: bool
    by_user: str = ""  # what stopped it when the user did: "Ctrl-C", or "run-local got SIGTERM"


def read_outcome(
    label: str,
    tree: RunTree,
    exit_code: int,
    duration_s: float,
    checkpoint_dir: Path | None,
    metrics: list[MetricResult],
    terminated_at_s: float | None,
    killed: bool,
    by_user: str = "",
) -> Outcome:
    failure_path = tree.output_dir / "failure"
    failure = failure_path.read_text(encoding="utf-8", errors="replace") if failure_path.is_file() else None
    return Outcome(
        label=label,
        tree=tree,
        exit_code=exit_code,
        duration_s=duration_s,
        success_file=(tree.output_dir / "success").is_file(),
        failure=failure,
        model_files=files_under(tree.model_dir),
        output_files=files_under(tree.output_data_dir),
        checkpoint_files=files_under(checkpoint_dir) if checkpoint_dir is not None else None,
        metrics=metrics,
        terminated_at_s=terminated_at_s,
        killed=killed,
        by_user=by_user,
    )


def print_configuration(tree: RunTree, out: TextIO) -> None:
    print("injected configuration:", file=out)
    for name in ("hyperparameters.json", "inputdataconfig.json", "resourceconfig.json"):
        content = json.loads((tree.config_dir / name).read_text(encoding="utf-8"))
        print(f"  input/config/{name}: {json.dumps(content, ensure_ascii=False)}", file=out)
    for channel in sorted(p.name for p in tree.data_dir.iterdir()):
        files = files_under(tree.data_dir / channel)
        print(f"  input/data/{channel}/: {_count(len(files), 'file')}, {size_text(sum(s for _, s in files))}", file=out)


def print_summary(outcome: Outcome, out: TextIO) -> None:
    print(f"summary ({outcome.label}):", file=out)
    state = "succeeded" if outcome.exit_code == 0 else "failed"
    print(f"  exit status: {outcome.exit_code} ({state}); duration {outcome.duration_s:.2f} s", file=out)
    if outcome.terminated_at_s is not None:
        if outcome.by_user:
            how = "then SIGKILL" if outcome.killed else "forwarded to the entry point"
            print(f"  interrupted: SIGTERM ({outcome.by_user}) after {outcome.terminated_at_s:.2f} s, {how}", file=out)
        else:
            how = "then SIGKILL: it did not stop in time" if outcome.killed else "forwarded to the entry point"
            print(f"  interrupted: SIGTERM after {outcome.terminated_at_s:.2f} s, {how}", file=out)
    marker = "output/success" if outcome.success_file else "output/failure" if outcome.failure is not None else "none"
    print(f"  outcome file: {marker}", file=out)
    if outcome.failure is not None:
        print("  failure reason:", file=out)
        for line in outcome.failure.splitlines()[:FAILURE_SHOWN_LINES]:
            print(f"    {line}", file=out)
    _print_files("model/", outcome.model_files, out)
    _print_files("output/data/", outcome.output_files, out)
    if outcome.checkpoint_files is not None:
        _print_files("checkpoints", outcome.checkpoint_files, out)
    _print_metrics(outcome.metrics, out)


def print_resume(report: ResumeReport, out: TextIO) -> None:
    verdict = resumed(report)
    print("resume:", file=out)
    print(f"  checkpoint files carried over: {_names(report.restored)}", file=out)
    if report.read is None:
        print("  files read by the next attempt: unknown (this filesystem does not record access times)", file=out)
    else:
        print(f"  files read by the next attempt: {_names(report.read)}", file=out)
    if report.replaced:
        print(f"  files rewritten or removed: {_names(report.replaced)}", file=out)
    for line in report.log_evidence[:5]:
        print(f"  log: {line}", file=out)
    if verdict is True:
        print("  verdict: resumed from the checkpoint", file=out)
    elif verdict is False and not report.restored:
        print("  verdict: not resumed: the interrupted attempt left no checkpoint files", file=out)
    elif verdict is False:
        print("  verdict: not resumed: the next attempt never read the checkpoint files", file=out)
    else:
        print("  verdict: cannot tell; see the log lines above", file=out)


def _print_files(title: str, files: list[tuple[str, int]], out: TextIO) -> None:
    if not files:
        print(f"  {title}: no files", file=out)
        return
    print(f"  {title}: {_count(len(files), 'file')}, {size_text(sum(size for _, size in files))}", file=out)
    for name, size in files:
        print(f"    {name}  {size_text(size)}", file=out)


def _print_metrics(metrics: list[MetricResult], out: TextIO) -> None:
    if not metrics:
        print("  metrics: the job defines none", file=out)
        return
    print("  metrics:", file=out)
    for metric in metrics:
        if metric.count:
            line = f"last {metric.last:g}, {_count(metric.count, 'match', 'matches')}"
        else:
            line = f"never matched /{metric.regex}/"
        if metric.unparsable:
            line += f"; {metric.unparsable} matched but captured a non-number (e.g. {metric.example!r})"
        print(f"    {metric.name}: {line}", file=out)


def _names(names: list[str]) -> str:
    return ", ".join(names) if names else "none"


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def size_text(size: int) -> str:
    """A size as people read it: 512 B, 3.9 KiB, 48.0 MiB."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"
