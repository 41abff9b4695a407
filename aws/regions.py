"""The AWS Regions this installation knows, from botocore's endpoint data (every partition:
aws, aws-cn, aws-us-gov, the isolated ones), and the closest one to a mistyped name."""

from __future__ import annotations

import difflib
from functools import cache

from botocore.loaders import Loader


@cache
def known_regions() -> frozenset[str]:
    endpoints = Loader().load_data("endpoints")
    return frozenset(region for partition in endpoints["partitions"] for region in partition["regions"])


def closest_region(name: str) -> str | None:
    close = difflib.get_close_matches(name.lower().replace("_", "-"), sorted(known_regions()), n=1, cutoff=0.75)
    return close[0] if close else None
