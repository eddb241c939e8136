"""The NumPy reference LSTM computes what keras.layers.LSTM computes."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lstm_helpers import reference

CONFIGS = [
    # (batch, timesteps, features, units, with initial state, use_bias)
    (int(b), int(t), int(f), int(u), bool(s), bool(ub))
    for b, t, f, u, s, ub in zip(
        *(
            np.random.default_rng(7).integers(lo, hi, 24)
            for lo, hi in [(1, 6), (1, 9), (1, 6), (1, 7), (0, 2), (0, 2)]
        ),
        strict=True,
    )
]


def _layer(
    features: int, units: int, rng: np.random.Generator, **kwargs: object
) -> keras.layers.LSTM:
    layer = keras.layers.LSTM(units, **kwargs)
    layer.build((None, None, features))
    layer.set_weights([rng.normal(0, 0.6, w.shape).astype("float32") for w in layer.get_weights()])
    return layer


@pytest.mark.parametrize(
    ("batch", "timesteps", "features", "units", "with_state", "use_bias"), CONFIGS
)
def test_equals_keras(
    batch: int, timesteps: int, features: int, units: int, with_state: bool, use_bias: bool
) -> None:
    rng = np.random.default_rng(batch * 1000 + timesteps * 100 + features * 10 + units)
    layer = _layer(
        features, units, rng, return_sequences=True, return_state=True, use_bias=use_bias
    )
    x = rng.normal(size=(batch, timesteps, features)).astype("float32")
    h0 = rng.normal(size=(batch, units)).astype("float32") if with_state else None
    c0 = rng.normal(size=(batch, units)).astype("float32") if with_state else None
    state = [h0, c0] if with_state else None
    seq, h, c = (keras.ops.convert_to_numpy(t) for t in layer(x, initial_state=state))
    weights = layer.get_weights()
    bias = weights[2] if use_bias else None
    run = reference.lstm_forward(x, weights[0], weights[1], bias, h0=h0, c0=c0)
    np.testing.assert_allclose(run.h, seq, atol=1e-5)
    np.testing.assert_allclose(run.last_h, h, atol=1e-5)
    np.testing.assert_allclose(run.last_c, c, atol=1e-5)


def test_return_sequences_false_is_last_step() -> None:
    rng = np.random.default_rng(3)
    layer = _layer(3, 4, rng)
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    run = reference.lstm_forward(x, *layer.get_weights())
    np.testing.assert_allclose(run.last_h, keras.ops.convert_to_numpy(layer(x)), atol=1e-5)


@pytest.mark.parametrize(
    ("keras_name", "ours"),
    [("hard_sigmoid", reference.hard_sigmoid), ("sigmoid", reference.sigmoid)],
)
def test_recurrent_activation_argument(keras_name: str, ours: reference.Activation) -> None:
    rng = np.random.default_rng(5)
    layer = _layer(2, 3, rng, recurrent_activation=keras_name, return_sequences=True)
    x = rng.normal(size=(2, 4, 2)).astype("float32")
    run = reference.lstm_forward(x, *layer.get_weights(), recurrent_activation=ours)
    np.testing.assert_allclose(run.h, keras.ops.convert_to_numpy(layer(x)), atol=1e-5)


def test_hard_sigmoid_definitions_differ() -> None:
    x = np.array([-3.0, -1.0, 0.0, 1.0, 2.5, 3.0])
    np.testing.assert_allclose(
        reference.hard_sigmoid(x),
        keras.ops.convert_to_numpy(keras.activations.hard_sigmoid(x)),
        atol=1e-7,
    )
    np.testing.assert_allclose(reference.hard_sigmoid_keras2(x), np.clip(0.2 * x + 0.5, 0, 1))
    assert not np.allclose(reference.hard_sigmoid(x), reference.hard_sigmoid_keras2(x))


def test_gates_rebuild_the_states() -> None:
    rng = np.random.default_rng(11)
    k, r, b = (rng.normal(size=s) for s in [(2, 12), (3, 12), (12,)])
    run = reference.lstm_forward(rng.normal(size=(2, 4, 2)), k, r, b, return_gates=True)
    g = run.gates
    c_prev = np.concatenate([np.zeros((2, 1, 3)), run.c[:, :-1]], axis=1)
    np.testing.assert_allclose(run.c, g["f"] * c_prev + g["i"] * g["g"])
    np.testing.assert_allclose(run.h, g["o"] * np.tanh(run.c))
    assert set(g) == set(reference.GATES)


@pytest.mark.parametrize(
    ("x_shape", "k_shape", "r_shape", "b_shape", "match"),
    [
        (
            (4, 2),
            (2, 8),
            (2, 8),
            (8,),
            r"x must have shape \(batch, timesteps, features\); got shape \(4, 2\)",
        ),
        (
            (1, 4, 3),
            (2, 8),
            (2, 8),
            (8,),
            r"kernel must have shape \(3, 4\*units\); got shape \(2, 8\)",
        ),
        (
            (1, 4, 2),
            (2, 7),
            (2, 8),
            (8,),
            r"kernel must have shape \(2, 4\*units\); got shape \(2, 7\)",
        ),
        (
            (1, 4, 2),
            (2, 8),
            (3, 8),
            (8,),
            r"recurrent_kernel must have shape \(2, 8\); got shape \(3, 8\)",
        ),
        ((1, 4, 2), (2, 8), (2, 8), (4,), r"bias must have shape \(8,\); got shape \(4,\)"),
    ],
)
def test_bad_shapes_raise(
    x_shape: tuple[int, ...],
    k_shape: tuple[int, ...],
    r_shape: tuple[int, ...],
    b_shape: tuple[int, ...],
    match: str,
) -> None:
    with pytest.raises(ValueError, match=match):
        reference.lstm_forward(
            np.zeros(x_shape), np.zeros(k_shape), np.zeros(r_shape), np.zeros(b_shape)
        )


def test_bad_initial_state_raises() -> None:
    with pytest.raises(ValueError, match=r"h0 must have shape \(3, 2\); got shape \(1, 2\)"):
        reference.lstm_forward(
            np.zeros((3, 4, 2)),
            np.zeros((2, 8)),
            np.zeros((2, 8)),
            np.zeros(8),
            h0=np.zeros((1, 2)),
        )


def test_split_gates() -> None:
    blocks = reference.split_gates(np.arange(8))
    assert [list(v) for v in blocks.values()] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    with pytest.raises(ValueError, match=r"4\*units; got shape \(6,\)"):
        reference.split_gates(np.arange(6))
