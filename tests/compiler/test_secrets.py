"""Credentials in job.yaml: refused by shape anywhere and by name where the value could be one,
at the value's line, without repeating the value; allow_secrets says a name is fine."""

from __future__ import annotations

import re

import pytest

from sagemaker_byoc.spec.secrets import SHAPES, secret_name, shape_of
from tests.compiler.jobs import MINIMAL, make_job, run_compiler, with_lines
from tests.compiler.test_semantics import findings

GITHUB = "ghp_" + "a1B2c3D4e5" * 4  # 40 characters after the prefix
HUGGING_FACE = "hf_" + "AbCdEfGhIj" * 3 + "klmn"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def only_error(tmp_path, text) -> str:
    errors, _ = findings(tmp_path, text)
    assert len(errors) == 1, errors
    return errors[0]


@pytest.mark.parametrize(
    "name",
    ["api_key", "DB_PASSWORD", "githubToken", "AWS_SECRET_ACCESS_KEY", "clientSecret", "hf_token", "HF_TOKEN", "auth_token",
     "passphrase", "ssh_key", "credentials", "token", "db.pwd", "private-key"],
)
def test_secret_looking_names_are_errors_at_the_value(tmp_path, name):
    error = only_error(tmp_path, with_lines("hyperparameters:", f"  {name}: s3cr3t-value"))
    assert error.startswith(f"12:{len(name) + 5}: '{name}' looks like a secret: keep credentials out of job.yaml")
    assert f"list '{name}' in allow_secrets" in error
    assert "s3cr3t" not in error


def test_nested_secret_names_are_found_at_their_line(tmp_path):
    text = with_lines(
        "hyperparameters:", "  cfg:", "    db:", "      password: hunter2hunter2", "  lists:", "    credentials: [abc, '']"
    )
    errors, _ = findings(tmp_path, text)
    because = "keep credentials out of job.yaml (the job's role, or AWS Secrets Manager, can provide them)"
    assert errors == [
        f"14:17: 'password' looks like a secret: {because}; if it is not one, list 'password' in allow_secrets",
        f"16:19: 'credentials' looks like a secret: {because}; if it is not one, list 'credentials' in allow_secrets",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "pad_token: '<pad>'", "eos_token: '</s>'", "bos_token: <s>", "sep_token: '[SEP]'", "unk_token: '<|endoftext|>'",
        "mask_token: '[MASK]'", "cls_token: CLS", "eos_token_id: 2", "pad_token_id: 0", "max_token_length: 512",
        "token_dropout: 0.1", "use_auth_token: true", "private_key_path: /keys/id_rsa", "max_tokens: 3",
        "tokenizer: bpe-32k-vocabulary", "sort_key: length", "keyword: hello-world", "passes: 3", "num_tokens: 100000",
        "token_budget: 4096", "secret_santa_rounds: 3",
        "password: ''", "password: ~", "password: null", "token: ''", "password: 12345678", "password: false",
        "password: ${DB_PASSWORD}", "db_password: $DB_PASSWORD", "password: /run/secrets/db", "password: ./secrets/db",
        "client_secret: arn:aws:secretsmanager:us-east-1:123456789012:secret:x", "api_key: s3://bucket/keys/api.txt",
        "hf_token: 'hf tok with spaces'",
    ],
)
def test_ordinary_names_and_values_that_are_no_credential_are_fine(tmp_path, line):
    assert findings(tmp_path, with_lines("hyperparameters:", f"  {line}")) == ([], [])


# (value, what it is); each stands inside a string at several places of the job below.
SHAPED = [
    (f"git+https://oauth2:{GITHUB}@github.com/org/repo.git", "a URL with a password"),
    ("pkg @ https://user:pass@example.com/pkg-1.0.whl", "a URL with a password"),
    ("postgres://admin:pw@db.internal:5432/runs", "a URL with a password"),
    ("AKIAIOSFODNN7EXAMPLE", "an AWS access key ID"),
    ("AKIA0123456789ABCDEF", "an AWS access key ID"),  # every digit, 0 and 9 included
    ("key=ASIAY34FZKBOKMUTVV7A;", "an AWS access key ID"),
    (f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}", "an AWS secret access key"),
    (f"export aws_secret: {AWS_SECRET}", "an AWS secret access key"),
    (GITHUB, "a GitHub token"),
    ("gho_" + "Z" * 36, "a GitHub token"),
    ("token ghs_" + "9" * 36, "a GitHub token"),
    ("ghu_" + "x" * 36, "a GitHub token"),
    ("ghr_" + "x" * 36, "a GitHub token"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "a GitHub token"),
    ("glpat-" + "AbCd_-1234" * 2, "a GitLab token"),
    ("xoxb-1234567890-abcdefghij", "a Slack token"),
    ("xoxp-1234567890-abcdefghij", "a Slack token"),
    ("xoxa-2-1234567890", "a Slack token"),
    ("xoxs-1234567890", "a Slack token"),
    ("xoxr-1234567890", "a Slack token"),
    ("xoxo-1234567890", "a Slack token"),
    (HUGGING_FACE, "a Hugging Face token"),
    ("-----BEGIN RSA PRIVATE KEY-----", "a private key"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----", "a private key"),
    ("-----BEGIN PRIVATE KEY-----", "a private key"),
    ("-----BEGIN ENCRYPTED PRIVATE KEY-----", "a private key"),
]


@pytest.mark.parametrize("value, what", SHAPED)
@pytest.mark.parametrize(
    "place, where",
    [
        ("hyperparameters:\n  note: '{v}'", "12:9"),
        ("hyperparameters:\n  cfg: {{a: [1, {{b: '{v}'}}]}}", "12:20"),
        ("tags:\n  owner: '{v}'", "12:10"),
        ("environment:\n  NOTE: '{v}'", "12:9"),
        ("metrics:\n  - {{name: m, regex: 'loss ([0-9]+) {v}'}}", "12:22"),
    ],
)
def test_credentials_are_found_by_shape_in_every_string(tmp_path, value, what, place, where):
    error = only_error(tmp_path, MINIMAL + place.format(v=value.replace("'", "''")) + "\n")
    assert error.startswith(f"{where}: this value holds {what}: keep credentials out of job.yaml")
    secret_part = value.split("@")[0].split(":")[-1] if "://" in value else value[-12:]
    assert secret_part not in error


def test_a_credential_as_a_key_is_refused_at_the_key(tmp_path):
    error = only_error(tmp_path, with_lines("hyperparameters:", "  cfg:", f"    {HUGGING_FACE}: 1"))
    assert error == "13:5: this key holds a Hugging Face token: keep credentials out of job.yaml"


def test_a_pip_entry_with_a_token_in_its_url_is_refused(tmp_path):
    pip = f"  pip:\n    - numpy\n    - git+https://oauth2:{GITHUB}@github.com/o/r.git"
    text = MINIMAL.replace("  repository: demo/train", f"  repository: demo/train\n{pip}")
    error = only_error(tmp_path, text)
    assert error.startswith("10:7: this value holds a URL with a password") and "list 'pip' in allow_secrets" in error
    assert GITHUB not in error


@pytest.mark.parametrize(
    "value",
    [
        "https://user@example.com/x", "https://example.com:8080/a@b", "https://user:${TOKEN}@example.com/x",
        "git+https://github.com/o/r.git@v1.0", "AKIAIOSFODNN7EXAMPL", "XAKIAIOSFODNN7EXAMPLE", "ghp_" + "a" * 35,
        "xghp_" + "a" * 36, "github_pat_short", "glpat-short", "xoxb-short", "xoxz-1234567890-abcdefghij",
        "hf_" + "a" * 29, "chf_" + "a" * 30, "-----BEGIN PUBLIC KEY-----", f"aws_region: {AWS_SECRET[:39]}",
    ],
)
def test_near_misses_of_each_shape_are_fine(tmp_path, value):
    assert findings(tmp_path, with_lines("hyperparameters:", f"  note: '{value}'")) == ([], [])


def test_every_shape_has_a_test():
    for pattern, what in SHAPES:
        assert any(what == expected and pattern.search(value) for value, expected in SHAPED), what


def test_a_40_character_value_beside_an_aws_name_is_an_aws_secret_key(tmp_path):
    error = only_error(tmp_path, with_lines("environment:", f"  MY_AWS_SK: {AWS_SECRET}"))
    assert error.startswith("12:14: this value looks like an AWS secret access key")
    assert findings(tmp_path, with_lines("environment:", f"  MY_AWS_SK: {AWS_SECRET.lower()}")) == ([], [])


def test_allow_secrets_exempts_a_name_at_any_depth(tmp_path):
    secret_like = ["hyperparameters:", "  sep_token: ABCDEFGHIJ", "  cfg: {sep_token: KLMNOPQRST, note: " + GITHUB + "}"]
    errors, _ = findings(tmp_path, with_lines(*secret_like))
    assert [e.split(":")[0] for e in errors] == ["12", "13", "13"]
    errors, _ = findings(tmp_path, with_lines(*secret_like, "allow_secrets: [sep_token]"))
    assert len(errors) == 1 and errors[0].startswith("13:") and "GitHub token" in errors[0]
    assert findings(tmp_path, with_lines(*secret_like, "allow_secrets: [sep_token, note]")) == ([], [])


def test_allow_secrets_must_name_keys_of_the_job(tmp_path):
    errors, _ = findings(tmp_path, with_lines("hyperparameters: {lr: 1}", "allow_secrets: [lr, sep_tokn]"))
    assert errors == ["12:21: allow_secrets names 'sep_tokn', which is no key of this job"]
    errors, _ = findings(tmp_path, with_lines("allow_secrets: [allow_secrets]"))
    assert errors == ["11:17: allow_secrets names 'allow_secrets', which is no key of this job"]


@pytest.mark.parametrize(
    "name, secret",
    [("api_key", True), ("apiKey", True), ("APIKEY", True), ("apikey", True), ("access_key_id", False), ("key", False),
     ("monkey", False), ("tokens", False), ("token_type", False), ("x_token", True), ("myPassword", True), ("", False)],
)
def test_a_name_is_secret_by_its_last_word_or_last_two(name, secret):
    assert secret_name(name) is secret


def test_the_compiler_refuses_with_exit_2_and_never_prints_the_secret(tmp_path):
    job = make_job(tmp_path, with_lines("tags:", f"  owner: 'x {GITHUB}'", "hyperparameters: {cfg: {password: hunter2hunter2}}"))
    result = run_compiler("compile", job)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert [line.split(": error: ")[0] for line in result.stderr.splitlines()] == [f"{job}:12:10", f"{job}:13:35"]
    assert GITHUB not in result.stderr and "hunter2" not in result.stderr
    assert not (tmp_path / "generated").exists()


def test_url_passwords_are_found_in_one_pass(monkeypatch):
    """The userinfo is tried once per `://`, never from every position of a scheme-like run
    (quadratic: a 40,000-letter value took 4 s, 1 MB never ended)."""
    url, _ = SHAPES[0]
    tried = []
    real = url.USERINFO

    class Counting:
        def match(self, text, at):
            tried.append(at)
            return real.match(text, at)

    monkeypatch.setattr(url, "USERINFO", Counting())
    text = "a" * 5000 + "x://" * 1000 + "https://user:pw@host"
    assert url.search(text)
    assert len(tried) == 1001 and tried == sorted(set(tried))


def test_no_shape_reads_on_past_what_it_needs():
    """A repeat with no upper bound ({20,}) would let a search scan from every occurrence to the
    end of the text: the shapes say exactly how many characters make a credential."""
    for pattern, what in SHAPES[1:]:
        assert not re.search(r"\{\d+,\}|[\]\)][*+](?!\))", pattern.pattern.replace("(?:[A-Z0-9]+ )*", "")), what


@pytest.mark.parametrize(
    "text",
    ["1http://user:pw@host", "://x and http://u:p@h", "git+ssh://git:ghp-secret@github.com/x", "x.y-z://a:b@c"],
)
def test_a_url_password_is_found_wherever_its_scheme_starts(text):
    assert shape_of(text) == "a URL with a password"
