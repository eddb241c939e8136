"""Cut a series into (samples, timesteps, features): sliding windows, consecutive chunks, targets.

Every cut is a NumPy view of the series (no values copied), built on
``numpy.lib.stride_tricks.sliding_window_view``. The windows and targets are the ones
``keras.utils.timeseries_dataset_from_array`` produces, as arrays instead of a dataset.
:func:`levels_from_changes` turns forecast changes back into levels,
:func:`peak_rss_growth` measures what a step such as ``model.fit`` copies, and
:func:`plot_forecasts` draws windows, their targets and forecasts of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence

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


def levels_from_changes(
    level_windows: np.ndarray, z_changes: np.ndarray, *, mean: float, std: float
) -> np.ndarray:
    """Forecast levels from forecast standardised changes: undo the scaling, then add up.

    A model that reads and predicts the step-to-step changes of a series, standardised as
    ``(change - mean) / std``, forecasts the ``horizon`` changes that follow each window.
    The level ``k`` steps ahead is the window's last level plus the first ``k`` changes,
    each unscaled (``z * std + mean``): a running sum along the forecast.

    Args:
        level_windows: ``(samples, timesteps, 1)``, the windows of levels the changes were
            taken from; only their last step is read.
        z_changes: ``(samples, horizon)``, the forecast standardised changes.
        mean, std: the scaling of the changes.

    Returns:
        ``(samples, horizon)`` levels.

    Raises:
        ValueError: if the shapes do not match as above.
    """
    levels, z = np.asarray(level_windows), np.asarray(z_changes)
    if levels.ndim != 3 or levels.shape[2] != 1:
        raise ValueError(
            "level_windows must have shape (samples, timesteps, 1); "
            f"got shape {shape_str(levels.shape)}"
        )
    if z.ndim != 2 or len(z) != len(levels):
        raise ValueError(
            f"z_changes must have shape ({len(levels)}, horizon); got shape {shape_str(z.shape)}"
        )
    return levels[:, -1, :] + np.cumsum(z * std + mean, axis=1)


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


def peak_rss_growth(run: Callable[[], object], *, interval: float = 0.001) -> int:
    """How far the process's resident memory rose above its starting level while ``run()`` ran.

    A thread samples the resident set size (with ``psutil``) every ``interval`` seconds
    while ``run()`` executes, and the peak minus the level just before is returned, in
    bytes. Unlike ``tracemalloc``, which sees only allocations made through Python (NumPy's
    included), this sees TensorFlow's tensors too. It measures the whole process, so use it
    for differences of many megabytes: memory that was freed earlier but kept by the
    allocator can be reused without showing, which makes the result a lower bound.

    Raises:
        ValueError: if ``interval`` is not a positive number of seconds.
    """
    import psutil  # type: ignore[import-untyped]

    if not interval > 0:
        raise ValueError(f"interval must be a positive number of seconds; got {interval!r}")
    process = psutil.Process()
    start = int(process.memory_info().rss)
    peak = [start]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], int(process.memory_info().rss))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        run()
    finally:
        done.set()
        sampler.join()
    return max(peak[0], int(process.memory_info().rss)) - start


def plot_forecasts(
    x: np.ndarray,
    y: np.ndarray,
    forecasts: Mapping[str, np.ndarray],
    *,
    samples: Sequence[int],
    series: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Plot input windows, the steps that followed them and forecasts of those steps.

    One row per sample in ``samples``, one column per series. ``x`` has shape
    ``(samples, length, features)`` and ``y`` ``(samples, horizon, features)``, the same
    series as inputs and targets (as :func:`make_windows` cuts them); each forecast has
    ``y``'s shape. Steps are numbered from the first step after the window.
    """
    xs, ys = np.asarray(x), np.asarray(y)
    if xs.ndim != 3 or ys.ndim != 3 or ys.shape[0] != xs.shape[0] or ys.shape[2] != xs.shape[2]:
        raise ValueError(
            "x (samples, length, features) and y (samples, horizon, features) must share "
            f"samples and features; got shapes {shape_str(xs.shape)} and {shape_str(ys.shape)}"
        )
    for name, pred in forecasts.items():
        if np.shape(pred) != ys.shape:
            raise ValueError(
                f"forecast {name!r} must have y's shape {shape_str(ys.shape)}; "
                f"got shape {shape_str(np.shape(pred))}"
            )
    rows = list(samples)
    if not rows or not all(0 <= i < xs.shape[0] for i in rows):
        raise ValueError(f"samples must index x's {xs.shape[0]} samples; got {rows}")
    names = list(series) if series is not None else [f"feature {f}" for f in range(xs.shape[2])]
    if len(names) != xs.shape[2]:
        raise ValueError(f"series must name x's {xs.shape[2]} features; got {len(names)} names")
    length, horizon = xs.shape[1], ys.shape[1]
    past, future = np.arange(-length, 0), np.arange(horizon)
    fig, axes = plt.subplots(
        len(rows), len(names), figsize=(3.6 * len(names), 1.9 * len(rows) + 0.5), squeeze=False
    )
    for r, i in enumerate(rows):
        for f, ax in enumerate(axes[r]):
            ax.plot(past, xs[i, :, f], color="0.45", lw=1.2, label="input window")
            ax.plot(future, ys[i, :, f], color="black", lw=2.0, label="truth")
            for name, pred in forecasts.items():
                ax.plot(future, np.asarray(pred)[i, :, f], lw=1.4, ls="--", label=name)
            ax.axvline(-0.5, color="0.8", lw=0.8)
            ax.set_title(f"sample {i}, {names[f]}", fontsize=9)
            ax.tick_params(labelsize=7)
    axes[0, -1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    for ax in axes[-1]:
        ax.set_xlabel("step (0 = first step after the window)", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig
