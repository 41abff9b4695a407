"""The pipeline runs one way (load, check, draft the requests, check them, render): an invalid
job renders no artifact, and its requests are drafted at most twice."""

from __future__ import annotations

import pytest

from sagemaker_byoc.compiler import pipeline
from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.spec import SpecError
from tests.compiler.jobs import make_job, with_lines


@pytest.fixture
def calls(monkeypatch):
    counted = {"draft": 0, "render": 0}

    def counting(name):
        real = getattr(pipeline, name)

        def wrapper(*args, **kwargs):
            counted[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(pipeline, name, wrapper)

    counting("draft")
    counting("render")
    return counted


def test_a_valid_job_is_drafted_once_and_rendered_once(tmp_path, calls):
    compiled = compile_job(make_job(tmp_path))
    assert calls == {"draft": 1, "render": 1}
    assert [a.name for a in compiled.rendered.artifacts][0] == "Dockerfile"


@pytest.mark.parametrize(
    ("lines", "drafts"),
    [
        (("spot: true",), 1),  # a semantic error: the job itself is drafted
        (("limits: {max_runtime: 40d}",), 1),  # an API rule's error
        (("spot: yes-please",), 2),  # the schema refused spot: one draft per stand-in
        (("resources: {instance_type: 7}", "spot: true"), 2),
    ],
)
def test_an_invalid_job_renders_nothing(tmp_path, calls, lines, drafts):
    with pytest.raises(SpecError):
        compile_job(make_job(tmp_path, with_lines(*lines)))
    assert calls == {"draft": drafts, "render": 0}


def test_a_refused_section_still_lets_the_api_rules_report_the_others(tmp_path, calls):
    """The stand-ins' drafts are checked: an API error outside the refused section is reported."""
    with pytest.raises(SpecError) as raised:
        compile_job(make_job(tmp_path, with_lines("spot: yes-please", "limits: {max_runtime: 40d}")))
    pointers = sorted(d.pointer for d in raised.value.errors)
    assert pointers == ["/limits/max_runtime", "/spot"]
    assert calls == {"draft": 2, "render": 0}
