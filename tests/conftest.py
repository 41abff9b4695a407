"""At the end of a run, what did not run on this machine and why: a green run with skips is not
a full one. CI (CI=true) turns a missing tool into a failure instead (tests/tools.py), so the
skips left there are the parts that cannot run anywhere here (a CUDA base, say)."""

from __future__ import annotations

from collections import defaultdict

# Parts of the suite by where their tests live: the first prefix that matches names the part.
PARTS = (
    ("tests/shim/test_mpi", "MPI (Open MPI, sshd)"),
    ("tests/shim/test_two_hosts", "two hosts (namespaces)"),
    ("tests/shim/", "the train shim"),
    ("tests/image/", "images (Buildah)"),
    ("tests/local/", "run-local"),
    ("tests/aws/", "AWS (moto, the aws CLI)"),
    ("tests/tuning/", "tuning"),
    ("tests/compiler/", "the compiler"),
    ("tests/", "the rest"),
)


def part_of(node_id: str) -> str:
    return next(name for prefix, name in PARTS if node_id.startswith(prefix))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001 (pytest's hook signature)
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reasons[part_of(report.nodeid)][reason.removeprefix("Skipped: ")] += 1
    terminalreporter.section("not run on this machine", sep="=", bold=True, yellow=True)
    for part in sorted(reasons):
        count = sum(reasons[part].values())
        terminalreporter.write_line(f"{part}: {count} test{'s' if count != 1 else ''} skipped", bold=True)
        for reason, times in sorted(reasons[part].items()):
            terminalreporter.write_line(f"  {times} x {reason}")
    terminalreporter.write_line(
        f"{len(skipped)} tests did not run here: this run is not a full one (.ci/run installs every tool, and CI=true fails a missing one)",
        yellow=True, bold=True,
    )
