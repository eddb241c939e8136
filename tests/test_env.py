"""The notebook set-up call makes runs repeatable."""

from __future__ import annotations

import os

import keras
import numpy as np

import lstm_helpers


def test_quiet_env_is_set() -> None:
    for name in lstm_helpers.QUIET_TF_ENV:
        assert name in os.environ


def test_setup_makes_keras_repeatable(capsys: object) -> None:
    def draw() -> np.ndarray:
        lstm_helpers.setup(seed=3, show_versions=False)
        layer = keras.layers.LSTM(2)
        out: np.ndarray = keras.ops.convert_to_numpy(layer(np.ones((1, 3, 2), dtype="float32")))
        return out

    np.testing.assert_array_equal(draw(), draw())


def test_setup_prints_versions(capsys) -> None:  # type: ignore[no-untyped-def]
    lstm_helpers.setup()
    out = capsys.readouterr().out
    assert out.startswith(f"Keras {keras.__version__} on TensorFlow ")
    assert np.get_printoptions()["precision"] == 4
