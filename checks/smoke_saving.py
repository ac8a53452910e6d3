"""Saving in the smoke test's child: the .keras file, the batch, and diagnoses.

Runs in the sandboxed child; takes Keras as an argument, since Keras is imported
only after the contribution. When saving fails it names the layers whose config
cannot be serialized; before reloading it lists the custom classes a fresh
process cannot find and the inline lambdas safe mode refuses.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
import zipfile
from typing import Any

import numpy as np

from modelbot.checks.smoke_arrays import join, predictions, split
from modelbot.checks.smoke_record import WORKDIR, Report, Stop, describe, phase

MODEL_FILE = WORKDIR / "model.keras"
BATCH_FILE = WORKDIR / "batch.npz"
EXPECTED_FILE = WORKDIR / "expected.npz"
KERAS_PACKAGES = {"keras", "keras_hub", "keras_cv", "keras_nlp"}


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


def load_expected() -> list[np.ndarray]:
    """The predictions the train child saved for its batch."""
    with np.load(EXPECTED_FILE, allow_pickle=False) as saved:
        return [saved[f"arr_{i}"] for i in range(len(saved.files))]


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


def find_class(name: str, model_dir: str) -> list[Any]:
    """Where a module-level class called ``name`` in the contribution is defined."""
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None) or ""
        if os.path.abspath(path).startswith(os.path.join(model_dir, "")):
            cls = vars(module).get(name.rsplit(">", 1)[-1])
            if isinstance(cls, type):
                return where(cls)
    return []


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
