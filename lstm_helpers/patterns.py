"""The sequence patterns (many-to-one, many-to-many, one-to-many, ...) read from real shapes.

:func:`pattern_of` names the pattern that maps one shape to another; :func:`stages` reads a
built Keras model layer by layer; :func:`summary` prints it as text and :func:`draw_pattern`
draws every tensor it passes, one box per timestep. :func:`sine_waves` makes the synthetic
sequences the chapter trains on and :func:`plot_sequences` draws sequences and predictions of
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.path import Path

from lstm_helpers._validate import check_positive, check_shape, shape_str

Shape = tuple[int | None, ...]

#: Box colours by layer type; any other type is grey.
COLOURS: dict[str, str] = {
    "InputLayer": "#cfe0f7",
    "LSTM": "#fde2c4",
    "GRU": "#fde2c4",
    "SimpleRNN": "#fde2c4",
    "Dense": "#d3f0d8",
    "RepeatVector": "#eadcf5",
    "Reshape": "#eadcf5",
}


def _shape_of(x: Any) -> Shape:
    if isinstance(x, tuple) and all(s is None or isinstance(s, (int, np.integer)) for s in x):
        return tuple(None if s is None else int(s) for s in x)
    shape = getattr(x, "shape", None)
    if shape is None:
        raise ValueError(f"expected an array, a tensor or a shape tuple; got {type(x).__name__}")
    return tuple(None if s is None else int(s) for s in shape)


def pattern_of(x: Any, y: Any) -> str:
    """Name the pattern that maps inputs ``x`` to outputs ``y`` (arrays, tensors or shapes).

    Both carry the batch axis first: (batch, features) is one step, (batch, timesteps,
    features) a sequence. Returns e.g. ``"many-to-one (40 steps -> 1)"``.

    Raises:
        ValueError: if a shape is neither 2-D nor 3-D, or the batch sizes differ.
    """
    xs, ys = _shape_of(x), _shape_of(y)
    for name, s in (("x", xs), ("y", ys)):
        if len(s) not in (2, 3):
            raise ValueError(
                f"{name} must have shape (batch, features) or (batch, timesteps, features); "
                f"got shape {shape_str(s)}"
            )
    if None not in (xs[0], ys[0]) and xs[0] != ys[0]:
        raise ValueError(
            f"x and y must have the same batch size; got shapes {shape_str(xs)} and {shape_str(ys)}"
        )

    def steps(s: Shape) -> str:
        return "?" if s[1] is None else str(s[1])

    if len(xs) == 2 and len(ys) == 2:
        return "one-to-one (1 step -> 1)"
    if len(xs) == 2:
        return f"one-to-many (1 step -> {steps(ys)})"
    if len(ys) == 2:
        return f"many-to-one ({steps(xs)} steps -> 1)"
    if xs[1] == ys[1]:
        return f"many-to-many, same length ({steps(xs)} steps -> {steps(ys)})"
    return f"many-to-many, different lengths ({steps(xs)} steps -> {steps(ys)})"


@dataclass(frozen=True)
class Stage:
    """One layer of a model and the tensors it outputs.

    Attributes:
        name: the layer's name.
        kind: the layer's class name (``InputLayer`` for an input).
        shapes: the shape of each output tensor, batch axis first (``None``).
        inbound: for each input tensor, the producing stage's name and output index.
    """

    name: str
    kind: str
    shapes: tuple[Shape, ...]
    inbound: tuple[tuple[str, int], ...]

    def labels(self) -> tuple[str, ...]:
        """A name for each output: ``output``, then ``h`` and ``c`` for ``return_state``."""
        if len(self.shapes) == 1:
            return ("output",)
        if self.kind in {"LSTM", "GRU", "SimpleRNN"}:
            return ("output", "h", "c")[: len(self.shapes)]
        return tuple(f"output {i}" for i in range(len(self.shapes)))


def stages(model: Any) -> tuple[Stage, ...]:
    """Read a built Keras model (Sequential or functional) as a tuple of stages, inputs first.

    Raises:
        ValueError: if the model has not been built from ``keras.Input``.
    """
    import keras

    if not getattr(model, "built", False) or not getattr(model, "inputs", None):
        raise ValueError("the model must be built: create it from keras.Input(shape=...) first")
    result: list[Stage] = []
    seen: set[str] = set()
    for tensor in model.inputs:
        layer = tensor._keras_history.operation
        result.append(Stage(layer.name, "InputLayer", (_shape_of(tensor),), ()))
        seen.add(layer.name)
    for layer in model.layers:
        if layer.name in seen:
            continue
        outputs = keras.tree.flatten(layer.output)
        node = layer._inbound_nodes[0]
        inbound = tuple(
            (t._keras_history.operation.name, int(t._keras_history.tensor_index))
            for t in node.input_tensors
        )
        result.append(
            Stage(layer.name, type(layer).__name__, tuple(_shape_of(t) for t in outputs), inbound)
        )
    return tuple(result)


def _batch_shape_str(shape: Shape) -> str:
    return shape_str(["batch", *shape[1:]])


def summary(model: Any) -> str:
    """The model's pattern, then each layer with the shape of every tensor it outputs."""
    found = stages(model)
    lines = [f"pattern: {pattern_of(model.inputs[0].shape, model.outputs[0].shape)}"]
    width = max(len(s.name) for s in found)
    kind_width = max(len(s.kind) for s in found)
    for stage in found:
        outs = ", ".join(
            (f"{label} " if len(stage.shapes) > 1 else "") + _batch_shape_str(shape)
            for label, shape in zip(stage.labels(), stage.shapes, strict=True)
        )
        extra = ""
        if len(stage.inbound) > 1:
            names = [f"{n}[{i}]" if i else n for n, i in stage.inbound]
            extra = "   <- " + " + ".join(names)
        lines.append(f"  {stage.name:<{width}}  {stage.kind:<{kind_width}}  {outs}{extra}")
    return "\n".join(lines)


_DX = 2.0  # distance between stage columns
_CELL = 0.3  # height of one timestep box
_WIDTH = 0.42  # width of one tensor strip


def _cells(shape: Shape, max_steps: int) -> tuple[int, bool]:
    """How many boxes draw a tensor, and whether an ellipsis stands for the hidden ones."""
    if len(shape) < 3:
        return 1, False
    steps = shape[1]
    if steps is None:
        return 3, True
    if steps > max_steps:
        return max_steps - 1, True
    return steps, False


def _column_height(stage: Stage, max_steps: int) -> int:
    """Boxes (and gaps) one stage's outputs take when stacked top to bottom."""
    sizes = [sum(_cells(sh, max_steps)) for sh in stage.shapes]
    return sum(sizes) + len(sizes) - 1


def draw_pattern(model: Any, *, title: str | None = None, max_steps: int = 10) -> Figure:
    """Draw every tensor a model passes, from input to output, one column per layer.

    A sequence (batch, timesteps, features) is a column of boxes, one per timestep (time runs
    downwards; long sequences are cut with an ellipsis); a single vector (batch, features) is
    one dark box. Several outputs (``return_state=True``) are stacked. Arrows show which tensor
    feeds which layer; dashed arcs carry states passed on as ``initial_state``.

    Raises:
        ValueError: if the model is not built, or ``max_steps`` is below 3.
    """
    check_positive("max_steps", max_steps)
    if max_steps < 3:
        raise ValueError(f"max_steps must be at least 3; got {max_steps}")
    found = stages(model)
    index = {s.name: i for i, s in enumerate(found)}
    tallest = max(_column_height(s, max_steps) for s in found)
    fig, ax = plt.subplots(figsize=(0.8 + 1.6 * len(found), 2.2 + 0.3 * tallest))
    ax.set_xlim(-1.0, _DX * (len(found) - 1) + 0.9)
    ax.set_ylim(-_CELL * tallest - 1.1, 1.25)
    ax.axis("off")
    anchors: dict[tuple[str, int], tuple[float, float, float]] = {}  # left x, right x, y
    for i, stage in enumerate(found):
        x0 = _DX * i
        left = x0 - _WIDTH / 2
        colour = COLOURS.get(stage.kind, "#e4e4e4")
        ax.text(x0, 0.82, stage.name, ha="center", va="center", fontsize=9, weight="bold")
        ax.text(x0, 0.52, stage.kind, ha="center", va="center", fontsize=8, color="0.3")
        top = 0
        for j, shape in enumerate(stage.shapes):
            n, cut = _cells(shape, max_steps)
            boxes = [*range(n - 1), n] if cut else list(range(n))  # a gap for the ellipsis
            for k in boxes:
                ax.add_patch(
                    Rectangle(
                        (left, -_CELL * (top + k + 1)),
                        _WIDTH,
                        _CELL * 0.86,
                        fc=colour if len(shape) == 3 else "#8a8a8a",
                        ec="0.25",
                        lw=0.7,
                    )
                )
            if cut:
                ax.text(x0, -_CELL * (top + n - 0.45), "⋮", ha="center", va="center")
            if len(stage.shapes) > 1:
                ax.text(
                    x0,
                    -_CELL * (top + 0.57),
                    stage.labels()[j].replace("output", "out"),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if len(shape) == 2 else "black",
                    zorder=4,
                )
            anchors[(stage.name, j)] = (left, left + _WIDTH, -_CELL * (top + 0.57))
            top += n + cut + 1
        below = "\n".join(
            (f"{lab}: " if len(stage.shapes) > 1 else "") + _batch_shape_str(sh)
            for lab, sh in zip(stage.labels(), stage.shapes, strict=True)
        )
        ax.text(x0, -_CELL * tallest - 0.12, below, ha="center", va="top", fontsize=8)
        for k, (src, out) in enumerate(stage.inbound):
            _, right, y_src = anchors[(src, out)]
            skip = i - index[src] > 1 or k > 0
            if skip:  # out to the right, up to a lane above the boxes, across, down into the top
                turn, lane, into = right + 0.22 + 0.1 * k, 0.05 + 0.1 * k, x0 - 0.25 + 0.15 * k
                points = [(right + 0.03, y_src), (turn, y_src), (turn, lane), (into, lane)]
                points.append((into, 0.0))
                if k == len(stage.inbound) - 1:
                    ax.text(
                        x0 - 0.3,
                        lane + 0.04,
                        "initial_state",
                        ha="right",
                        va="bottom",
                        fontsize=7,
                        color="#b0413e",
                    )
            else:
                points = [(right + 0.03, y_src), (left - 0.03, anchors[(stage.name, 0)][2])]
            ax.add_patch(
                FancyArrowPatch(
                    path=Path(points),
                    arrowstyle="-|>",
                    mutation_scale=10,
                    color="#b0413e" if skip else "0.2",
                    linestyle="--" if skip else "-",
                    lw=1.0,
                    zorder=3,
                )
            )
    ax.text(-0.95, -_CELL * 1.5, "time\n↓", ha="left", va="center", fontsize=8, color="0.4")
    ax.set_title(title or pattern_of(model.inputs[0].shape, model.outputs[0].shape), fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


def sine_waves(
    samples: int, timesteps: int, features: int = 1, *, seed: int, noise: float = 0.0
) -> np.ndarray:
    """Sine waves of random frequency, phase and amplitude, shape (samples, timesteps, features).

    Each (sample, feature) pair is its own wave sin(w t + p) * a, with w in [0.15, 0.45]
    radians per step, p in [0, 2 pi) and a in [0.5, 1]; ``noise`` adds Gaussian noise.
    """
    check_positive("samples", samples)
    check_positive("timesteps", timesteps)
    check_positive("features", features)
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.15, 0.45, (samples, 1, features))
    p = rng.uniform(0.0, 2 * np.pi, (samples, 1, features))
    a = rng.uniform(0.5, 1.0, (samples, 1, features))
    t = np.arange(timesteps, dtype=float)[None, :, None]
    waves = a * np.sin(w * t + p) + noise * rng.normal(size=(samples, timesteps, features))
    return waves.astype("float32")


def plot_sequences(
    curves: dict[str, np.ndarray],
    *,
    samples: Sequence[int] = (0, 1, 2),
    starts: dict[str, int] | None = None,
    title: str = "",
) -> Figure:
    """Plot sequences of shape (batch, timesteps, features): one panel per sample and feature.

    Columns are samples, rows are features; each entry has its own colour, the first drawn
    solid, the others dashed. ``starts`` shifts an entry along the time axis (a forecast drawn
    after the steps it was made from).
    """
    if not curves:
        raise ValueError("curves must hold at least one array; got none")
    arrays = {k: np.asarray(v) for k, v in curves.items()}
    first = next(iter(arrays.values()))
    check_shape("the first array", first, ("batch", "timesteps", "features"))
    for label, arr in arrays.items():
        check_shape(label, arr, (first.shape[0], "timesteps", first.shape[2]))
    for s in samples:
        if not 0 <= s < first.shape[0]:
            raise ValueError(f"sample {s} is outside the batch of {first.shape[0]}")
    starts = starts or {}
    features = first.shape[2]
    fig, axes = plt.subplots(
        features,
        len(samples),
        figsize=(2.4 + 2.6 * len(samples), 0.6 + 2.0 * features),
        squeeze=False,
        sharey=True,
        sharex=True,
    )
    for col, s in enumerate(samples):
        for f in range(features):
            ax = axes[f][col]
            for n, (label, arr) in enumerate(arrays.items()):
                t = starts.get(label, 0) + np.arange(arr.shape[1])
                ax.plot(
                    t,
                    arr[s, :, f],
                    color=f"C{n}",
                    linestyle="-" if n == 0 else "--",
                    marker="" if n == 0 else ".",
                    markersize=4,
                    label=label,
                )
            ax.set_title(f"sample {s}" + (f", feature {f}" if features > 1 else ""), fontsize=9)
            ax.grid(alpha=0.3)
            if f == features - 1:
                ax.set_xlabel("timestep")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center right", fontsize=8)
    fig.suptitle(title, fontsize=10)
    # room on the right for the legend: about 0.1 inch per character of the longest label
    width = fig.get_figwidth()
    legend = 0.5 + 0.075 * max(len(label) for label in labels)
    fig.tight_layout(rect=(0.0, 0.0, max(0.5, 1.0 - legend / width), 1.0))
    plt.close(fig)
    return fig
