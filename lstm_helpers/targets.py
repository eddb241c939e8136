"""Targets versus outputs: which target shapes a Keras 3 loss accepts, and a check before ``fit``.

Before a loss compares targets with outputs, Keras 3 squeezes or adds one trailing axis of
length 1 when the two ranks differ by one (so targets of shape (batch,) fit outputs of shape
(batch, 1)); then it computes element by element. Mean squared and mean absolute error
broadcast whatever else NumPy's rules allow (the target's trailing axes against the
output's): targets (batch, 1) against a sequence output (batch, 10, 1) give a loss averaged
over ten wrong pairs per sample, without a message. The crossentropies check ranks and shapes
and raise instead. :func:`check_targets` names the mismatch before ``fit`` runs;
:func:`loss_outcome` runs a loss on a pair of shapes and says whether it paired them one to
one, by comparing it with the same loss computed element by element in NumPy.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from lstm_helpers._validate import check_positive, shape_str

Shape = tuple[int | None, ...]

#: Outcomes of :func:`loss_outcome` when no exception is raised.
OK, SILENT = "ok", "silent"


def _is_sparse(loss: Any) -> bool:
    """Whether a loss (a name, a function or a ``keras.losses.Loss``) takes integer labels."""
    names = [
        loss if isinstance(loss, str) else "",
        type(loss).__name__,
        getattr(loss, "__name__", ""),
        getattr(getattr(loss, "fn", None), "__name__", ""),
    ]
    return any("sparse" in n.lower() for n in names)


def _output_shape(model_or_shape: Any) -> Shape:
    shape = getattr(model_or_shape, "output_shape", model_or_shape)
    if (
        not isinstance(shape, Sequence)
        or len(shape) < 2
        or not all(s is None or isinstance(s, (int, np.integer)) for s in shape)
    ):
        raise ValueError(
            "expected a model with one output, or an output shape such as (None, 10, 1); "
            f"got {shape!r}"
        )
    return tuple(None if s is None else int(s) for s in shape)


def _fits(spec: Shape, actual: Shape) -> bool:
    return len(spec) == len(actual) and all(
        s is None or a is None or s == a for s, a in zip(spec, actual, strict=True)
    )


def _same_rank(target: Shape, output: Shape) -> tuple[Shape, Shape]:
    """Keras's ``squeeze_or_expand_to_same_rank`` on shapes, targets first.

    When the ranks differ by one and the longer shape ends in 1, that axis is dropped (or, if
    the shorter shape has rank 1, an axis of 1 is added to it).
    """
    if len(target) == len(output) + 1 and target[-1] == 1:
        if len(output) == 1:
            return target, (*output, 1)
        return target[:-1], output
    if len(output) == len(target) + 1 and output[-1] == 1:
        if len(target) == 1:
            return (*target, 1), output
        return target, output[:-1]
    return target, output


def target_matches(output_shape: Shape, target_shape: Shape, *, sparse: bool = False) -> bool:
    """Whether targets of ``target_shape`` (batch axis included) match the output one to one.

    Applies Keras's one-axis squeeze first, then, for ``sparse`` labels, drops a trailing label
    axis of 1 and leaves out the output's class axis. ``None`` matches any length. For labels,
    a squeeze of the output's class axis (an output (batch, 10, 1) with labels (batch, 1))
    is a mismatch: Keras then takes the 10 steps for 10 classes.
    """
    if len(target_shape) < 1 or len(output_shape) < 1:
        return False
    target, out = _same_rank(tuple(target_shape), tuple(output_shape))
    if sparse:
        if len(out) < len(output_shape):  # the class axis squeezed: the steps became classes
            return False
        if len(target) == len(out) and target[-1] == 1:
            target = target[:-1]
        out = out[:-1]
    return _fits(out, target)


def accepted_target_shapes(output_shape: Shape, *, sparse: bool = False) -> list[Shape]:
    """The target shapes (without the batch axis) a loss pairs element by element with the output.

    Args:
        output_shape: the model's output shape, batch axis included, e.g. ``(None, 10, 1)``.
        sparse: targets are class indices (sparse categorical crossentropy): one label per
            output vector, so the output's last axis (the classes) is left out.

    Returns:
        the accepted shapes, the preferred one first: for an output (batch, 10, 1),
        ``[(10, 1), (10,), (10, 1, 1)]``; for (batch, 3), ``[(3,), (3, 1)]``; for sparse
        labels and (batch, 10, 3), ``[(10,), (10, 1), (10, 1, 1)]``.
    """
    out = tuple(output_shape[1:])
    if sparse:
        candidates = [out[:-1], (*out[:-1], 1), (*out[:-1], 1, 1)]
    else:
        candidates = [out, out[:-1], (*out, 1)]
    accepted: list[Shape] = []
    for shape in candidates:
        if shape not in accepted and target_matches((None, *out), (None, *shape), sparse=sparse):
            accepted.append(shape)
    return accepted


def broadcast_shape(output_shape: Shape, target_shape: Shape) -> Shape | None:
    """The shape mean squared error computes over, or ``None`` if the shapes do not broadcast.

    Follows Keras 3: first one trailing axis of length 1 is squeezed (or added to a rank-1
    tensor) when the ranks differ by one, then NumPy's broadcasting rules (the target's
    trailing axes against the output's). Both shapes must have concrete sizes (the batch
    included).
    """
    t, o = _same_rank(tuple(target_shape), tuple(output_shape))
    try:
        return tuple(np.broadcast_shapes(t, o))  # type: ignore[arg-type]
    except ValueError:
        return None


def _hint(out: Shape, actual: Shape, sparse: bool) -> str:
    if sparse:
        return "sparse categorical crossentropy takes one integer label per output vector"
    if len(out) == 3 and len(actual) <= 2:
        return (
            "the model outputs one vector per time step: is return_sequences=True left on "
            "its last recurrent layer?"
        )
    if len(out) == 2 and len(actual) == 3:
        return (
            "the targets are sequences but the model outputs one vector per sample: use "
            "return_sequences=True, or Dense(steps * features) then Reshape((steps, features))"
        )
    return "make the model's last layer produce the targets' shape"


def check_targets(
    model_or_shape: Any, y: Any, *, sparse: bool | None = None, x: Any = None
) -> None:
    """Raise ``ValueError`` unless targets ``y`` match a model's output one to one.

    Call it before ``model.fit(x, y)``. Where Keras would pair targets and outputs element by
    element (after squeezing a trailing axis of length 1) it returns silently; otherwise the
    message names the expected and the actual shape, says whether mean squared error would
    broadcast the pair silently (with all samples in one batch), and suggests the usual cause.

    An output axis of unknown length (``None``, e.g. the steps of ``Input(shape=(None, 2))``)
    cannot be checked: whatever length the targets have there, an output of length 1 would
    broadcast against it silently, and a target of length 1 against any output length. Pass
    the inputs ``x`` so that the output shape is computed for them; without ``x`` such a model
    raises ``ValueError``.

    Args:
        model_or_shape: a Keras model with one output, or its output shape with the batch axis
            (``None`` for the batch only).
        y: the targets, batch axis first.
        sparse: targets are class indices. By default read from the compiled loss of the
            model (``sparse_categorical_crossentropy``), else ``False``.
        x: the inputs the targets go with; needed when the model's output has an axis of
            unknown length (``model.compute_output_shape`` gives it for ``x``).

    Raises:
        ValueError: if the model has several outputs, the output has an axis of unknown length
            and no ``x`` is given, or the shapes do not match.
    """
    out = _output_shape(model_or_shape)
    if sparse is None:
        sparse = _is_sparse(getattr(model_or_shape, "loss", None))
    if x is not None and None in out[1:]:
        if not hasattr(model_or_shape, "compute_output_shape"):
            raise ValueError(f"x needs a model to compute its output shape; got the shape {out!r}")
        out = _output_shape(model_or_shape.compute_output_shape(tuple(np.shape(x))))
    actual = tuple(int(s) for s in np.shape(y))
    if None in out[1:]:
        raise ValueError(
            f"the model's output {shape_str(('batch', *out[1:]))} has an axis of unknown "
            f"length, so targets of shape {shape_str(actual)} cannot be checked against it "
            "(an axis of 1 on either side would broadcast silently): pass the inputs, "
            "check_targets(model, y, x=x)"
        )
    if target_matches(out, actual, sparse=sparse):
        return
    expected = ("batch", *accepted_target_shapes(out, sparse=sparse)[0])
    message = (
        f"targets must have shape {shape_str(expected)} to match the model's output "
        f"{shape_str(('batch', *out[1:]))}; got shape {shape_str(actual)}"
    )
    if actual and not sparse:
        grid = broadcast_shape((actual[0], *out[1:]), actual)
        if grid is not None:
            message += f" (mean squared error would broadcast them to {shape_str(grid)} silently)"
    raise ValueError(f"{message}; {_hint(out, actual, sparse)}")


def _example(
    shape: tuple[int, ...], rng: np.random.Generator, *, probabilities: bool, labels: int | None
) -> np.ndarray:
    if labels is not None:
        return rng.integers(0, labels, size=shape).astype("float32")
    values = rng.uniform(0.05, 0.95, size=shape).astype("float32")
    if probabilities:
        values = values / values.sum(axis=-1, keepdims=True)
    return values


_KINDS = (
    "SparseCategoricalCrossentropy",
    "CategoricalCrossentropy",
    "BinaryCrossentropy",
    "MeanSquaredError",
    "MeanAbsoluteError",
)


def reference_loss(kind: str, y_true: np.ndarray, y_pred: np.ndarray) -> float | None:
    """A loss computed in NumPy with the i-th target paired with the i-th output, no broadcast.

    The targets are reshaped (in C order) to the output's shape, or for sparse labels to the
    output's shape without its class axis; probabilities are clipped to
    ``[epsilon, 1 - epsilon]`` as Keras does.

    Args:
        kind: the class name of a Keras loss, one of ``MeanSquaredError``,
            ``MeanAbsoluteError``, ``BinaryCrossentropy``, ``CategoricalCrossentropy``,
            ``SparseCategoricalCrossentropy``.
        y_true: the targets (probabilities, or integer labels for the sparse loss).
        y_pred: the outputs.

    Returns:
        the mean loss, or ``None`` if the targets do not hold one value (one label) per output
        element (per output vector).
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}; got {kind!r}")
    eps = keras.config.epsilon()
    p = np.asarray(y_pred, dtype="float64")
    t = np.asarray(y_true, dtype="float64")
    if kind == "SparseCategoricalCrossentropy":
        if p.ndim < 1 or t.size != p.size // max(p.shape[-1], 1):
            return None
        labels = t.reshape(p.shape[:-1]).astype(int)
        q = np.clip(p / p.sum(axis=-1, keepdims=True), eps, 1 - eps)
        picked = np.take_along_axis(q, labels[..., None], axis=-1)
        return float(np.mean(-np.log(picked)))
    if t.size != p.size:
        return None
    t = t.reshape(p.shape)
    if kind == "MeanSquaredError":
        return float(np.mean((t - p) ** 2))
    if kind == "MeanAbsoluteError":
        return float(np.mean(np.abs(t - p)))
    if kind == "BinaryCrossentropy":
        q = np.clip(p, eps, 1 - eps)
        return float(np.mean(-(t * np.log(q) + (1 - t) * np.log(1 - q))))
    q = np.clip(p / p.sum(axis=-1, keepdims=True), eps, 1 - eps)
    return float(np.mean(-(t * np.log(q)).sum(axis=-1)))


def loss_outcome(loss: Any, output_shape: Shape, target_shape: Shape) -> str:
    """Run a Keras loss on outputs and targets of the given shapes and say what happened.

    Args:
        loss: a ``keras.losses.Loss`` of one of the kinds :func:`reference_loss` knows (its
            class name decides the kind of targets: integer labels for a sparse loss,
            probabilities for a categorical one).
        output_shape: the output's shape, batch axis included and concrete.
        target_shape: the targets' shape, batch axis included and concrete.

    Returns:
        ``"ok"`` if the loss ran and its value equals :func:`reference_loss` on the same arrays
        (each target paired with one output element), ``"silent"`` if it ran and gave another
        value (a broadcast), ``"nan"`` if it gave no finite value, else the name of the
        exception raised.
    """
    concrete: list[tuple[int, ...]] = []
    for name, shape in (("output_shape", output_shape), ("target_shape", target_shape)):
        if not shape or not all(isinstance(s, (int, np.integer)) for s in shape):
            raise ValueError(f"{name} must be a shape of concrete sizes; got {shape!r}")
        sizes = tuple(int(s) for s in shape if s is not None)
        for s in sizes:
            check_positive(name, s)
        concrete.append(sizes)
    out, target = concrete
    kind = type(loss).__name__
    if kind not in _KINDS:
        raise ValueError(f"loss must be one of {_KINDS}; got {kind!r}")
    sparse = _is_sparse(loss)
    categorical = "categorical" in kind.lower()
    rng = np.random.default_rng(0)
    y_pred = _example(out, rng, probabilities=categorical, labels=None)
    y_true = _example(target, rng, probabilities=categorical, labels=out[-1] if sparse else None)
    try:
        with warnings.catch_warnings():  # e.g. a softmax over an axis of length 1
            warnings.simplefilter("ignore")
            value = float(loss(y_true, y_pred))
    except Exception as err:  # the outcome is which exception Keras raises
        return type(err).__name__
    if not np.isfinite(value):
        return "nan"
    reference = reference_loss(kind, y_true, y_pred)
    if reference is not None and np.isclose(value, reference, rtol=1e-4, atol=1e-6):
        return OK
    return SILENT
