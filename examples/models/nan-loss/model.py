"""Linear regression with a learning rate so large that the loss overflows."""

import keras
import numpy as np


def build_model() -> keras.Model:
    """Build the model; the learning rate of 1e8 makes the weights explode."""
    inputs = keras.Input(shape=(1,), name="area")
    outputs = keras.layers.Dense(1, name="price")(inputs)
    model = keras.Model(inputs, outputs, name="exploding_regression")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e8), loss="mse")
    return model


def sample_data() -> tuple[np.ndarray, np.ndarray]:
    """Return 64 houses, as in the linear-regression example."""
    rng = np.random.default_rng(0)
    area = rng.uniform(0.5, 2.5, size=(64, 1)).astype("float32")
    return area, 1.5 * area + 0.5
