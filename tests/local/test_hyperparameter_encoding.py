"""The README's table of what a script sees under each hyperparameter_encoding, row by row,
against real local runs: hyperparameters.json as written, the entry point's argument, its
SM_HP_* variable and its value in SM_HPS."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sagemaker_byoc.local import LocalOptions
from sagemaker_byoc.spec.hyperparameter_encoding import encode
from sagemaker_byoc.spec.source import parse_yaml

from .jobs import REPO_ROOT, job_document, read_dump, run_in_process, write_job

ENCODINGS = ("framework", "estimator", "model_trainer")
CELL = re.compile(r"`([^`]*)`|\(empty\)")


def _cell(text: str) -> str:
    match = CELL.fullmatch(text.strip())
    assert match, text
    return match[1] or ""


def readme_rows() -> list[dict[str, str]]:
    """The rows of the table under '### Hyperparameter encoding' whose header starts with job.yaml."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Hyperparameter encoding\n") :]
    section = section[: section.index("\n### ")]
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| job.yaml |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        value, encodings, file, argument, variable, hps = line.strip("|").split(" | ")
        for encoding in ENCODINGS if encodings.strip() == "all three" else encodings.split(", "):
            assert encoding.strip() in ENCODINGS, line
            rows.append({
                "value": _cell(value), "encoding": encoding.strip(), "file": _cell(file), "argument": _cell(argument),
                "variable": _cell(variable), "hps": _cell(hps),
            })  # fmt: skip
    return rows


ROWS = readme_rows()


def test_the_table_covers_each_value_under_each_encoding():
    values = {row["value"] for row in ROWS}
    assert len(values) >= 10
    for value in values:
        assert sorted(row["encoding"] for row in ROWS if row["value"] == value) == sorted(ENCODINGS), value


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[dict, dict]]:
    """One local run per encoding, each value of the table as hyperparameter h<index>."""
    values = list(dict.fromkeys(row["value"] for row in ROWS))
    seen = {}
    for encoding in ENCODINGS:
        root = tmp_path_factory.mktemp(encoding)
        hyperparameters = {f"h{index}": parse_yaml(value) for index, value in enumerate(values)}
        job = write_job(root / "job", job_document(hyperparameters=hyperparameters, hyperparameter_encoding=encoding))
        status, output = run_in_process(LocalOptions(job, workdir=root / "run", keep_runs=None))
        assert status == 0, output
        written = json.loads((root / "run" / "input" / "config" / "hyperparameters.json").read_text(encoding="utf-8"))
        seen[encoding] = ({values[int(k[1:])]: v for k, v in written.items()}, read_dump(root / "run"))
    return seen


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row['value']}-{row['encoding']}")
def test_a_row_of_the_readme_is_what_the_script_sees(runs, row):
    written, dump = runs[row["encoding"]]
    index = list(written).index(row["value"])
    name = f"h{index}"
    assert json.dumps(written[row["value"]]) == row["file"]
    arguments = dict(zip(dump["argv"][::2], dump["argv"][1::2], strict=True))
    assert arguments[f"--{name}"] == row["argument"]
    assert dump["env"][f"SM_HP_{name.upper()}"] == row["variable"]
    hps = json.loads(dump["env"]["SM_HPS"])
    assert json.dumps(hps[name], separators=(",", ":"), sort_keys=True) == row["hps"]


def test_a_path_sent_as_it_is_is_mapped_as_it_is(tmp_path: Path):
    """A container path under /opt/ml names the run's folder locally, written as it was sent."""
    for encoding in ENCODINGS:
        job = write_job(tmp_path / encoding, job_document(hyperparameters={"ckpt": "/opt/ml/checkpoints/a"}, hyperparameter_encoding=encoding))
        run = tmp_path / encoding / "run"
        status, output = run_in_process(LocalOptions(job, workdir=run, keep_runs=None))
        assert status == 0, output
        local = str((run / "checkpoints" / "a").resolve())
        written = json.loads((run / "input" / "config" / "hyperparameters.json").read_text(encoding="utf-8"))
        assert written == {"ckpt": encode(local, encoding)}, encoding
        assert read_dump(run)["argv"] == ["--ckpt", local], encoding
