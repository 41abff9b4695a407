"""Building and running the examples' images here, with Buildah and no daemon.

Images live in a storage of their own under the user's cache directory (never in the clone), so
a stand-in base and a built image survive between test runs:

    ${XDG_CACHE_HOME:-~/.cache}/sagemaker-byoc/images/{storage.conf,storage/,run/,rootfs/}

The base image is the real one when that storage holds it (`buildah pull` it there); otherwise a
stand-in for the official `python:3.11.*-slim-bookworm`: Debian bookworm's own python3 (3.11.2)
installed by mmdebstrap, laid out as the official image is (python, python3 and pip in
/usr/local/bin, no EXTERNALLY-MANAGED marker) with this machine's CA bundle so that pip reaches
the package index. It is keyed by everything that defines it: the recipe below, mmdebstrap's
version and the apt sources it reads.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sagemaker-byoc" / "images"
TOOLS = ("buildah", "mmdebstrap")
STAND_IN_LABEL = "dev.sagemaker-byoc.stand-in"
SUITE = "bookworm"
PACKAGES = ("python3", "python3-venv", "python3-pip", "ca-certificates")
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Run in the stand-in as root: the official image's layout, on Debian's Python.
LAYOUT_SCRIPT = """\
set -e
ln -sf /usr/bin/python3 /usr/local/bin/python3
ln -sf /usr/bin/python3 /usr/local/bin/python
ln -sf /usr/bin/pip3 /usr/local/bin/pip
rm -f /usr/lib/python3*/EXTERNALLY-MANAGED
"""
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
APT_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))


@dataclass(frozen=True)
class Base:
    reference: str  # what the Dockerfile's FROM names
    stand_in: bool
    detail: str  # which image this is, for the test report


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def environment() -> dict[str, str]:
    """Buildah's environment: the cache's own vfs storage and chroot isolation, which need no
    daemon, no cgroups and no kernel overlay support."""
    CACHE.mkdir(parents=True, exist_ok=True)
    conf = CACHE / "storage.conf"
    text = f'[storage]\ndriver = "vfs"\nrunroot = "{CACHE / "run"}"\ngraphroot = "{CACHE / "storage"}"\n'
    if not conf.is_file() or conf.read_text() != text:
        conf.write_text(text)
    return {**os.environ, "CONTAINERS_STORAGE_CONF": str(conf), "BUILDAH_ISOLATION": "chroot", "STORAGE_DRIVER": "vfs"}


def buildah(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["buildah", *args], env=environment(), check=check, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )


def image_exists(reference: str) -> bool:
    return buildah("inspect", "--type", "image", reference, check=False).returncode == 0


def image_labels(reference: str) -> dict[str, str]:
    found = buildah("inspect", "--type", "image", reference, check=False)
    if found.returncode != 0:
        return {}
    return json.loads(found.stdout)["OCIv1"]["config"].get("Labels") or {}


def stand_in_possible(reference: str) -> bool:
    """The stand-in can play python:3.11.<any>-slim-bookworm: bookworm's python3 is 3.11."""
    name, _, tag = reference.partition(":")
    return name == "python" and tag.startswith("3.11.") and tag.endswith("-slim-bookworm")


def ensure_base(reference: str) -> Base | None:
    """The real image if the storage holds it, else the stand-in (built once, then reused);
    None when neither can be had."""
    real = f"docker.io/library/{reference}"
    if image_exists(real):
        return Base(reference, False, f"{real} (the real image)")
    if not stand_in_possible(reference):
        return None
    key = stand_in_key(reference)
    local = f"localhost/{reference}"
    with _locked("stand-in"):
        if image_labels(local).get(STAND_IN_LABEL) != key:
            _build_stand_in(local, key)
    return Base(reference, True, f"{local}: stand-in, Debian {SUITE}'s python3 by mmdebstrap (key {key[:12]})")


def stand_in_key(reference: str) -> str:
    digest = hashlib.sha256()
    mmdebstrap = subprocess.run(["mmdebstrap", "--version"], check=True, capture_output=True, text=True).stdout
    for part in (reference, SUITE, " ".join(PACKAGES), LAYOUT_SCRIPT, PATH, mmdebstrap, *_apt_sources()):
        digest.update(part.encode() + b"\0")
    digest.update(CA_BUNDLE.read_bytes())
    return digest.hexdigest()


def _apt_sources() -> list[str]:
    texts = []
    for source in APT_SOURCES:
        files = sorted(source.iterdir()) if source.is_dir() else [source] if source.is_file() else []
        texts += [f"{path}\n{path.read_text()}" for path in files if path.is_file()]
    return texts


def _build_stand_in(local: str, key: str) -> None:
    rootfs = CACHE / "rootfs" / f"{key}.tar"
    if not rootfs.is_file():
        rootfs.parent.mkdir(parents=True, exist_ok=True)
        partial = rootfs.with_suffix(".partial.tar")
        subprocess.run(
            ["mmdebstrap", "--quiet", "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(partial)],
            check=True,
            stdin=subprocess.DEVNULL,
            capture_output=True,
        )
        partial.replace(rootfs)
    container = buildah("from", "--quiet", "scratch").stdout.strip()
    try:
        buildah("add", "--quiet", container, str(rootfs), "/")
        buildah("run", container, "--", "/bin/sh", "-c", LAYOUT_SCRIPT)
        buildah("copy", "--quiet", container, str(CA_BUNDLE), str(CA_BUNDLE))
        buildah("config", "--env", f"PATH={PATH}", "--env", "LANG=C.UTF-8", "--cmd", "python3", container)
        buildah("config", "--label", f"{STAND_IN_LABEL}={key}", container)
        buildah("commit", "--quiet", "--rm", container, local)
    except subprocess.CalledProcessError:
        buildah("rm", container, check=False)
        raise


def build(context: Path, dockerfile: Path, tag: str) -> subprocess.CompletedProcess[str]:
    """`buildah bud` of a generated Dockerfile; pulls nothing (the base is already here)."""
    return buildah("bud", "--pull-never", "--quiet", "-f", str(dockerfile), "-t", tag, str(context), check=False)


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """One builder at a time across test workers."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
