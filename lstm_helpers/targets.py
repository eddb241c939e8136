"""Targets versus outputs: which target shapes a Keras 3 loss accepts, and a check before ``fit``.

Before a loss compares targets with outputs, Keras 3 squeezes or adds one trailing axis of
length 1 when the two ranks differ by one (so targets of shape (batch,) fit outputs of shape
(batch, 1)); then it computes element by element. Mean squared and mean absolute error
broadcast whatever else NumPy's rules allow: targets (batch, 1) against a sequence output
(batch, 10, 1) give a loss averaged over ten wrong pairs per sample, without a message. The
crossentropies check ranks and shapes and raise instead. :func:`check_targets` names the
mismatch before ``fit`` runs; :func:`loss_outcome` runs a loss on a pair of shapes and says
what happened.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

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
        s is None or s == a for s, a in zip(spec, actual, strict=True)
    )


def accepted_target_shapes(output_shape: Shape, *, sparse: bool = False) -> list[Shape]:
    """The target shapes (without the batch axis) a loss pairs element by element with the output.

    Args:
        output_shape: the model's output shape, batch axis included, e.g. ``(None, 10, 1)``.
        sparse: targets are class indices (sparse categorical crossentropy): one label per
            output vector, so the output's last axis (the classes) is left out.

    Returns:
        the accepted shapes, the preferred one first: for an output (batch, 10, 1),
        ``[(10, 1), (10,)]``; for (batch, 3), ``[(3,), (3, 1)]``.
    """
    out = tuple(output_shape[1:])
    if sparse:
        return [out[:-1], (*out[:-1], 1)]
    shapes = [out]
    if out and out[-1] == 1:
        shapes.append(out[:-1])
    shapes.append((*out, 1))
    return shapes


def target_matches(output_shape: Shape, target_shape: Shape, *, sparse: bool = False) -> bool:
    """Whether targets of ``target_shape`` (batch axis included) match the output one to one."""
    if len(target_shape) < 1:
        return False
    accepted = accepted_target_shapes(output_shape, sparse=sparse)
    return any(_fits(s, tuple(target_shape[1:])) for s in accepted)


def broadcast_shape(output_shape: Shape, target_shape: Shape) -> Shape | None:
    """The shape mean squared error computes over, or ``None`` if the shapes do not broadcast.

    Follows Keras 3: first one trailing axis of length 1 is squeezed (or added to a rank-1
    tensor) when the ranks differ by one, then NumPy's broadcasting rules. Both shapes must
    have concrete sizes (the batch included).
    """
    t, o = tuple(target_shape), tuple(output_shape)
    if len(t) == len(o) + 1 and t[-1] == 1:
        o, t = ((*o, 1), t) if len(o) == 1 else (o, t[:-1])
    elif len(o) == len(t) + 1 and o[-1] == 1:
        t, o = ((*t, 1), o) if len(t) == 1 else (t, o[:-1])
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


def check_targets(model_or_shape: Any, y: Any, *, sparse: bool | None = None) -> None:
    """Raise ``ValueError`` unless targets ``y`` match a model's output one to one.

    Call it before ``model.fit(x, y)``. Where Keras would pair targets and outputs element by
    element (after squeezing a trailing axis of length 1) it returns silently; otherwise the
    message names the expected and the actual shape, says whether mean squared error would
    broadcast the pair silently, and suggests the usual cause.

    Args:
        model_or_shape: a Keras model with one output, or its output shape with the batch axis
            (``None`` matches any length).
        y: the targets, batch axis first.
        sparse: targets are class indices. By default read from the compiled loss of the
            model (``sparse_categorical_crossentropy``), else ``False``.

    Raises:
        ValueError: if the model has several outputs, or the shapes do not match.
    """
    out = _output_shape(model_or_shape)
    if sparse is None:
        sparse = _is_sparse(getattr(model_or_shape, "loss", None))
    actual = tuple(int(s) for s in np.shape(y))
    if target_matches(out, actual, sparse=sparse):
        return
    expected = ("batch", *accepted_target_shapes(out, sparse=sparse)[0])
    message = (
        f"targets must have shape {shape_str(expected)} to match the model's output "
        f"{shape_str(('batch', *out[1:]))}; got shape {shape_str(actual)}"
    )
    if actual and not sparse:
        concrete = (actual[0], *(1 if s is None else s for s in out[1:]))
        grid = broadcast_shape(concrete, actual)
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


def loss_outcome(loss: Any, output_shape: Shape, target_shape: Shape) -> str:
    """Run a Keras loss on outputs and targets of the given shapes and say what happened.

    Args:
        loss: a ``keras.losses.Loss`` instance (its class name decides the kind of targets:
            integer labels for a sparse loss, probabilities for a categorical one).
        output_shape: the output's shape, batch axis included and concrete.
        target_shape: the targets' shape, batch axis included and concrete.

    Returns:
        ``"ok"`` if the loss ran and the shapes match one to one (:func:`target_matches`),
        ``"silent"`` if it ran although they do not, else the name of the exception raised.
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
    sparse = _is_sparse(loss)
    categorical = "categorical" in type(loss).__name__.lower()
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
    return OK if target_matches(out, target, sparse=sparse) else SILENT


def graph_error_summary(err: BaseException) -> str:
    """TensorFlow's message for an error raised inside a traced function, without its stack.

    A graph execution error repeats the Python stack that built the failing node, with the
    file paths of the machine, and ends with an id that counts the functions traced so far.
    This keeps the first line, the node and the message itself.
    """
    lines = str(getattr(err, "message", err)).splitlines()
    kept = [
        line.split(" [Op:__inference")[0].replace(" defined at (most recent call last):", "")
        for line in lines
        if line.strip() and not line.startswith("  File ")
    ]
    return f"{type(err).__name__}: " + "\n".join(kept)
