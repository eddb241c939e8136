"""Pattern names from shapes, stages read from built models, and their pictures."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

from lstm_helpers import patterns


def _encoder_decoder() -> keras.Model:
    inputs = keras.Input(shape=(40, 2), name="x")
    out, h, c = keras.layers.LSTM(4, return_state=True, name="encoder")(inputs)
    repeated = keras.layers.RepeatVector(10, name="repeat")(out)
    decoded = keras.layers.LSTM(4, return_sequences=True, name="decoder")(
        repeated, initial_state=[h, c]
    )
    return keras.Model(inputs, keras.layers.Dense(2, name="dense")(decoded))


@pytest.mark.parametrize(
    ("x", "y", "name"),
    [
        ((None, 20, 1), (None, 1), "many-to-one (20 steps -> 1)"),
        ((8, 20, 1), (8, 20, 1), "many-to-many, same length (20 steps -> 20)"),
        ((None, 3), (None, 6, 1), "one-to-many (1 step -> 6)"),
        ((None, 40, 2), (None, 10, 2), "many-to-many, different lengths (40 steps -> 10)"),
        ((None, None, 2), (None, 2), "many-to-one (? steps -> 1)"),
        ((None, 3), (None, 1), "one-to-one (1 step -> 1)"),
    ],
)
def test_pattern_of_shapes(x: tuple[int | None, ...], y: tuple[int | None, ...], name: str) -> None:
    assert patterns.pattern_of(x, y) == name


def test_pattern_of_arrays() -> None:
    x, y = np.zeros((5, 40, 2)), np.zeros((5, 10, 2))
    assert patterns.pattern_of(x, y).startswith("many-to-many, different lengths")


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        (np.zeros((4,)), np.zeros((4, 1)), r"x must have shape \(batch, features\) or"),
        (np.zeros((4, 2)), np.zeros((4, 1, 1, 1)), r"got shape \(4, 1, 1, 1\)"),
        (np.zeros((4, 2)), np.zeros((5, 1)), r"same batch size; got shapes \(4, 2\) and \(5, 1\)"),
        ("abc", np.zeros((5, 1)), "expected an array, a tensor or a shape tuple; got str"),
    ],
)
def test_pattern_of_rejects(x: object, y: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        patterns.pattern_of(x, y)


def test_stages_follow_states() -> None:
    found = patterns.stages(_encoder_decoder())
    assert [s.name for s in found] == ["x", "encoder", "repeat", "decoder", "dense"]
    encoder, decoder = found[1], found[3]
    assert encoder.shapes == ((None, 4),) * 3 and encoder.labels() == ("output", "h", "c")
    assert decoder.inbound == (("repeat", 0), ("encoder", 1), ("encoder", 2))


def test_stages_of_sequential() -> None:
    model = keras.Sequential(
        [
            keras.Input(shape=(3,), name="v"),
            keras.layers.RepeatVector(5, name="rep"),
            keras.layers.LSTM(2, return_sequences=True, name="lstm"),
        ]
    )
    found = patterns.stages(model)
    assert [(s.name, s.shapes) for s in found] == [
        ("v", ((None, 3),)),
        ("rep", ((None, 5, 3),)),
        ("lstm", ((None, 5, 2),)),
    ]


def test_summary_text() -> None:
    text = patterns.summary(_encoder_decoder())
    lines = text.splitlines()
    assert lines[0] == "pattern: many-to-many, different lengths (40 steps -> 10)"
    assert "output (batch, 4), h (batch, 4), c (batch, 4)" in lines[2]
    assert lines[4].endswith("<- repeat + encoder[1] + encoder[2]")


def test_draw_pattern() -> None:
    fig = patterns.draw_pattern(_encoder_decoder(), max_steps=6)
    assert isinstance(fig, Figure)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "initial_state" in texts and "(batch, 40, 2)" in texts and "⋮" in texts
    assert fig.axes[0].get_title().startswith("many-to-many")


def test_draw_pattern_rejects() -> None:
    with pytest.raises(ValueError, match="max_steps must be at least 3; got 2"):
        patterns.draw_pattern(_encoder_decoder(), max_steps=2)
    with pytest.raises(ValueError, match="must be built"):
        patterns.stages(keras.Sequential([keras.layers.Dense(1, name="d")]))


def test_sine_waves_repeatable() -> None:
    a = patterns.sine_waves(4, 7, 2, seed=5)
    assert a.shape == (4, 7, 2) and a.dtype == np.float32
    np.testing.assert_array_equal(a, patterns.sine_waves(4, 7, 2, seed=5))
    assert np.abs(a).max() <= 1.0
    with pytest.raises(ValueError, match="timesteps must be a positive integer; got 0"):
        patterns.sine_waves(4, 0, seed=5)


def test_plot_sequences() -> None:
    x = patterns.sine_waves(3, 6, 2, seed=0)
    fig = patterns.plot_sequences({"true": x, "forecast": x[:, :2]}, starts={"forecast": 6})
    assert len(fig.axes) == 2 * 3  # features x samples
    assert np.asarray(fig.axes[0].lines[1].get_xdata())[0] == 6
    with pytest.raises(ValueError, match=r"forecast must have shape \(3, timesteps, 2\)"):
        patterns.plot_sequences({"true": x, "forecast": x[:2]})
    with pytest.raises(ValueError, match="sample 5 is outside the batch of 3"):
        patterns.plot_sequences({"true": x}, samples=(5,))
    with pytest.raises(ValueError, match="at least one"):
        patterns.plot_sequences({})
