"""Rehearsing a spot interruption: carrying the checkpoint directory from the interrupted
attempt to the next, and finding out whether the next attempt used it.

SageMaker uploads the checkpoint directory to S3 while the job runs and, when it restarts an
interrupted job, downloads it into the new container before the entry point starts. Locally,
the next attempt gets a fresh run tree whose checkpoint directory is a copy of the previous
one. Each copied file's access time is set before its modification time, so the kernel (with
the default relatime, or strictatime) records the first read: that tells which checkpoint files
the next attempt read, without any cooperation from the script. A hard link to each copy, kept
in the tool's own directory, keeps that record when the script replaces the file (the usual
write-then-rename of a checkpoint).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

RESUME_WORDS = re.compile(r"resum|restor", re.IGNORECASE)
# The shim's banner repeats every hyperparameter; a value that says "resume" is no evidence.
BANNER_PREFIXES = ("train: ", "  command: ", "  SM_")
# The summary shows the first few; a log of any size yields no more than these.
EVIDENCE_LINES = 20
PROBE_NAME = ".atime-probe"
ATIME_BACKDATE_S = 60


@dataclass(frozen=True)
class Restored:
    path: str  # relative to the checkpoint directory
    inode: int
    atime_ns: int
    witness: Path | None  # a hard link to the copy, None where the filesystem refused one


@dataclass(frozen=True)
class ResumeReport:
    restored: list[str]  # files carried over
    read: list[str] | None  # files the attempt read; None where access times are not recorded
    replaced: list[str]  # files the attempt rewrote
    log_evidence: list[str]  # lines of the attempt's log that speak of resuming


def carry_checkpoints(previous: Path, following: Path, witness_dir: Path) -> list[Restored]:
    """Copy the checkpoint directory, back-dating access times so that reads show."""
    following.mkdir(parents=True, exist_ok=True)
    if not previous.is_dir():
        return []
    shutil.copytree(previous, following, symlinks=True, dirs_exist_ok=True)
    witness_dir.mkdir(parents=True, exist_ok=True)
    restored = []
    for root, _dirs, names in os.walk(following):
        for name in sorted(names):
            path = Path(root) / name
            if path.is_symlink() or not path.is_file():
                continue
            stat = path.stat()
            atime_ns = stat.st_mtime_ns - ATIME_BACKDATE_S * 1_000_000_000
            os.utime(path, ns=(atime_ns, stat.st_mtime_ns))
            witness: Path | None = witness_dir / str(len(restored))
            try:
                os.link(path, witness)
            except OSError:
                witness = None
            restored.append(Restored(path.relative_to(following).as_posix(), stat.st_ino, atime_ns, witness))
    return sorted(restored, key=lambda r: r.path)


def access_times_recorded(directory: Path) -> bool:
    """Whether reading a file updates its access time on this filesystem (not noatime)."""
    probe = directory / PROBE_NAME
    try:
        probe.write_bytes(b"probe")
        stat = probe.stat()
        backdated = stat.st_mtime_ns - ATIME_BACKDATE_S * 1_000_000_000
        os.utime(probe, ns=(backdated, stat.st_mtime_ns))
        probe.read_bytes()
        return probe.stat().st_atime_ns != backdated
    except OSError:
        return False
    finally:
        probe.unlink(missing_ok=True)


def report(directory: Path, restored: list[Restored], atimes_work: bool, log: Iterable[str]) -> ResumeReport:
    read, replaced = [], []
    for item in restored:
        current = _inode(directory / item.path)
        if current != item.inode:
            replaced.append(item.path)
        original = item.witness if item.witness is not None else directory / item.path
        try:
            if _inode(original) == item.inode and original.stat().st_atime_ns != item.atime_ns:
                read.append(item.path)
        except OSError:
            continue
    found = (line for line in log if RESUME_WORDS.search(line) and not line.startswith(BANNER_PREFIXES))
    evidence = list(islice(found, EVIDENCE_LINES))
    return ResumeReport([r.path for r in restored], read if atimes_work else None, replaced, evidence)


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


def resumed(result: ResumeReport) -> bool | None:
    """True: the attempt read a carried-over checkpoint; False: it did not; None: cannot tell."""
    if not result.restored:
        return False
    if result.read is None:
        return None
    return bool(result.read)
