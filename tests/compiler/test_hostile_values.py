"""The artifacts mean exactly what job.yaml says: every value that reaches the Dockerfile, a
script or a comment is escaped for its context (text/escape.py) or refused at its line.

Regression tests for each case found by trying hostile names, then properties that draw hostile
strings for every rendered field and job path and check the meaning: the Dockerfile parsed by
Docker's own parser (the `dockerfile` package) and read back through a model of Docker's word
processing, the scripts checked with `sh -n` under dash and bash and run against recording
stand-ins for aws and docker with a canary that must never appear.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import dockerfile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagemaker_byoc.compiler.render import _templates
from sagemaker_byoc.text import escape
from tests.compiler.docker_words import docker_word
from tests.compiler.jobs import MINIMAL, make_job, run_compiler

CANARY = "CANARY"
PAYLOADS = [
    f"x\ntouch {CANARY}\n#",
    f"$(touch {CANARY})",
    f"`touch {CANARY}`",
    f"'; touch {CANARY}; '",
    f'"; touch {CANARY}; "',
    f"\\\ntouch {CANARY}",
    f"x\rtouch {CANARY}",
    f"x\u2028touch {CANARY}",
]

AWS_STANDIN = """#!/bin/sh
case "$*" in
*get-login-password*) echo password ;;
*--query*) echo MUTABLE ;;
esac
exit 0
"""
# One file per call, its arguments NUL-terminated: a file name may hold any other byte.
DOCKER_STANDIN = """#!/bin/sh
calls=$(ls "$RECORD" | wc -l)
printf '%s\\0' "$@" >"$RECORD/$((calls + 1))"
cat >/dev/null
exit 0
"""


def dockerfile_of(out: Path) -> list[dockerfile.Command]:
    return list(dockerfile.parse_string((out / "Dockerfile").read_text()))


def env_value(commands: list[dockerfile.Command], name: str) -> str:
    for command in commands:
        if command.cmd == "ENV":
            pairs = dict(zip(command.value[::2], command.value[1::2]))
            if name in pairs:
                return docker_word(pairs[name])
    raise AssertionError(f"no ENV {name}")


def copy_sources(commands: list[dockerfile.Command]) -> list[str]:
    return [docker_word(c.value[0]) for c in commands if c.cmd == "COPY"]


def run_build_script(script: Path, cwd: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    """build_and_push.sh with stand-ins for aws and docker; returns the arguments of docker build."""
    bin_dir = Path(tempfile.mkdtemp(dir=cwd))
    for name, body in (("aws", AWS_STANDIN), ("docker", DOCKER_STANDIN)):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    record = bin_dir / "record"
    record.mkdir()
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "RECORD": str(record), "HOME": str(cwd)}
    result = subprocess.run(["sh", str(script)], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    files = sorted(record.iterdir(), key=lambda call: int(call.name))
    calls = [call.read_bytes().decode().split("\0")[:-1] for call in files]
    return result, next((call for call in calls if call[0] == "build"), [])


# --- the rule: a template cannot print a value it did not escape -----------------------------


def test_a_template_printing_a_raw_value_fails_to_render():
    with pytest.raises(TypeError, match="without naming its context"):
        _templates().from_string("RUN {{ value }}").render(value="x")
    assert _templates().from_string("RUN {{ value | sh }}").render(value="a b") == "RUN 'a b'"


@pytest.mark.parametrize(
    ("value", "shell_word"),
    [("plain-1.0", "plain-1.0"), ("a b", "'a b'"), ("it's", "'it'\\''s'"), ("$(x)", "'$(x)'"), ("", "''"), ("a\nb", "'a\nb'")],
)
def test_sh_quotes_exactly_what_needs_it(value, shell_word):
    assert escape.sh(value) == shell_word
    assert subprocess.run(["sh", "-c", f"printf %s {escape.sh(value)}"], capture_output=True, text=True).stdout == value


def test_comment_is_one_line_whatever_the_text():
    assert escape.comment("a\nb\\c\u2028d\x7f") == "a\\x0ab\\\\c\\u2028d\\x7f"


# --- regression: one test per case found -----------------------------------------------------


@pytest.mark.parametrize("name", ["job\ntouch CANARY\n#.yaml", "job$(touch CANARY).yaml", "job`touch CANARY`.yaml"])
def test_a_hostile_job_file_name_stays_in_the_comments(tmp_path, name):
    job_dir = tmp_path / "d"
    make_job(job_dir)
    job = job_dir / name
    (job_dir / "job.yaml").rename(job)
    result = run_compiler("compile", job)
    assert result.returncode == 0, result.stderr
    out = job_dir / "generated"
    for artifact in ("Dockerfile", "train", "build_and_push.sh", "Dockerfile.dockerignore"):
        lines = (out / artifact).read_text().splitlines()
        assert not any(line.strip().startswith(("touch", "#.yaml")) for line in lines), artifact
    for shell in ("dash", "bash"):
        for script in ("train", "build_and_push.sh"):
            assert subprocess.run([shell, "-n", str(out / script)], capture_output=True).returncode == 0
    result, docker_args = run_build_script(out / "build_and_push.sh", tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / CANARY).exists() and not (job_dir / CANARY).exists()
    assert docker_args[-1] == str(job_dir)


def test_a_hostile_job_directory_compiled_elsewhere_is_quoted_in_the_script(tmp_path):
    job_dir = tmp_path / f"d$(touch {CANARY})"
    job = make_job(job_dir)
    out = tmp_path / "out"
    result = run_compiler("compile", job, "-o", out)
    assert result.returncode == 0, result.stderr
    result, docker_args = run_build_script(out / "build_and_push.sh", tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / CANARY).exists()
    assert docker_args[-1] == str(job_dir)  # the build context, with its name intact


@pytest.mark.parametrize("entry_point", ["my train.py", "tr$HOME.py", "it's.py", 'say "hi".py', "back\\slash.py", "ünï.py"])
def test_odd_entry_points_are_refused_at_compile_time_as_train_would(tmp_path, entry_point):
    # train (as the toolkit) refuses these names when the job starts; the compiler says so first.
    job = make_job(tmp_path, MINIMAL.replace("entry_point: train.py", f"entry_point: {yaml_string(entry_point)}"),
                   files={f"code/{entry_point}": "print(1)\n"})
    result = run_compiler("compile", job)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{job}:8:14: error: entry_point " in result.stderr and "rename the script" in result.stderr
    assert not (tmp_path / "generated").exists()


def test_an_entry_point_cannot_add_instructions(tmp_path):
    entry_point = "x\nRUN touch /pwned\nENV A="
    job = make_job(tmp_path, MINIMAL.replace("entry_point: train.py", f"entry_point: {yaml_string(entry_point)}"))
    (tmp_path / "code" / entry_point).parent.mkdir(parents=True)
    (tmp_path / "code" / entry_point).write_text("print(1)\n")
    result = run_compiler("compile", job)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{job}:8:14: error: entry_point " in result.stderr
    assert "'\\n'" in result.stderr  # the line break, named
    assert not (tmp_path / "generated").exists()


@pytest.mark.parametrize(("source_dir", "requirements"), [("my code", "my reqs.txt"), ("it's $dir", "r\"q's.txt"), ("ü code", "ü.txt")])
def test_paths_with_spaces_quotes_and_dollars_are_copied_literally(tmp_path, source_dir, requirements):
    text = MINIMAL.replace("entry_point: train.py", f"source_dir: {yaml_string(source_dir)}\nentry_point: train.py")
    text = text.replace("  repository: demo/train", f"  repository: demo/train\n  requirements: {yaml_string(requirements)}")
    job = make_job(tmp_path, text, files={f"{source_dir}/train.py": "print(1)\n", requirements: "numpy\n"})
    result = run_compiler("compile", job)
    assert result.returncode == 0, result.stderr
    assert copy_sources(dockerfile_of(tmp_path / "generated")) == [requirements, "generated/train", f"{source_dir}/"]


@pytest.mark.parametrize("source_dir", ["code*", "co?de", "[code]"])
def test_a_source_dir_docker_would_read_as_a_pattern_is_refused(tmp_path, source_dir):
    text = MINIMAL.replace("entry_point: train.py", f"source_dir: {yaml_string(source_dir)}\nentry_point: train.py")
    job = make_job(tmp_path, text, files={f"{source_dir}/train.py": "print(1)\n"})
    result = run_compiler("compile", job)
    assert result.returncode == 2
    assert f"{job}:8:13: error: cannot be written into the Dockerfile:" in result.stderr and "as a pattern" in result.stderr


@pytest.mark.parametrize(
    ("key", "line", "value"),
    [
        ("account", 3, '"123456789012\\n"'),
        ("region", 4, '"us-east-1\\n"'),
        ("name", 2, '"demo\\n"'),
    ],
)
def test_a_trailing_line_break_fails_the_whole_string_rule_at_its_own_line(tmp_path, key, line, value):
    text = "\n".join(f"{key}: {value}" if row.startswith(f"{key}:") else row for row in MINIMAL.splitlines()) + "\n"
    result = run_compiler("validate", make_job(tmp_path, text))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"{tmp_path / 'job.yaml'}:{line}:"), result.stderr
    assert f"(at /{key})" in result.stderr and "/image/tag" not in result.stderr


@pytest.mark.parametrize(("image_line", "pointer"), [('  apt: ["libgl1\\n"]', "/image/apt/0"), ('  python: "3.11.4\\n"', "/image/python"),
                                                     ('  python: "3.11\\n"', "/image/python"), ('  repository: "demo/train\\n"', "/image/repository")])
def test_image_values_with_a_trailing_line_break_are_refused(tmp_path, image_line, pointer):
    text = MINIMAL.replace("  repository: demo/train", image_line if "repository" in image_line else f"  repository: demo/train\n{image_line}")
    result = run_compiler("validate", make_job(tmp_path, text))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"(at {pointer})" in result.stderr


def test_a_source_dir_link_out_of_the_job_directory_is_refused(tmp_path):
    outside = tmp_path / "outside"
    (outside).mkdir()
    (outside / "train.py").write_text("print(1)\n")
    job = make_job(tmp_path / "job", MINIMAL.replace("entry_point: train.py", "source_dir: linked\nentry_point: train.py"))
    (tmp_path / "job" / "linked").symlink_to(outside)
    result = run_compiler("compile", job)
    assert result.returncode == 2
    assert f"{job}:8:13: error: source_dir 'linked' must stay inside the job's directory (links resolved)" in result.stderr


def test_an_entry_point_link_out_of_source_dir_is_refused(tmp_path):
    job = make_job(tmp_path / "job")
    (tmp_path / "elsewhere.py").write_text("print(1)\n")
    (tmp_path / "job" / "code" / "train.py").unlink()
    (tmp_path / "job" / "code" / "train.py").symlink_to(tmp_path / "elsewhere.py")
    result = run_compiler("compile", job)
    assert result.returncode == 2 and "entry_point 'train.py' must be a path inside source_dir (links resolved)" in result.stderr


@pytest.mark.parametrize("kind", ["dangling link", "pipe", "link out"])
def test_a_code_tree_the_image_cannot_receive_is_refused_without_hanging(tmp_path, kind):
    job = make_job(tmp_path / "job")
    target = tmp_path / "job" / "code" / "odd"
    if kind == "dangling link":
        target.symlink_to(tmp_path / "nowhere")
    elif kind == "pipe":
        os.mkfifo(target)
    else:
        (tmp_path / "secret.txt").write_text("x")
        target.symlink_to(tmp_path / "secret.txt")
    result = run_compiler("compile", job)  # a pipe read whole would hang here (run_compiler has no timeout: the suite's)
    assert result.returncode == 2, result.stderr
    assert f"{job}:8:14: error: the code tree cannot go into the image: odd is " in result.stderr


def test_source_dir_dot_keeps_its_tag_across_compiles_and_runs(tmp_path):
    job = make_job(tmp_path, MINIMAL.replace("entry_point: train.py", "source_dir: .\nentry_point: code/train.py"))
    assert run_compiler("compile", job).returncode == 0
    first = (tmp_path / "generated" / "build_and_push.sh").read_text()
    (tmp_path / ".local" / "run1").mkdir(parents=True)
    (tmp_path / ".local" / "run1" / "log.txt").write_text("a run\n")
    assert run_compiler("compile", job).returncode == 0
    assert (tmp_path / "generated" / "build_and_push.sh").read_text() == first
    check = run_compiler("check", job)
    assert check.returncode == 0, check.stderr
    ignore = (tmp_path / "generated" / "Dockerfile.dockerignore").read_text().splitlines()
    assert "/generated" in ignore and "/.local" in ignore and "!/generated/train" in ignore


@pytest.mark.parametrize("channel", [".", ".."])
def test_channel_names_dot_and_dot_dot_are_refused(tmp_path, channel):
    text = MINIMAL + f"inputs:\n  '{channel}': s3://bucket/x/\n"
    result = run_compiler("validate", make_job(tmp_path, text))
    assert result.returncode == 2 and f"{tmp_path / 'job.yaml'}:12:3: error: key" in result.stderr
    assert "neither . nor .." in result.stderr


def test_output_pointing_at_a_file_is_an_error_and_the_file_stays(tmp_path):
    job = make_job(tmp_path / "job")
    target = tmp_path / "job" / "out"
    target.write_text("mine\n")
    result = run_compiler("compile", job, "-o", target)
    assert result.returncode == 2 and result.stderr == f"{job}: error: {target} is not a directory\n"
    assert target.read_text() == "mine\n"


def test_an_output_folder_with_a_directory_named_like_an_artifact_is_left_as_it_was(tmp_path):
    job = make_job(tmp_path / "job")
    out = tmp_path / "job" / "generated"
    out.mkdir()
    old = "# Code generated by sagemaker-byoc from ../job.yaml. DO NOT EDIT.\nold\n"
    (out / "Dockerfile").write_text(old)
    (out / "train").mkdir()
    result = run_compiler("compile", job)
    assert result.returncode == 2
    assert result.stderr == f"{job}: error: {out / 'train'} is a directory; the artifact train cannot replace it\n"
    assert (out / "Dockerfile").read_text() == old and sorted(p.name for p in out.iterdir()) == ["Dockerfile", "train"]
    assert not [p for p in (tmp_path / "job").iterdir() if p.name.startswith(".generated.")]


# --- properties: hostile strings in every rendered field ----------------------------------------

hostile_text = st.text(
    st.one_of(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00/"), st.sampled_from("$'\"\\`\n\r;&|*?[] ")),
    min_size=1,
    max_size=16,
).filter(lambda s: s not in (".", "..") and not s.startswith("-"))
hostile = st.one_of(hostile_text, st.sampled_from([p.replace("/", "_") for p in PAYLOADS]))


def yaml_string(value: str) -> str:
    """A YAML double-quoted scalar for any text: printable ASCII as it is, everything else as a
    \\UXXXXXXXX escape (never JSON's surrogate pairs, which YAML reads as two halves)."""
    return '"' + "".join(c if " " <= c <= "~" and c not in '"\\' else f"\\U{ord(c):08x}" for c in value) + '"'


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(entry_stem=hostile, source_dir=hostile, requirements=hostile, job_name=hostile, dir_name=hostile)
def test_hostile_names_are_refused_at_their_line_or_mean_what_they_say(tmp_path_factory, entry_stem, source_dir, requirements, job_name, dir_name):
    root = tmp_path_factory.mktemp("hostile")
    try:
        job_dir = root / dir_name
        job_dir.mkdir()
        entry_point = entry_stem + ".py"
        for name in (source_dir, requirements):
            if name in (entry_point,):
                return
        text = MINIMAL.replace("entry_point: train.py", f"source_dir: {yaml_string(source_dir)}\nentry_point: {yaml_string(entry_point)}")
        text = text.replace("  repository: demo/train", f"  repository: demo/train\n  requirements: {yaml_string(requirements)}")
        (job_dir / source_dir).mkdir()
        (job_dir / source_dir / entry_point).write_text("print(1)\n")
        if (job_dir / requirements).exists():
            return
        (job_dir / requirements).write_text("numpy\n")
        job = job_dir / (job_name + ".yaml")
        job.write_text(text)
    except OSError:
        return  # a name the file system refuses
    result = run_compiler("compile", job)
    assert "Traceback" not in result.stderr, result.stderr
    out = job_dir / "generated"
    if result.returncode != 0:
        assert result.returncode == 2
        lines = result.stderr.splitlines()
        shown = escape.comment(str(job))
        assert lines and all(line.startswith(f"{shown}:") and (": error: " in line or ": warning: " in line) for line in lines), lines
        assert not out.exists()
        return
    commands = dockerfile_of(out)
    assert [c.cmd for c in commands] == ["FROM", "COPY", "RUN", "ENV", "COPY", "WORKDIR", "COPY", "CMD", "LABEL"]
    assert env_value(commands, "SAGEMAKER_PROGRAM") == entry_point
    assert copy_sources(commands) == [requirements, "generated/train", f"{source_dir}/"]
    labels = next(c for c in commands if c.cmd == "LABEL").value
    assert docker_word(labels[1]) == escape.comment(job.name)
    for shell in ("dash", "bash"):
        for script in ("train", "build_and_push.sh"):
            checked = subprocess.run([shell, "-n", str(out / script)], capture_output=True, text=True)
            assert checked.returncode == 0, checked.stderr
    run, docker_args = run_build_script(out / "build_and_push.sh", root)
    assert run.returncode == 0, run.stderr
    assert not list(root.rglob(CANARY)), "the canary was created"
    assert docker_args[-1] == str(job_dir)
    shutil.rmtree(root, ignore_errors=True)


# Every other string of job.yaml that reaches the Dockerfile or build_and_push.sh, with the line
# of MINIMAL (or of the line added for it) where a refusal must point.
PATTERNED_FIELDS = {
    "name": ("name: {}", "/name"),
    "account": ("account: {}", "/account"),
    "region": ("region: {}", "/region"),
    "repository": ("  repository: {}", "/image/repository"),
    "tag": ("  repository: demo/train\n  tag: {}", "/image/tag"),
    "apt": ("  repository: demo/train\n  apt: [{}]", "/image/apt/0"),
    "pip": ("  repository: demo/train\n  pip: [{}]", "/image/pip/0"),
    "python": ("  repository: demo/train\n  python: {}", "/image/python"),
    "base_image": ("  repository: demo/train\n  base_image: {}", "/image/base_image"),
}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(field=st.sampled_from(sorted(PATTERNED_FIELDS)), value=st.one_of(hostile, st.sampled_from(PAYLOADS)))
def test_every_rendered_field_is_refused_at_its_line_or_harmless(tmp_path_factory, field, value):
    root = tmp_path_factory.mktemp("field")
    line, pointer = PATTERNED_FIELDS[field]
    prefix = line.split("{}")[0].split("\n")[0].strip()
    rows = [line.format(yaml_string(value)) if row.strip().startswith(prefix) else row for row in MINIMAL.splitlines()]
    job = make_job(root, "\n".join(rows) + "\n")
    result = run_compiler("compile", job)
    assert "Traceback" not in result.stderr, result.stderr
    out = root / "generated"
    if result.returncode != 0:
        assert result.returncode == 2 and f"(at {pointer}" in result.stderr, result.stderr
        assert not out.exists()
        return
    commands = dockerfile_of(out)
    assert commands[0].cmd == "FROM" and [c.cmd for c in commands][-4:] == ["WORKDIR", "COPY", "CMD", "LABEL"]
    if field == "pip":
        assert next(c for c in commands if c.cmd == "RUN").value[-1] == value
    for shell in ("dash", "bash"):
        checked = subprocess.run([shell, "-n", str(out / "build_and_push.sh")], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
    run, docker_args = run_build_script(out / "build_and_push.sh", root)
    assert run.returncode == 0, run.stderr
    assert not list(root.rglob(CANARY)), "the canary was created"
    assert docker_args[-1] == str(root)


@pytest.mark.parametrize("code_point", [0x80, 0x85, 0x9F, 0x2028, 0x2029, 0x00, 0x1F, 0x7F])
def test_c1_controls_and_unicode_separators_are_line_breakers_everywhere(code_point):
    """NEL (U+0085) and the other C1 controls end a line for some readers: a comment shows them
    as escapes, and a Dockerfile instruction refuses them."""
    char = chr(code_point)
    assert escape.has_line_breakers(f"a{char}b")
    assert char not in escape.comment(f"a{char}b")
    with pytest.raises(escape.Unrepresentable):
        escape.dockerfile_value(f"a{char}b")
    assert not escape.has_line_breakers("a\u00a0b\u00e9")  # the first characters past C1 are text
