"""Credentials in job.yaml: found by their shape in any string, and by the name they are given.

job.yaml is committed and its values reach the image, the request and the logs, so a
credential there is an error. Two rules, over every string of the document (nested
hyperparameters, tags, environment, image.pip and apt entries, inputs, metrics…):

- By shape, wherever it stands in a value or a key: a URL with a password
  (`scheme://user:password@host`, unless the password is `$VAR` or `${VAR}`), an AWS access key
  ID, an AWS secret access key after `aws_secret_access_key=` (or under a name with the word
  `aws`, 40 characters of mixed-case base64), GitHub, GitLab, Slack and Hugging Face tokens,
  and private-key blocks.
- By name: a mapping key whose LAST word (words split at `_ - .` and camelCase) is a secret
  word (password, passwd, pwd, secret, token, credential(s), apikey, passphrase), or whose last
  two words are `api/access/private/secret/account/signing/client/ssh key`, holding a string
  that could be a credential. Not one: an empty string; a reference rather than a value (a
  path starting with / ./ ../ ~/, a URL, an ARN, `$VAR` or `${VAR}`); and for a name ending in
  `token`, a tokenizer's special token (shorter than 8 characters, or holding whitespace,
  `<`, `>`, `[`, `]` or `|`). So `pad_token: "<pad>"`, `eos_token_id: 2`,
  `max_token_length`, `token_dropout`, `use_auth_token: true` and `private_key_path` are fine.
  A list's items are named by the list's key.

`allow_secrets: [NAME, …]` at the top of job.yaml says a name is not a secret: values under a
key of that name (at any depth) are checked by neither rule. Each listed name must be a key of
the document. Messages never repeat the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

SECRET_WORDS = frozenset({"password", "passwd", "pwd", "secret", "token", "credential", "credentials", "apikey", "passphrase"})
KEY_QUALIFIERS = frozenset({"api", "access", "private", "secret", "account", "signing", "client", "ssh"})

_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_REFERENCE = re.compile(r"(?:/|\./|\.\./|~/|[A-Za-z][A-Za-z0-9+.-]*://|arn:)|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?\Z")
# ASCII whitespace, spelled out, so that the shim's awk can apply the very same rules.
_SPACE = r" \t\n\r\x0b\x0c\x1c-\x1f"
_TOKENIZER_TOKEN = re.compile(rf".{{0,7}}|.*[{_SPACE}<>\[\]|].*", re.DOTALL)
_AWS_SECRET_KEY = re.compile(r"[A-Za-z0-9/+]{40}\Z")

class _UrlWithPassword:
    """`scheme://user:password@`, found from each `://` of the text rather than tried at every
    position (the regex alone would scan a scheme-like run again from each of its characters: a
    40,000-letter value took 4 s). The scheme is a letter, then letters, digits, + . -; the
    password is not a `${VAR}` reference. Reads as re.search does: truthy when found."""

    SCHEME = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
    USERINFO = re.compile(rf"://[^{_SPACE}/?#@:]*:(?!\$\{{?[A-Za-z_][A-Za-z0-9_]*\}}?@)[^{_SPACE}/?#@]+@")

    def search(self, text: str) -> bool:
        # Runs of scheme characters are disjoint from one `://` to the next, and a userinfo ends at
        # the next `/`: every character is read a bounded number of times.
        at = text.find("://")
        while at >= 0:
            start = at
            while start > 0 and text[start - 1] in self.SCHEME:
                start -= 1
            if any(c.isascii() and c.isalpha() for c in text[start:at]) and self.USERINFO.match(text, at):
                return True
            at = text.find("://", at + 3)
        return False


# (pattern, what it is); searched anywhere in a string. Each is linear in the text's length:
# a repeat such as {36,} is written {36}, which finds the same texts without reading on.
SHAPES: tuple[tuple[re.Pattern[str] | _UrlWithPassword, str], ...] = (
    (_UrlWithPassword(), "a URL with a password"),
    (re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])"), "an AWS access key ID"),
    (
        re.compile(r"(?ai:aws_?secret_?access_?key|aws_?secret)[^A-Za-z0-9_\x80-\U0010ffff]{1,4}[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])"),
        "an AWS secret access key",
    ),
    (re.compile(r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22})"), "a GitHub token"),
    (re.compile(r"(?<![A-Za-z0-9_])glpat-[A-Za-z0-9_-]{20}"), "a GitLab token"),
    (re.compile(r"(?<![A-Za-z0-9_])xox[abposr]-[A-Za-z0-9-]{10}"), "a Slack token"),
    (re.compile(r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{30}"), "a Hugging Face token"),
    (re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"), "a private key"),
)

Path_ = tuple[str | int, ...]


def words(name: str) -> list[str]:
    """The lower-cased words of a name: `dbPassword` → db, password; `HF_TOKEN` → hf, token."""
    return [word.lower() for word in _WORDS.findall(name)]


def secret_name(name: str) -> bool:
    """Whether a name says its value is a credential (its last word, or last two)."""
    parts = words(name)
    if not parts:
        return False
    return parts[-1] in SECRET_WORDS or (len(parts) >= 2 and parts[-1] == "key" and parts[-2] in KEY_QUALIFIERS)


def could_be_credential(name: str, value: Any) -> bool:
    """Whether a value under a secret-looking name could be the credential itself."""
    if not isinstance(value, str) or value == "" or _REFERENCE.match(value):
        return False
    return not (words(name)[-1] == "token" and _TOKENIZER_TOKEN.fullmatch(value))


def shape_of(text: str) -> str | None:
    """What credential the text holds, by shape; None if none."""
    for pattern, what in SHAPES:
        if pattern.search(text):
            return what
    return None


def findings(data: Any, allowed: frozenset[str] = frozenset()) -> Iterator[tuple[Path_, str, bool]]:
    """(path, message, whether it is the key at that path) for every credential in a document."""
    yield from _walk(data, (), None, allowed)


def _walk(value: Any, path: Path_, name: str | None, allowed: frozenset[str]) -> Iterator[tuple[Path_, str, bool]]:
    if name is not None and name in allowed:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            what = shape_of(key)
            if what is not None:
                yield (*path, key), f"this key holds {what}: keep credentials out of job.yaml", True
                continue
            yield from _walk(child, (*path, key), key, allowed)
        return
    if isinstance(value, list):
        for index, child in enumerate(value):
            yield from _walk(child, (*path, index), name, allowed)
        return
    allow_hint = f"; if it is not one, list {name!r} in allow_secrets" if name is not None else ""
    if isinstance(value, str):
        what = shape_of(value)
        if what is not None:
            yield path, f"this value holds {what}: keep credentials out of job.yaml{allow_hint}", False
            return
    if isinstance(value, str) and name is not None and "aws" in words(name) and _looks_like_aws_secret_key(value):
        yield path, f"this value looks like an AWS secret access key: keep credentials out of job.yaml{allow_hint}", False
        return
    if name is not None and secret_name(name) and could_be_credential(name, value):
        yield path, (
            f"{name!r} looks like a secret: keep credentials out of job.yaml (the job's role, or "
            f"AWS Secrets Manager, can provide them){allow_hint}"
        ), False


def _looks_like_aws_secret_key(value: str) -> bool:
    """40 characters of base64 with upper case, lower case and digits, as AWS writes them."""
    return bool(_AWS_SECRET_KEY.match(value)) and all(re.search(c, value) for c in ("[A-Z]", "[a-z]", "[0-9]"))


def keys_of(data: Any) -> Iterator[str]:
    """Every mapping key of a document, at any depth."""
    if isinstance(data, dict):
        for key, child in data.items():
            yield key
            yield from keys_of(child)
    elif isinstance(data, list):
        for child in data:
            yield from keys_of(child)
