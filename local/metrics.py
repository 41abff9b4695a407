"""The job's metric definitions applied to a captured log, as SageMaker applies them to the
job's CloudWatch log: each regex searched in every line, its first group read as a number.

A local run shows which metrics matched, how often and their last value, so a regex that never
matches is found before a cloud job runs for an hour without reporting anything.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sagemaker_byoc.spec.model import Metric


@dataclass(frozen=True)
class MetricResult:
    name: str
    regex: str
    count: int  # lines whose first group is a number
    last: float | None
    unparsable: int  # lines that matched but whose first group is not a number
    example: str | None  # the first unparsable capture, to show what the regex caught


class MetricScan:
    """The metric definitions applied to log lines one at a time, so that a log of any size is
    read in constant memory."""

    def __init__(self, metrics: tuple[Metric, ...]) -> None:
        self._scans = [_OneMetric(metric) for metric in metrics]

    def feed(self, line: str) -> None:
        for scan in self._scans:
            scan.feed(line)

    def results(self) -> list[MetricResult]:
        return [scan.result() for scan in self._scans]


def extract(metrics: tuple[Metric, ...], lines: list[str]) -> list[MetricResult]:
    scan = MetricScan(metrics)
    for line in lines:
        scan.feed(line)
    return scan.results()


class _OneMetric:
    def __init__(self, metric: Metric) -> None:
        self._metric = metric
        self._pattern = re.compile(metric.regex)
        self._count, self._unparsable = 0, 0
        self._last: float | None = None
        self._example: str | None = None

    def feed(self, line: str) -> None:
        match = self._pattern.search(line)
        if match is None:
            return
        captured = match.group(1) if self._pattern.groups else None
        value = _number(captured)
        if value is None:
            self._unparsable += 1
            self._example = self._example if self._example is not None else captured
        else:
            self._count += 1
            self._last = value

    def result(self) -> MetricResult:
        metric = self._metric
        return MetricResult(metric.name, metric.regex, self._count, self._last, self._unparsable, self._example)


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None
