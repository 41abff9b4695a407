"""The allow-list's paths: every path is matched literally, whatever its characters."""

from __future__ import annotations

import fnmatch

import pytest

from sagemaker_byoc.compiler.build_context import render_dockerignore
from sagemaker_byoc.text.escape import dockerignore_literal as dockerignore_path


def _matches(pattern: str, path: str) -> bool:
    """Go's filepath.Match for one path segment run, as the builders read a pattern: a leading
    / stripped, a backslash escaping the next character."""
    body = pattern.removeprefix("/")
    translated, i = "", 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            translated += f"[{body[i + 1]}]" if body[i + 1] != "]" else "]"
            i += 2
            continue
        translated += c
        i += 1
    return fnmatch.fnmatchcase(path, translated)


@pytest.mark.parametrize("path", ["code", "src/train", "#notes", "!bang", "a*b", "q?", "br[ack]ets", "back\\slash"])
def test_a_path_matches_itself_and_not_its_glob_siblings(path):
    pattern = dockerignore_path(path)
    assert pattern.startswith("/")
    assert _matches(pattern, path)
    assert not _matches(pattern, path + "x")
    if any(c in path for c in "*?["):
        assert not _matches(pattern, path.replace("*", "Z").replace("?", "Z").replace("[", "Z"))


@pytest.mark.parametrize("path", ["two\nlines", " lead", "trail ", "cr\r"])
def test_characters_a_line_cannot_hold_become_single_character_wildcards(path):
    pattern = dockerignore_path(path)
    assert "\n" not in pattern and "\r" not in pattern
    assert pattern == pattern.strip()
    assert len(pattern) == len(path) + 1


def test_the_list_excludes_everything_then_admits_what_is_copied():
    text = render_dockerignore("header", ["requirements.txt", "generated/train"], "src")
    lines = text.splitlines()
    assert lines[0] == "# header"
    assert lines[2:6] == ["*", "!/requirements.txt", "!/generated/train", "!/src"]
    assert "/src/**/__pycache__" in lines and "/src/**/*.pyc" in lines


def test_a_header_with_a_line_break_stays_one_comment():
    text = render_dockerignore("from a\nb/job.yaml", [], "code")
    assert text.splitlines()[0] == "# from a\\x0ab/job.yaml"


def test_an_ignored_name_is_left_out_of_the_hash_as_a_folder_or_a_file(tmp_path):
    """The ignore file's patterns match a folder x.pyc (and all under it) and a file .git alike;
    the hash once read both, so a change the image could never show gave a new tag.
    tests/image/test_build_context.py checks the same against the real builder."""
    from sagemaker_byoc.compiler.build_inputs import code_files
    from sagemaker_byoc.compiler.pipeline import compile_job
    from tests.compiler.jobs import make_job

    job = make_job(tmp_path, files={
        "code/x.pyc/data.txt": "a", "code/pkg/old.pyo/inner.py": "b", "code/.git": "gitdir: ../x\n",
        "code/pkg/__pycache__": "c", "code/x.pycx/kept.txt": "d",
    })
    assert [p.relative_to(tmp_path / "code").as_posix() for p in code_files(tmp_path / "code")] == ["train.py", "x.pycx/kept.txt"]
    before = compile_job(job).rendered.image_uri
    for ignored in ("x.pyc/data.txt", "pkg/old.pyo/inner.py", ".git", "pkg/__pycache__"):
        (tmp_path / "code" / ignored).write_text("changed")
    assert compile_job(job).rendered.image_uri == before
    (tmp_path / "code" / "x.pycx" / "kept.txt").write_text("changed")
    assert compile_job(job).rendered.image_uri != before
