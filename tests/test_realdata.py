"""Several models and seeds trained side by side in one fit."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lstm_helpers import realdata


def small() -> keras.Model:
    inputs = keras.Input(shape=(4, 2), name="x")
    h = keras.layers.Flatten(name="flat")(inputs)
    return keras.Model(inputs, keras.layers.Dense(3, name="out")(h))


def recurrent() -> keras.Model:
    inputs = keras.Input(shape=(4, 2), name="x")
    h = keras.layers.LSTM(3, name="lstm")(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, name="out")(h))


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4, 2)).astype("float32")
    return x, x.sum(axis=(1, 2))[:, None].astype("float32")


def test_copies_start_from_their_seeds_weights() -> None:
    joined = realdata.side_by_side({"small": small}, [3, 5])
    for seed in (3, 5):
        keras.utils.set_random_seed(seed)
        alone = small()
        copy = joined.get_layer(realdata.copy_name("small", seed))
        for a, b in zip(alone.get_weights(), copy.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    names = [layer.name for layer in joined.layers[1:]]
    assert names == ["small_seed3", "small_seed5"]


def test_side_by_side_trains_each_copy_as_alone() -> None:
    x, y = data()
    joined = realdata.side_by_side({"lstm": recurrent, "small": small}, [0, 1])
    joined.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    joined.fit(
        x, [y] * 2 + [np.repeat(y, 3, axis=1)] * 2, epochs=2, batch_size=8, shuffle=False, verbose=0
    )
    keras.utils.set_random_seed(1)
    alone = recurrent()
    alone.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    alone.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    copy = joined.get_layer(realdata.copy_name("lstm", 1))
    for a, b in zip(alone.get_weights(), copy.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_copy_predictions_splits_by_name_and_seed() -> None:
    x, _ = data()
    joined = realdata.side_by_side({"small": small, "lstm": recurrent}, [0, 1, 2])
    out = realdata.copy_predictions(joined, x, batch_size=5)
    assert list(out) == ["small", "lstm"]
    assert out["small"].shape == (3, 16, 3) and out["lstm"].shape == (3, 16, 1)
    own = np.asarray(joined.get_layer(realdata.copy_name("lstm", 2))(x))
    np.testing.assert_allclose(out["lstm"][2], own, atol=1e-6)
    single = realdata.side_by_side({"small": small}, [4])
    assert realdata.copy_predictions(single, x)["small"].shape == (1, 16, 3)


@pytest.mark.parametrize(
    ("seeds", "message"),
    [
        ([], "at least one seed"),
        ([1, 1], r"differ from each other; got \[1, 1\]"),
        ([-1], "at least 0; got -1"),
        ([True], "at least 0; got True"),
    ],
)
def test_bad_seeds(seeds: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        realdata.side_by_side({"small": small}, seeds)


def test_bad_builds() -> None:
    with pytest.raises(ValueError, match="at least one name"):
        realdata.side_by_side({}, [0])
    with pytest.raises(ValueError, match="a Keras layer name\\); got 'no mask'"):
        realdata.side_by_side({"no mask": small}, [0])

    def two_outputs() -> keras.Model:
        inputs = keras.Input(shape=(4, 2))
        return keras.Model(inputs, [inputs, inputs])

    with pytest.raises(ValueError, match="1 input and 1 output; got 1 inputs and 2 outputs"):
        realdata.side_by_side({"two": two_outputs}, [0])

    def other_shape() -> keras.Model:
        inputs = keras.Input(shape=(5, 2))
        return keras.Model(inputs, keras.layers.Flatten()(inputs))

    with pytest.raises(ValueError, match=r"same input shape; got \(batch, 4, 2\), \(batch, 5, 2\)"):
        realdata.side_by_side({"small": small, "other": other_shape}, [0])


def test_copy_predictions_needs_a_joined_model() -> None:
    x, _ = data()
    with pytest.raises(ValueError, match="made by side_by_side"):
        realdata.copy_predictions(small(), x)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        realdata.copy_predictions(realdata.side_by_side({"small": small}, [0]), x, batch_size=0)
