"""The smoke test's child process: build, train, save and reload one model.

Run by path inside the sandbox as ``python -I smoke_child.py MODE SPEC``, never
imported by modelbot. MODE ``train`` builds the model, trains it on one fixed
batch and saves it; MODE ``reload`` (a fresh process) imports the model module,
reloads the saved file in safe mode, compares predictions and repeats the first
training steps with the same seed. The child only records what it saw in
``result.json`` in its working directory; the parent decides what passes.

Data: ``sample_data()`` if model.py defines it, else 64 synthetic samples
shaped by the model's inputs (floats ~ N(0, 1), integers 0 or 1, unknown
dimensions 8) with targets shaped like its outputs and matched to the loss:
class indices for sparse categorical, one-hot for categorical, 0/1 for binary,
N(0, 1) otherwise. A model its author did not compile gets Adam(1e-3) and a
loss from its output activation: softmax -> sparse categorical cross-entropy
(categorical for one-hot float targets), sigmoid -> binary cross-entropy,
anything else -> mean squared error.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import json
import math
import os
import sys
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

WORKDIR = Path.cwd()  # Captured before contributed code can chdir.
RESULT_FILE = WORKDIR / "result.json"
MODEL_FILE = WORKDIR / "model.keras"
BATCH_FILE = WORKDIR / "batch.npz"
EXPECTED_FILE = WORKDIR / "expected.npz"
MODULE_NAME = "model"
KERAS_PACKAGES = {"keras", "keras_hub", "keras_cv", "keras_nlp"}
DEFAULT_LEARNING_RATE = 1e-3
MAX_TEXT = 2000
MAX_FRAMES = 40
# Synthetic data: this many samples; unknown (None) dimensions get this size.
SYNTHETIC_SAMPLES = 64
UNKNOWN_DIM = 8


class Stop(Exception):
    """Ends the smoke test early with a failure record for the parent."""

    def __init__(self, kind: str, **details: Any) -> None:
        super().__init__(kind)
        self.failure = {"kind": kind, **details}


class Report:
    """What the child saw so far, rewritten atomically as it goes."""

    def __init__(self, mode: str) -> None:
        self.data: dict[str, Any] = {"mode": mode, "phase": "start", "done": False}
        self.data.update(failure=None, metrics={}, durations={})
        self.metrics: dict[str, Any] = self.data["metrics"]

    def write(self) -> None:
        """Replace the result file with the current state."""
        tmp = RESULT_FILE.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, allow_nan=False, default=str))
        os.replace(tmp, RESULT_FILE)


@contextlib.contextmanager
def phase(report: Report, name: str) -> Iterator[None]:
    """Run one phase; any exception becomes a failure record naming the phase."""
    report.data["phase"] = name
    report.write()
    start = time.perf_counter()
    try:
        yield
    except Stop:
        raise
    except BaseException as exc:  # Contributed code may raise even SystemExit.
        raise Stop("exception", phase=name, **describe(exc)) from None
    finally:
        spent = time.perf_counter() - start
        durations = report.data["durations"]
        durations[name] = round(durations.get(name, 0.0) + spent, 4)


def describe(exc: BaseException) -> dict[str, Any]:
    """Type, message and traceback frames of ``exc`` and the exceptions it chains."""
    frames: list[list[Any]] = []
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 5:
        chain.insert(0, current)
        current = current.__cause__ or current.__context__
    for link in chain:  # Outermost first, so the root cause's frames come last.
        for frame in traceback.extract_tb(link.__traceback__):
            frames.append([frame.filename, frame.lineno, frame.name])
    message = str(exc)
    if len(message) > MAX_TEXT:  # The cause is often at the end (TensorFlow).
        half = MAX_TEXT // 2
        message = f"{message[:half]}\n...\n{message[-half:]}"
    return {
        "type": type(exc).__name__,
        "message": message,
        "frames": frames[-MAX_FRAMES:],
    }


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


def import_model(spec: dict[str, Any]) -> ModuleType:
    """Import the contribution's model.py by path, its directory first on sys.path."""
    sys.path.insert(0, spec["model_dir"])
    found = importlib.util.spec_from_file_location(MODULE_NAME, spec["model_file"])
    if found is None or found.loader is None:
        raise ImportError(f"cannot import {spec['model_file']}")
    module = importlib.util.module_from_spec(found)
    sys.modules[MODULE_NAME] = module
    found.loader.exec_module(module)
    return module


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


def forward(keras: Any, model: Any, x: Any) -> list[tuple[int, ...]]:
    """Run batches of 2 and 3 (catches hard-coded batch sizes); return shapes."""
    outputs: list[np.ndarray] = []
    for count in (2, 3):
        outputs = predictions(keras, model, take(x, count))
        shapes = [list(o.shape) for o in outputs]
        if any(o.ndim == 0 or o.shape[0] != count for o in outputs):
            raise Stop("bad-output", batch=count, shapes=shapes)
        if not all(np.all(np.isfinite(o)) for o in outputs):
            raise Stop("non-finite-output", batch=count)
    return [tuple(o.shape) for o in outputs]


def prepare(
    keras: Any,
    module: ModuleType,
    spec: dict[str, Any],
    report: Report,
    saved: tuple[Any, Any] | None = None,
    prefix: str = "",
) -> tuple[Any, Any, Any]:
    """Build the model (seeded), get and check its data; return model and batch."""
    build = getattr(module, "build_model", None)
    if not callable(build):
        raise Stop("no-build-model")
    with phase(report, prefix + "build"):
        # Seed right before every build (keras-team/keras#22620): Python,
        # NumPy, the backend and Keras' own seed generator.
        keras.utils.set_random_seed(spec["seed"])
        model = build()
    if not isinstance(model, keras.Model):
        returned = f"{type(model).__module__}.{type(model).__qualname__}"
        raise Stop("not-a-model", returned=returned)
    with phase(report, prefix + "data"):
        sample = sample_data(module)

    metrics = report.metrics
    with phase(report, prefix + "compile"):
        metrics["compiled_by"] = "model"
        if not getattr(model, "compiled", False):
            loss = spec.get("default_loss") or default_loss(model, sample)
            optimizer = keras.optimizers.Adam(learning_rate=DEFAULT_LEARNING_RATE)
            model.compile(optimizer=optimizer, loss=loss)
            metrics["compiled_by"] = "modelbot"
        metrics["optimizer"] = type(model.optimizer).__name__

    rng = np.random.default_rng(spec["seed"])
    with phase(report, prefix + "data"):
        x, y = saved or sample or (synthetic_inputs(model, rng), None)
        metrics["data"] = "sample_data" if sample else "synthetic"
    with phase(report, prefix + "forward"):
        shapes = forward(keras, model, x)
        metrics["params"] = int(model.count_params())
    with phase(report, prefix + "data"):
        names = loss_names(model, len(shapes))
        metrics["loss"] = ", ".join(dict.fromkeys(names))
        kinds = [target_kind(name) for name in names]
        if y is None:
            y = synthetic_targets(model(x, training=False), kinds, rng)
        check_labels(y, kinds, shapes)
    size = min(spec["batch_size"], len(leaves_of(x)[0]))
    metrics["batch_size"] = size
    return model, take(x, size), take(y, size)


def true_loss(model: Any, x: Any, y: Any) -> float | None:
    """The loss on one batch now (Keras' logs["loss"] is a running mean)."""
    logs = model.test_on_batch(x, y, return_dict=True)
    return json_float(logs["loss"])


def run_steps(
    model: Any, x: Any, y: Any, steps: int, report: Report, name: str
) -> list[float | None]:
    """Train ``steps`` steps on one batch: the true loss at start and after each."""
    losses: list[float | None] = []
    report.metrics[name.replace("-", "_") + "_losses"] = losses
    with phase(report, name):
        losses.append(true_loss(model, x, y))
        for _ in range(steps):
            if losses[-1] is None:
                break
            model.train_on_batch(x, y)
            losses.append(true_loss(model, x, y))
            report.write()
    return losses


def where(cls: Any) -> list[Any]:
    """Source file and line of a class statement, ``[]`` if unknown."""
    try:
        lines, start = inspect.getsourcelines(cls)
        file = inspect.getsourcefile(cls)
    except (OSError, TypeError):
        return []
    # The source starts at the first decorator; point at the class line.
    offset = next((i for i, ln in enumerate(lines) if ln.lstrip()[:6] == "class "), 0)
    return [file, start + offset]


def find_class(name: str, model_dir: str) -> list[Any]:
    """Where a module-level class called ``name`` in the contribution is defined."""
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None) or ""
        if os.path.abspath(path).startswith(os.path.join(model_dir, "")):
            cls = vars(module).get(name.rsplit(">", 1)[-1])
            if isinstance(cls, type):
                return where(cls)
    return []


def unserializable(keras: Any, model: Any) -> list[list[Any]]:
    """The layers whose config cannot be serialized: class, reason, location."""
    flatten = getattr(model, "_flatten_layers", None)
    layers = list(flatten(include_self=False)) if flatten else model.layers
    found = []
    for layer in layers:
        try:
            json.dumps(keras.saving.serialize_keras_object(layer))
        except Exception as exc:
            paragraph = str(exc).strip().split("\n\n")[0]  # Skip Keras' example.
            reason = f"{type(exc).__name__}: {' '.join(paragraph.split())}"[:300]
            found.append([type(layer).__name__, reason, where(type(layer))])
    return found


def save(keras: Any, model: Any, x: Any, y: Any, report: Report) -> None:
    """Save the model as .keras, with the batch and the predictions to compare."""
    with phase(report, "save"):
        try:
            model.save(MODEL_FILE)
        except Exception as exc:
            layers = unserializable(keras, model)
            raise Stop("save-failed", layers=layers, **describe(exc)) from None
        xs: list[np.ndarray] = []
        ys: list[np.ndarray] = []
        template = {"x": split(x, xs), "y": split(y, ys)}
        arrays: dict[str, Any] = {"template": np.array(json.dumps(template))}
        arrays.update({f"x{i}": a for i, a in enumerate(xs)})
        arrays.update({f"y{i}": a for i, a in enumerate(ys)})
        np.savez(BATCH_FILE, **arrays)
        np.savez(EXPECTED_FILE, *predictions(keras, model, x))


def load_batch() -> tuple[Any, Any]:
    """The batch the train child saved."""
    with np.load(BATCH_FILE, allow_pickle=False) as batch:
        template = json.loads(str(batch["template"]))
        arrays = {name: batch[name] for name in batch.files}
    xs = [arrays[f"x{i}"] for i in range(sum(k[0] == "x" for k in arrays))]
    ys = [arrays[f"y{i}"] for i in range(sum(k[0] == "y" for k in arrays))]
    return join(template["x"], xs), join(template["y"], ys)


def max_abs_diff(expected: list[np.ndarray], actual: list[np.ndarray]) -> float | None:
    """The largest absolute difference, or ``None`` if shapes differ or it is NaN."""
    if [a.shape for a in expected] != [a.shape for a in actual]:
        return None
    pairs = zip(expected, actual, strict=True)
    diffs = [np.max(np.abs(e - a), initial=0.0) for e, a in pairs]
    return json_float(np.max(diffs, initial=0.0))


def custom_objects(keras: Any, model_dir: str) -> dict[str, Any]:
    """Classes and functions in the saved config that a fresh process cannot find."""
    with zipfile.ZipFile(MODEL_FILE) as archive:
        config = json.loads(archive.read("config.json"))
    unregistered: list[str] = []
    lambdas: list[str] = []

    def walk(node: Any, layer: str) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, layer)
            return
        if not isinstance(node, dict):
            return
        name, inner, module = (node.get(k) for k in ("class_name", "config", "module"))
        if isinstance(name, str) and "config" in node:
            builtin = isinstance(module, str) and module.split(".")[0] in KERAS_PACKAGES
            shown = inner if name == "function" and isinstance(inner, str) else name
            key = node.get("registered_name") or shown
            if name == "__lambda__":
                lambdas.append(layer)
            elif not (builtin or name.startswith("__") or shown in unregistered):
                if keras.saving.get_registered_object(str(key)) is None:
                    unregistered.append(str(shown))
            if isinstance(inner, dict) and isinstance(inner.get("name"), str):
                layer = inner["name"]
        for value in node.values():
            walk(value, layer)

    walk(config, "model")
    places = [find_class(name, model_dir) for name in unregistered]
    return {"unregistered": unregistered, "places": places, "lambdas": lambdas}


def train_child(
    keras: Any, module: ModuleType, spec: dict[str, Any], r: Report
) -> None:
    """Build, check, train on one batch and save the model."""
    model, x, y = prepare(keras, module, spec, r)
    if spec["max_params"] is not None and r.metrics["params"] > spec["max_params"]:
        raise Stop("too-many-params")
    before = [keras.ops.convert_to_numpy(v) for v in model.trainable_variables]
    losses = run_steps(model, x, y, spec["steps"], r, "train")
    if None in losses:
        raise Stop("non-finite-loss")
    # A trainable variable that did not move at all never received a gradient.
    r.data["frozen"] = [
        str(getattr(v, "path", v.name))
        for v, old in zip(model.trainable_variables, before, strict=False)
        if np.array_equal(keras.ops.convert_to_numpy(v), old)
    ]
    save(keras, model, x, y, r)


def reload_child(
    keras: Any, module: ModuleType, spec: dict[str, Any], r: Report
) -> None:
    """Reload in safe mode, compare predictions, and repeat the first steps."""
    with phase(r, "reload"):
        custom = custom_objects(keras, spec["model_dir"])
        try:
            # Never turn safe mode off for contributed content.
            model = keras.saving.load_model(MODEL_FILE, safe_mode=True)
        except Exception as exc:
            raise Stop("reload-failed", **custom, **describe(exc)) from None
    with phase(r, "compare"):
        x, y = load_batch()
        with np.load(EXPECTED_FILE, allow_pickle=False) as saved:
            expected = [saved[f"arr_{i}"] for i in range(len(saved.files))]
        r.metrics["reload_max_abs_diff"] = max_abs_diff(
            expected, predictions(keras, model, x)
        )
    del model
    rebuilt, x, y = prepare(keras, module, spec, r, saved=(x, y), prefix="rerun-")
    run_steps(rebuilt, x, y, spec["rerun_steps"], r, "rerun-train")


def main(argv: list[str]) -> None:
    """Run one mode and write the result file; exit without TensorFlow's teardown."""
    mode, spec = argv[1], json.loads(argv[2])
    report = Report(mode)
    try:
        with phase(report, "import"):
            module = import_model(spec)
            import keras  # After the contribution, so its own errors come first.
        child = train_child if mode == "train" else reload_child
        child(keras, module, spec, report)
    except Stop as stop:
        report.data["failure"] = stop.failure
    except Exception:  # A bug in this file, outside every phase.
        report.data["internal"] = traceback.format_exc()[-MAX_TEXT:]
    report.data["done"] = True
    report.write()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv)
