"""Noisy sine waves, next-step windows, and a stateful model trained and scored chunk by chunk.

The training and prediction helpers run on the backend of the test process: ``fit`` and
``predict_on_batch`` on TensorFlow, their own loop and direct calls on JAX (``make unit-jax``).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest

from lstm_helpers import seeds, stateful, waves


def test_noisy_sine_waves_follow_the_generator() -> None:
    freqs = np.array([0.1, 0.2, 0.3])
    clean, noisy = waves.noisy_sine_waves(freqs, 50, noise=0.5, rng=np.random.default_rng(3))
    assert clean.shape == noisy.shape == (3, 50, 1)
    assert clean.dtype == noisy.dtype == np.float32
    again = waves.noisy_sine_waves(freqs, 50, noise=0.5, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(clean, again[0])
    np.testing.assert_array_equal(noisy, again[1])
    # the phases first, then the noise, from the one generator
    rng = np.random.default_rng(3)
    phases = rng.uniform(0.0, 2 * np.pi, 3)
    expected = np.sin(freqs[:, None] * np.arange(50) + phases[:, None])
    np.testing.assert_allclose(clean[..., 0], expected, atol=1e-6)
    noise = rng.normal(0.0, 0.5, (3, 50, 1)).astype("float32")
    np.testing.assert_array_equal(noisy, clean + noise)


def test_noisy_sine_waves_without_noise_and_the_generator_advances() -> None:
    rng = np.random.default_rng(0)
    clean, noisy = waves.noisy_sine_waves(np.array([0.1]), 10, noise=0.0, rng=rng)
    np.testing.assert_array_equal(clean, noisy)
    later = waves.noisy_sine_waves(np.array([0.1]), 10, noise=0.0, rng=rng)[0]
    assert not np.array_equal(clean, later)  # another phase


def test_noisy_sine_waves_reject_bad_input() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"freqs must have shape \(waves,\); got shape \(2, 1\)"):
        waves.noisy_sine_waves(np.zeros((2, 1)), 10, noise=0.1, rng=rng)
    with pytest.raises(ValueError, match="steps must be a positive integer; got 0"):
        waves.noisy_sine_waves(np.zeros(2), 0, noise=0.1, rng=rng)
    with pytest.raises(ValueError, match="noise must be a standard deviation of 0 or more"):
        waves.noisy_sine_waves(np.zeros(2), 5, noise=-1.0, rng=rng)


def test_next_step_windows_pair_each_window_with_the_next_clean_value() -> None:
    noisy = np.arange(2 * 8, dtype="float32").reshape(2, 8, 1)
    clean = -noisy
    x, y = waves.next_step_windows(noisy, clean, 3, start=4)
    # windows end at steps 4, 5, 6 (step 7 has no next value), wave by wave
    assert x.shape == (6, 3, 1) and y.shape == (6,)
    np.testing.assert_array_equal(x[0, :, 0], [2, 3, 4])
    np.testing.assert_array_equal(x[2, :, 0], [4, 5, 6])
    np.testing.assert_array_equal(x[3, :, 0], [10, 11, 12])
    np.testing.assert_array_equal(y, [-5, -6, -7, -13, -14, -15])
    for window, target in zip(x[:, -1, 0], y, strict=True):  # the value right after
        assert target == -(window + 1)
    x_full, _ = waves.next_step_windows(noisy, clean, 5, start=4)  # a window from step 0
    np.testing.assert_array_equal(x_full[0, :, 0], [0, 1, 2, 3, 4])


def test_next_step_windows_reject_bad_input() -> None:
    noisy = np.zeros((2, 8, 1), "float32")
    with pytest.raises(ValueError, match=r"noisy must have shape \(waves, steps, 1\); got shape"):
        waves.next_step_windows(noisy[..., 0], noisy[..., 0], 3, start=4)
    with pytest.raises(
        ValueError, match=r"clean must have shape \(2, 8, 1\); got shape \(2, 7, 1\)"
    ):
        waves.next_step_windows(noisy, noisy[:, :7], 3, start=4)
    with pytest.raises(ValueError, match="width=6, start=4 for waves of shape"):
        waves.next_step_windows(noisy, noisy, 6, start=4)
    with pytest.raises(ValueError, match=r"start=7 for waves of shape \(2, 8, 1\)"):
        waves.next_step_windows(noisy, noisy, 3, start=7)


def test_stateful_lstm_weights_move_to_another_batch_size() -> None:
    keras.utils.set_random_seed(0)
    trained = waves.stateful_lstm(4, 5, units=3, name="four")
    one = waves.stateful_lstm(1, None, units=3, name="one")
    assert trained.get_layer("lstm").stateful
    assert tuple(trained.outputs[0].shape) == (4, 5, 1)
    assert [tuple(w.shape) for w in one.weights] == [tuple(w.shape) for w in trained.weights]
    one.set_weights(trained.get_weights())
    x = np.random.default_rng(0).normal(size=(4, 5, 1)).astype("float32")
    stateful.reset_stateful(trained)
    stateful.reset_stateful(one)
    full = keras.ops.convert_to_numpy(trained(x))
    row = keras.ops.convert_to_numpy(one(x[2:3]))
    np.testing.assert_allclose(row[0], full[2], atol=1e-6)
    with pytest.raises(ValueError, match="batch_size must be a positive integer; got 0"):
        waves.stateful_lstm(0, 5, name="none")


def _small_model() -> Any:
    inputs = keras.Input(shape=(2,))
    return keras.Model(inputs, keras.layers.Dense(1)(inputs))


def test_best_on_validation_keeps_and_restores_the_best_weights() -> None:
    model = _small_model()
    scores = iter([[3.0, 1.0], [1.0, 1.0], [0.5, 2.5]])  # means 2, 1, 1.5
    weights_seen: list[list[np.ndarray]] = []

    def score() -> list[float]:
        weights_seen.append(model.get_weights())
        return next(scores)

    best = waves.best_on_validation(model, score, every=2)
    for epoch in range(6):
        model.set_weights([w + 1.0 for w in model.get_weights()])  # "training"
        best.on_epoch_end(epoch)
    assert list(best.scores) == [2, 4, 6]
    assert best.scores[4] == [1.0, 1.0]
    assert best.restore() == 4
    for kept, now in zip(weights_seen[1], model.get_weights(), strict=True):
        np.testing.assert_array_equal(kept, now)


def test_best_on_validation_in_fit_and_its_errors() -> None:
    model = _small_model()
    model.compile(optimizer="sgd", loss="mse")
    x = np.zeros((8, 2), "float32")
    best = waves.best_on_validation(model, lambda: [1.0], every=3)
    model.fit(x, x[:, :1], epochs=7, callbacks=[best], verbose=0)
    assert list(best.scores) == [3, 6]
    assert best.restore() == 3  # the earliest of equal scores
    empty = waves.best_on_validation(model, lambda: [1.0], every=5)
    with pytest.raises(ValueError, match="no weights kept: scores are kept every 5 epochs"):
        empty.restore()
    with pytest.raises(ValueError, match="every must be a positive integer; got 0"):
        waves.best_on_validation(model, lambda: [1.0], every=0)


# Two groups of two sequences, 6 steps each, in chunks of 3: 4 batches of 2 rows.
N_SEQ, STEPS, BATCH, CHUNK = 4, 6, 2, 3


def _chunk_task() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N_SEQ, STEPS, 1)).astype("float32")
    return x, np.cumsum(x, axis=1)  # the target needs what came before


def _joined(learning_rate: float) -> Any:
    model = seeds.side_by_side(
        {"lstm": lambda: waves.stateful_lstm(BATCH, CHUNK, units=4, name="s")},
        (0, 1),
        name="two_copies",
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    return model


def _whole_sequences(model: Any, x: np.ndarray) -> list[np.ndarray]:
    """Every copy's outputs for whole sequences, from a batch-size-N copy of its weights."""
    outs = []
    for seed in (0, 1):
        whole = waves.stateful_lstm(N_SEQ, STEPS, units=4, name="whole")
        whole.set_weights(model.get_layer(seeds.copy_name("lstm", seed)).get_weights())
        outs.append(keras.ops.convert_to_numpy(whole(x)))
    return outs


def test_predict_carrying_state_equals_whole_sequences() -> None:
    x, _ = _chunk_task()
    model = _joined(0.0)
    predicted = waves.predict_carrying_state(model, x, batch_size=BATCH, chunk=CHUNK)
    assert len(predicted) == 2 and predicted[0].shape == (N_SEQ, STEPS, 1)
    for chunked, whole in zip(predicted, _whole_sequences(model, x), strict=True):
        np.testing.assert_allclose(chunked, whole, atol=1e-5)
    one = waves.stateful_lstm(BATCH, CHUNK, units=4, name="one_output")  # one output
    single = waves.predict_carrying_state(one, x, batch_size=BATCH, chunk=CHUNK)
    assert len(single) == 1 and single[0].shape == (N_SEQ, STEPS, 1)


def test_predict_carrying_state_rejects_bad_input() -> None:
    model = _joined(0.0)
    with pytest.raises(ValueError, match=r"sequences must have shape \(n_sequences, steps, "):
        waves.predict_carrying_state(model, np.zeros((4, 6)), batch_size=BATCH, chunk=CHUNK)
    with pytest.raises(ValueError, match="multiple of chunk=3"):
        waves.predict_carrying_state(
            model, np.zeros((4, 5, 1), "float32"), batch_size=BATCH, chunk=CHUNK
        )


def test_call_keeping_state_carries_the_state_between_calls() -> None:
    keras.utils.set_random_seed(0)
    model = waves.stateful_lstm(1, None, units=3, name="one")
    x = np.random.default_rng(1).normal(size=(1, 6, 1)).astype("float32")
    call = waves.call_keeping_state(model)
    stateful.reset_stateful(model)
    pieces = [keras.ops.convert_to_numpy(call(x[:, t : t + 2])) for t in (0, 2, 4)]
    stateful.reset_stateful(model)
    whole = keras.ops.convert_to_numpy(model(x))
    np.testing.assert_allclose(np.concatenate(pieces, axis=1), whole, atol=1e-5)


class _Hooks(keras.callbacks.Callback):  # type: ignore[misc]
    """Records the hooks called, and the first copy's state at the start of every batch."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []
        self.state_sizes: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self.calls.append(f"epoch_begin {epoch}")

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        self.calls.append(f"batch {batch}")
        lstm = self.model.get_layer(seeds.copy_name("lstm", 0)).get_layer("lstm")
        h = keras.ops.convert_to_numpy(lstm.states[0])
        self.state_sizes.append(float(np.abs(h).max()))

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self.calls.append(f"epoch_end {epoch}")


def test_train_carrying_state_carries_and_resets_the_state() -> None:
    x, y = _chunk_task()
    x_train = stateful.to_stateful_batches(x, BATCH, CHUNK)
    y_train = stateful.to_stateful_batches(y, BATCH, CHUNK)
    model = _joined(0.0)  # a learning rate of 0: the loss is that of the weights as they are
    hooks = _Hooks()
    history = waves.train_carrying_state(
        model,
        x_train,
        y_train,
        batch_size=BATCH,
        epochs=2,
        reset_every=STEPS // CHUNK,
        callbacks=[hooks],
    )
    expected = []
    for epoch in (0, 1):
        batches = [f"batch {k}" for k in range(4)]
        expected += [f"epoch_begin {epoch}", *batches, f"epoch_end {epoch}"]
    assert hooks.calls == expected
    # zero at the start of each group (batches 0 and 2), carried within it
    sizes = np.array(hooks.state_sizes).reshape(2, 4)
    assert np.all(sizes[:, [0, 2]] == 0) and np.all(sizes[:, [1, 3]] > 0)
    # the loss of each copy: its mean squared error on the whole sequences, the state carried
    for seed, whole in zip((0, 1), _whole_sequences(model, x), strict=True):
        mse = float(np.mean((whole - y) ** 2))
        curve = history[f"{seeds.copy_name('lstm', seed)}_loss"]
        np.testing.assert_allclose(curve, [mse, mse], rtol=1e-4)


def test_train_carrying_state_learns_with_one_output() -> None:
    x, y = _chunk_task()
    keras.utils.set_random_seed(0)
    model = waves.stateful_lstm(BATCH, CHUNK, units=8, name="one_output")
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    history = waves.train_carrying_state(
        model,
        stateful.to_stateful_batches(x, BATCH, CHUNK),
        stateful.to_stateful_batches(y, BATCH, CHUNK),
        batch_size=BATCH,
        epochs=30,
        reset_every=STEPS // CHUNK,
    )
    assert len(history["loss"]) == 30
    assert history["loss"][-1] < 0.5 * history["loss"][0]


def test_train_carrying_state_rejects_bad_input() -> None:
    model = _joined(0.0)
    x = np.zeros((8, CHUNK, 1), "float32")
    with pytest.raises(ValueError, match=r"multiple of batch_size=2; got shapes \(7, 3, 1\)"):
        waves.train_carrying_state(model, x[:7], x[:7], batch_size=BATCH, epochs=1, reset_every=2)
    with pytest.raises(ValueError, match=r"the same rows.*got shapes \(8, 3, 1\) and \(6, 3, 1\)"):
        waves.train_carrying_state(model, x, x[:6], batch_size=BATCH, epochs=1, reset_every=2)
    with pytest.raises(ValueError, match="reset_every must be a positive integer; got 0"):
        waves.train_carrying_state(model, x, x, batch_size=BATCH, epochs=1, reset_every=0)


def test_chapter_waves_draw_each_split_from_its_own_generator() -> None:
    task = waves.chapter_waves(4, 30, noise=0.2)
    rng = np.random.default_rng(0)
    freqs = np.linspace(0.10, 0.20, 4)
    clean, noisy = waves.noisy_sine_waves(freqs, 30, noise=0.2, rng=rng)
    np.testing.assert_array_equal(task.train.freqs, freqs)
    np.testing.assert_array_equal(task.train.clean, clean)
    np.testing.assert_array_equal(task.train.noisy, noisy)
    test_freqs = rng.uniform(0.10, 0.20, 4)  # after the training waves, same generator
    np.testing.assert_array_equal(task.test.freqs, test_freqs)
    np.testing.assert_array_equal(
        task.test.clean, waves.noisy_sine_waves(test_freqs, 30, noise=0.2, rng=rng)[0]
    )
    val_rng = np.random.default_rng(1)
    np.testing.assert_array_equal(task.val.freqs, val_rng.uniform(0.10, 0.20, 4))
    assert task.val.noisy.shape == task.val.clean.shape == (4, 30, 1)
    assert np.all((task.test.freqs >= 0.10) & (task.test.freqs < 0.20))


def test_chapter_waves_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="waves must be a positive integer"):
        waves.chapter_waves(0)
    with pytest.raises(ValueError, match=r"need low < high; got low=0\.2, high=0\.1"):
        waves.chapter_waves(low=0.2, high=0.1)
    with pytest.raises(ValueError, match="noise must be"):
        waves.chapter_waves(noise=-0.1)


def test_window_models_take_a_window_and_give_one_value() -> None:
    mlp = waves.window_mlp(40, 28)
    lstm = waves.window_lstm(40, 16)
    x = np.zeros((3, 40, 1), dtype="float32")
    assert tuple(mlp(x).shape) == tuple(lstm(x).shape) == (3, 1)
    assert mlp.count_params() == 40 * 28 + 2 * 28 + 1
    stateful_model = waves.stateful_lstm(2, 5, units=16, name="same_weights")
    assert lstm.count_params() == stateful_model.count_params()
    assert [w.shape for w in lstm.get_weights()] == [w.shape for w in stateful_model.get_weights()]
    assert mlp.input.name == lstm.input.name == "last_40"


def test_window_models_reject_bad_sizes() -> None:
    with pytest.raises(ValueError, match="width must be a positive integer"):
        waves.window_mlp(0, 4)
    with pytest.raises(ValueError, match="units must be a positive integer"):
        waves.window_lstm(4, 0)
