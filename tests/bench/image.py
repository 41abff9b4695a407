"""Benchmark: what the generated image costs, measured with Buildah in one run, side by side.

Run with `make bench-image` (needs buildah and mmdebstrap; the base is the one the image tests
use, see tests/image/engine.py). On examples/basic it builds, with layer caching:

  - the generated Dockerfile (the shim image), and the same Dockerfile with AWS's
    sagemaker-training 5.1.4 installed in place of the shim (the toolkit image; its C extension
    needs gcc, installed and removed in the same layer);
  - the shim image again after a code-only change to train.py.

It prints the images' sizes, the layer that puts `train` in each, the rebuild time, and the
median wall time of `train` running the example's job inside each image. Asserts nothing.
"""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sagemaker_byoc.compiler.base_images import choose_base
from sagemaker_byoc.compiler.output import write_artifacts
from sagemaker_byoc.compiler.pipeline import compile_job
from sagemaker_byoc.local.layout import build_tree
from tests.image import engine

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "basic"
TOOLKIT = "sagemaker-training==5.1.4"
SHIM_COPY = "COPY generated/train /usr/local/bin/train\n"
TOOLKIT_RUN = (
    "RUN apt-get update \\\n"
    " && apt-get install -y --no-install-recommends gcc libc6-dev python3-dev \\\n"
    f" && python3 -m pip install --no-cache-dir {TOOLKIT} \\\n"
    " && apt-get purge -y --auto-remove gcc libc6-dev python3-dev \\\n"
    " && rm -rf /var/lib/apt/lists/*\n"
)
ROUNDS = 7
# Times `train` in the container, ROUNDS times, and prints the samples as JSON.
TIMER = f"""
import json, os, subprocess, time
# The toolkit waits until every host of resourceconfig.json resolves, as SageMaker's network
# makes it; here the one host is this container.
with open("/etc/hosts", "a") as hosts:
    hosts.write("127.0.0.1 algo-1\\n")
samples = []
for _ in range({ROUNDS}):
    for name in ("success", "failure"):
        path = os.path.join("/opt/ml/output", name)
        if os.path.exists(path):
            os.remove(path)
    start = time.perf_counter()
    subprocess.run(["train"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples.append(time.perf_counter() - start)
print(json.dumps(samples))
"""


def build(context: Path, dockerfile: Path, tag: str) -> float:
    start = time.perf_counter()
    done = engine.buildah("bud", "--pull-never", "--layers", "--quiet", "-f", str(dockerfile), "-t", tag, str(context), check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench-image: building {tag} failed:\n{done.stderr[-3000:]}")
    return elapsed


def image_size(tag: str) -> int:
    """Bytes of all its layers, uncompressed."""
    return sum(size for _, size in layers(tag))


def layers(tag: str) -> list[tuple[str, int]]:
    """Each layer's digest and size in the local storage, from the bottom one up."""
    manifest = json.loads(engine.buildah("inspect", "--type", "image", "--format", "{{.Manifest}}", tag).stdout)
    return [(layer["digest"], layer["size"]) for layer in manifest["layers"]]


def train_samples(tag: str, run_base: Path) -> list[float]:
    volumes = [arg for folder in ("input", "model", "output") for arg in ("--volume", f"{run_base / folder}:/opt/ml/{folder}")]
    container = engine.buildah("from", "--quiet", tag).stdout.strip()
    try:
        env = ["--env", "TRAINING_JOB_NAME=basic-example"]
        done = engine.buildah("run", *volumes, *env, container, "--", "python3", "-c", TIMER)
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        engine.buildah("rm", container, check=False)


def main() -> None:
    missing = engine.missing_tools()
    if missing:
        sys.exit(f"bench-image: needs {', '.join(missing)} (.ci/run installs them)")
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        job_dir = scratch / "basic"
        shutil.copytree(EXAMPLE, job_dir, ignore=shutil.ignore_patterns(".local", "__pycache__"))
        compiled = compile_job(job_dir / "job.yaml")
        base = engine.ensure_base(choose_base(compiled.job.image).reference)
        if base is None:
            sys.exit("bench-image: the base image cannot be had here")
        write_artifacts(compiled.rendered.artifacts, compiled.out_dir)
        dockerfile = compiled.out_dir / "Dockerfile"
        text = dockerfile.read_text()
        assert SHIM_COPY in text
        toolkit_file = compiled.out_dir / "Dockerfile.toolkit"
        toolkit_file.write_text(text.replace(SHIM_COPY, TOOLKIT_RUN))
        shutil.copy(compiled.out_dir / "Dockerfile.dockerignore", compiled.out_dir / "Dockerfile.toolkit.dockerignore")

        tags = {"shim": "byoc-bench/basic:shim", "toolkit": "byoc-bench/basic:toolkit"}
        for tag in tags.values():
            engine.buildah("rmi", tag, check=False)
        engine.buildah("rmi", "--prune", check=False)  # earlier runs' cached layers: the first build is a cold one
        print(f"base: {base.detail}", flush=True)
        first = build(job_dir, dockerfile, tags["shim"])
        print(f"build of the shim image, cold: {first:.1f} s", flush=True)
        toolkit_build = build(job_dir, toolkit_file, tags["toolkit"])
        print(f"build of the toolkit image, its earlier layers cached: {toolkit_build:.1f} s", flush=True)
        with (compiled.job.code_path / "train.py").open("a") as code:
            code.write("# a code-only change\n")
        write_artifacts(compile_job(job_dir / "job.yaml").rendered.artifacts, compiled.out_dir)
        rebuild = build(job_dir, dockerfile, tags["shim"] + "-changed")
        print(f"rebuild of the shim image after a code-only change: {rebuild:.1f} s", flush=True)

        run_base = scratch / "run"
        build_tree(run_base, compiled.job, compiled.rendered.request.body, b"", link_data=False)
        startup = {kind: train_samples(tag, run_base) for kind, tag in tags.items()}
        base_size = image_size(f"localhost/{base.reference}" if base.stand_in else f"docker.io/library/{base.reference}")
        sizes = {kind: image_size(tag) for kind, tag in tags.items()}
        shim_layers, toolkit_layers = layers(tags["shim"]), layers(tags["toolkit"])
        common = next(i for i, (a, b) in enumerate(zip(shim_layers, toolkit_layers)) if a[0] != b[0])
        shim_layer, toolkit_layer = shim_layers[common][1], toolkit_layers[common][1]

        print("---")
        print(f"image size        base {base_size / 1e6:8.1f} MB   shim image {sizes['shim'] / 1e6:8.1f} MB"
              f"   toolkit image {sizes['toolkit'] / 1e6:8.1f} MB")
        print(f"layer with train  shim {shim_layer:>12,d} B   toolkit ({TOOLKIT}) {toolkit_layer:>14,d} B"
              f"   ratio {toolkit_layer / shim_layer:,.0f}x")
        print(f"build             first {first:6.1f} s   after a code-only change {rebuild:6.1f} s")
        shim_ms = statistics.median(startup["shim"]) * 1000
        toolkit_ms = statistics.median(startup["toolkit"]) * 1000
        print(f"train in the container, median of {ROUNDS} (examples/basic's job)   shim {shim_ms:7.1f} ms"
              f"   toolkit {toolkit_ms:7.1f} ms   ratio {toolkit_ms / shim_ms:4.1f}x")
        for tag in [*tags.values(), tags["shim"] + "-changed"]:
            engine.buildah("rmi", tag, check=False)
        engine.buildah("rmi", "--prune", check=False)


if __name__ == "__main__":
    main()
