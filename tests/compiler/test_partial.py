"""spec/partial.py: a refused section cannot be read by accident, and a check that reads it
reports nothing while the others report everything."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from sagemaker_byoc.spec.partial import UNCHECKED, PartialDocument, Unchecked, findings_of, section

DOCUMENT = {"name": "demo", "spot": "yes", "tags": {"team": "a"}}


def test_a_partial_document_shows_the_accepted_sections_and_refuses_the_others():
    data = PartialDocument(DOCUMENT, {"spot"})
    assert dict(data) == {"name": "demo", "tags": {"team": "a"}}
    assert data["name"] == "demo" and data.get("tags") == {"team": "a"} and "name" in data and "other" not in data
    for read in (lambda: data["spot"], lambda: data.get("spot"), lambda: "spot" in data):
        with pytest.raises(Unchecked):
            read()


def test_section_builds_an_accepted_section_and_leaves_a_refused_one_unchecked():
    data = PartialDocument(DOCUMENT, {"spot"})
    assert section(data, "name", lambda: data["name"].upper()) == "DEMO"
    assert section(data, "spot", lambda: data["spot"]) is UNCHECKED
    assert section(DOCUMENT, "spot", lambda: DOCUMENT["spot"]) == "yes"


@pytest.mark.parametrize(
    "use",
    [
        lambda v: bool(v),
        lambda v: v.instance_type,
        lambda v: list(v),
        lambda v: v["key"],
        lambda v: v == 1,
        lambda v: v < 1,
        lambda v: f"{v}",
        lambda v: len(v),
        lambda v: "x" in v,
        lambda v: v + 1,
        lambda v: Path("/job") / v,
        lambda v: os.fspath(v),
    ],
)
def test_any_use_of_an_unchecked_section_is_refused(use):
    with pytest.raises(Unchecked):
        use(UNCHECKED)


def test_a_check_that_reads_a_refused_section_reports_nothing_even_through_c_functions():
    def reads(value):
        def check():
            yield "before"
            yield value()
        return check

    assert findings_of(reads(lambda: "fine")) == ["before", "fine"]
    assert findings_of(reads(lambda: UNCHECKED.max_wait)) == []
    assert findings_of(reads(lambda: re.fullmatch("x", UNCHECKED))) == []
    assert findings_of(reads(lambda: json.dumps(UNCHECKED))) == []


def test_a_type_error_of_a_check_itself_is_not_hidden():
    def broken():
        yield len(5)

    with pytest.raises(TypeError):
        findings_of(broken)
