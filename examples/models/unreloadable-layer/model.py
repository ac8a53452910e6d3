"""A regression model with a custom layer that Keras cannot find on reload."""

import keras
import numpy as np


class Scale(keras.layers.Layer):
    """Multiply the input by a learned scalar.

    The class is not registered with ``keras.saving.register_keras_serializable``,
    so a fresh process cannot find it when it loads the saved ``.keras`` file.
    """

    def build(self, input_shape: tuple[int, ...]) -> None:
        """Create the scalar weight."""
        self.factor = self.add_weight(shape=(), initializer="ones", name="factor")

    def call(self, inputs: keras.KerasTensor) -> keras.KerasTensor:
        """Scale the inputs."""
        return inputs * self.factor


def build_model() -> keras.Model:
    """Build and compile the model."""
    inputs = keras.Input(shape=(4,), name="features")
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    outputs = Scale()(keras.layers.Dense(1)(hidden))
    model = keras.Model(inputs, outputs, name="scaled_regression")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    return model


def sample_data() -> tuple[np.ndarray, np.ndarray]:
    """Return 64 random samples whose target is the sum of the features."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    return x, x.sum(axis=1, keepdims=True)
