"""The summary a local run prints after the attempt: file counts and sizes in binary units."""

from __future__ import annotations

import io
from pathlib import Path

from sagemaker_byoc.local.layout import RunTree
from sagemaker_byoc.local.summary import Outcome, print_summary


def summary_of(model_files: list[tuple[str, int]], tmp_path: Path) -> str:
    outcome = Outcome(
        label="attempt 1", tree=RunTree(tmp_path), exit_code=0, duration_s=1.5, success_file=True, failure=None,
        model_files=model_files, output_files=[], checkpoint_files=None, metrics=[], terminated_at_s=None, killed=False,
    )  # fmt: skip
    out = io.StringIO()
    print_summary(outcome, out)
    return out.getvalue()


def test_sizes_are_shown_in_the_largest_binary_unit_below_1024(tmp_path: Path):
    files = [("a.bin", 1023), ("b.bin", 1024), ("c.bin", 3 * 1024 * 1024 // 2), ("d.bin", 5 * 1024**4)]
    text = summary_of(files, tmp_path)
    assert "  model/: 4 files, 5120.0 GiB\n" in text, text  # GiB is the largest unit
    assert "    a.bin  1023 B\n" in text
    assert "    b.bin  1.0 KiB\n" in text
    assert "    c.bin  1.5 MiB\n" in text
    assert "    d.bin  5120.0 GiB\n" in text


def test_a_single_file_and_no_files_are_counted_in_words(tmp_path: Path):
    assert "  model/: 1 file, 7 B\n" in summary_of([("model.pt", 7)], tmp_path)
    text = summary_of([], tmp_path)
    assert "  model/: no files\n" in text
    assert "  output/data/: no files\n" in text
    assert "  exit status: 0 (succeeded); duration 1.50 s\n" in text
    assert "  outcome file: output/success\n" in text
