"""Amazon ECR registries, known by their host names: `<account>.dkr.ecr.<region>.amazonaws.com`
(`.amazonaws.com.cn` in the China Regions; `dkr.ecr-fips` for the FIPS endpoints).

An image whose reference starts with such a host is pulled from that registry, which needs a
`docker login` with a token from `aws ecr get-login-password --region <region>` (ECR's tokens are
obtained per registry: sagemaker-api.md §10.1). The account and Region are read from the host,
never assumed: AWS's Deep Learning Containers, for one, live in 763104351884 in most Regions but
in other accounts elsewhere (871362719292 in ap-east-1, 727897471807 in the China Regions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A registry's host, matched whole (fullmatch): a longer host (…amazonaws.com.evil.example) or one
# with a port is no ECR registry. A Region is two letters, a word or more, and a number.
_HOST = re.compile(
    r"(?P<account>[0-9]{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]+)\.amazonaws\.com(?P<china>\.cn)?"
)


@dataclass(frozen=True)
class EcrRegistry:
    host: str  # what docker login names
    account: str
    region: str  # where get-login-password asks for the token


def registry_of(reference: str) -> EcrRegistry | None:
    """The ECR registry an image reference pulls from; None for an image outside ECR."""
    host, slash, _ = reference.partition("/")
    found = _HOST.fullmatch(host) if slash else None  # a host alone is an image's name, not a registry
    if found is None:
        return None
    # amazonaws.com.cn serves the China Regions (cn-…), and only them.
    if bool(found["china"]) != found["region"].startswith("cn-"):
        return None
    return EcrRegistry(host, found["account"], found["region"])


def looks_like_ecr(reference: str) -> bool:
    """Whether a reference's host names a private ECR registry, read or not by registry_of: for a
    warning where a login is needed but cannot be made. (ECR Public, public.ecr.aws, needs none.)"""
    host, slash, _ = reference.partition("/")
    return bool(slash) and ".dkr.ecr" in host and ".amazonaws.com" in host
