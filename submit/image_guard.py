"""Before submit: is the request's image in ECR, and was it built from the job's inputs as they are now?

SageMaker finds a missing image only when the job's instances pull it, minutes later; and an
explicit image.tag keeps naming an image built from older code until build_and_push.sh runs
again. build_and_push.sh therefore gives the image a second tag, `inputs-<sha256 of the build
inputs>` (compiler/render.py); the image under the explicit tag must carry the current one.
Without an explicit tag the tag is that hash already, so only the image's presence is checked.

One DescribeImages call. A check that cannot be made (no permission, no network) is skipped: the
CreateTrainingJob call that follows reports credential and network problems itself.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

IMAGE_MISSING = {"ImageNotFoundException", "RepositoryNotFoundException"}


def image_problem(ecr: Any, account: str, image_uri: str, inputs_tag: str | None, push_script: Path) -> str | None:
    """Why the image cannot serve the job as job.yaml stands now, or None when it can (or when
    ECR cannot tell)."""
    from botocore.exceptions import BotoCoreError, ClientError

    repository, _, tag = image_uri.partition("/")[2].rpartition(":")
    try:
        found = ecr.describe_images(registryId=account, repositoryName=repository, imageIds=[{"imageTag": tag}])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in IMAGE_MISSING:
            return f"{image_uri} is not in ECR; the job would fail when it pulls the image (push it with {push_script})"
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


def check_image(session: Any, config: Any, account: str, image_uri: str, inputs_tag: str | None, push_script: Path,
                allow_stale: bool) -> bool:
    """Report a missing or stale image on stderr; True when submit may go on: the image is
    fine, ECR cannot tell, or allow_stale (then the problem is a warning)."""
    problem = image_problem(session.client("ecr", config=config), account, image_uri, inputs_tag, push_script)
    if problem is None:
        return True
    if allow_stale:
        print(f"submit: warning: {problem}", file=sys.stderr)
        return True
    print(f"submit: error: {problem}, or submit with --allow-stale", file=sys.stderr)
    return False
