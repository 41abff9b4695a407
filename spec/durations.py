"""Durations in job.yaml: whole seconds, or text such as 90s, 30m, 2h, 1d, 1h30m."""

from __future__ import annotations

import re

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"(?=\d)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def seconds(value: int | str | None) -> int | None:
    """The number of seconds a duration stands for; None stays None.

    The schema has already checked the form, so a malformed value is a programming error.
    """
    if value is None or isinstance(value, int):
        return value
    match = _DURATION.fullmatch(value)
    if match is None:
        raise ValueError(f"not a duration: {value!r}")
    return sum(int(part) * factor for part, factor in zip(match.groups(), _UNITS.values()) if part)


def describe(total: int) -> str:
    """Seconds as the shortest duration text, for messages: 7200 -> '2h', 5400 -> '1h30m'."""
    if total == 0:
        return "0s"
    parts = []
    for unit, factor in _UNITS.items():
        count, total = divmod(total, factor)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
