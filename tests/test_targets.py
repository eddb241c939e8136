"""Targets versus outputs: the accepted shapes, the check's messages, and Keras's real losses."""

from __future__ import annotations

import itertools
from typing import Any

import keras
import numpy as np
import pytest

from lstm_helpers import targets

Pair = tuple[tuple[int, ...], tuple[int, ...]]
CASES: list[Pair] = [  # (output shape without batch, target shape without batch)
    ((1,), ()),
    ((1,), (1,)),
    ((10, 1), (1,)),
    ((10, 1), (10,)),
    ((10, 1), (10, 1)),
    ((1,), (10,)),
    ((10,), ()),
    ((10,), (10, 1)),
    ((10,), (10, 2)),
    ((10, 2), (20,)),
    ((10, 3), (3,)),
    ((10, 3), (10,)),
    ((10, 3), (10, 1)),
    ((10, 3), (1, 3)),
    ((10, 3), (10, 3, 1)),
    ((10, 1), (10, 1, 1)),
    ((1,), (1, 1)),
    ((1, 1), (10,)),
    ((1, 10), (10,)),
    ((5,), (5, 5)),
    ((2, 3, 1), (3,)),
    ((3,), (3,)),
    ((3,), ()),
]
LOSSES: dict[str, Any] = {
    "mse": keras.losses.MeanSquaredError(),
    "mae": keras.losses.MeanAbsoluteError(),
    "bce": keras.losses.BinaryCrossentropy(),
    "cce": keras.losses.CategoricalCrossentropy(),
    "scce": keras.losses.SparseCategoricalCrossentropy(),
}


def test_accepted_shapes() -> None:
    assert targets.accepted_target_shapes((None, 10, 1)) == [(10, 1), (10,), (10, 1, 1)]
    assert targets.accepted_target_shapes((None, 3)) == [(3,), (3, 1)]
    assert targets.accepted_target_shapes((None, 10, 3), sparse=True) == [
        (10,),
        (10, 1),
        (10, 1, 1),
    ]
    # Keras squeezes the output (batch, 10, 1) to (batch, 10) against labels (batch, 10)
    assert targets.accepted_target_shapes((None, 10, 1), sparse=True) == [(10, 1), (10, 1, 1)]


def test_matching_targets_pass() -> None:
    targets.check_targets((None, 1), np.zeros(5))
    targets.check_targets((None, 10, 1), np.zeros((5, 10)))
    targets.check_targets((None, 3), np.zeros(5), sparse=True)
    targets.check_targets((None, 1), np.zeros((5, 1, 1)), sparse=True)
    targets.check_targets((None, 10, 1), np.zeros((5, 10, 1, 1)), sparse=True)


def _open_steps_model(units: int) -> keras.Model:
    inputs = keras.Input(shape=(None, 2))
    h = keras.layers.LSTM(4, return_sequences=True)(inputs)
    return keras.Model(inputs, keras.layers.Dense(units)(h))


@pytest.mark.parametrize(
    ("units", "target"), [(1, (8, 1)), (1, (8, 7)), (10, (8, 1, 10)), (2, (8, 7, 2))]
)
def test_unknown_steps_need_the_inputs(units: int, target: tuple[int, ...]) -> None:
    """An output axis of unknown length is not taken to match whatever the targets hold."""
    model = _open_steps_model(units)
    with pytest.raises(ValueError, match=r"\(batch, \?, \d+\) has an axis of unknown length"):
        targets.check_targets(model, np.zeros(target))
    with pytest.raises(ValueError, match="axis of unknown length"):
        targets.check_targets(model.output_shape, np.zeros(target))


def test_unknown_steps_resolved_by_the_inputs() -> None:
    model = _open_steps_model(1)
    x = np.zeros((8, 10, 2), "float32")
    assert model.predict(x, verbose=0).shape == (8, 10, 1)
    with pytest.raises(ValueError, match=r"got shape \(8, 1\).*broadcast them to \(8, 10\)"):
        targets.check_targets(model, np.zeros((8, 1)), x=x)
    targets.check_targets(model, np.zeros((8, 10)), x=x)
    targets.check_targets(model, np.zeros((8, 10, 1)), x=x)
    with pytest.raises(ValueError, match="x needs a model"):
        targets.check_targets((None, None, 1), np.zeros((8, 10)), x=x)


def test_sequence_output_with_one_target_names_the_silent_broadcast() -> None:
    with pytest.raises(ValueError) as info:
        targets.check_targets((None, 10, 1), np.zeros((32, 1)))
    assert str(info.value) == (
        "targets must have shape (batch, 10, 1) to match the model's output (batch, 10, 1); "
        "got shape (32, 1) (mean squared error would broadcast them to (32, 10) silently); "
        "the model outputs one vector per time step: is return_sequences=True left on its "
        "last recurrent layer?"
    )


def test_sequence_targets_for_a_vector_output() -> None:
    with pytest.raises(ValueError, match=r"expected|targets must have shape \(batch, 10\)") as i:
        targets.check_targets((None, 10), np.zeros((32, 10, 2)))
    assert "got shape (32, 10, 2)" in str(i.value)
    assert "Reshape((steps, features))" in str(i.value)
    assert "broadcast" not in str(i.value)


def test_sparse_read_from_the_compiled_model() -> None:
    inputs = keras.Input(shape=(4, 2))
    model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(inputs)))
    model.compile(loss="sparse_categorical_crossentropy")
    targets.check_targets(model, np.zeros(6))
    with pytest.raises(ValueError, match=r"must have shape \(batch,\).*got shape \(6, 3\)"):
        targets.check_targets(model, np.zeros((6, 3)))
    model.compile(loss=keras.losses.CategoricalCrossentropy())
    targets.check_targets(model, np.zeros((6, 3)))


@pytest.mark.parametrize("bad", [(None,), "shape", [(None, 3), (None, 2)], (None, 2.5)])
def test_bad_output_shapes(bad: object) -> None:
    with pytest.raises(ValueError, match="expected a model with one output"):
        targets.check_targets(bad, np.zeros((4, 3)))


@pytest.mark.parametrize(
    ("batch", "case", "name"), itertools.product((1, 2, 3, 4, 5, 10), CASES, LOSSES)
)
def test_check_agrees_with_keras_losses(batch: int, case: Pair, name: str) -> None:
    """The check passes exactly where the loss pairs one to one, and names a silent broadcast.

    With one sample a broadcast can pair each target with its own output by luck (output
    (1, 1, 10), targets (1, 10)); the check, which does not depend on the batch size, rejects
    the pair as a broadcast all the same.

    ``loss_outcome`` decides ``ok`` by comparing Keras's loss with a NumPy loss that pairs
    element i with element i, independently of the check. Categorical crossentropy over a
    class axis of length 1 is left out: Keras squeezes that axis and takes the steps for the
    classes, a degenerate output (every probability is 1) that the check does not model.
    """
    if name == "cce" and case[0][-1] == 1:
        pytest.skip("categorical output with one class")
    out, target = (batch, *case[0]), (batch, *case[1])
    outcome = targets.loss_outcome(LOSSES[name], out, target)
    try:
        targets.check_targets((None, *case[0]), np.zeros(target), sparse=name == "scce")
        message = None
    except ValueError as err:
        message = str(err)
    if batch == 1 and outcome == targets.OK:  # e.g. (1, 1, 10) against (1, 10): pairs by luck
        assert message is None or "would broadcast" in message
    else:
        assert (outcome == targets.OK) == (message is None), (outcome, message)
    if outcome == targets.SILENT and name in ("mse", "mae"):
        assert message is not None and "would broadcast" in message


def test_categorical_over_one_class_takes_the_steps_for_classes() -> None:
    cce = keras.losses.CategoricalCrossentropy()
    assert targets.loss_outcome(cce, (4, 10, 1), (4, 10)) == targets.SILENT


def test_reference_loss() -> None:
    p = np.array([[0.2, 0.8], [0.6, 0.4]])
    assert targets.reference_loss("MeanSquaredError", np.zeros(4), p) == pytest.approx(0.3)
    assert targets.reference_loss("MeanSquaredError", np.zeros(2), p) is None
    assert targets.reference_loss(
        "SparseCategoricalCrossentropy", np.array([1, 0]), p
    ) == pytest.approx(-np.log([0.8, 0.6]).mean())
    with pytest.raises(ValueError, match="kind must be one of"):
        targets.reference_loss("Huber", np.zeros(4), p)


def test_broadcast_shape_follows_keras() -> None:
    assert targets.broadcast_shape((4, 10, 1), (4, 1)) == (4, 10)
    assert targets.broadcast_shape((4, 1), (4,)) == (4, 1)
    assert targets.broadcast_shape((4, 10), (4,)) is None
    assert targets.broadcast_shape((10, 10), (10,)) == (10, 10)


def test_loss_outcomes() -> None:
    cce, scce = keras.losses.CategoricalCrossentropy(), keras.losses.SparseCategoricalCrossentropy()
    assert targets.loss_outcome(cce, (4, 3), (4, 3)) == "ok"
    assert targets.loss_outcome(cce, (4, 3), (4,)) == "ValueError"
    assert targets.loss_outcome(scce, (4, 3), (4,)) == "ok"
    assert targets.loss_outcome(scce, (4, 3), (4, 3)) == "ValueError"
    assert targets.loss_outcome(keras.losses.MeanAbsoluteError(), (4, 1), (4, 10)) == "silent"
    # shapes that cannot broadcast: TensorFlow's op raises its own error class, JAX's a
    # ValueError, PyTorch's a RuntimeError
    raised = {"tensorflow": "InvalidArgumentError", "jax": "ValueError", "torch": "RuntimeError"}
    mse = keras.losses.MeanSquaredError()
    assert targets.loss_outcome(mse, (4, 10), (4,)) == raised[keras.backend.backend()]
    assert targets.loss_outcome(scce, (4, 1), (4, 1, 1)) == "ok"
    assert targets.loss_outcome(keras.losses.MeanSquaredError(), (5, 5), (5, 5, 5)) == "silent"
    with pytest.raises(ValueError, match="loss must be one of"):
        targets.loss_outcome(keras.losses.Huber(), (4, 1), (4, 1))


@pytest.mark.parametrize("shape", [(), (4, None), (4, 0), (4, 2.0)])
def test_loss_outcome_needs_concrete_shapes(shape: Any) -> None:
    with pytest.raises(ValueError, match="output_shape must"):
        targets.loss_outcome(keras.losses.MeanSquaredError(), shape, (4,))
