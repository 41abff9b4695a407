"""A tiny scripted AWS endpoint on 127.0.0.1 for the answers moto never gives (quota and name
errors, access denied, throttling, a job that runs for a while)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator

import pytest

from tests.aws.moto_env import isolated_env

Reply = tuple[int, dict]


class ScriptedSageMaker:
    """An AWS endpoint (SageMaker, ECR for submit's image check, CloudWatch Logs) that answers
    each operation from a script: a list of (HTTP status, JSON body) used in turn, the last one
    repeated. before() runs actions in turn as an operation is called, before it is answered:
    that is how a test makes things happen while a job "runs"."""

    def __init__(self, env: dict[str, str]) -> None:
        self.replies: dict[str, list[Reply]] = {
            # ECR's answer to submit's image check, unless a test says otherwise: the image exists.
            "DescribeImages": [(200, {"imageDetails": [{}]})],
            # CloudWatch Logs: the job's log group does not exist until its first host logs.
            "DescribeLogStreams": [error("ResourceNotFoundException", "The specified log group does not exist.")],
        }
        self.actions: dict[str, list[Callable[[], None] | None]] = {}
        self.calls: list[tuple[str, dict]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.env = {**env, "AWS_ENDPOINT_URL": self.endpoint}

    def answer(self, operation: str, *replies: Reply) -> None:
        self.replies[operation] = list(replies)

    def before(self, operation: str, *actions: Callable[[], None] | None) -> None:
        self.actions[operation] = list(actions)

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]

    def bodies(self, operation: str) -> list[dict]:
        return [body for called, body in self.calls if called == operation]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                scripted.calls.append((operation, body))
                actions = scripted.actions.get(operation)
                if actions:
                    action = actions.pop(0)
                    if action is not None:
                        action()
                script = scripted.replies.get(operation) or [(500, {"__type": "InternalFailure", "message": "unscripted"})]
                status, reply = script.pop(0) if len(script) > 1 else script[0]
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def error(code: str, message: str) -> Reply:
    return 400, {"__type": code, "message": message}


@pytest.fixture
def scripted_sagemaker(tmp_path) -> Iterator[ScriptedSageMaker]:
    env = isolated_env(tmp_path, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    scripted = ScriptedSageMaker(env)
    thread = threading.Thread(target=scripted.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield scripted
    finally:
        scripted.server.shutdown()
        scripted.server.server_close()
        thread.join(timeout=10)
