"""Seeded layers and the short-training helpers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lstm_helpers import training


def test_random_lstm_is_repeatable_and_keeps_bias() -> None:
    a = training.random_lstm(3, 2, seed=4, name="a")
    b = training.random_lstm(3, 2, seed=4, name="b")
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    bias = a.get_weights()[2]
    np.testing.assert_array_equal(bias, np.r_[np.zeros(3), np.ones(3), np.zeros(6)])


def test_fit_losses_and_drop() -> None:
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, keras.layers.Dense(1, name="d")(inputs))
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    x = np.random.default_rng(0).normal(size=(64, 3)).astype("float32")
    losses = training.fit_losses(model, x, x @ np.array([1.0, -2.0, 0.5]), epochs=20, batch_size=16)
    assert losses.shape == (20,)
    assert training.loss_drop(losses) < 0.1


def test_loss_drop_rejects_short_curves() -> None:
    with pytest.raises(ValueError, match=r"shape \(epochs,\) with epochs >= 2; got shape \(1,\)"):
        training.loss_drop([1.0])


def test_plot_losses() -> None:
    fig = training.plot_losses({"a": [1.0, 0.5], "b": [2.0, 0.1]}, title="t")
    assert len(fig.axes[0].lines) == 2
    with pytest.raises(ValueError, match="at least one"):
        training.plot_losses({})
