"""The stateful batch layout: its order, inverse and errors, and that it keeps the state right."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from lstm_helpers import reference, stateful, training


def test_layout_order_and_inverse() -> None:
    x = stateful.tagged_sequences(4, 6)
    laid = stateful.to_stateful_batches(x, batch_size=2, chunk=3)
    assert laid.shape == (8, 3, 2)
    # batch 0: sequences 0, 1 at steps 0-2; batch 1: the same sequences at 3-5; then 2, 3
    assert laid[:, 0, 0].tolist() == [0, 1, 0, 1, 2, 3, 2, 3]
    assert laid[:, 0, 1].tolist() == [0, 0, 3, 3, 0, 0, 3, 3]
    np.testing.assert_array_equal(stateful.from_stateful_batches(laid, 2, 4), x)
    ok = stateful.continues(laid, 2)
    assert ok.tolist() == [[True, True], [False, False], [True, True]]


def test_naive_reshape_does_not_continue() -> None:
    x = stateful.tagged_sequences(2, 6)
    naive = x.reshape(4, 3, 2)
    assert not stateful.continues(naive, 2).all()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: stateful.to_stateful_batches(np.zeros((6, 4)), 2, 2),
            r"x must have shape \(sequences, timesteps, features\); got shape \(6, 4\)",
        ),
        (
            lambda: stateful.to_stateful_batches(np.zeros((6, 4, 1)), 4, 2),
            r"number of sequences must be a multiple of batch_size=4; got 6 "
            r"\(x has shape \(6, 4, 1\)\)",
        ),
        (
            lambda: stateful.to_stateful_batches(np.zeros((4, 10, 1)), 2, 3),
            r"sequence length must be a multiple of chunk=3; got 10",
        ),
        (lambda: stateful.to_stateful_batches(np.zeros((4, 4, 1)), 0, 2), "positive integer"),
        (
            lambda: stateful.from_stateful_batches(np.zeros((6, 2, 1)), 2, 4),
            r"rows must be a multiple of n_sequences=4; got 6",
        ),
        (
            lambda: stateful.from_stateful_batches(np.zeros((8, 2, 1)), 3, 4),
            r"n_sequences must be a multiple of batch_size=3; got 4",
        ),
        (
            lambda: stateful.continues(np.zeros((5, 2, 2)), 2),
            r"multiple of batch_size=2; got shape \(5, 2, 2\)",
        ),
        (
            lambda: stateful.draw_batches(stateful.tagged_sequences(60, 2), 1),
            "at most 48 boxes",
        ),
    ],
)
def test_bad_input_raises(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]


def _models(batch_size: int, features: int, units: int) -> tuple[keras.Model, keras.Model]:
    source = training.random_lstm(units, features, seed=2, return_sequences=True, name="full")
    inputs = keras.Input(shape=(None, features))
    full = keras.Model(inputs, source(inputs))
    chunked_layer = keras.layers.LSTM(units, return_sequences=True, stateful=True, name="chunked")
    inputs_b = keras.Input(batch_shape=(batch_size, None, features))
    chunked = keras.Model(inputs_b, chunked_layer(inputs_b))
    chunked_layer.set_weights(source.get_weights())
    return full, chunked


@pytest.mark.parametrize(("n", "length", "batch_size", "chunk"), [(4, 12, 2, 3), (3, 8, 3, 2)])
def test_chunked_stateful_equals_full_sequence(
    n: int, length: int, batch_size: int, chunk: int
) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, length, 2)).astype("float32")
    full, chunked = _models(batch_size, 2, 3)
    expected = keras.ops.convert_to_numpy(full(x))
    laid = stateful.to_stateful_batches(x, batch_size, chunk)
    every = length // chunk
    # with predict and the callback
    out = chunked.predict(
        laid, batch_size=batch_size, verbose=0, callbacks=[stateful.reset_callback(every)]
    )
    np.testing.assert_allclose(
        stateful.from_stateful_batches(out, batch_size, n), expected, atol=1e-5
    )
    # with a hand-written loop
    pieces = []
    for k in range(laid.shape[0] // batch_size):
        if k % every == 0:
            assert stateful.reset_stateful(chunked) == ["chunked"]
        pieces.append(
            keras.ops.convert_to_numpy(chunked(laid[k * batch_size : (k + 1) * batch_size]))
        )
    np.testing.assert_allclose(
        stateful.from_stateful_batches(np.concatenate(pieces), batch_size, n), expected, atol=1e-5
    )
    # without resets the second group starts from the first group's state
    if n > batch_size:
        stale = chunked.predict(
            laid, batch_size=batch_size, verbose=0, callbacks=[stateful.reset_callback(10**6)]
        )
        assert not np.allclose(
            stateful.from_stateful_batches(stale, batch_size, n), expected, atol=1e-3
        )


def test_reset_stateful_finds_nested_layers() -> None:
    inputs = keras.Input(batch_shape=(1, None, 1))
    inner = keras.Sequential(
        [
            keras.Input(batch_shape=(1, None, 1)),
            keras.layers.LSTM(2, stateful=True, return_sequences=True, name="inner"),
        ],
        name="sub",
    )
    x = inner(inputs)
    x = keras.layers.LSTM(2, stateful=True, name="outer")(x)
    model = keras.Model(inputs, x)
    model(np.ones((1, 3, 1), dtype="float32"))
    assert sorted(stateful.reset_stateful(model)) == ["inner", "outer"]
    for layer in (model.get_layer("outer"), inner.get_layer("inner")):
        assert all(not np.any(keras.ops.convert_to_numpy(s)) for s in layer.states)


def test_draw_batches_marks_resets_and_mixing() -> None:
    x = stateful.tagged_sequences(4, 6)
    good = stateful.draw_batches(stateful.to_stateful_batches(x, 2, 3), 2, reset_every=2)
    assert isinstance(good, Figure)
    texts = [t.get_text() for t in good.axes[0].texts]
    assert "reset" in texts and "seq 3\nt 3-5" in texts
    assert "every hand-over continues" in good.axes[0].get_title()
    bad = stateful.draw_batches(x.reshape(8, 3, 2), 2)
    assert "6 hand-over(s)" in bad.axes[0].get_title()


def test_reset_callback_rejects_zero() -> None:
    with pytest.raises(ValueError, match="positive integer"):
        stateful.reset_callback(0)


def test_keras2_hard_sigmoid_equals_reference() -> None:
    z = np.linspace(-4.0, 4.0, 33).astype("float32")
    got = keras.ops.convert_to_numpy(stateful.keras2_hard_sigmoid(keras.ops.convert_to_tensor(z)))
    np.testing.assert_allclose(got, reference.hard_sigmoid_keras2(z), atol=1e-7)
    assert got.min() == 0.0 and got.max() == 1.0  # clipped at both ends


@pytest.mark.parametrize(
    ("units", "features", "kwargs", "activation"),
    [
        (1, 2, {}, reference.sigmoid),
        (
            3,
            2,
            {"recurrent_activation": stateful.keras2_hard_sigmoid},
            reference.hard_sigmoid_keras2,
        ),
    ],
)
def test_three_ways_agree_with_each_other_and_the_reference(
    units: int, features: int, kwargs: dict[str, object], activation: reference.Activation
) -> None:
    rng = np.random.default_rng(7)
    weights = [
        rng.normal(0, 0.7, (features, 4 * units)).astype("float32"),
        rng.normal(0, 0.7, (units, 4 * units)).astype("float32"),
        rng.normal(0, 0.3, 4 * units).astype("float32"),
    ]
    x = rng.normal(size=(1, 6, features)).astype("float32")
    ways = stateful.three_ways(weights, x, **kwargs)
    assert list(ways) == ["model1", "model2", "model3"]
    expected = reference.lstm_forward(x, *weights, recurrent_activation=activation).h.ravel()
    for out in ways.values():
        assert out.shape == (6 * units,)
        np.testing.assert_allclose(out, expected, atol=1e-6)
    np.testing.assert_allclose(ways["model1"], ways["model2"], atol=1e-7)


def test_three_ways_seed_weights_give_the_seed_numbers() -> None:
    weights = [np.full((2, 4), 0.5), np.full((1, 4), 0.5), np.array([0.0, 1.0, 0.0, 0.0])]
    x = np.array([[[0, 0], [0, 1], [0, 0], [1, 1]]], dtype="float32")
    ways = stateful.three_ways(weights, x, recurrent_activation=stateful.keras2_hard_sigmoid)
    seed = np.array([0.0, 0.16222607, 0.12174767, 0.46444273])  # printed under Keras 2
    for out in ways.values():
        np.testing.assert_allclose(out, seed, atol=1e-7)


def test_three_ways_without_bias() -> None:
    rng = np.random.default_rng(1)
    weights = [rng.normal(size=(1, 8)), rng.normal(size=(2, 8))]
    x = rng.normal(size=(1, 4, 1)).astype("float32")
    ways = stateful.three_ways(weights, x)
    expected = reference.lstm_forward(x, *weights).h.ravel()
    for out in ways.values():
        np.testing.assert_allclose(out, expected, atol=1e-6)


_SEED_WEIGHTS = [np.full((2, 4), 0.5), np.full((1, 4), 0.5), np.zeros(4)]


@pytest.mark.parametrize(
    ("weights", "x", "match"),
    [
        (
            _SEED_WEIGHTS,
            np.zeros((2, 4, 2)),
            r"sequence must have shape \(1, timesteps, features\); got shape \(2, 4, 2\)",
        ),
        (
            _SEED_WEIGHTS,
            np.zeros((4, 2)),
            r"sequence must have shape \(1, timesteps, features\); got shape \(4, 2\)",
        ),
        (_SEED_WEIGHTS, np.zeros((1, 3, 2)), r"even number of timesteps; got shape \(1, 3, 2\)"),
        (
            _SEED_WEIGHTS,
            np.zeros((1, 4, 3)),
            r"kernel must have shape \(3, 4\*units\); got shape \(2, 4\)",
        ),
        (
            [_SEED_WEIGHTS[0], np.zeros((2, 4)), _SEED_WEIGHTS[2]],
            np.zeros((1, 4, 2)),
            r"recurrent_kernel must have shape \(1, 4\); got shape \(2, 4\)",
        ),
        (
            [*_SEED_WEIGHTS[:2], np.zeros(3)],
            np.zeros((1, 4, 2)),
            r"bias must have shape \(4,\); got shape \(3,\)",
        ),
        (_SEED_WEIGHTS[:1], np.zeros((1, 4, 2)), "got 1 arrays"),
    ],
)
def test_three_ways_bad_shapes_raise(weights: list[np.ndarray], x: np.ndarray, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        stateful.three_ways(weights, x)


def test_fit_sine_reads_frequency_and_amplitude() -> None:
    t = np.arange(80)
    y = 0.7 * np.sin(0.137 * t + 1.1) + 0.2
    grid = np.linspace(0.05, 0.3, 251)  # steps of 0.001
    sine = stateful.fit_sine(y, grid)
    assert abs(sine.freq - 0.137) < 1e-9 and abs(sine.amplitude - 0.7) < 1e-6
    noisy = y + np.random.default_rng(0).normal(0, 0.1, t.size)
    assert abs(stateful.fit_sine(noisy, grid).freq - 0.137) <= 0.002
    assert stateful.fit_sine(np.zeros(20), grid).amplitude < 1e-9


def test_best_period_finds_the_repeat() -> None:
    x = np.tile(np.random.default_rng(1).normal(size=13), 6)
    assert stateful.best_period(x, 5, 30) == 13
    wave = np.sin(2 * np.pi * np.arange(100) / 25)
    assert stateful.best_period(wave, 10, 40) == 25


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: stateful.fit_sine(np.zeros((4, 2)), np.ones(3)),
            r"y must have shape \(timesteps,\)",
        ),
        (
            lambda: stateful.fit_sine(np.zeros(3), np.ones(3)),
            r"at least 4 steps .* got shapes \(3,\)",
        ),
        (lambda: stateful.fit_sine(np.zeros(9), np.ones((2, 2))), r"freqs must have shape"),
        (lambda: stateful.best_period(np.zeros(10), 3, 10), r"max_period < timesteps; got 3, 10"),
        (lambda: stateful.best_period(np.zeros(10), 0, 5), "positive integer"),
        (
            lambda: stateful.best_period(np.zeros((10, 1)), 2, 5),
            r"x must have shape \(timesteps,\)",
        ),
    ],
)
def test_sine_helpers_bad_input(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]


class _Holder(keras.layers.Layer):  # type: ignore[misc]
    """A custom layer that holds a stateful LSTM as an attribute."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.inner = keras.layers.LSTM(2, stateful=True, return_sequences=True, name="held")

    def build(self, input_shape: tuple[int, ...]) -> None:
        self.inner.build(input_shape)

    def call(self, x: object) -> object:
        return self.inner(x)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return (*input_shape[:-1], 2)


def test_reset_stateful_finds_custom_layers_and_wrappers() -> None:
    inputs = keras.Input(batch_shape=(2, 3, 1))
    holder = _Holder(name="holder")
    both = keras.layers.Bidirectional(
        keras.layers.LSTM(2, stateful=True, return_sequences=True), name="both"
    )
    model = keras.Model(inputs, both(holder(inputs)))
    model(np.ones((2, 3, 1), dtype="float32"))
    assert sorted(stateful.reset_stateful(model)) == ["both", "held"]
    for layer in (holder.inner, both.forward_layer, both.backward_layer):
        assert all(not np.any(keras.ops.convert_to_numpy(s)) for s in layer.states)


#: LSTM arguments for a stateful layer trained by fit. On PyTorch (Keras 3.15.1) the default
#: use_cudnn="auto" makes a stateful LSTM's fit fail on the CPU ("modified by an inplace
#: operation", test_torch_stateful_fit_needs_use_cudnn_false); use_cudnn=False avoids it.
TRAINABLE_STATEFUL: dict[str, object] = (
    {"use_cudnn": False} if keras.backend.backend() == "torch" else {}
)


def _chunk_model(steps_per_execution: int = 1, **lstm_kwargs: object) -> keras.Model:
    inputs = keras.Input(batch_shape=(2, 3, 2))
    lstm = keras.layers.LSTM(
        3, return_sequences=True, stateful=True, name="s", **(lstm_kwargs or TRAINABLE_STATEFUL)
    )
    model = keras.Model(inputs, lstm(inputs))
    model.compile(
        optimizer=keras.optimizers.SGD(0.0), loss="mse", steps_per_execution=steps_per_execution
    )
    return model


@pytest.mark.skipif(
    keras.backend.backend() != "torch", reason="PyTorch only: Keras refuses the setting itself"
)
def test_torch_refuses_steps_per_execution_itself() -> None:
    """On PyTorch, Keras refuses steps_per_execution above 1 before any callback runs."""
    model = _chunk_model(steps_per_execution=2)
    x = np.zeros((12, 3, 2), dtype="float32")
    message = "must be 1 with the PyTorch backend"
    with pytest.raises(ValueError, match=message):
        model.predict(x, batch_size=2, verbose=0, callbacks=[stateful.reset_callback(3)])
    with pytest.raises(ValueError, match=message):
        model.fit(x, np.zeros((12, 3, 3)), batch_size=2, verbose=0,
                  callbacks=[stateful.reset_callback(3)])  # fmt: skip


@pytest.mark.skipif(
    keras.backend.backend() != "torch", reason="PyTorch only: a Keras bug on that backend"
)
def test_torch_stateful_fit_needs_use_cudnn_false() -> None:
    """On PyTorch a stateful LSTM's fit fails on the CPU unless use_cudnn=False (Keras 3.15.1).

    When Keras fixes it, this test fails: TRAINABLE_STATEFUL can then go.
    """
    x, y = np.zeros((4, 3, 2), dtype="float32"), np.zeros((4, 3, 3), dtype="float32")
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        _chunk_model(use_cudnn="auto").fit(x, y, batch_size=2, shuffle=False, verbose=0)
    _chunk_model(use_cudnn=False).fit(x, y, batch_size=2, shuffle=False, verbose=0)


@pytest.mark.skipif(
    keras.backend.backend() == "torch",
    reason="PyTorch refuses steps_per_execution above 1 itself "
    "(test_torch_refuses_steps_per_execution_itself)",
)
def test_reset_callback_refuses_steps_per_execution() -> None:
    model = _chunk_model(steps_per_execution=2)
    x = np.zeros((12, 3, 2), dtype="float32")
    calls: list[int] = []
    counter = keras.callbacks.LambdaCallback(on_predict_batch_end=lambda b, logs: calls.append(b))
    model.predict(x, batch_size=2, verbose=0, callbacks=[counter])
    assert len(calls) == 3  # six batches, the hook runs once per execution of two
    message = r"needs steps_per_execution=1 .*; got 2"
    with pytest.raises(ValueError, match=message):
        model.predict(x, batch_size=2, verbose=0, callbacks=[stateful.reset_callback(3)])
    with pytest.raises(ValueError, match=message):
        model.fit(x, np.zeros((12, 3, 3)), batch_size=2, verbose=0,
                  callbacks=[stateful.reset_callback(3)])  # fmt: skip


def test_validation_in_fit_continues_the_training_state_unless_reset() -> None:
    rng = np.random.default_rng(1)
    train = stateful.to_stateful_batches(rng.normal(size=(4, 9, 2)), 2, 3)
    val = stateful.to_stateful_batches(rng.normal(size=(4, 9, 2)), 2, 3)
    zeros = np.zeros((12, 3, 3), dtype="float32")
    model = _chunk_model()  # learning rate 0: fit's forward passes equal predict's

    def evaluate(after: np.ndarray | None, callbacks: list[object]) -> float:
        stateful.reset_stateful(model)
        if after is not None:
            model.predict(after, batch_size=2, verbose=0)
        return float(model.evaluate(val, zeros, batch_size=2, verbose=0, callbacks=callbacks))

    continued = evaluate(train, [])
    from_zero = evaluate(None, [stateful.reset_callback(3)])
    stateful.reset_stateful(model)
    plain = model.fit(train, zeros, batch_size=2, shuffle=False, verbose=0,
                      validation_data=(val, zeros)).history  # fmt: skip
    reset = model.fit(train, zeros, batch_size=2, shuffle=False, verbose=0,
                      validation_data=(val, zeros),
                      callbacks=[stateful.reset_callback(3)]).history  # fmt: skip
    assert abs(continued - from_zero) > 1e-5  # the two starts differ measurably
    assert plain["val_loss"][0] == pytest.approx(continued, rel=1e-6)
    assert reset["val_loss"][0] == pytest.approx(from_zero, rel=1e-6)


def test_sine_forecast_continues_the_fitted_wave() -> None:
    t = np.arange(120)
    wave = 0.8 * np.sin(0.15 * t + 0.4) - 0.1
    grid = np.linspace(0.05, 0.3, 251)
    np.testing.assert_allclose(stateful.sine_forecast(wave[:100], grid, 20), wave[100:], atol=1e-9)
    with pytest.raises(ValueError, match="positive integer"):
        stateful.sine_forecast(wave, grid, 0)
