"""The NumPy SimpleRNN and GRU compute what keras.layers.SimpleRNN and GRU compute."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest

from lstm_helpers import cells, reference

_RNG = np.random.default_rng(16)
CONFIGS = [
    # (batch, timesteps, features, units, with initial state, use_bias), each drawn alone
    (int(b), int(t), int(f), int(u), bool(s), bool(ub))
    for b, t, f, u, s, ub in zip(
        *(_RNG.integers(lo, hi, 24) for lo, hi in [(1, 6), (1, 9), (1, 6), (1, 7), (0, 2), (0, 2)]),
        strict=True,
    )
]
CONFIG_NAMES = "batch, timesteps, features, units, with_state, use_bias"


def _layer(kind: type[Any], features: int, units: int, rng: np.random.Generator, **kw: Any) -> Any:
    layer = kind(units, return_sequences=True, return_state=True, **kw)
    layer.build((None, None, features))
    layer.set_weights([rng.normal(0, 0.6, w.shape).astype("float32") for w in layer.get_weights()])
    return layer


def _run(layer: Any, x: np.ndarray, h0: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    seq, h = layer(x, initial_state=None if h0 is None else [h0])
    return keras.ops.convert_to_numpy(seq), keras.ops.convert_to_numpy(h)


def _inputs(
    rng: np.random.Generator, batch: int, timesteps: int, features: int, units: int, state: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    x = rng.normal(size=(batch, timesteps, features)).astype("float32")
    h0 = rng.normal(size=(batch, units)).astype("float32") if state else None
    return x, h0


def test_enough_configurations() -> None:
    assert len(set(CONFIGS)) >= 20


@pytest.mark.parametrize(CONFIG_NAMES, CONFIGS)
def test_simple_rnn_equals_keras(
    batch: int, timesteps: int, features: int, units: int, with_state: bool, use_bias: bool
) -> None:
    rng = np.random.default_rng(batch * 1000 + timesteps * 100 + features * 10 + units)
    layer = _layer(keras.layers.SimpleRNN, features, units, rng, use_bias=use_bias)
    x, h0 = _inputs(rng, batch, timesteps, features, units, with_state)
    seq, h = _run(layer, x, h0)
    w = layer.get_weights()
    run = cells.simple_rnn_forward(x, w[0], w[1], w[2] if use_bias else None, h0=h0)
    np.testing.assert_allclose(run.h, seq, atol=1e-5)
    np.testing.assert_allclose(run.last_h, h, atol=1e-5)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize(CONFIG_NAMES, CONFIGS)
def test_gru_equals_keras(
    batch: int,
    timesteps: int,
    features: int,
    units: int,
    with_state: bool,
    use_bias: bool,
    reset_after: bool,
) -> None:
    rng = np.random.default_rng(batch * 1000 + timesteps * 100 + features * 10 + units)
    layer = _layer(
        keras.layers.GRU, features, units, rng, use_bias=use_bias, reset_after=reset_after
    )
    x, h0 = _inputs(rng, batch, timesteps, features, units, with_state)
    seq, h = _run(layer, x, h0)
    w = layer.get_weights()
    bias = w[2] if use_bias else None
    run = cells.gru_forward(x, w[0], w[1], bias, h0=h0, reset_after=reset_after)
    np.testing.assert_allclose(run.h, seq, atol=1e-5)
    np.testing.assert_allclose(run.last_h, h, atol=1e-5)


def test_reset_after_variants_differ() -> None:
    """Same weights (recurrent bias zero) but the two variants give different states."""
    rng = np.random.default_rng(2)
    k, r = rng.normal(size=(3, 12)), rng.normal(size=(4, 12))
    b = rng.normal(size=12)
    x = rng.normal(size=(2, 5, 3))
    after = cells.gru_forward(x, k, r, np.stack([b, np.zeros(12)]), reset_after=True)
    before = cells.gru_forward(x, k, r, b, reset_after=False)
    assert np.abs(after.h - before.h).max() > 1e-2


def test_gru_gates_rebuild_the_state() -> None:
    rng = np.random.default_rng(4)
    k, r, b = rng.normal(size=(2, 9)), rng.normal(size=(3, 9)), rng.normal(size=(2, 9))
    run = cells.gru_forward(rng.normal(size=(2, 4, 2)), k, r, b, return_gates=True)
    g = run.gates
    h_prev = np.concatenate([np.zeros((2, 1, 3)), run.h[:, :-1]], axis=1)
    np.testing.assert_allclose(run.h, g["z"] * h_prev + (1 - g["z"]) * g["h"])
    assert set(g) == set(cells.GRU_GATES) and run.last_h.shape == (2, 3)
    assert cells.gru_forward(rng.normal(size=(1, 2, 2)), k, r, b).gates == {}


def test_activation_arguments() -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 4, 2)).astype("float32")
    gru = _layer(keras.layers.GRU, 2, 3, rng, recurrent_activation="hard_sigmoid")
    seq, _ = _run(gru, x, None)
    run = cells.gru_forward(x, *gru.get_weights(), recurrent_activation=reference.hard_sigmoid)
    np.testing.assert_allclose(run.h, seq, atol=1e-5)
    rnn = _layer(keras.layers.SimpleRNN, 2, 3, rng, activation="relu")
    seq, _ = _run(rnn, x, None)
    run = cells.simple_rnn_forward(x, *rnn.get_weights(), activation=lambda v: np.maximum(v, 0))
    np.testing.assert_allclose(run.h, seq, atol=1e-5)


def test_split_gru_gates() -> None:
    blocks = cells.split_gru_gates(np.arange(12).reshape(2, 6))
    assert list(blocks) == ["z", "r", "h"]
    np.testing.assert_array_equal(blocks["r"], [[2, 3], [8, 9]])
    with pytest.raises(ValueError, match=r"the last axis must be 3\*units; got shape \(2, 5\)"):
        cells.split_gru_gates(np.zeros((2, 5)))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: cells.simple_rnn_forward(np.zeros((4, 2)), np.zeros((2, 3)), np.zeros((3, 3))),
            r"x must have shape \(batch, timesteps, features\); got shape \(4, 2\)",
        ),
        (
            lambda: cells.simple_rnn_forward(
                np.zeros((1, 4, 3)), np.zeros((2, 3)), np.zeros((3, 3))
            ),
            r"kernel must have shape \(3, units\); got shape \(2, 3\)",
        ),
        (
            lambda: cells.simple_rnn_forward(
                np.zeros((1, 4, 2)), np.zeros((2, 3)), np.zeros((3, 4))
            ),
            r"recurrent_kernel must have shape \(3, 3\); got shape \(3, 4\)",
        ),
        (
            lambda: cells.simple_rnn_forward(
                np.zeros((1, 4, 2)), np.zeros((2, 3)), np.zeros((3, 3)), np.zeros(4)
            ),
            r"bias must have shape \(3,\); got shape \(4,\)",
        ),
        (
            lambda: cells.simple_rnn_forward(
                np.zeros((2, 4, 2)), np.zeros((2, 3)), np.zeros((3, 3)), h0=np.zeros((1, 3))
            ),
            r"h0 must have shape \(2, 3\); got shape \(1, 3\)",
        ),
        (
            lambda: cells.gru_forward(np.zeros((1, 4, 2)), np.zeros((2, 8)), np.zeros((2, 6))),
            r"kernel must have shape \(2, 3\*units\); got shape \(2, 8\)",
        ),
        (
            lambda: cells.gru_forward(np.zeros((1, 4, 2)), np.zeros((2, 6)), np.zeros((2, 4))),
            r"recurrent_kernel must have shape \(2, 6\); got shape \(2, 4\)",
        ),
        (
            lambda: cells.gru_forward(
                np.zeros((1, 4, 2)), np.zeros((2, 6)), np.zeros((2, 6)), np.zeros(6)
            ),
            r"bias must have shape \(2, 6\); got shape \(6,\)",
        ),
        (
            lambda: cells.gru_forward(
                np.zeros((1, 4, 2)),
                np.zeros((2, 6)),
                np.zeros((2, 6)),
                np.zeros((2, 6)),
                reset_after=False,
            ),
            r"bias must have shape \(6,\); got shape \(2, 6\)",
        ),
    ],
)
def test_wrong_shapes_raise(call: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
