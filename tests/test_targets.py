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
]


def test_accepted_shapes() -> None:
    assert targets.accepted_target_shapes((None, 10, 1)) == [(10, 1), (10,), (10, 1, 1)]
    assert targets.accepted_target_shapes((None, 3)) == [(3,), (3, 1)]
    assert targets.accepted_target_shapes((None, 10, 3), sparse=True) == [(10,), (10, 1)]


def test_matching_targets_pass() -> None:
    targets.check_targets((None, 1), np.zeros(5))
    targets.check_targets((None, 10, 1), np.zeros((5, 10)))
    targets.check_targets((None, None, 2), np.zeros((5, 7, 2)))  # open timesteps
    targets.check_targets((None, 3), np.zeros(5), sparse=True)


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


@pytest.mark.parametrize(("batch", "case"), itertools.product((1, 4, 10), CASES))
def test_check_agrees_with_mean_squared_error(batch: int, case: Pair) -> None:
    """The check passes where Keras pairs one to one, and says 'broadcast' where it is silent."""
    out, target = (batch, *case[0]), (batch, *case[1])
    outcome = targets.loss_outcome(keras.losses.MeanSquaredError(), out, target)
    try:
        targets.check_targets((None, *case[0]), np.zeros(target))
        message = None
    except ValueError as err:
        message = str(err)
    if outcome == targets.OK:
        assert message is None
    elif outcome == targets.SILENT:
        assert message is not None and "would broadcast" in message
    else:
        assert message is not None and "would broadcast" not in message


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
    assert targets.loss_outcome(keras.losses.MeanSquaredError(), (4, 10), (4,)) == (
        "InvalidArgumentError"
    )


@pytest.mark.parametrize("shape", [(), (4, None), (4, 0), (4, 2.0)])
def test_loss_outcome_needs_concrete_shapes(shape: Any) -> None:
    with pytest.raises(ValueError, match="output_shape must"):
        targets.loss_outcome(keras.losses.MeanSquaredError(), shape, (4,))


def test_graph_error_summary() -> None:
    class FakeGraphError(Exception):
        message = (
            "Graph execution error:\n\nDetected at node m/add defined at (most recent call "
            'last):\n  File "/somewhere/x.py", line 1, in <module>\n\n'
            "Incompatible shapes: [2,8] vs. [4,8]\n\t [[{{node m/add}}]] "
            "[Op:__inference_one_step_12]"
        )

    assert targets.graph_error_summary(FakeGraphError()) == (
        "FakeGraphError: Graph execution error:\nDetected at node m/add\n"
        "Incompatible shapes: [2,8] vs. [4,8]\n\t [[{{node m/add}}]]"
    )
    assert targets.graph_error_summary(ValueError("plain")) == "ValueError: plain"
