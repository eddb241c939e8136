"""TimeDistributed, pictured and exercised: weight sharing, split series, tiny clips of shapes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from lstm_helpers._validate import check_positive, check_shape, shape_str

#: The shapes of :func:`shape_order_clips`, 3x3 and five pixels each.
SHAPES: dict[str, np.ndarray] = {
    "T": np.array([[1, 1, 1], [0, 1, 0], [0, 1, 0]], dtype="float32"),
    "⊥": np.array([[0, 1, 0], [0, 1, 0], [1, 1, 1]], dtype="float32"),
    "+": np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype="float32"),
}
#: The labels of :func:`shape_order_clips` (label k is ``ORDERS[k]``).
ORDERS: tuple[str, ...] = ("T first", "⊥ first")

MAX_SLICES = 8  # beyond this many copies a picture stops being readable
_SERIES_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")


def draw_weight_sharing(
    input_shape: Sequence[int | None],
    output_shape: Sequence[int | None],
    *,
    layer: str,
    weights: Mapping[str, Sequence[int]],
    title: str | None = None,
) -> Figure:
    """Draw ``TimeDistributed(layer)``: one layer, one set of weights, on every slice of axis 1.

    Args:
        input_shape: the wrapper's input shape, (batch, slices, ...); the slice axis must be known.
        output_shape: the wrapper's output shape, (batch, slices, ...).
        layer: the inner layer's description, e.g. ``"LSTM(6)"``.
        weights: the inner layer's weights, name to shape, drawn once above the copies.
    """
    if len(input_shape) < 3 or len(output_shape) < 2:
        raise ValueError(
            "input_shape must have shape (batch, slices, ...) with at least 3 axes and "
            f"output_shape at least 2; got {shape_str(input_shape)} and {shape_str(output_shape)}"
        )
    slices = input_shape[1]
    if not isinstance(slices, int) or slices < 1 or output_shape[1] != slices:
        raise ValueError(
            f"axis 1 must be the same known length in input and output; got input "
            f"{shape_str(input_shape)} and output {shape_str(output_shape)}"
        )
    if slices > MAX_SLICES:
        raise ValueError(f"at most {MAX_SLICES} slices fit a picture; got {slices}")
    in_slice = shape_str([input_shape[0], *input_shape[2:]])
    out_slice = shape_str([output_shape[0], *output_shape[2:]])
    fig, ax = plt.subplots(figsize=(2.9 + 1.9 * slices, 3.4))
    ax.set_xlim(-2.1, slices - 0.4)
    ax.set_ylim(-0.5, 1.05)
    ax.axis("off")
    wtext = "\n".join(f"{name} {shape_str(shape)}" for name, shape in weights.items())
    ax.add_patch(
        FancyBboxPatch(
            (-1.95, 0.12), 1.2, 0.58, boxstyle="round,pad=0.02", fc="#f3e5f5", ec="#7b1fa2"
        )
    )
    ax.text(-1.35, 0.41, f"W: one set of weights\n{wtext}", ha="center", va="center", fontsize=8)
    for s in range(slices):
        ax.text(
            s, -0.3, f"x[:, {s}]\n{in_slice}", ha="center", va="center", fontsize=8, color="#1f4e9c"
        )
        ax.add_patch(
            FancyBboxPatch(
                (s - 0.4, 0.27), 0.8, 0.28, boxstyle="round,pad=0.02", fc="#f3e5f5", ec="#7b1fa2"
            )
        )
        ax.text(s, 0.41, f"{layer}\nwith W", ha="center", va="center", fontsize=8)
        ax.text(
            s,
            0.85,
            f"y[:, {s}]\n{out_slice}",
            ha="center",
            va="center",
            fontsize=8,
            color="#16803c",
        )
        for (x0, y0), (x1, y1), colour in (
            ((s, -0.18), (s, 0.24), "#1f4e9c"),
            ((s, 0.58), (s, 0.73), "#16803c"),
        ):
            ax.add_patch(
                FancyArrowPatch(
                    (x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=9, color=colour
                )
            )
    ax.set_title(
        title
        or f"TimeDistributed({layer}): input {shape_str(input_shape)} -> output "
        f"{shape_str(output_shape)}\nthe same layer on each of the {slices} slices of axis 1; "
        "no slice sees another",
        fontsize=10,
    )
    fig.tight_layout()
    plt.close(fig)
    return fig


def series_origin(x: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each entry of ``values``, the series (column of ``x``) it was taken from.

    ``x`` has shape (timesteps, series) and distinct values; ``values`` holds values of ``x``
    in any arrangement (after a Reshape or a Permute). Returns an int array shaped like
    ``values``.
    """
    x = np.asarray(x)
    check_shape("x", x, ("timesteps", "series"))
    flat = x.ravel()
    if np.unique(flat).size != flat.size:
        raise ValueError("x must hold distinct values, so that each value names its series")
    column = {float(v): i % x.shape[1] for i, v in enumerate(flat)}
    values = np.asarray(values)
    try:
        origin: np.ndarray = np.vectorize(lambda v: column[float(v)], otypes=[int])(values)
    except KeyError as err:
        raise ValueError(f"values must be taken from x; {err.args[0]} is not in x") from None
    return origin


def draw_series_split(
    x: np.ndarray, splits: Mapping[str, np.ndarray], *, title: str | None = None
) -> Figure:
    """Show which series ends up in which slice: one panel for ``x`` and one per split.

    Args:
        x: stacked series, shape (timesteps, series), with distinct values (for instance
            ``100 * (series + 1) + t``), so every value tells where it came from.
        splits: name to array of shape (slices, length, 1) or (slices, length): the slices a
            ``TimeDistributed`` layer would see. Each value is coloured by its series of origin.
    """
    x = np.asarray(x)
    check_shape("x", x, ("timesteps", "series"))
    if not splits:
        raise ValueError("splits must hold at least one split; got none")
    panels: list[tuple[str, np.ndarray, list[str]]] = [
        (f"input, shape {x.shape}", x, [f"series {k}" for k in range(x.shape[1])])
    ]
    for name, arr in splits.items():
        a = np.asarray(arr)
        if a.ndim == 3 and a.shape[2] == 1:
            a = a[:, :, 0]
        check_shape(name, a, ("slices", "length"))
        panels.append((name, a.T, [f"slice {k}" for k in range(a.shape[0])]))
    rows = max(p[1].shape[0] for p in panels)
    fig, axes = plt.subplots(
        1, len(panels), figsize=(1.0 + 2.3 * len(panels), 1.1 + 0.3 * rows), squeeze=False
    )
    for ax, (name, table, columns) in zip(axes[0], panels, strict=True):
        origin = series_origin(x, table)
        ax.set_xlim(-0.5, table.shape[1] - 0.5)
        ax.set_ylim(rows - 0.5, -0.5)
        for r in range(table.shape[0]):
            for c in range(table.shape[1]):
                colour = _SERIES_COLOURS[int(origin[r, c]) % len(_SERIES_COLOURS)]
                ax.add_patch(Rectangle((c - 0.45, r - 0.45), 0.9, 0.9, fc=colour, alpha=0.35))
                ax.text(c, r, f"{table[r, c]:g}", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(table.shape[1]), columns, fontsize=8)
        ax.set_yticks(range(rows), [f"{r}" for r in range(rows)], fontsize=7)
        ax.tick_params(length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_title(name, fontsize=9)
    axes[0][0].set_ylabel("position along the time axis")
    fig.suptitle(title or "colour = the series each value came from", fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


def two_series_task(
    samples: int, *, timesteps: int = 40, horizon: int = 10, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of independent sine waves: predict each wave's next ``horizon`` values.

    Each series has its own random frequency, phase and amplitude, so its future can be
    predicted only from its own past. Returns ``x`` of shape (samples, timesteps, 2) and
    ``y`` of shape (samples, horizon, 2), stacked on the last axis as in the seed question.
    """
    check_positive("samples", samples)
    check_positive("timesteps", timesteps)
    check_positive("horizon", horizon)
    rng = np.random.default_rng(seed)
    t = np.arange(timesteps + horizon)
    freq = rng.uniform(0.03, 0.12, size=(samples, 1, 2))
    phase = rng.uniform(0.0, 2 * np.pi, size=(samples, 1, 2))
    amp = rng.uniform(0.5, 1.0, size=(samples, 1, 2))
    waves = (amp * np.sin(2 * np.pi * freq * t[None, :, None] + phase)).astype("float32")
    return waves[:, :timesteps], waves[:, timesteps:]


def shape_order_clips(
    samples: int, *, frames: int = 6, size: int = 7, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Tiny clips in which a T and an upside-down T appear once each; which came first?

    Every frame holds one 3x3 shape of :data:`SHAPES` at a random place: the ``"T"`` in one
    frame, the ``"⊥"`` in a later or earlier one, and the ``"+"`` in every other frame. All
    three shapes light five pixels, so only their arrangement tells them apart. The label is
    an index into :data:`ORDERS`: 0 when the T comes first, 1 when the ⊥ does.

    Returns:
        ``clips`` of shape (samples, frames, size, size, 1), float32 in {0, 1}, and ``labels``
        of shape (samples,).

    Raises:
        ValueError: if ``frames`` < 2 (two shapes need two frames) or ``size`` < 3.
    """
    check_positive("samples", samples)
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 2:
        raise ValueError(f"frames must be an integer of at least 2; got {frames!r}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 3:
        raise ValueError(f"size must be an integer of at least 3 (a 3x3 shape); got {size!r}")
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(ORDERS), size=samples)
    clips = np.zeros((samples, frames, size, size, 1), dtype="float32")
    for n, label in enumerate(labels):
        first, second = sorted(rng.choice(frames, size=2, replace=False).tolist())
        names = ["+"] * frames
        names[first], names[second] = ("T", "⊥") if label == 0 else ("⊥", "T")
        for f, name in enumerate(names):
            r, c = rng.integers(0, size - 2, size=2)
            clips[n, f, r : r + 3, c : c + 3, 0] = SHAPES[name]
    return clips, labels


def draw_clips(
    clips: np.ndarray, labels: np.ndarray, *, names: Sequence[str], count: int = 4
) -> Figure:
    """Draw the first ``count`` clips, one row each, one column per frame.

    ``clips`` has shape (samples, frames, height, width, 1); each row is labelled with
    ``names[label]``.
    """
    clips = np.asarray(clips)
    check_shape("clips", clips, ("samples", "frames", "height", "width", 1))
    labels = np.asarray(labels)
    check_shape("labels", labels, (clips.shape[0],))
    if labels.size and not (labels.min() >= 0 and labels.max() < len(names)):
        raise ValueError(
            f"labels must index names (0 to {len(names) - 1}); got {labels.min()} to {labels.max()}"
        )
    count = min(count, clips.shape[0])
    check_positive("count", count)
    frames = clips.shape[1]
    fig, axes = plt.subplots(
        count, frames, figsize=(1.0 + 1.1 * frames, 0.4 + 1.15 * count), squeeze=False
    )
    for n in range(count):
        for f in range(frames):
            ax = axes[n][f]
            ax.imshow(clips[n, f, :, :, 0], cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if n == 0:
                ax.set_title(f"frame {f}", fontsize=9)
        axes[n][0].set_ylabel(names[int(labels[n])], fontsize=9)
    fig.suptitle(f"clips[:{count}], shape {clips.shape[1:]} each; label on the left", fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig
