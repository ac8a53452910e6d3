"""One-feature linear regression: house area (100 m²) to price (100,000 EUR)."""

import keras
import numpy as np


def build_model() -> keras.Model:
    """Build and compile the regression model."""
    inputs = keras.Input(shape=(1,), name="area")
    outputs = keras.layers.Dense(1, name="price")(inputs)
    model = keras.Model(inputs, outputs, name="linear_regression")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    return model


def sample_data() -> tuple[np.ndarray, np.ndarray]:
    """Return 64 houses whose price is 1.5 per unit of area plus 0.5 and noise."""
    rng = np.random.default_rng(0)
    area = rng.uniform(0.5, 2.5, size=(64, 1)).astype("float32")
    noise = rng.normal(scale=0.05, size=(64, 1)).astype("float32")
    return area, 1.5 * area + 0.5 + noise
