"""image.pip_index_url and image.extra_index_urls: package indexes named in job.yaml, checked by
a whole-string rule, and given to every pip install of the image (image.pip, image.requirements,
source_dir's requirements.txt, MPI's mpi4py); and pip options inside `pip:` entries refused at
their line with a hint naming those keys.

The Dockerfile is read back with Docker's own parser: a JSON-form RUN's words as Docker passes
them, a shell-form RUN's words as sh splits them (shlex in POSIX mode).
"""

from __future__ import annotations

import shlex
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagemaker_byoc.compiler.pipeline import compile_job
from tests.compiler.jobs import MINIMAL, make_job, run_compiler
from tests.compiler.test_hostile_values import PAYLOADS, dockerfile_of, hostile, yaml_string

TORCH_CPU = "https://download.pytorch.org/whl/cpu"
MIRROR = "https://pypi.example.com:8443/simple/"
IMAGE_LINE = "  repository: demo/train"


def with_image(*lines: str, text: str = MINIMAL) -> str:
    """MINIMAL with more keys under image:, after repository (line 7), from line 8 on."""
    return text.replace(IMAGE_LINE, "\n".join((IMAGE_LINE, *lines)))


def pip_runs(commands) -> list[list[str]]:
    """The words of every RUN that installs with pip, in the order of the Dockerfile."""
    runs = []
    for command in commands:
        if command.cmd != "RUN":
            continue
        words = list(command.value) if command.json else shlex.split(command.value[0])
        if words[:4] == ["python3", "-m", "pip", "install"]:
            runs.append(words)
    return runs


def index_options(words: list[str]) -> list[tuple[str, str]]:
    """The (option, URL) pairs of a pip command line, in order."""
    return [(word, words[i + 1]) for i, word in enumerate(words) if word in ("--index-url", "--extra-index-url")]


def errors_of(result) -> list[str]:
    assert "Traceback" not in result.stderr, result.stderr
    return [line for line in result.stderr.splitlines() if ": error: " in line]


def test_every_pip_install_of_the_image_gets_the_indexes(tmp_path):
    text = with_image(
        "  pip: [torch==2.13.0+cpu]",
        "  requirements: requirements.txt",
        f"  pip_index_url: {MIRROR}",
        f"  extra_index_urls: [{TORCH_CPU}, https://example.org/wheels]",
    ) + "distribution: {type: mpi}\nresources: {instance_type: ml.c5.xlarge, instance_count: 2}\n"
    job = make_job(tmp_path, text, files={"requirements.txt": "numpy==2.1.3\n", "code/requirements.txt": "pandas==2.2.3\n"})
    result = run_compiler("compile", job)
    assert result.returncode == 0, result.stderr
    runs = pip_runs(dockerfile_of(tmp_path / "generated"))
    # The job's requirements file, image.pip with MPI's mpi4py, source_dir's requirements.txt.
    assert [run[-1] for run in runs] == ["/tmp/requirements/job.txt", "mpi4py==4.1.2", "/tmp/requirements/code.txt"]
    expected = [("--index-url", MIRROR), ("--extra-index-url", TORCH_CPU), ("--extra-index-url", "https://example.org/wheels")]
    assert [index_options(run) for run in runs] == [expected] * 3
    assert "torch==2.13.0+cpu" in runs[1]
    # For that RUN only: nothing in the image's environment names an index.
    dockerfile = (tmp_path / "generated" / "Dockerfile").read_text()
    assert "PIP_INDEX_URL" not in dockerfile and "PIP_EXTRA_INDEX_URL" not in dockerfile


def test_without_indexes_pip_installs_as_before(tmp_path):
    job = make_job(tmp_path, with_image("  pip: [numpy==2.1.3]"), files={"code/requirements.txt": "pandas==2.2.3\n"})
    assert run_compiler("compile", job).returncode == 0
    runs = pip_runs(dockerfile_of(tmp_path / "generated"))
    assert runs == [["python3", "-m", "pip", "install", "--no-cache-dir", "numpy==2.1.3"],
                    ["python3", "-m", "pip", "install", "--no-cache-dir", "-r", "/tmp/requirements/code.txt"]]


def test_an_index_is_a_build_input(tmp_path):
    """Another index can give other files for the same pins: the image's tag changes with it."""
    first = compile_job(make_job(tmp_path / "a", with_image("  pip: [torch==2.13.0]"))).rendered.image_uri
    second = compile_job(make_job(tmp_path / "b", with_image("  pip: [torch==2.13.0]", f"  extra_index_urls: [{TORCH_CPU}]")))
    assert second.rendered.image_uri != first


def test_the_model_holds_the_indexes_and_defaults_to_none(tmp_path):
    job = compile_job(make_job(tmp_path, with_image(f"  pip_index_url: {MIRROR}", f"  extra_index_urls: [{TORCH_CPU}]"))).job
    assert (job.image.pip_index_url, job.image.extra_index_urls) == (MIRROR, (TORCH_CPU,))
    plain = compile_job(make_job(tmp_path / "plain")).job
    assert (plain.image.pip_index_url, plain.image.extra_index_urls) == (None, ())


@pytest.mark.parametrize(
    ("line", "column", "pointer"),
    [
        ("  pip_index_url: http://download.pytorch.org/whl/cpu", 18, "/image/pip_index_url"),
        ("  pip_index_url: download.pytorch.org/whl/cpu", 18, "/image/pip_index_url"),
        ('  pip_index_url: "https://download.pytorch.org/whl/cpu\\n"', 18, "/image/pip_index_url"),
        ("  pip_index_url: https://download.pytorch.org/whl/cpu?x=1", 18, "/image/pip_index_url"),
        ("  pip_index_url: https://download.pytorch.org/whl/cpu#frag", 18, "/image/pip_index_url"),
        ("  pip_index_url: 'https://download.pytorch.org/whl/cpu --trusted-host evil'", 18, "/image/pip_index_url"),
        ("  extra_index_urls: [https://download.pytorch.org/whl/cpu, 'https://x.org/$(id)']", 60, "/image/extra_index_urls/1"),
        ("  extra_index_urls: https://download.pytorch.org/whl/cpu", 21, "/image/extra_index_urls"),
        (f"  extra_index_urls: [{TORCH_CPU}, {TORCH_CPU}]", 21, "/image/extra_index_urls"),
    ],
)
def test_a_bad_index_url_is_refused_at_its_line_and_column(tmp_path, line, column, pointer):
    job = make_job(tmp_path, with_image(line))
    result = run_compiler("compile", job)
    assert result.returncode == 2
    errors = errors_of(result)
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"{job}:8:{column}: error: ") and errors[0].endswith(f"(at {pointer})"), errors
    assert not (tmp_path / "generated").exists()


@pytest.mark.parametrize(
    ("url", "pointer"),
    [
        ("https://aws:s3cr3tT0kenValue@my-domain-123456789012.d.codeartifact.us-east-1.amazonaws.com/pypi/repo/simple/", "/image/pip_index_url"),
        ("https://s3cr3tT0kenValue@pypi.fury.io/me/", "/image/pip_index_url"),
        ("https://aws:${CODEARTIFACT_AUTH_TOKEN}@my-domain-123456789012.d.codeartifact.us-east-1.amazonaws.com/pypi/r/simple/",
         "/image/pip_index_url"),
    ],
)
def test_credentials_in_an_index_url_are_refused_and_never_shown(tmp_path, url, pointer):
    """A token in the URL would be written into the Dockerfile and every build log; the message
    says why, without repeating it."""
    job = make_job(tmp_path, with_image(f"  pip_index_url: '{url}'"))
    result = run_compiler("validate", job)
    assert result.returncode == 2
    errors = errors_of(result)
    assert errors and all(f"{job}:8:18: error: " in error and f"(at {pointer})" in error for error in errors), result.stderr
    assert "s3cr3t" not in result.stderr and "CODEARTIFACT_AUTH_TOKEN" not in result.stderr
    assert any("without credentials" in error for error in errors), errors


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ("torch --index-url https://download.pytorch.org/whl/cpu", "image.pip_index_url"),
        ("torch==2.13.0 -i https://download.pytorch.org/whl/cpu", "image.pip_index_url"),
        ("--index-url=https://download.pytorch.org/whl/cpu", "image.pip_index_url"),
        ("--extra-index-url https://download.pytorch.org/whl/cpu", "image.extra_index_urls"),
        ("torch\t--extra-index-url=https://download.pytorch.org/whl/cpu", "image.extra_index_urls"),
        ("numpy==2.1.3 --pre", "image.extra_index_urls"),
    ],
)
def test_a_pip_option_inside_a_pip_entry_is_refused_with_the_keys_to_use(tmp_path, entry, key):
    """pip would read the whole entry as one requirement and fail at build time; validate says
    so at the entry, and names the keys that hold indexes."""
    job = make_job(tmp_path, with_image(f"  pip: [numpy==2.1.3, {yaml_string(entry)}]"))
    result = run_compiler("validate", job)
    assert result.returncode == 2
    errors = errors_of(result)
    assert len(errors) == 1 and errors[0].startswith(f"{job}:8:23: error: "), result.stderr
    assert "(at /image/pip/1)" in errors[0]
    assert "image.pip_index_url" in errors[0] and "image.extra_index_urls" in errors[0] and key in errors[0]


@pytest.mark.parametrize("entry", ["torch==2.13.0+cpu", "foo[bar]>=1.0; python_version < '3.12'", "pkg @ https://example.com/pkg-1.0-py3-none-any.whl",
                                   "name-with-dashes==1.0", "x ; platform_release >= '5.4.0-1'"])
def test_requirement_specifiers_with_dashes_are_not_options(tmp_path, entry):
    job = make_job(tmp_path, with_image(f"  pip: [{yaml_string(entry)}]"))
    result = run_compiler("compile", job)
    assert result.returncode == 0, result.stderr
    assert pip_runs(dockerfile_of(tmp_path / "generated"))[0][-1] == entry


# Index URLs from hostile pieces: a well-formed start, then anything; and hostile text alone.
hostile_url = st.one_of(
    st.builds(lambda tail: "https://download.pytorch.org/" + tail, st.one_of(hostile, st.sampled_from(PAYLOADS))),
    st.builds(lambda host: "https://" + host, hostile),
    hostile,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(url=hostile_url, as_extra=st.booleans())
def test_a_hostile_index_url_is_refused_at_its_line_or_reaches_pip_intact(tmp_path_factory, url, as_extra):
    root = tmp_path_factory.mktemp("index")
    line = f"  extra_index_urls: [{yaml_string(url)}]" if as_extra else f"  pip_index_url: {yaml_string(url)}"
    pointer = "/image/extra_index_urls" if as_extra else "/image/pip_index_url"
    job = make_job(root, with_image("  pip: [numpy==2.1.3]", line), files={"code/requirements.txt": "pandas==2.2.3\n"})
    result = run_compiler("compile", job)
    out = root / "generated"
    if result.returncode != 0:
        assert result.returncode == 2 and errors_of(result), result.stderr
        assert all(f"(at {pointer}" in error and error.startswith(f"{job}:9:") for error in errors_of(result)), result.stderr
        assert not out.exists()
        return
    assert "@" not in url and url.startswith("https://")
    option = "--extra-index-url" if as_extra else "--index-url"
    commands = dockerfile_of(out)
    runs = pip_runs(commands)
    assert [index_options(run) for run in runs] == [[(option, url)]] * 2
    # The shell-form RUN is one command: sh -n reads it, and its words are the ones checked.
    shell_run = next(c for c in commands if c.cmd == "RUN" and not c.json)
    checked = subprocess.run(["sh", "-n", "-c", shell_run.value[0]], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize(("line", "hidden"), [("region: AKIAIOSFODNN7EXAMPL3", "AKIAIOSFODNN7EXAMPL3"),
                                              ("  repository: 'https://me:hunter22@example.com/x'", "hunter22")])
def test_a_refused_value_that_holds_a_credential_is_not_repeated_in_the_message(tmp_path, line, hidden):
    """Every refused value is shown concealed: a credential typed into the wrong key stays out of
    terminals and CI logs, as spec/secrets.py's own messages never repeat it."""
    key = line.strip().split(":")[0]
    text = "\n".join(line if row.strip().startswith(f"{key}:") else row for row in MINIMAL.splitlines()) + "\n"
    result = run_compiler("validate", make_job(tmp_path, text))
    assert result.returncode == 2 and errors_of(result), result.stderr
    assert hidden not in result.stderr, result.stderr
