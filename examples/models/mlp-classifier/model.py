"""A small MLP classifier: 10 input features, 50 ReLU units, 2 classes."""

import keras
import numpy as np


def build_model() -> keras.Model:
    """Build and compile the classifier."""
    inputs = keras.Input(shape=(10,), name="features")
    hidden = keras.layers.Dense(50, activation="relu")(inputs)
    outputs = keras.layers.Dense(2, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs, name="mlp_classifier")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def sample_data() -> tuple[np.ndarray, np.ndarray]:
    """Return 64 random samples with random labels 0 and 1."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 10)).astype("float32")
    y = rng.integers(0, 2, size=(64,)).astype("int32")
    return x, y
