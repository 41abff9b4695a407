"""Before submit: is the request's image in ECR, and was it built from the job's inputs as they are now?

SageMaker finds a missing image only when the job's instances pull it, minutes later; and an
explicit image.tag keeps naming an image built from older code until build_and_push.sh runs
again. build_and_push.sh therefore gives the image a second tag, `inputs-<sha256 of the build
inputs>` (compiler/render.py); the image under the explicit tag must carry the current one.
Without an explicit tag the tag is that hash already, so only the image's presence is checked.

One DescribeImages call. A check that cannot be made (no permission, no network) is skipped: the
CreateTrainingJob call that follows reports credential and network problems itself.

The image checked is the one the request names. request_override can replace job.yaml's image
with another (AlgorithmSpecification.TrainingImage); build_and_push.sh never builds that one, so
submit says so and checks only that ECR holds it, in the registry and Region its URI names.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

IMAGE_MISSING = {"ImageNotFoundException", "RepositoryNotFoundException"}
OVERRIDE = "request_override.AlgorithmSpecification.TrainingImage"
# <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository>[:<tag>][@<digest>]
ECR_IMAGE = re.compile(
    r"(?P<account>[0-9]{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
    r"/(?P<repository>(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Fa-f0-9]{32,}))?"
)


@dataclass(frozen=True)
class EcrImage:
    """Where DescribeImages finds an image: its registry (account), Region, repository and id."""

    account: str
    region: str
    repository: str
    image_id: dict[str, str]  # {"imageDigest": …} when the URI pins one, else {"imageTag": …}


def ecr_image(uri: str) -> EcrImage | None:
    """The ECR coordinates of an image URI; None for an image outside ECR. A digest wins over a
    tag, as it does when the image is pulled; no tag at all is Docker's `latest`."""
    found = ECR_IMAGE.fullmatch(uri)
    if found is None:
        return None
    image_id = {"imageDigest": found["digest"]} if found["digest"] else {"imageTag": found["tag"] or "latest"}
    return EcrImage(found["account"], found["region"], found["repository"], image_id)


def image_problem(ecr: Any, image: EcrImage, image_uri: str, inputs_tag: str | None, push_script: Path | None) -> str | None:
    """Why the image cannot serve the job as job.yaml stands now, or None when it can (or when
    ECR cannot tell). push_script: the script that pushes this image, None when none does."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        found = ecr.describe_images(registryId=image.account, repositoryName=image.repository, imageIds=[image.image_id])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in IMAGE_MISSING:
            hint = f" (push it with {push_script})" if push_script is not None else ""
            return f"{image_uri} is not in ECR; the job would fail when it pulls the image{hint}"
        return None
    except (BotoCoreError, ValueError):
        return None
    if inputs_tag is None:
        return None
    details = found.get("imageDetails") or [{}]
    if inputs_tag in (details[0].get("imageTags") or []):
        return None
    return (f"{image_uri} was built from other inputs than job.yaml's now (it lacks the tag {inputs_tag}): "
            f"the job would run the old code; rebuild and push it with {push_script}")


def check_image(session: Any, config: Any, request_image: str, built_image: str, inputs_tag: str | None, push_script: Path,
                allow_stale: bool) -> bool:
    """Report a missing or stale image on stderr; True when submit may go on: the image is
    fine, ECR cannot tell, or allow_stale (then the problem is a warning). request_image is the
    image the request names, built_image the one build_and_push.sh pushes for job.yaml."""
    pushed_by: Path | None = push_script
    if request_image != built_image:
        # Not the image job.yaml builds: its inputs tag says nothing about it, and no script of
        # ours pushes it. Say which image the job will run, since job.yaml names another.
        found = ecr_image(request_image)
        runs = f"the request runs {request_image}, which {OVERRIDE} names instead of job.yaml's {built_image}"
        if found is None:
            print(f"submit: note: {runs}: it is not an ECR image's URI, so submit cannot check that it exists", file=sys.stderr)
            return True
        print(f"submit: note: {runs}: build_and_push.sh does not push it, so submit checks only that ECR holds it", file=sys.stderr)
        inputs_tag, pushed_by = None, None
    else:
        found = ecr_image(built_image)
        if found is None:  # job.yaml's registry is always ECR's; never guess at another
            return True
    ecr = session.client("ecr", region_name=found.region, config=config)
    problem = image_problem(ecr, found, request_image, inputs_tag, pushed_by)
    if problem is None:
        return True
    if allow_stale:
        print(f"submit: warning: {problem}", file=sys.stderr)
        return True
    print(f"submit: error: {problem}, or submit with --allow-stale", file=sys.stderr)
    return False
