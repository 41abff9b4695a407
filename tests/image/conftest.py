"""Says, at the end of the run, which base image each image test built on."""

from __future__ import annotations

BASE_PROPERTY = "image base"


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    used = set()
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == BASE_PROPERTY:
                    used.add(value)
    if used:
        terminalreporter.write_sep("-", "image tests: base images")
        for line in sorted(used):
            terminalreporter.write_line(line)
