"""fit_seeds trains from scratch once per seed, on one traced training step."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest

from lstm_helpers import evaluation


def _build(seed: int) -> Any:
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(5, 2), name="x")
    hidden = keras.layers.GRU(3, name="gru")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, name="out")(hidden))
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    return model


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 5, 2)).astype("float32")
    return x[:32], x[:32, :, 0].sum(axis=1, keepdims=True), x[32:]


def test_each_seed_equals_a_fresh_model_trained_alone() -> None:
    x_train, y_train, x_test = _data()
    runs = evaluation.fit_seeds(
        _build, [3, 4], x_train, y_train, x_test, epochs=3, batch_size=8
    )
    assert len(runs.predictions) == 2
    for seed, predicted in zip([3, 4], runs.predictions, strict=True):
        alone = _build(seed)
        keras.utils.set_random_seed(seed)
        alone.fit(x_train, y_train, epochs=3, batch_size=8, verbose=0)
        np.testing.assert_allclose(predicted, alone.predict(x_test, verbose=0), atol=1e-6)
    assert not np.allclose(runs.predictions[0], runs.predictions[1])
    assert int(runs.model.optimizer.iterations) == 3 * 4


def test_rejects_no_seeds_and_bad_epochs() -> None:
    x_train, y_train, x_test = _data()
    with pytest.raises(ValueError, match="seeds must hold at least one seed"):
        evaluation.fit_seeds(_build, [], x_train, y_train, x_test, epochs=1)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        evaluation.fit_seeds(_build, [0], x_train, y_train, x_test, epochs=0)
