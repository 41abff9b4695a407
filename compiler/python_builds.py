"""Where a CUDA image's Python comes from: a pinned build of python-build-standalone, checked
against its published sha256 before it is unpacked.

NVIDIA's CUDA images carry no Python of their own choosing (Ubuntu 22.04 has 3.10 only), and a
PPA is a moving target; these builds are relocatable CPython releases for x86_64 Linux (glibc
2.17 or newer), the same ones `uv python install` uses. The checksums are those uv's own
release pins (crates/uv-python/download-metadata.json), one build per minor version: the patch
release of compiler/base_images.PYTHON_PATCH, so CPU and CUDA images run the same Python.
"""

from __future__ import annotations

from dataclasses import dataclass

RELEASES = "https://github.com/astral-sh/python-build-standalone/releases/download"
PLATFORM = "x86_64-unknown-linux-gnu"
FLAVOR = "install_only_stripped"


@dataclass(frozen=True)
class PythonBuild:
    version: str  # major.minor.patch
    release: str  # python-build-standalone's release (a date)
    sha256: str

    @property
    def url(self) -> str:
        # "+" spelled %2B, as the release's asset URLs have it.
        return f"{RELEASES}/{self.release}/cpython-{self.version}%2B{self.release}-{PLATFORM}-{FLAVOR}.tar.gz"


BUILDS = {
    "3.9": PythonBuild("3.9.20", "20241016", "44d9d016f9820f39e5bb542782557d46876b69d23d0a204eb2f367739da623e0"),
    "3.10": PythonBuild("3.10.15", "20241016", "25fb8e23cd3b82b748075a04fd18f3183cc7316c11d6f59eb4b0326843892600"),
    "3.11": PythonBuild("3.11.10", "20241016", "03f15e19e2452641b6375b59ba094ff6cf2fc118315d24a6ca63ce60e4d4a6e0"),
    "3.12": PythonBuild("3.12.7", "20241016", "3a4d53a7ba3916c0c1f35cbbe57068e2571b138389f29cf5c35367fec8f4c617"),
    "3.13": PythonBuild("3.13.0", "20241016", "b5e74d1e16402b633c6f04519618231fc0dbae7d2f9e4b1ac17c294cc3d3d076"),
}
