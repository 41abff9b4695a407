"""The job's metric definitions applied to a captured log, as SageMaker applies them to the
job's CloudWatch log: each regex searched in every line, its first group read as a number.

A local run shows which metrics matched, how often and their last value, so a regex that never
matches is found before a cloud job runs for an hour without reporting anything.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from spec.model import Metric


@dataclass(frozen=True)
class MetricResult:
    name: str
    regex: str
    count: int  # lines whose first group is a number
    last: float | None
    unparsable: int  # lines that matched but whose first group is not a number
    example: str | None  # the first unparsable capture, to show what the regex caught


def extract(metrics: tuple[Metric, ...], lines: list[str]) -> list[MetricResult]:
    return [_extract_one(metric, lines) for metric in metrics]


def _extract_one(metric: Metric, lines: list[str]) -> MetricResult:
    pattern = re.compile(metric.regex)
    count, unparsable, last, example = 0, 0, None, None
    for line in lines:
        match = pattern.search(line)
        if match is None:
            continue
        captured = match.group(1) if pattern.groups else None
        value = _number(captured)
        if value is None:
            unparsable += 1
            example = example if example is not None else captured
        else:
            count += 1
            last = value
    return MetricResult(metric.name, metric.regex, count, last, unparsable, example)


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None
