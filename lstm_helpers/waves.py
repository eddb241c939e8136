"""Noisy sine waves, and a stateful model trained and scored on them chunk by chunk.

The task of the stateful chapter: at every step read a noisy sine wave, predict its next
clean value. :func:`noisy_sine_waves` draws the waves from a generator the caller passes, so
training, validation and test waves each come from their own stream of random numbers;
:func:`next_step_windows` cuts them into the fixed windows that a non-recurrent model or a
linear baseline reads; :func:`stateful_lstm` is the stateful model that reads them step by
step.

A stateful model reads long sequences cut into chunks (laid out by
:func:`lstm_helpers.stateful.to_stateful_batches`), carrying its state from one chunk to the
next. On TensorFlow, ``fit`` and ``predict_on_batch`` write the new state back after every
batch. On JAX (Keras 3.15.1) they never do: a compiled step starts every batch from the state
it read when it was traced. :func:`train_carrying_state` and :func:`predict_carrying_state`
train and predict with the state carried on every backend (``fit`` and ``predict_on_batch``
on TensorFlow, a loop of their own on JAX and PyTorch), and :func:`call_keeping_state` is
the call that keeps the state from one call to the next.

:func:`chapter_waves` draws the chapter's training, validation and test waves, the same on
every page, and :func:`window_mlp` and :func:`window_lstm` build the models without state
that read a fixed window of them.

:func:`best_on_validation` is a Keras callback that keeps the weights at the best validation
score seen every few epochs and restores them: the number of epochs chosen on validation data.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from lstm_helpers._validate import check_positive, check_shape, shape_str
from lstm_helpers.stateful import (
    from_stateful_batches,
    reset_callback,
    reset_stateful,
    to_stateful_batches,
)


def noisy_sine_waves(
    freqs: np.ndarray, steps: int, *, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Clean sine waves at ``freqs``, each with a random phase, and noisy observations of them.

    Wave ``i`` is ``sin(freqs[i] * t + phase_i)`` for ``t = 0 .. steps - 1``, with the phases
    drawn uniformly in [0, 2 pi) from ``rng``, then Gaussian noise of standard deviation
    ``noise`` from ``rng``, in that order: the same generator in the same state gives the same
    waves.

    Args:
        freqs: the frequencies in radians per step, shape (waves,).
        steps: the length of every wave, a positive integer.
        noise: the standard deviation of the noise (0 or more).
        rng: the generator the phases and the noise are drawn from; it advances.

    Returns:
        ``(clean, noisy)``, float32 arrays of shape (waves, steps, 1).
    """
    ws = np.asarray(freqs)
    check_shape("freqs", ws, ("waves",))
    check_positive("steps", steps)
    if not noise >= 0:
        raise ValueError(f"noise must be a standard deviation of 0 or more; got {noise!r}")
    phases = rng.uniform(0.0, 2 * np.pi, len(ws))
    t = np.arange(steps)
    clean = np.sin(ws[:, None] * t + phases[:, None]).astype("float32")[..., None]
    noisy = clean + rng.normal(0.0, noise, clean.shape).astype("float32")
    return clean, noisy


class WaveSplit(NamedTuple):
    """One split of :func:`chapter_waves`: the frequencies and the clean and noisy waves."""

    freqs: np.ndarray
    """The frequencies in radians per step, shape (waves,)."""
    clean: np.ndarray
    """The clean waves, shape (waves, steps, 1), float32."""
    noisy: np.ndarray
    """The noisy waves a model reads (the clean waves plus noise), the same shape."""


class ChapterWaves(NamedTuple):
    """The training, validation and test waves of :func:`chapter_waves`."""

    train: WaveSplit
    val: WaveSplit
    test: WaveSplit


def chapter_waves(
    waves: int = 16,
    steps: int = 201,
    *,
    noise: float = 0.3,
    low: float = 0.10,
    high: float = 0.20,
) -> ChapterWaves:
    """The stateful chapter's waves: the same training, validation and test waves on every page.

    Training: ``waves`` frequencies evenly spaced from ``low`` to ``high``, phases and noise from
    ``numpy.random.default_rng(0)`` (:func:`noisy_sine_waves`). Test: ``waves`` frequencies drawn
    uniformly in [``low``, ``high``) from the same generator after the training waves, then their
    phases and noise. Validation: the same from a generator of its own,
    ``numpy.random.default_rng(1)``, so that choosing on validation waves never touches the
    test waves' draws.

    Args:
        waves: the number of waves in each split, a positive integer.
        steps: the length of every wave, a positive integer.
        noise: the standard deviation of the noise (0 or more).
        low: the lowest frequency, in radians per step.
        high: the highest, above ``low``.

    Returns:
        ``ChapterWaves(train, val, test)``, each a :class:`WaveSplit`.
    """
    check_positive("waves", waves)
    if not low < high:
        raise ValueError(f"need low < high; got low={low!r}, high={high!r}")
    rng = np.random.default_rng(0)
    train_freqs = np.linspace(low, high, waves)
    train = WaveSplit(train_freqs, *noisy_sine_waves(train_freqs, steps, noise=noise, rng=rng))
    val_rng = np.random.default_rng(1)
    val_freqs = val_rng.uniform(low, high, waves)
    val = WaveSplit(val_freqs, *noisy_sine_waves(val_freqs, steps, noise=noise, rng=val_rng))
    test_freqs = rng.uniform(low, high, waves)
    test = WaveSplit(test_freqs, *noisy_sine_waves(test_freqs, steps, noise=noise, rng=rng))
    return ChapterWaves(train, val, test)


def next_step_windows(
    noisy: np.ndarray, clean: np.ndarray, width: int, *, start: int
) -> tuple[np.ndarray, np.ndarray]:
    """Windows of ``width`` noisy steps ending at every step ``t >= start``, and the clean
    value at ``t + 1``: the next-step task as fixed windows, for a model without state.

    The windows end at ``t = start .. steps - 2``, so that every window has a next value;
    the targets are those a model reading the whole wave is scored on from step ``start + 1``.

    Args:
        noisy: the observed waves, shape (waves, steps, 1).
        clean: the clean waves, the same shape.
        width: the window length, at most ``start + 1``.
        start: the step the first window ends at, below ``steps - 1``.

    Returns:
        ``(x, y)``: the windows, shape (waves * (steps - 1 - start), width, 1), wave by wave;
        the next clean values, shape (waves * (steps - 1 - start),).
    """
    noisy, clean = np.asarray(noisy), np.asarray(clean)
    check_shape("noisy", noisy, ("waves", "steps", 1))
    check_shape("clean", clean, noisy.shape)
    check_positive("width", width)
    steps = noisy.shape[1]
    if not width - 1 <= start < steps - 1:
        raise ValueError(
            f"need width - 1 <= start < steps - 1; got width={width}, start={start} "
            f"for waves of shape {shape_str(noisy.shape)}"
        )
    view = np.lib.stride_tricks.sliding_window_view(noisy[:, : steps - 1, 0], width, axis=1)
    x = view[:, start - width + 1 :].reshape(-1, width, 1)
    return x, clean[:, start + 1 :, 0].reshape(-1)


def stateful_lstm(
    batch_size: int, steps: int | None, *, units: int = 16, features: int = 1, name: str
) -> Any:
    """A stateful LSTM that predicts the next value at every step.

    The input ``wave`` takes batches of exactly ``batch_size`` rows; the layer ``lstm``
    (``units`` units, ``return_sequences=True``, ``stateful=True``) feeds the ``Dense(1)``
    layer ``next_value``. Its weights do not depend on ``batch_size`` or ``steps``
    (``None``: any number of steps per call), so they move to a model built with others.

    Returns:
        a ``keras.Model`` from shape (batch_size, steps, features) to (batch_size, steps, 1).
    """
    import keras

    check_positive("batch_size", batch_size)
    if steps is not None:
        check_positive("steps", steps)
    check_positive("units", units)
    check_positive("features", features)
    inputs = keras.Input(batch_shape=(batch_size, steps, features), name="wave")
    hidden = keras.layers.LSTM(units, return_sequences=True, stateful=True, name="lstm")(inputs)
    outputs = keras.layers.Dense(1, name="next_value")(hidden)
    return keras.Model(inputs, outputs, name=name)


def window_mlp(width: int, units: int) -> Any:
    """A network without recurrence that reads the last ``width`` steps of one feature.

    ``Flatten``, a hidden ``Dense(units, activation="tanh")`` and a ``Dense(1)`` output:
    ``width * units + 2 * units + 1`` weights. Input ``last_<width>``, layers ``flat``,
    ``hidden`` and ``next_value``.

    Returns:
        a ``keras.Model`` from shape (batch, width, 1) to (batch, 1).
    """
    import keras

    check_positive("width", width)
    check_positive("units", units)
    inputs = keras.Input(shape=(width, 1), name=f"last_{width}")
    flat = keras.layers.Flatten(name="flat")(inputs)
    hidden = keras.layers.Dense(units, activation="tanh", name="hidden")(flat)
    return keras.Model(inputs, keras.layers.Dense(1, name="next_value")(hidden))


def window_lstm(width: int, units: int) -> Any:
    """The layers of :func:`stateful_lstm` without state, reading a window of ``width`` steps.

    ``LSTM(units)`` (layer ``lstm``, the last step's output only) and ``Dense(1)`` (layer
    ``next_value``): the same weights as :func:`stateful_lstm` with the same ``units``, but
    every window starts from a zero state.

    Returns:
        a ``keras.Model`` from shape (batch, width, 1) to (batch, 1).
    """
    import keras

    check_positive("width", width)
    check_positive("units", units)
    inputs = keras.Input(shape=(width, 1), name=f"last_{width}")
    hidden = keras.layers.LSTM(units, name="lstm")(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, name="next_value")(hidden))


@functools.cache
def _best_on_validation_class() -> Any:
    import keras

    class BestOnValidation(keras.callbacks.Callback):  # type: ignore[misc]
        """Every ``every`` epochs, the scores of ``score()`` and the weights of ``model``;
        :meth:`restore` sets those of the lowest mean score."""

        def __init__(self, model: Any, score: Callable[[], Sequence[float]], every: int) -> None:
            super().__init__()
            self.joined, self.score, self.every = model, score, every
            self.scores: dict[int, list[float]] = {}
            self.kept: dict[int, list[np.ndarray]] = {}

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if (epoch + 1) % self.every == 0:
                self.scores[epoch + 1] = list(self.score())
                self.kept[epoch + 1] = self.joined.get_weights()

        def restore(self) -> int:
            """Set the kept weights of the lowest mean score; return their epoch (from 1)."""
            if not self.scores:
                raise ValueError(
                    f"no weights kept: scores are kept every {self.every} epochs, "
                    "and no such epoch has ended"
                )
            best = min(self.scores, key=lambda e: float(np.mean(self.scores[e])))
            self.joined.set_weights(self.kept[best])
            return best

    return BestOnValidation


def best_on_validation(model: Any, score: Callable[[], Sequence[float]], *, every: int = 5) -> Any:
    """A Keras callback that chooses the number of epochs on validation data.

    At the end of every ``every``-th epoch it calls ``score()`` (validation errors, lower is
    better: one per copy of a :func:`lstm_helpers.seeds.side_by_side` model, or one) and keeps
    them with a copy of ``model``'s weights. After training, ``restore()`` sets the kept
    weights with the lowest mean score and returns their epoch (counted from 1; the earliest
    on a tie).

    Args:
        model: the model whose weights are kept: the one being trained.
        score: returns the validation errors of ``model`` as it is now.
        every: the number of epochs between scores, a positive integer.

    Returns:
        a ``keras.callbacks.Callback`` with ``scores`` (epoch -> the errors) and ``kept``
        (epoch -> the weights), and the method ``restore()``, which raises ``ValueError``
        when no weights were kept.
    """
    check_positive("every", every)
    return _best_on_validation_class()(model, score, every)


def call_keeping_state(model: Any) -> Callable[[Any], Any]:
    """The call of a stateful ``model`` that starts from the state the previous call left.

    On TensorFlow, ``model.predict_on_batch``: one traced call per input shape, which writes
    the new state back. On JAX, ``predict_on_batch`` starts every call from the state of its
    trace and writes nothing back, so the model itself, called directly.
    """
    import keras

    call: Callable[[Any], Any] = (
        model.predict_on_batch if keras.backend.backend() == "tensorflow" else model
    )
    return call


def _outputs(out: Any) -> list[Any]:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def predict_carrying_state(
    model: Any, sequences: np.ndarray, *, batch_size: int, chunk: int
) -> list[np.ndarray]:
    """Every output of a stateful ``model`` at every step of ``sequences``, read chunk by chunk.

    The sequences are laid out by :func:`lstm_helpers.stateful.to_stateful_batches`, read one
    batch at a time with :func:`call_keeping_state`, with the state reset at the start of
    every group of ``batch_size`` sequences, and the outputs put back in order.

    Args:
        model: a stateful Keras model taking batches of ``batch_size`` rows of ``chunk``
            steps; one output or several (a :func:`lstm_helpers.seeds.side_by_side` model).
        sequences: shape (n_sequences, steps, features), with ``n_sequences`` a multiple of
            ``batch_size`` and ``steps`` a multiple of ``chunk``.
        batch_size: the model's batch size.
        chunk: the steps per chunk.

    Returns:
        one array per output, each of shape (n_sequences, steps, ...).
    """
    import keras

    check_shape("sequences", sequences, ("n_sequences", "steps", "features"))
    laid_out = to_stateful_batches(sequences, batch_size, chunk)
    call = call_keeping_state(model)
    per_group = sequences.shape[1] // chunk
    outs = []
    for k in range(len(laid_out) // batch_size):
        if k % per_group == 0:
            reset_stateful(model)  # a new group of sequences
        outs.append(_outputs(call(laid_out[k * batch_size : (k + 1) * batch_size])))
    return [
        from_stateful_batches(
            np.concatenate([keras.ops.convert_to_numpy(o[j]) for o in outs]),
            batch_size,
            len(sequences),
        )
        for j in range(len(outs[0]))
    ]


def _check_laid_out(x: np.ndarray, y: np.ndarray, batch_size: int) -> None:
    check_positive("batch_size", batch_size)
    if np.ndim(x) < 2 or np.ndim(y) < 2 or len(y) != len(x) or len(x) % batch_size:
        raise ValueError(
            f"x and y must have shapes (rows, chunk, ...) with the same rows, a multiple of "
            f"batch_size={batch_size}; got shapes {shape_str(np.shape(x))} and "
            f"{shape_str(np.shape(y))}"
        )


def train_carrying_state(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    *,
    batch_size: int,
    epochs: int,
    reset_every: int,
    callbacks: Sequence[Any] = (),
) -> dict[str, list[float]]:
    """Train a compiled stateful ``model`` on chunks in order, carrying the state between them.

    ``x`` and ``y`` are laid out by :func:`lstm_helpers.stateful.to_stateful_batches`. The
    state is reset at the start of every epoch and after every ``reset_every`` batches (pass
    ``length // chunk``: between groups of sequences). Every output is trained on ``y``
    (a :func:`lstm_helpers.seeds.side_by_side` model: one output per copy).

    On TensorFlow this is ``model.fit`` with ``shuffle=False`` and
    :func:`lstm_helpers.stateful.reset_callback` before ``callbacks``. On JAX, where ``fit``
    would start every batch from the state of its trace, it is a loop of its own: each batch
    is a call of the model inside a ``keras.StatelessScope`` that hands the weights and the
    state in and reads the new state out, under ``jax.value_and_grad`` (compiled once with
    ``jax.jit``); the compiled optimizer applies the gradient, as in ``fit``. On PyTorch the
    same loop takes the gradient with ``torch.autograd.grad`` instead (Keras 3.15.1's ``fit``
    cannot train a stateful LSTM there on the CPU: the backward pass finds the saved initial
    state overwritten in place). The loss is the mean squared error of each output, whatever
    ``model`` was compiled with. The callbacks'
    ``on_train_begin``, ``on_epoch_begin``, ``on_train_batch_begin``, ``on_train_batch_end``,
    ``on_epoch_end`` and ``on_train_end`` run as in ``fit``.

    Args:
        model: a compiled stateful Keras model taking batches of ``batch_size`` rows, compiled
            with ``loss="mse"`` and ``steps_per_execution=1``.
        x: the inputs, shape (rows, chunk, features), ``rows`` a multiple of ``batch_size``.
        y: the targets, shape (rows, chunk, ...), the same rows.
        batch_size: the model's batch size.
        epochs: the passes over the chunks.
        reset_every: the batches between resets, a positive integer.
        callbacks: Keras callbacks.

    Returns:
        the training loss of every epoch: ``{"loss": [...]}`` for one output; for several,
        ``"<output name>_loss"`` for each output (on TensorFlow also their sum, ``"loss"``).
    """
    import keras

    _check_laid_out(x, y, batch_size)
    check_positive("epochs", epochs)
    check_positive("reset_every", reset_every)
    several = len(model.outputs) > 1
    if keras.backend.backend() == "tensorflow":
        history = model.fit(
            x,
            [y] * len(model.outputs) if several else y,
            batch_size=batch_size,
            epochs=epochs,
            shuffle=False,
            callbacks=[reset_callback(reset_every), *callbacks],
            verbose=0,
        ).history
        return {name: [float(v) for v in values] for name, values in history.items()}
    return _own_loop(model, x, y, batch_size, epochs, reset_every, callbacks)


def _own_loop(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    epochs: int,
    reset_every: int,
    callbacks: Sequence[Any],
) -> dict[str, list[float]]:
    import keras

    layers = model._flatten_layers()
    states = [s for layer in layers for s in getattr(layer, "states", None) or []]
    weights = model.trainable_variables
    several = len(model.outputs) > 1
    names = [f"{n}_loss" for n in model.output_names] if several else ["loss"]
    batches = len(x) // batch_size

    def losses(values: Any, state_values: Any, xb: Any, yb: Any) -> Any:
        mapping = [
            *zip(weights, values, strict=True),
            *zip(states, state_values, strict=True),
        ]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            out = model(xb, training=True)
            target = keras.ops.convert_to_tensor(yb)
            per_output = [keras.ops.mean((p - target) ** 2) for p in _outputs(out)]
        new_states = [scope.get_current_value(s) for s in states]
        return sum(per_output), (per_output, new_states)

    if keras.backend.backend() == "torch":
        torch = importlib.import_module("torch")

        def step(values: Any, state_values: Any, xb: Any, yb: Any) -> Any:
            loss, (per_output, new_states) = losses(values, state_values, xb, yb)
            grads = torch.autograd.grad(loss, values)
            return (loss, (per_output, [v.detach() for v in new_states])), list(grads)

    else:
        import jax

        step = jax.jit(jax.value_and_grad(losses, has_aux=True))
    for callback in callbacks:
        callback.set_model(model)
        callback.on_train_begin()
    history: dict[str, list[float]] = {n: [] for n in names}
    for epoch in range(epochs):
        reset_stateful(model)  # the sequences start again
        for callback in callbacks:
            callback.on_epoch_begin(epoch)
        sums = np.zeros(len(names))
        for k in range(batches):
            for callback in callbacks:
                callback.on_train_batch_begin(k)
            xb = x[k * batch_size : (k + 1) * batch_size]
            yb = y[k * batch_size : (k + 1) * batch_size]
            (_, (per_output, new)), grads = step(
                [w.value for w in weights], [s.value for s in states], xb, yb
            )
            model.optimizer.apply(grads, weights)
            for s, v in zip(states, new, strict=True):
                s.assign(v)
            sums += np.array([float(keras.ops.convert_to_numpy(v)) for v in per_output])
            for callback in callbacks:
                callback.on_train_batch_end(k)
            if (k + 1) % reset_every == 0:
                reset_stateful(model)  # the next group of sequences
        for n, total in zip(names, sums, strict=True):
            history[n].append(float(total / batches))
        for callback in callbacks:
            callback.on_epoch_end(epoch, {n: v[-1] for n, v in history.items()})
    for callback in callbacks:
        callback.on_train_end()
    return history
