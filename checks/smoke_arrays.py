"""Nested arrays in the smoke test's child: x, y and outputs as trees of arrays.

Runs in the sandboxed child; takes Keras as an argument, since Keras is imported
only after the contribution.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np


def json_float(value: Any) -> float | None:
    """A float for JSON: non-finite values become ``None``."""
    number = float(np.asarray(value, dtype="float64").reshape(-1)[0])
    return number if math.isfinite(number) else None


def split(tree: Any, leaves: list[np.ndarray]) -> Any:
    """Return a JSON template of a tree of arrays, appending its leaves."""
    if isinstance(tree, dict):
        return {"dict": {str(k): split(v, leaves) for k, v in tree.items()}}
    if isinstance(tree, (list, tuple)):
        return {"list": [split(v, leaves) for v in tree]}
    leaves.append(np.asarray(tree))
    return len(leaves) - 1


def join(template: Any, leaves: list[Any]) -> Any:
    """Rebuild the tree that ``split`` took apart."""
    if isinstance(template, int):
        return leaves[template]
    if "dict" in template:
        return {k: join(v, leaves) for k, v in template["dict"].items()}
    return [join(v, leaves) for v in template["list"]]


def map_tree(fn: Callable[[np.ndarray], Any], tree: Any) -> Any:
    """Apply ``fn`` to every array leaf of ``tree``."""
    leaves: list[np.ndarray] = []
    template = split(tree, leaves)
    return join(template, [fn(leaf) for leaf in leaves])


def leaves_of(tree: Any) -> list[np.ndarray]:
    """The array leaves of ``tree``, in order."""
    leaves: list[np.ndarray] = []
    split(tree, leaves)
    return leaves


def take(tree: Any, count: int) -> Any:
    """The first ``count`` samples of every leaf, wrapping around short data."""
    return map_tree(lambda a: np.take(a, np.arange(count) % len(a), axis=0), tree)


def predictions(keras: Any, model: Any, x: Any) -> list[np.ndarray]:
    """The model's outputs on ``x`` in inference mode, as NumPy arrays."""
    outputs = model(x, training=False)
    return [np.asarray(keras.ops.convert_to_numpy(t)) for t in leaves_of(outputs)]


def max_abs_diff(expected: list[np.ndarray], actual: list[np.ndarray]) -> float | None:
    """The largest absolute difference, or ``None`` if shapes differ or it is NaN."""
    if [a.shape for a in expected] != [a.shape for a in actual]:
        return None
    pairs = zip(expected, actual, strict=True)
    diffs = [np.max(np.abs(e - a), initial=0.0) for e, a in pairs]
    return json_float(np.max(diffs, initial=0.0))
