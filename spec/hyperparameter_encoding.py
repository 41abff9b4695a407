"""How a hyperparameter value becomes the request's string: the SageMaker Python SDK's three
encodings, by the names job.yaml's `hyperparameter_encoding` gives them.

Scripts that read argv or SM_* see much the same values under each, as train (like the
toolkit) decodes every value with json.loads and keeps the text where that fails; a program
that reads /opt/ml/input/config/hyperparameters.json itself sees the strings as sent. The
formulas are the SDK's own (tests/sdk compares the requests with the SDK's):

- framework: the v2 framework estimators (PyTorch, TensorFlow, ...): `json.dumps(value)`;
- estimator: the v2 generic `Estimator`: Python's `str(value)` (`True`, `None`, `['a', 'b']`);
- model_trainer: v3's `ModelTrainer`: a string as it is, anything else `json.dumps(value)`.
"""

from __future__ import annotations

import json
from typing import Any

FRAMEWORK = "framework"
ESTIMATOR = "estimator"
MODEL_TRAINER = "model_trainer"
DEFAULT = FRAMEWORK

# Each encoding, as explain words the rule that derived a value.
ENCODINGS = {
    FRAMEWORK: "json.dumps(value), as the SDK's framework estimators (PyTorch, TensorFlow, ...) send it",
    ESTIMATOR: "str(value), as the SDK's generic Estimator sends it",
    MODEL_TRAINER: "a string as it is, anything else json.dumps(value), as the SDK v3's ModelTrainer sends it",
}


def encode(value: Any, encoding: str = DEFAULT) -> str:
    """The request's string for a job.yaml value (plain JSON data: str, int, float, bool,
    None, lists and mappings of them)."""
    if encoding == ESTIMATOR:
        return str(value)
    if encoding == MODEL_TRAINER and isinstance(value, str):
        return value
    return json.dumps(value)
