"""Positions of job.yaml nodes: a node the parser did not record (a default, a key that is
absent) is reported at its nearest recorded ancestor, never at a made-up 1:1."""

from __future__ import annotations

from pathlib import Path

from sagemaker_byoc.spec.source import Source


def test_an_unrecorded_node_takes_its_nearest_recorded_ancestors_position():
    source = Source(
        Path("job.yaml"),
        {"image": {"base": "cuda"}},
        values={(): (1, 1), ("image",): (2, 3), ("image", "base"): (3, 9)},
        keys={("image",): (2, 1), ("image", "base"): (3, 3)},
    )
    assert source.position(("image", "base")) == (3, 9)
    assert source.position(("image", "cuda")) == (2, 3), "an absent key: its mapping"
    assert source.position(("image", "cuda", 0, "x")) == (2, 3)
    assert source.position(("image", "base"), key=True) == (3, 3)
    assert source.position(("image", "cuda"), key=True) == (2, 1), "no key recorded: the key of its mapping"
    assert source.position(("hyperparameters", "lr")) == (1, 1), "the document itself"
