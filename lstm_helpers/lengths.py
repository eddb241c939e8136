"""Sequences of different lengths: masks, padding waste, bucketing, and where a mask travels.

Keras pads (``keras.utils.pad_sequences``), masks (``Masking``, ``Embedding(mask_zero=True)``)
and ``tf.data`` buckets (``Dataset.bucket_by_sequence_length``); this module adds what they
lack: the share of computed steps that is padding, simple batchings to compare, bucket
boundaries from a length distribution, a layer-by-layer report of the mask, pictures, and
two questions put to Keras's own TensorFlow code about the GPU (cuDNN) path: would a layer
take the fused kernel there, and is a mask right-padded as that kernel requires.

Backends: everything works with NumPy and ``keras`` on any Keras backend, except three
functions about TensorFlow features, which import TensorFlow when called (whatever the
backend): :func:`sequence_dataset` (a ``tf.data`` pipeline, which Keras on JAX also takes in
``fit``), and :func:`cudnn_path` and :func:`right_padded` (Keras's TensorFlow RNN code).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from lstm_helpers._text import text_table
from lstm_helpers._validate import check_positive, check_shape, shape_str

# --------------------------------------------------------------------------- masks and waste


def mask_of(x: np.ndarray, mask_value: float = 0.0) -> np.ndarray:
    """The mask ``keras.layers.Masking(mask_value)`` computes: True where a step is real.

    A step of a (batch, timesteps, features) array is masked when every feature equals
    ``mask_value``; a (batch, timesteps) array of token ids is masked where it equals it
    (the rule of ``Embedding(mask_zero=True)`` for ``mask_value=0``).
    """
    x = np.asarray(x)
    if x.ndim == 3:
        return np.asarray(np.any(x != mask_value, axis=-1))
    if x.ndim == 2:
        return np.asarray(x != mask_value)
    raise ValueError(
        "x must have shape (batch, timesteps, features) or (batch, timesteps); "
        f"got shape {shape_str(x.shape)}"
    )


def padding_waste(
    batches: Iterable[Sequence[int] | np.ndarray], *, padded_to: int | None = None
) -> float:
    """The share of computed timesteps that are padding.

    Args:
        batches: the real lengths of the sequences of each batch.
        padded_to: the length every batch is padded to; by default each batch is padded
            to its own longest sequence (what ``Dataset.padded_batch`` does).
    """
    real = computed = 0
    for batch in batches:
        lengths = np.asarray(batch, dtype=int)
        check_shape("lengths of a batch", lengths, ("batch",))
        if lengths.size == 0 or lengths.min() < 0:
            raise ValueError(f"a batch needs lengths >= 0 and at least one sequence; got {lengths}")
        width = int(lengths.max()) if padded_to is None else padded_to
        if width < lengths.max():
            raise ValueError(f"padded_to must be at least {int(lengths.max())}; got {padded_to}")
        real += int(lengths.sum())
        computed += width * lengths.size
    if computed == 0:
        raise ValueError("batches must hold at least one timestep; got none")
    return 1.0 - real / computed


def random_batches(n: int, batch_size: int, *, seed: int) -> list[np.ndarray]:
    """Indices of ``n`` samples shuffled and cut into batches (the last may be shorter)."""
    check_positive("n", n)
    check_positive("batch_size", batch_size)
    order = np.random.default_rng(seed).permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def sorted_batches(
    lengths: Sequence[int] | np.ndarray, batch_size: int, *, seed: int
) -> list[np.ndarray]:
    """Bucketing taken to its limit: samples sorted by length, cut into batches, batches shuffled.

    Ties are broken at random, and the order of the batches is shuffled, so training
    still sees the lengths in a random order.
    """
    lengths = np.asarray(lengths, dtype=int)
    check_shape("lengths", lengths, ("samples",))
    check_positive("batch_size", batch_size)
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(lengths.size), lengths))
    batches = [order[i : i + batch_size] for i in range(0, lengths.size, batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def quantile_boundaries(lengths: Sequence[int] | np.ndarray, buckets: int) -> list[int]:
    """Bucket boundaries for ``Dataset.bucket_by_sequence_length``: about as many sequences in each.

    Returns at most ``buckets - 1`` increasing boundaries; bucket k holds the lengths in
    ``[boundaries[k-1], boundaries[k])``.
    """
    lengths = np.asarray(lengths, dtype=int)
    check_shape("lengths", lengths, ("samples",))
    check_positive("buckets", buckets)
    qs = np.quantile(lengths, np.linspace(0.0, 1.0, buckets + 1)[1:-1])
    bounds = sorted({int(np.ceil(q)) + 1 for q in qs})
    return [b for b in bounds if lengths.min() < b <= lengths.max()]


def sequence_dataset(sequences: Sequence[np.ndarray], targets: np.ndarray) -> Any:
    """A ``tf.data.Dataset`` of (sequence, target) pairs, each sequence (timesteps, features).

    Imports TensorFlow when called, on any Keras backend (``tf.data`` is TensorFlow's; Keras
    on JAX takes the dataset in ``fit`` too). Inside the pipeline's functions use TensorFlow
    ops (``tf.shape(x)[0]``): ``keras.ops`` follows the Keras backend, and on JAX it cannot
    read a ``tf.data`` tensor.
    """
    import tensorflow as tf

    if len(sequences) != len(targets):
        raise ValueError(
            f"targets must have shape ({len(sequences)}, ...); "
            f"got shape {shape_str(np.shape(targets))}"
        )
    features = np.shape(sequences[0])[-1]
    for s in sequences:
        check_shape("each sequence", s, ("timesteps", features))
    targets = np.asarray(targets, dtype="float32")

    def generate() -> Any:
        for s, y in zip(sequences, targets, strict=True):
            yield np.asarray(s, dtype="float32"), y

    signature = (
        tf.TensorSpec((None, features), tf.float32),
        tf.TensorSpec(targets.shape[1:], tf.float32),
    )
    return tf.data.Dataset.from_generator(generate, output_signature=signature).cache()


# --------------------------------------------------------------------------- the cuDNN path


def _keras_tf_rnn() -> Any:
    """Keras's TensorFlow RNN backend module (``keras/src/backend/tensorflow/rnn.py``).

    Importing it imports TensorFlow, whatever the Keras backend.
    """
    import importlib

    return importlib.import_module("keras.src.backend.tensorflow.rnn")


def cudnn_path(layer: Any) -> bool:
    """Whether Keras 3 would run this ``LSTM`` or ``GRU`` with the fused cuDNN kernel on a GPU.

    Asks Keras's own ``cudnn_ok`` (TensorFlow backend) about the layer's arguments, as it
    would answer with a GPU present (on a machine without one it always says no), and adds
    the two conditions of the layer's ``inner_loop``: ``use_cudnn`` is not ``False``, and
    there is no ``recurrent_dropout``. It does not look for a GPU. It answers for the
    TensorFlow backend, and imports TensorFlow when called, whatever the backend (on JAX the
    rule differs: no mask at all, see the page on backends).

    Raises:
        ValueError: if ``layer`` is neither a ``keras.layers.LSTM`` nor a ``keras.layers.GRU``.
    """
    from unittest import mock

    import keras

    if not isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
        raise ValueError(f"layer must be a keras.layers.LSTM or GRU; got {type(layer).__name__}")
    rnn = _keras_tf_rnn()
    gru = getattr(layer, "reset_after", None) if isinstance(layer, keras.layers.GRU) else None
    with mock.patch.object(rnn, "_is_gpu_available", return_value=True):
        args_ok = bool(
            rnn.cudnn_ok(
                layer.activation,
                layer.recurrent_activation,
                layer.unroll,
                layer.use_bias,
                reset_after=gru,
            )
        )
    return args_ok and layer.use_cudnn in ("auto", True) and not layer.recurrent_dropout


def right_padded(mask: np.ndarray) -> bool:
    """Keras's own cuDNN check: does every row of ``mask`` hold its True steps first?

    Calls ``_is_sequence_right_padded`` of Keras's TensorFlow backend on a
    ``(batch, timesteps)`` boolean mask. A post-padded batch passes, a pre-padded one
    (with a row shorter than the batch) fails. Imports TensorFlow when called, whatever the
    Keras backend.
    """
    m = np.asarray(mask)
    check_shape("mask", m, ("batch", "timesteps"))
    return bool(np.asarray(_keras_tf_rnn()._is_sequence_right_padded(m.astype(bool))))


# --------------------------------------------------------------------------- the mask tracer


@dataclass(frozen=True)
class MaskStep:
    """What one layer does with the mask."""

    name: str
    kind: str
    supports_masking: bool
    mask_in: str
    mask_out: str
    verdict: str


@dataclass(frozen=True)
class MaskTrace:
    """A model's layers, each with the mask it receives and the mask it returns."""

    steps: tuple[MaskStep, ...]
    title: str = ""

    def step(self, name: str) -> MaskStep:
        """The row of the layer called ``name``."""
        for s in self.steps:
            if s.name == name:
                return s
        raise ValueError(f"no layer named {name!r}; the layers are {[s.name for s in self.steps]}")

    def __str__(self) -> str:
        head = ("layer", "type", "supports_masking", "mask in", "mask out", "what it does")
        body = [
            (s.name, s.kind, str(s.supports_masking), s.mask_in, s.mask_out, s.verdict)
            for s in self.steps
        ]
        return "\n".join(([self.title] if self.title else []) + text_table(head, body))

    def __repr__(self) -> str:
        return str(self)


def _first_tensor(value: Any) -> Any:
    import keras

    flat = keras.tree.flatten(value)
    return flat[0] if flat else None


def _mask_str(mask: Any) -> str:
    return "-" if mask is None else "mask " + shape_str(tuple(mask.shape))


def _uses_mask(layer: Any) -> bool:
    return "mask" in inspect.signature(layer.call).parameters


def trace_masks(model: Any) -> MaskTrace:
    """Report, layer by layer, whether a mask reaches each layer of a model and leaves it.

    Reads the masks Keras attaches to the model's symbolic tensors (``_keras_mask``).
    Each layer's first input and first output are inspected.

    Raises:
        ValueError: if the model has not been built from ``keras.Input``.
    """
    import keras

    if not getattr(model, "built", False) or not hasattr(model, "inputs"):
        raise ValueError("the model must be built: create it from keras.Input(shape=...) first")
    steps = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        mask_in = getattr(_first_tensor(layer.input), "_keras_mask", None)
        mask_out = getattr(_first_tensor(layer.output), "_keras_mask", None)
        if mask_in is None and mask_out is None:
            verdict = "no mask here"
        elif mask_in is None:
            verdict = "creates a mask"
        elif mask_out is None:
            if layer.supports_masking and _uses_mask(layer):
                verdict = "uses the mask, returns none"
            elif layer.supports_masking:
                verdict = "returns no mask"
            else:
                verdict = "DROPS the mask (no masking support)"
        elif mask_out is mask_in:
            verdict = "passes the mask on"
        else:
            verdict = "passes on a new mask"
        steps.append(
            MaskStep(
                layer.name,
                type(layer).__name__,
                bool(layer.supports_masking),
                _mask_str(mask_in),
                _mask_str(mask_out),
                verdict,
            )
        )
    return MaskTrace(
        tuple(steps), title=f"masks through '{model.name}' (Keras {keras.__version__})"
    )


# --------------------------------------------------------------------------- pictures

_PAD_COLOR = "#d9d9d9"


def draw_padded_batch(
    x: np.ndarray,
    mask: np.ndarray | None = None,
    *,
    mask_value: float = 0.0,
    title: str | None = None,
) -> Figure:
    """Draw a padded batch as a grid: one row per sample, one column per timestep.

    Real steps are coloured and labelled with their value (the first feature of a 3-D
    batch); masked steps are grey and labelled "pad". The mask defaults to
    :func:`mask_of` (``Masking``'s rule).
    """
    x = np.asarray(x)
    m = mask_of(x, mask_value) if mask is None else np.asarray(mask, dtype=bool)
    check_shape("mask", m, x.shape[:2])
    batch, timesteps = m.shape
    if batch * timesteps > 400:
        raise ValueError(f"at most 400 steps fit a picture; got shape {shape_str(m.shape)}")
    values = x if x.ndim == 2 else x[..., 0]
    fig, ax = plt.subplots(figsize=(1.4 + 0.62 * timesteps, 0.9 + 0.5 * batch))
    real = np.where(m, values.astype(float), np.nan)
    ax.imshow(
        np.where(m, 0.0, 1.0),
        cmap=ListedColormap(["#9ecae1", _PAD_COLOR]),
        vmin=0,
        vmax=1,
        aspect="auto",
    )
    for b in range(batch):
        for t in range(timesteps):
            text = "pad" if not m[b, t] else f"{real[b, t]:.2g}"
            ax.text(
                t,
                b,
                text,
                ha="center",
                va="center",
                fontsize=8,
                color="0.4" if not m[b, t] else "black",
            )
    ax.set_xticks(range(timesteps), [f"t{t}" for t in range(timesteps)], fontsize=8)
    ax.set_yticks(
        range(batch), [f"sample {b}\nlength {int(m[b].sum())}" for b in range(batch)], fontsize=8
    )
    ax.set_xticks(np.arange(-0.5, timesteps), minor=True)
    ax.set_yticks(np.arange(-0.5, batch), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel("timesteps")
    default = "blue = real (mask True), grey = padding (mask False)"
    ax.set_title(
        title or f"padded batch {shape_str(x.shape)}: {default}",
        fontsize=9,
    )
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_padding_waste(
    lengths: Sequence[int] | np.ndarray,
    batchings: Mapping[str, Sequence[np.ndarray]],
    *,
    boundaries: Sequence[int] = (),
    show_batches: int = 6,
) -> Figure:
    """The length distribution, the waste of each batching, and a few batches of each drawn.

    Args:
        lengths: the length of every sample, shape (samples,).
        batchings: for each way of batching, the sample indices of every batch.
        boundaries: bucket boundaries to mark on the histogram.
        show_batches: how many batches of each batching to draw, real steps against padding.
    """
    lengths = np.asarray(lengths, dtype=int)
    check_shape("lengths", lengths, ("samples",))
    if not batchings:
        raise ValueError("batchings must hold at least one batching; got none")
    check_positive("show_batches", show_batches)
    n = len(batchings)
    fig = plt.figure(figsize=(11.0, 3.2 + 2.2 * ((n + 2) // 3)))
    grid = fig.add_gridspec(1 + (n + 2) // 3, 3, height_ratios=[1.2] + [1.0] * ((n + 2) // 3))
    hist = fig.add_subplot(grid[0, :2])
    hist.hist(lengths, bins=60, color="#6baed6")
    for b in boundaries:
        hist.axvline(b, color="#c46a00", linewidth=0.8)
    note = f", {len(boundaries)} bucket boundaries (orange)" if len(boundaries) else ""
    hist.set_title(
        f"{lengths.size} sequences: median length {np.median(lengths):g}, "
        f"longest {lengths.max()}{note}",
        fontsize=9,
    )
    hist.set_xlabel("sequence length")
    hist.set_ylabel("sequences")
    bars = fig.add_subplot(grid[0, 2])
    names = list(batchings)
    wastes = [padding_waste([lengths[b] for b in batchings[k]]) for k in names]
    bars.barh(range(n), wastes, color="#bdbdbd")
    for i, w in enumerate(wastes):
        bars.text(w, i, f" {w:.0%}", va="center", fontsize=8)
    bars.set_yticks(range(n), names, fontsize=8)
    bars.invert_yaxis()
    bars.set_xlim(0, 1.15)
    bars.set_xlabel("share of computed steps that is padding", fontsize=8)
    longest = max(
        int(lengths[batch].max()) for k in names for batch in list(batchings[k])[:show_batches]
    )  # one time axis for every panel, so that widths compare
    for i, name in enumerate(names):
        ax = fig.add_subplot(grid[1 + i // 3, i % 3])
        shown = list(batchings[name])[:show_batches]
        widths = [len(batch) for batch in shown]
        image = np.full((sum(widths), longest), np.nan)
        row = 0
        for batch in shown:
            width = int(lengths[batch].max())
            for k in batch:
                image[row, :width] = 0.0
                image[row, : lengths[k]] = 1.0
                row += 1
        ax.imshow(
            image,
            cmap=ListedColormap([_PAD_COLOR, "#3182bd"]),
            vmin=0,
            vmax=1,
            aspect="auto",
            interpolation="nearest",
        )
        for edge in np.cumsum(widths)[:-1]:
            ax.axhline(edge - 0.5, color="white", linewidth=1.5)
        ax.set_title(f"{name}: first {len(shown)} batches", fontsize=9)
        ax.set_xlabel("timesteps (blue real, grey padding)", fontsize=8)
        ax.set_yticks([])
    fig.tight_layout()
    plt.close(fig)
    return fig
