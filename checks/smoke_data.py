"""The smoke test's data: the contribution's ``sample_data()`` or synthetic data.

Runs in the sandboxed child. Without ``sample_data()``, 64 synthetic samples are
shaped by the model's inputs (floats ~ N(0, 1), integers 0 or 1, unknown
dimensions 8) with targets shaped like its outputs and matched to the loss:
class indices for sparse categorical, one-hot for categorical, 0/1 for binary,
N(0, 1) otherwise. A model its author did not compile gets a loss from its
output activation: softmax -> sparse categorical cross-entropy (categorical for
one-hot float targets), sigmoid -> binary cross-entropy, anything else -> mean
squared error.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from modelbot.checks.smoke_arrays import join, leaves_of, map_tree, split
from modelbot.checks.smoke_record import Stop

# Synthetic data: this many samples; unknown (None) dimensions get this size.
SYNTHETIC_SAMPLES = 64
UNKNOWN_DIM = 8


def sample_data(module: ModuleType) -> tuple[Any, Any] | None:
    """Call the contribution's ``sample_data()`` if it has one, and validate it."""
    function = getattr(module, "sample_data", None)
    if function is None:
        return None
    if not callable(function):
        raise Stop("bad-data", reason="`sample_data` is not a function")
    data = function()
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        got = type(data).__name__
        raise Stop("bad-data", reason=f"it returned a {got}, not a tuple (x, y)")
    x, y = (map_tree(np.asarray, part) for part in data)
    leaves = leaves_of(x) + leaves_of(y)
    if any(a.dtype.kind not in "biuf" or a.ndim == 0 for a in leaves):
        raise Stop("bad-data", reason="x and y must be numeric arrays of samples")
    if len({len(a) for a in leaves}) != 1 or len(leaves[0]) == 0:
        raise Stop("bad-data", reason="x and y must hold the same number of samples")
    return x, y


def output_activation(model: Any) -> str:
    """The name of the activation that produces the model's (last) output."""
    layer = model.layers[-1] if model.layers else None
    if type(layer).__name__ == "Softmax":
        return "softmax"
    activation = getattr(layer, "activation", None)
    return str(getattr(activation, "__name__", activation or "linear"))


def default_loss(model: Any, sample: tuple[Any, Any] | None) -> str:
    """The loss for a model its author did not compile, from its output and data."""
    activation = output_activation(model)
    if activation == "softmax":
        y = leaves_of(sample[1])[0] if sample else None
        if y is not None and y.dtype.kind == "f" and y.ndim >= 2 and y.shape[-1] > 1:
            return "categorical_crossentropy"
        return "sparse_categorical_crossentropy"
    if activation == "sigmoid":
        return "binary_crossentropy"
    return "mean_squared_error"


def loss_names(model: Any, outputs: int) -> list[str]:
    """One loss name per model output."""
    loss = model.loss
    if isinstance(loss, dict):
        names = getattr(model, "output_names", None) or list(loss)
        loss = [loss.get(name) for name in names]
    losses = list(loss) if isinstance(loss, (list, tuple)) else [loss] * outputs
    found = []
    for item in losses:
        if isinstance(item, str) or item is None:
            found.append(str(item))
        else:
            name = getattr(item, "name", None) or getattr(item, "__name__", None)
            found.append(str(name or type(item).__name__))
    return found


def target_kind(loss: str) -> str:
    """What targets a loss expects: sparse labels, one-hot, binary or real values."""
    key = loss.lower().replace("_", "")
    if "sparsecategorical" in key:
        return "sparse"
    if "categorical" in key or "kldivergence" in key:
        return "onehot"
    if "binary" in key or "hinge" in key:
        return "binary"
    return "real"


def synthetic_inputs(model: Any, rng: np.random.Generator) -> Any:
    """Inputs for a model without ``sample_data()``: floats ~ N(0, 1), ints 0/1."""
    try:
        structure = model.input
    except Exception:  # Subclassed models without an Input have no structure.
        structure = None
    if structure is None:
        raise Stop("no-data", reason="the model declares no inputs")

    def make(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: make(v) for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return [make(v) for v in node]
        dims = [UNKNOWN_DIM if d is None else int(d) for d in node.shape[1:]]
        shape = (SYNTHETIC_SAMPLES, *dims)
        dtype = np.dtype(str(node.dtype))
        if dtype.kind == "f":
            return rng.standard_normal(shape).astype(dtype)
        if dtype.kind in "iu":
            return rng.integers(0, 2, shape).astype(dtype)
        if dtype.kind == "b":
            return rng.random(shape) < 0.5
        raise Stop("no-data", reason=f"input `{node.name}` has dtype {dtype}")

    return make(structure)


def synthetic_targets(outputs: Any, kinds: list[str], rng: np.random.Generator) -> Any:
    """Targets shaped like ``outputs`` and matched to each output's loss."""
    leaves: list[np.ndarray] = []
    template = split(outputs, leaves)
    targets = []
    for prediction, kind in zip(leaves, kinds, strict=False):
        shape = prediction.shape
        labels = rng.integers(0, max(1, shape[-1]), shape[:-1])
        if kind == "sparse":
            targets.append(labels.astype("int32"))
        elif kind == "onehot":
            targets.append(np.eye(shape[-1], dtype="float32")[labels])
        elif kind == "binary":
            targets.append((rng.random(shape) < 0.5).astype("float32"))
        else:
            targets.append(rng.standard_normal(shape).astype("float32"))
    return join(template, targets)


def check_labels(y: Any, kinds: list[str], shapes: list[tuple[int, ...]]) -> None:
    """Sparse labels must lie in [0, classes): CPU raises, GPU gives NaN."""
    for labels, kind, shape in zip(leaves_of(y), kinds, shapes, strict=False):
        if kind != "sparse" or not shape:
            continue
        classes = int(shape[-1])
        outside = labels[(labels < 0) | (labels >= classes)]
        if outside.size:
            value = outside.flat[0].item()
            raise Stop("label-out-of-range", label=value, classes=classes)
