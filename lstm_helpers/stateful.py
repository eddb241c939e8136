"""The batch layout a stateful recurrent layer needs, its inverse, its picture, and resets.

A stateful layer with batch size B keeps one state per row of the batch and hands row ``i``'s
final state to row ``i`` of the next batch. So N long sequences, cut into chunks of T steps,
must be ordered so that row ``i`` of batch ``k + 1`` is the chunk that follows row ``i`` of
batch ``k``. With N > B the sequences go in groups of B; the state is reset between groups,
every ``length // chunk`` batches.

The same state carried across calls makes one sequence fed in pieces give what it gives in one
call: :func:`three_ways` runs the three models of that demonstration, with
:func:`keras2_hard_sigmoid` for Keras 2's numbers. :func:`fit_sine` and :func:`best_period`
judge a generated continuation of a wave: its frequency and amplitude, and the period that a
"repeat the last period" forecast repeats; :func:`sine_forecast` continues a wave by the
sinusoid fitted to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from lstm_helpers._validate import check_positive, check_shape, shape_str

MAX_CELLS = 48  # beyond this many (row, batch) boxes a picture stops being readable


def _check_multiple(what: str, count: int, of: str, size: int, shape: tuple[int, ...]) -> None:
    if count % size:
        raise ValueError(
            f"{what} must be a multiple of {of}={size}; "
            f"got {count} (x has shape {shape_str(shape)})"
        )


def to_stateful_batches(x: np.ndarray, batch_size: int, chunk: int) -> np.ndarray:
    """Cut N sequences of L steps into chunks of ``chunk`` steps, ordered for a stateful layer.

    Feeding the result in batches of ``batch_size`` rows (``shuffle=False``) gives batch
    ``k = g * (L // chunk) + j`` = chunk ``j`` of sequences ``g*B .. g*B + B - 1``, one per
    row, so row ``i`` of each batch continues row ``i`` of the batch before, within a group.

    Args:
        x: the sequences, shape (sequences, timesteps, features).
        batch_size: B, the stateful layer's fixed batch size; must divide the sequence count.
        chunk: T, the steps per chunk; must divide the sequence length.

    Returns:
        shape ((N // B) * (L // T) * B, T, features).
    """
    x = np.asarray(x)
    check_shape("x", x, ("sequences", "timesteps", "features"))
    check_positive("batch_size", batch_size)
    check_positive("chunk", chunk)
    n, length, features = x.shape
    _check_multiple("the number of sequences", n, "batch_size", batch_size, x.shape)
    _check_multiple("the sequence length", length, "chunk", chunk, x.shape)
    groups, chunks = n // batch_size, length // chunk
    return (
        x.reshape(groups, batch_size, chunks, chunk, features)
        .transpose(0, 2, 1, 3, 4)
        .reshape(groups * chunks * batch_size, chunk, features)
    )


def from_stateful_batches(batches: np.ndarray, batch_size: int, n_sequences: int) -> np.ndarray:
    """Undo :func:`to_stateful_batches`: rebuild the (sequences, timesteps, features) array.

    Works on anything laid out that way, such as a stateful model's outputs with
    ``return_sequences=True``.
    """
    batches = np.asarray(batches)
    check_shape("batches", batches, ("rows", "chunk", "features"))
    check_positive("batch_size", batch_size)
    check_positive("n_sequences", n_sequences)
    rows, chunk, features = batches.shape
    if n_sequences % batch_size:
        raise ValueError(
            f"n_sequences must be a multiple of batch_size={batch_size}; got {n_sequences}"
        )
    if rows % n_sequences:
        raise ValueError(
            f"the number of rows must be a multiple of n_sequences={n_sequences}; "
            f"got {rows} (batches has shape {shape_str(batches.shape)})"
        )
    groups, chunks = n_sequences // batch_size, rows // n_sequences
    return (
        batches.reshape(groups, chunks, batch_size, chunk, features)
        .transpose(0, 2, 1, 3, 4)
        .reshape(n_sequences, chunks * chunk, features)
    )


def tagged_sequences(n_sequences: int, length: int) -> np.ndarray:
    """Sequences whose two features are their own sequence number and timestep.

    Laid out with :func:`to_stateful_batches` (or any other way), each row then says where
    it came from, which is what :func:`draw_batches` reads.
    """
    check_positive("n_sequences", n_sequences)
    check_positive("length", length)
    seq, step = np.meshgrid(np.arange(n_sequences), np.arange(length), indexing="ij")
    return np.stack([seq, step], axis=-1).astype("float32")


def continues(batches: np.ndarray, batch_size: int) -> np.ndarray:
    """For tagged rows: whether row ``i`` of batch ``k + 1`` continues row ``i`` of batch ``k``.

    Returns a bool array of shape (batches - 1, batch_size).
    """
    batches = np.asarray(batches)
    check_shape("batches", batches, ("rows", "chunk", 2))
    check_positive("batch_size", batch_size)
    if batches.shape[0] % batch_size:
        raise ValueError(
            f"the number of rows must be a multiple of batch_size={batch_size}; "
            f"got shape {shape_str(batches.shape)}"
        )
    grid = batches.reshape(-1, batch_size, batches.shape[1], 2)
    same_seq = grid[1:, :, 0, 0] == grid[:-1, :, -1, 0]
    next_step = grid[1:, :, 0, 1] == grid[:-1, :, -1, 1] + 1
    result: np.ndarray = same_seq & next_step
    return result


def draw_batches(
    batches: np.ndarray,
    batch_size: int,
    *,
    reset_every: int | None = None,
    title: str | None = None,
) -> Figure:
    """Draw tagged rows (from :func:`tagged_sequences`) as the batches a stateful layer sees.

    One column per batch, one row per batch row; each box names the sequence and the steps it
    holds. An arrow from batch ``k`` to ``k + 1`` is the state handed along a row: green where
    the next chunk continues the same sequence, red where it hands a state to a chunk it does not
    belong to. A dashed line marks a reset (every ``reset_every`` batches), where no state flows.
    """
    batches = np.asarray(batches)
    ok = continues(batches, batch_size)
    grid = batches.reshape(-1, batch_size, batches.shape[1], 2)
    n_batches = grid.shape[0]
    if reset_every is not None:
        check_positive("reset_every", reset_every)
    if n_batches * batch_size > MAX_CELLS:
        raise ValueError(
            f"at most {MAX_CELLS} boxes (batches*batch_size) fit a picture; "
            f"got {n_batches}*{batch_size} (shape {shape_str(batches.shape)})"
        )
    colors = plt.get_cmap("tab10")
    fig, ax = plt.subplots(figsize=(1.2 + 1.45 * n_batches, 0.9 + 0.8 * batch_size))
    ax.set_xlim(-0.9, n_batches - 0.4)
    ax.set_ylim(-0.6, batch_size - 0.1)
    ax.axis("off")
    mixes = 0
    for k in range(n_batches):
        ax.text(k, batch_size - 0.35, f"batch {k}", ha="center", va="bottom", fontsize=9)
        reset_after = reset_every is not None and (k + 1) % reset_every == 0
        if reset_after and k + 1 < n_batches:
            ax.axvline(k + 0.5, ymin=0.02, ymax=0.9, color="0.3", ls="--", lw=1)
            ax.text(k + 0.5, -0.5, "reset", ha="center", va="center", fontsize=8, color="0.3")
        for i in range(batch_size):
            y = batch_size - 1 - i
            seq, start, stop = int(grid[k, i, 0, 0]), int(grid[k, i, 0, 1]), int(grid[k, i, -1, 1])
            ax.add_patch(
                Rectangle(
                    (k - 0.32, y - 0.28), 0.64, 0.56, fc=colors(seq % 10), alpha=0.35, ec="0.2"
                )
            )
            ax.text(k, y, f"seq {seq}\nt {start}-{stop}", ha="center", va="center", fontsize=8)
            if k == 0:
                ax.text(-0.85, y, f"row {i}", ha="left", va="center", fontsize=9, weight="bold")
            if k + 1 < n_batches and not reset_after:
                good = bool(ok[k, i])
                mixes += not good
                ax.add_patch(
                    FancyArrowPatch(
                        (k + 0.33, y),
                        (k + 0.67, y),
                        arrowstyle="-|>",
                        mutation_scale=10,
                        color="#16803c" if good else "#c0392b",
                        ls="-" if good else "--",
                    )
                )
    note = (
        "every hand-over continues its sequence"
        if mixes == 0
        else f"{mixes} hand-over(s) carry state into a chunk that does not continue it (red)"
    )
    head = f"batch_size={batch_size}, chunk={grid.shape[2]}: {note}"
    ax.set_title(
        title or head + "\narrows: the state (h, c) a row hands to the next batch", fontsize=10
    )
    fig.tight_layout()
    plt.close(fig)
    return fig


def reset_stateful(model: Any) -> list[str]:
    """Reset every stateful recurrent layer of a Keras model (Keras 3 has no model.reset_states).

    Walks the layers recursively: nested models, wrappers such as ``Bidirectional`` (reset as
    one layer, which resets both directions), and custom layers that hold a stateful layer as
    an attribute. The walk uses Keras 3's ``Layer._flatten_layers``, the method Keras itself
    uses to list sublayers; a layer that Keras does not track (kept in a plain ``dict`` it does
    not wrap, for example) is not found.

    Args:
        model: a Keras model or layer.

    Returns:
        the names of the layers reset, in the order they were found.
    """
    names: list[str] = []
    for layer in model._flatten_layers(include_self=False, recursive=False):
        if getattr(layer, "stateful", False) and hasattr(layer, "reset_state"):
            layer.reset_state()
            names.append(layer.name)
        else:
            names += reset_stateful(layer)
    return names


def reset_callback(every: int) -> Any:
    """A Keras callback that resets the stateful layers after every ``every`` batches.

    Pass ``length // chunk`` to reset between groups of sequences laid out by
    :func:`to_stateful_batches`. It resets at the start of every epoch (and every ``predict`` or
    ``evaluate``) too, so each pass starts from zero states. Use it with ``shuffle=False``.

    The validation pass of ``fit(validation_data=...)`` is an ``evaluate`` inside ``fit``, so
    it starts from zero states too (without this callback it would continue from the state
    the last training batch left).

    On JAX (Keras 3.15.1) ``fit``, ``predict`` and ``evaluate`` never write a stateful layer's
    state: a compiled step starts every batch from the state it read when it was traced, so a
    reset changes only what a later trace reads (a new input shape, a new ``compile``), or
    every batch with ``run_eagerly=True``. There the resets do not make ``fit`` train on chunks
    with the state carried; that needs a loop of your own that carries it.

    Keras calls the per-batch hooks once per *execution*: with ``steps_per_execution`` above 1
    in ``compile`` it would skip resets. So the callback raises a ``ValueError`` when ``fit``,
    ``predict`` or ``evaluate`` starts on a model compiled with ``steps_per_execution`` other
    than 1.

    Args:
        every: the number of batches between resets, a positive integer.

    Returns:
        a ``keras.callbacks.Callback``; its attribute ``resets`` counts the resets done.
    """
    import keras

    check_positive("every", every)

    class ResetStates(keras.callbacks.Callback):  # type: ignore[misc]
        """Reset the model's stateful layers every ``every`` batches and at each pass's start."""

        def __init__(self) -> None:
            super().__init__()
            self.every = every
            self.resets = 0

        def _reset(self) -> None:
            reset_stateful(self.model)
            self.resets += 1

        def _check_one_step(self) -> None:
            steps = getattr(self.model, "steps_per_execution", 1)
            if steps != 1:
                raise ValueError(
                    "reset_callback needs steps_per_execution=1 (Keras calls the batch hooks "
                    f"once per execution, so resets would be skipped); got {steps}"
                )

        def on_train_begin(self, logs: Any = None) -> None:
            self._check_one_step()

        def _after(self, batch: int) -> None:
            if (batch + 1) % self.every == 0:
                self._reset()

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self._reset()

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            self._after(batch)

        def on_predict_begin(self, logs: Any = None) -> None:
            self._check_one_step()
            self._reset()

        def on_predict_batch_end(self, batch: int, logs: Any = None) -> None:
            self._after(batch)

        def on_test_begin(self, logs: Any = None) -> None:
            self._check_one_step()
            self._reset()

        def on_test_batch_end(self, batch: int, logs: Any = None) -> None:
            self._after(batch)

    return ResetStates()


def keras2_hard_sigmoid(x: Any) -> Any:
    """Keras 1/2's ``hard_sigmoid``, clip(0.2 x + 1/2, 0, 1), written with ``keras.ops``.

    Usable as an LSTM's ``recurrent_activation``: it gives the old default LSTM, whereas the
    string ``"hard_sigmoid"`` is Keras 3's clip(x / 6 + 1/2, 0, 1). Its NumPy twin is
    :func:`lstm_helpers.reference.hard_sigmoid_keras2`.
    """
    import keras

    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def three_ways(
    weights: Sequence[np.ndarray], sequence: np.ndarray, **lstm_kwargs: Any
) -> dict[str, np.ndarray]:
    """Run one LSTM over one sequence three ways, with ``return_sequences=True``.

    ``"model1"``: stateful, one step per call; ``"model2"``: stateful, two steps per call;
    ``"model3"``: stateless, every step in one call. A stateful layer keeps its state between
    calls, so all three compute the same outputs.

    Args:
        weights: ``[kernel, recurrent_kernel, bias]`` in Keras's layout, shapes
            (features, 4*units), (units, 4*units), (4*units,); without the bias for
            ``use_bias=False``.
        sequence: one sequence, shape (1, timesteps, features), with an even number of steps.
        **lstm_kwargs: further ``keras.layers.LSTM`` arguments, e.g. ``recurrent_activation``.

    Returns:
        ``{"model1": ..., "model2": ..., "model3": ...}``, each the outputs of every step,
        shape (timesteps * units,).
    """
    import keras

    x = np.asarray(sequence, dtype="float32")
    check_shape("sequence", x, (1, "timesteps", "features"))
    _, timesteps, features = x.shape
    if timesteps % 2:
        raise ValueError(
            "sequence must have shape (1, timesteps, features) with an even number of "
            f"timesteps; got shape {shape_str(x.shape)}"
        )
    if len(weights) not in (2, 3):
        raise ValueError(
            f"weights must be [kernel, recurrent_kernel, bias] or [kernel, recurrent_kernel]; "
            f"got {len(weights)} arrays"
        )
    kernel = np.asarray(weights[0])
    if kernel.ndim != 2 or kernel.shape[0] != features or kernel.shape[1] % 4:
        raise ValueError(
            f"kernel must have shape ({features}, 4*units); got shape {shape_str(kernel.shape)}"
        )
    units = kernel.shape[1] // 4
    check_shape("recurrent_kernel", weights[1], (units, 4 * units))
    if len(weights) == 3:
        check_shape("bias", weights[2], (4 * units,))
    lstm_kwargs.setdefault("use_bias", len(weights) == 3)

    def run(name: str, steps: int, is_stateful: bool) -> np.ndarray:
        inputs = keras.Input(batch_shape=(1, steps, features), name=f"{name}_steps")
        layer = keras.layers.LSTM(
            units, return_sequences=True, stateful=is_stateful, name=f"{name}_lstm", **lstm_kwargs
        )
        model = keras.Model(inputs, layer(inputs), name=name)
        layer.set_weights(list(weights))
        calls = [model(x[:, t : t + steps]) for t in range(0, timesteps, steps)]
        outputs: np.ndarray = np.concatenate([keras.ops.convert_to_numpy(c) for c in calls], 1)
        return outputs.ravel()

    return {
        "model1": run("model1", 1, True),
        "model2": run("model2", 2, True),
        "model3": run("model3", timesteps, False),
    }


class Sine(NamedTuple):
    """The sinusoid that best fits a stretch of a series: ``amplitude * sin(freq * t + phase)``."""

    freq: float
    amplitude: float


def _sine_fit(y: np.ndarray, freqs: np.ndarray) -> tuple[float, np.ndarray]:
    """The best frequency of ``freqs`` for ``y`` and its coefficients (sin, cos, constant)."""
    ys = np.asarray(y, dtype=np.float64)
    ws = np.asarray(freqs, dtype=np.float64)
    check_shape("y", ys, ("timesteps",))
    check_shape("freqs", ws, ("candidates",))
    if ys.size < 4 or ws.size == 0:
        raise ValueError(
            f"y needs at least 4 steps and freqs at least one candidate; got shapes "
            f"{shape_str(ys.shape)} and {shape_str(ws.shape)}"
        )
    t = np.arange(ys.size, dtype=np.float64)
    # one design matrix per candidate: (candidates, timesteps, 3)
    design = np.stack(
        [np.sin(ws[:, None] * t), np.cos(ws[:, None] * t), np.ones((ws.size, t.size))], axis=-1
    )
    gram = design.transpose(0, 2, 1) @ design + 1e-12 * np.eye(3)
    coef = np.linalg.solve(gram, (design.transpose(0, 2, 1) @ ys)[..., None])[..., 0]
    residual = ((design @ coef[..., None])[..., 0] - ys) ** 2
    best = int(np.argmin(residual.sum(axis=1)))
    return float(ws[best]), coef[best]


def fit_sine(y: np.ndarray, freqs: np.ndarray) -> Sine:
    """Fit ``a sin(w t) + b cos(w t) + c`` for every ``w`` in ``freqs``; keep the best fit.

    Used to read the frequency (radians per step) and amplitude of a generated continuation:
    the grid ``freqs`` sets the resolution. The constant ``c`` absorbs an offset.

    Args:
        y: one stretch of a series, shape (timesteps,), at least 4 steps.
        freqs: the candidate frequencies in radians per step, shape (candidates,).

    Returns:
        the best frequency and its amplitude ``sqrt(a**2 + b**2)``.
    """
    freq, coef = _sine_fit(y, freqs)
    return Sine(freq, float(np.hypot(coef[0], coef[1])))


def sine_forecast(y: np.ndarray, freqs: np.ndarray, steps: int) -> np.ndarray:
    """Continue ``y`` by the sinusoid :func:`fit_sine` fits to it: a forecast with no training.

    Args:
        y: the observed stretch, shape (timesteps,), at least 4 steps.
        freqs: the candidate frequencies in radians per step, shape (candidates,).
        steps: how many steps after the end of ``y`` to predict.

    Returns:
        the fitted ``a sin(w t) + b cos(w t) + c`` at the ``steps`` steps after ``y``,
        shape (steps,).
    """
    check_positive("steps", steps)
    freq, coef = _sine_fit(y, freqs)
    t = np.arange(len(y), len(y) + steps, dtype=np.float64)
    result: np.ndarray = coef[0] * np.sin(freq * t) + coef[1] * np.cos(freq * t) + coef[2]
    return result


def best_period(x: np.ndarray, min_period: int, max_period: int) -> int:
    """The lag, between ``min_period`` and ``max_period``, at which ``x`` best repeats itself.

    It minimises the mean squared difference between ``x[p:]`` and ``x[:-p]``: the period a
    "repeat the last period" forecast should use when nobody tells it the period.

    Args:
        x: one series, shape (timesteps,), longer than ``max_period``.
        min_period: the shortest lag tried (at least 1).
        max_period: the longest lag tried.
    """
    xs = np.asarray(x, dtype=np.float64)
    check_shape("x", xs, ("timesteps",))
    check_positive("min_period", min_period)
    check_positive("max_period", max_period)
    if not min_period <= max_period < xs.size:
        raise ValueError(
            f"need min_period <= max_period < timesteps; got {min_period}, {max_period} "
            f"for x of shape {shape_str(xs.shape)}"
        )
    lags = range(min_period, max_period + 1)
    return min(lags, key=lambda p: float(np.mean((xs[p:] - xs[:-p]) ** 2)))
