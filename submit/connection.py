"""Talking to AWS from the command line: a boto3 session and client settings, the exit statuses
that submit, status, logs and stop share, and one line that says what went wrong with AWS.

Retries follow botocore's standard mode (throttling and connection errors are retried with
backoff; AWS_MAX_ATTEMPTS sets the number of attempts). boto3 and botocore are imported only
when a command talks to AWS.
"""

from __future__ import annotations

from typing import Any

EXIT_OK, EXIT_JOB_FAILED, EXIT_AWS, EXIT_IMAGE, EXIT_INTERRUPTED = 0, 1, 3, 4, 130
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 60

ACCESS_DENIED = {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"}
BAD_CREDENTIALS = {
    "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException",
    "SignatureDoesNotMatch", "IncompleteSignature", "ExpiredToken", "ExpiredTokenException",
}
THROTTLED = {"ThrottlingException", "Throttling", "ThrottledException", "RequestLimitExceeded", "TooManyRequestsException"}


def aws_session(region: str | None, profile: str | None = None) -> Any:
    """A boto3 session; region None: the AWS configuration's."""
    import boto3

    return boto3.session.Session(region_name=region, profile_name=profile)


def client_config(max_attempts: int | None = None) -> Any:
    from botocore.config import Config

    retries: dict[str, Any] = {"mode": "standard"}
    if max_attempts is not None:
        retries["max_attempts"] = max_attempts
    return Config(
        retries=retries,
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        user_agent_extra="sagemaker-byoc",
    )


def explain(error: Exception, *, name: str, region: str, role: str | None, kind: str = "training job") -> str:
    """One line saying what went wrong with AWS and, where it is clear, what to do."""
    from botocore import exceptions as boto

    if isinstance(error, boto.NoCredentialsError):
        return ("no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "or run 'aws configure'")
    if isinstance(error, boto.ProfileNotFound):
        return f"{one_line(str(error))}: AWS_PROFILE names a profile that no AWS configuration file defines"
    if isinstance(error, (boto.EndpointConnectionError, boto.ConnectTimeoutError, boto.ConnectionClosedError)):
        return f"cannot reach SageMaker in {region}: {one_line(str(error))}"
    if isinstance(error, boto.ReadTimeoutError):
        return f"SageMaker in {region} did not answer in time: {one_line(str(error))}"
    if isinstance(error, boto.ParamValidationError):
        return f"botocore rejected the request: {one_line(str(error))}"
    if isinstance(error, boto.ClientError):
        return _explain_client_error(error, name=name, region=region, role=role, kind=kind)
    if isinstance(error, ValueError):
        return f"cannot create the SageMaker client: {one_line(str(error))}"
    return one_line(str(error))


def _explain_client_error(error: Any, *, name: str, region: str, role: str | None, kind: str) -> str:
    details = error.response.get("Error", {})
    code = details.get("Code", "Unknown")
    message = one_line(details.get("Message") or "no message")
    operation = error.operation_name
    if code in ACCESS_DENIED:
        needs = f"sagemaker:{operation}" + (f", and iam:PassRole on {role}" if role else "")
        return f"{operation}: access denied ({code}): {message} (the caller needs {needs})"
    if code in BAD_CREDENTIALS:
        return f"{operation}: AWS rejected the credentials ({code}): {message}"
    if code in THROTTLED:
        attempts = error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
        return f"{operation}: throttled ({code}) after {attempts} attempts: {message}; try again later"
    if code == "ResourceInUse":
        return f"{operation}: a {kind} named {name} already exists in {region} ({code}): {message}"
    if code == "ResourceLimitExceeded":
        return (f"{operation}: an account quota is used up ({code}): {message}; wait for running jobs to end "
                "or ask for more in Service Quotas (Amazon SageMaker)")
    if code == "ValidationException":
        return f"{operation}: SageMaker rejected the request ({code}): {message}"
    return f"{operation} failed ({code}): {message}"


def one_line(text: str) -> str:
    return " ".join(text.split())
