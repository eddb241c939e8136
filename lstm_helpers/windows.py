"""Cut a series into (samples, timesteps, features): sliding windows, consecutive chunks, targets.

Every cut is a NumPy view of the series (no values copied), built on
``numpy.lib.stride_tricks.sliding_window_view``. The windows and targets are the ones
``keras.utils.timeseries_dataset_from_array`` produces, as arrays instead of a dataset.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from numpy.lib.stride_tricks import sliding_window_view

from lstm_helpers._validate import check_positive, shape_str

MAX_STEPS = 40  # beyond this many timesteps a cut picture stops being readable
MAX_ROWS = 16  # samples drawn per panel


def as_2d(series: np.ndarray, name: str = "series") -> np.ndarray:
    """A ``(timesteps,)`` series as ``(timesteps, 1)``; a ``(timesteps, features)`` one unchanged.

    Both are views of the input.
    """
    arr = np.asarray(series)
    if arr.ndim == 1:
        return arr[:, np.newaxis]
    if arr.ndim == 2:
        return arr
    raise ValueError(
        f"{name} must have shape (timesteps,) or (timesteps, features); "
        f"got shape {shape_str(arr.shape)}"
    )


def _check_fits(steps: int, length: int, horizon: int, shape: tuple[int, ...]) -> None:
    if length + horizon > steps:
        need = f"a window of {length} steps" + (f" plus a horizon of {horizon}" if horizon else "")
        raise ValueError(
            f"{need} needs a series of at least {length + horizon} timesteps; "
            f"got a series of shape {shape_str(shape)}"
        )


def window_count(steps: int, length: int, *, stride: int = 1, horizon: int = 0) -> int:
    """How many windows of ``length`` steps (and ``horizon`` more after each) fit ``steps``."""
    check_positive("steps", steps)
    check_positive("length", length)
    check_positive("stride", stride)
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 0:
        raise ValueError(f"horizon must be an integer of at least 0; got {horizon!r}")
    _check_fits(steps, length, horizon, (steps,))
    return (steps - length - horizon) // stride + 1


def sliding_windows(
    series: np.ndarray, length: int, *, stride: int = 1, horizon: int = 0
) -> np.ndarray:
    """Windows of ``length`` steps starting every ``stride`` steps, as a view.

    Returns shape ``(samples, length, features)``: sample ``i`` is
    ``series[i*stride : i*stride + length]``. ``horizon`` leaves that many steps after the
    last window, for its targets (see :func:`make_windows`).
    """
    data = as_2d(series)
    count = window_count(len(data), length, stride=stride, horizon=horizon)
    # (steps - length + 1, features, length) -> (samples, length, features), all views
    view = sliding_window_view(data, length, axis=0)[: (count - 1) * stride + 1 : stride]
    return view.transpose(0, 2, 1)


def make_windows(
    series: np.ndarray,
    length: int,
    *,
    horizon: int = 1,
    stride: int = 1,
    targets: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets for forecasting: each window and the ``horizon`` steps after it.

    Returns ``(x, y)``, views of shapes ``(samples, length, features)`` and
    ``(samples, horizon, target_features)``: ``y[i]`` is ``targets[s + length : s + length +
    horizon]`` for the window ``x[i]`` starting at ``s``. ``targets`` defaults to the series
    itself and must have as many timesteps.
    """
    check_positive("horizon", horizon)
    data = as_2d(series)
    goal = data if targets is None else as_2d(targets, "targets")
    if len(goal) != len(data):
        raise ValueError(
            f"targets must have shape ({len(data)}, ...) like the series; "
            f"got shape {shape_str(np.asarray(targets).shape)}"
        )
    x = sliding_windows(data, length, stride=stride, horizon=horizon)
    y = sliding_windows(goal[length:], horizon, stride=stride)[: len(x)]
    return x, y


def chunks(series: np.ndarray, length: int) -> np.ndarray:
    """Consecutive chunks of ``length`` steps, as a view of shape ``(samples, length, features)``.

    Chunk ``k`` is ``series[k*length : (k+1)*length]``: each one starts where the previous one
    ends. An incomplete last chunk is dropped.
    """
    check_positive("length", length)
    data = as_2d(series)
    _check_fits(len(data), length, 0, np.shape(series))
    return sliding_windows(data, length, stride=length)


def locate(series: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Where each sample of ``x`` (samples, timesteps, features) starts in ``series``.

    Finds the first timestep from which ``series`` holds exactly the values of each sample,
    so it answers unambiguously when the series has no repeated stretch.
    """
    data = as_2d(series)
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[2] != data.shape[1] or x.shape[1] > len(data):
        raise ValueError(
            f"x must have shape (samples, <={len(data)}, {data.shape[1]}); "
            f"got shape {shape_str(x.shape)}"
        )
    candidates = sliding_window_view(data, x.shape[1], axis=0).transpose(0, 2, 1)
    match = (candidates[np.newaxis] == x[:, np.newaxis]).all(axis=(2, 3))
    missing = np.flatnonzero(~match.any(axis=1))
    if missing.size:
        raise ValueError(f"x[{missing[0]}] is not a stretch of the series")
    return np.asarray(match.argmax(axis=1))


def draw_cuts(
    series: np.ndarray,
    cuts: Mapping[str, tuple[np.ndarray, np.ndarray | None]],
    *,
    title: str | None = None,
) -> Figure:
    """Draw where each sample (and its targets) comes from in a 1-D series, one panel per cut.

    ``cuts`` maps a panel title to ``(x, y)``: the inputs, shape (samples, timesteps, 1), and
    the targets, shape (samples, horizon, 1) or ``None``. Positions are found in the real
    series with :func:`locate`, so the picture fails if a sample is not part of the series.
    """
    data = as_2d(series)
    steps = len(data)
    if data.shape[1] != 1 or steps > MAX_STEPS:
        raise ValueError(
            f"series must have shape (<={MAX_STEPS},) to be drawn; "
            f"got shape {shape_str(np.shape(series))}"
        )
    if not cuts:
        raise ValueError("cuts must hold at least one (x, y) pair; got none")
    rows = [min(len(x), MAX_ROWS) + 1 for x, _ in cuts.values()]
    fig, axes = plt.subplots(
        len(cuts),
        1,
        figsize=(1.6 + 0.42 * steps, 0.9 * len(cuts) + 0.3 * sum(rows)),
        gridspec_kw={"height_ratios": rows},
        squeeze=False,
    )
    for ax, (name, (x, y)) in zip(axes[:, 0], cuts.items(), strict=True):
        _draw_panel(ax, data[:, 0], name, np.asarray(x), None if y is None else np.asarray(y))
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    plt.close(fig)
    return fig


def _cell(ax: Axes, t: int, row: int, value: float, face: str, edge: str) -> None:
    ax.add_patch(Rectangle((t - 0.45, row - 0.4), 0.9, 0.8, fc=face, ec=edge, lw=1))
    ax.text(t, row, f"{value:g}", ha="center", va="center", fontsize=8)


def _draw_panel(
    ax: Axes, values: np.ndarray, name: str, x: np.ndarray, y: np.ndarray | None
) -> None:
    starts = locate(values, x)
    y_starts = None if y is None else locate(values, y)
    shown = min(len(x), MAX_ROWS)
    for t, v in enumerate(values):
        _cell(ax, t, 0, float(v), "#eeeeee", "0.5")
    for i in range(shown):
        row = i + 1
        for k in range(x.shape[1]):
            _cell(ax, int(starts[i]) + k, row, float(x[i, k, 0]), "#cfe0f5", "#1f4e9c")
        if y is not None and y_starts is not None:
            for k in range(y.shape[1]):
                _cell(ax, int(y_starts[i]) + k, row, float(y[i, k, 0]), "#fde2c4", "#c46a00")
    labels = ["series", *(f"sample {i}" for i in range(shown))]
    if shown < len(x):
        labels[-1] += f"  (+{len(x) - shown} more)"
    ax.set_yticks(range(shown + 1), labels, fontsize=8)
    ax.set_xticks(range(len(values)), [str(t) for t in range(len(values))], fontsize=7)
    ax.set_xlim(-0.6, len(values) - 0.4)
    ax.set_ylim(shown + 0.6, -0.6)
    ax.tick_params(length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    shape = f"x {shape_str(x.shape)} in blue" + (
        "" if y is None else f", y {shape_str(y.shape)} in orange"
    )
    ax.set_title(f"{name}: {shape}", fontsize=10, loc="left")
    ax.set_xlabel("timestep of the series", fontsize=8)
