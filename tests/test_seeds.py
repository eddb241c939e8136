"""Several models and seeds trained side by side in one fit, or one seed after another."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
import pytest

from lstm_helpers import seeds


def small() -> keras.Model:
    inputs = keras.Input(shape=(4, 2), name="x")
    h = keras.layers.Flatten(name="flat")(inputs)
    return keras.Model(inputs, keras.layers.Dense(3, name="out")(h))


def recurrent() -> keras.Model:
    inputs = keras.Input(shape=(4, 2), name="x")
    h = keras.layers.LSTM(3, name="lstm")(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, name="out")(h))


#: steps_per_execution for a model compiled here: PyTorch's trainer accepts only 1.
STEPS = 1 if keras.backend.backend() == "torch" else 2


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4, 2)).astype("float32")
    return x, x.sum(axis=(1, 2))[:, None].astype("float32")


def test_copies_start_from_their_seeds_weights() -> None:
    joined = seeds.side_by_side({"small": small}, [3, 5])
    for seed in (3, 5):
        keras.utils.set_random_seed(seed)
        alone = small()
        copy = joined.get_layer(seeds.copy_name("small", seed))
        for a, b in zip(alone.get_weights(), copy.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
    names = [layer.name for layer in joined.layers[1:]]
    assert names == ["small_seed3", "small_seed5"]


def test_side_by_side_trains_each_copy_as_alone() -> None:
    x, y = data()
    joined = seeds.side_by_side({"lstm": recurrent, "small": small}, [0, 1])
    joined.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    joined.fit(
        x, [y] * 2 + [np.repeat(y, 3, axis=1)] * 2, epochs=2, batch_size=8, shuffle=False, verbose=0
    )
    keras.utils.set_random_seed(1)
    alone = recurrent()
    alone.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    alone.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    copy = joined.get_layer(seeds.copy_name("lstm", 1))
    for a, b in zip(alone.get_weights(), copy.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_copy_predictions_splits_by_name_and_seed() -> None:
    x, _ = data()
    joined = seeds.side_by_side({"small": small, "lstm": recurrent}, [0, 1, 2])
    out = seeds.copy_predictions(joined, x, batch_size=5)
    assert list(out) == ["small", "lstm"]
    assert out["small"].shape == (3, 16, 3) and out["lstm"].shape == (3, 16, 1)
    own = keras.ops.convert_to_numpy(joined.get_layer(seeds.copy_name("lstm", 2))(x))
    np.testing.assert_allclose(out["lstm"][2], own, atol=1e-6)
    single = seeds.side_by_side({"small": small}, [4])
    assert seeds.copy_predictions(single, x)["small"].shape == (1, 16, 3)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ([], "at least one seed"),
        ([1, 1], r"differ from each other; got \[1, 1\]"),
        ([-1], "at least 0; got -1"),
        ([True], "at least 0; got True"),
    ],
)
def test_bad_seeds(given: list[int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        seeds.side_by_side({"small": small}, given)


def test_bad_builds() -> None:
    with pytest.raises(ValueError, match="at least one name"):
        seeds.side_by_side({}, [0])
    with pytest.raises(ValueError, match="a Keras layer name\\); got 'no mask'"):
        seeds.side_by_side({"no mask": small}, [0])

    def two_outputs() -> keras.Model:
        inputs = keras.Input(shape=(4, 2))
        return keras.Model(inputs, [inputs, inputs])

    with pytest.raises(ValueError, match="1 input and 1 output; got 1 inputs and 2 outputs"):
        seeds.side_by_side({"two": two_outputs}, [0])

    def other_shape() -> keras.Model:
        inputs = keras.Input(shape=(5, 2))
        return keras.Model(inputs, keras.layers.Flatten()(inputs))

    expected = r"same input shape; got small_seed0 \(batch, 4, 2\), other_seed0 \(batch, 5, 2\)"
    with pytest.raises(ValueError, match=expected):
        seeds.side_by_side({"small": small, "other": other_shape}, [0])


def test_copy_predictions_needs_a_joined_model() -> None:
    x, _ = data()
    with pytest.raises(ValueError, match="made by side_by_side"):
        seeds.copy_predictions(small(), x)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        seeds.copy_predictions(seeds.side_by_side({"small": small}, [0]), x, batch_size=0)


def _tiny_lstm() -> keras.Model:
    inputs = keras.Input(shape=(5, 1), name="x")
    hidden = keras.layers.LSTM(3, name="lstm")(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, name="dense")(hidden))


def _tiny_data() -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).normal(size=(32, 5, 1)).astype("float32")
    return x, x.sum(axis=1)


def test_train_seeds_each_run_is_independent_of_the_runs_before() -> None:
    x, y = _tiny_data()
    both = seeds.train_seeds(_tiny_lstm, x, y, seeds=(1, 2), epochs=2, batch_size=16)
    swapped = seeds.train_seeds(_tiny_lstm, x, y, seeds=(2, 1), epochs=2, batch_size=16)
    assert both.seeds == (1, 2) and len(both.losses) == 2 and both.losses[0].shape == (2,)
    for run, other in ((0, 1), (1, 0)):  # first or second, a seed's run is the same
        assert np.array_equal(both.losses[run], swapped.losses[other])
        for a, b in zip(both.weights[run], swapped.weights[other], strict=True):
            assert np.array_equal(a, b)
    assert not np.array_equal(both.weights[0][0], both.weights[1][0])  # seeds differ


def test_train_seeds_run_equals_a_fresh_model_trained_alone() -> None:
    """The second seed's run is the first fit of a model built and compiled from that seed."""
    x, y = _tiny_data()
    runs = seeds.train_seeds(_tiny_lstm, x, y, seeds=(1, 2), epochs=2, batch_size=16)
    keras.utils.set_random_seed(2)
    alone = _tiny_lstm()
    alone.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse", steps_per_execution=STEPS)
    keras.utils.set_random_seed(2)
    history = alone.fit(x, y, epochs=2, batch_size=16, verbose=0)
    np.testing.assert_allclose(runs.losses[1], history.history["loss"], rtol=1e-6)
    for a, b in zip(runs.weights[1], alone.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


class CountTraining(keras.layers.Layer):  # type: ignore[misc]
    """The identity; counts its calls in training mode, one per traced training step."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.training_calls = 0

    def call(self, x: object, training: bool | None = None) -> object:
        if training:
            self.training_calls += 1
        return x


def _training_calls(steps: int) -> int:
    """Training-mode calls of a layer in a fit of ``steps`` steps: 1, the one trace of the step,
    or on PyTorch, which runs the step eagerly and traces nothing, one per step."""
    return steps if keras.backend.backend() == "torch" else 1


def _counted(outputs: int = 1) -> keras.Model:
    inputs = keras.Input(shape=(4, 2), name="x")
    h = keras.layers.LSTM(3, name="lstm")(CountTraining(name="count")(inputs))
    if outputs == 1:
        return keras.Model(inputs, keras.layers.Dense(1, name="out")(h))
    heads = {f"out{k}": keras.layers.Dense(1, name=f"out{k}")(h) for k in range(outputs)}
    return keras.Model(inputs, heads)


def test_side_by_side_first_fit_traces_the_step_once() -> None:
    """Variables made inside the first trace (Adam's, a tracker per output) retrace it."""
    x, y = data()
    joined = seeds.side_by_side({"counted": _counted}, [0, 1, 2])
    joined.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=[["mae"]] * 3)
    history = joined.fit(x, [y] * 3, epochs=2, batch_size=8, shuffle=False, verbose=0).history
    for seed in (0, 1, 2):
        copy = joined.get_layer(seeds.copy_name("counted", seed))
        assert copy.get_layer("count").training_calls == _training_calls(2 * 2)
    keras.utils.set_random_seed(1)  # the losses and metrics are those of a copy alone
    alone = _counted()
    alone.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    own = alone.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
    np.testing.assert_allclose(history["counted_seed1_loss"], own["loss"], rtol=1e-5)
    np.testing.assert_allclose(history["counted_seed1_mae"], own["mae"], rtol=1e-5)


def test_train_seeds_traces_the_step_once_for_all_seeds() -> None:
    x, y = data()
    targets = {"out0": y, "out1": -y}
    runs = seeds.train_seeds(lambda: _counted(2), x, targets, seeds=(0, 1), epochs=2, batch_size=8)
    assert runs.model.get_layer("count").training_calls == _training_calls(2 * 2 * 2)


def test_build_for_fit_leaves_stateful_states_and_datasets_alone() -> None:
    inputs = keras.Input(batch_shape=(4, 3, 2), name="x")
    h = keras.layers.LSTM(3, stateful=True, return_sequences=True, name="lstm")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, name="out")(h))
    model.compile(optimizer="adam", loss="mse")
    x = np.ones((8, 3, 2), "float32")
    model(x[:4])  # states away from zero
    before = [np.array(s) for s in model.get_layer("lstm").states]
    seeds.build_for_fit(model, x, np.zeros((8, 3, 1), "float32"))
    after = [np.array(s) for s in model.get_layer("lstm").states]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    assert np.abs(before[0]).sum() > 0
    seeds.build_for_fit(model, iter([]), None)  # a generator: nothing to do


def test_train_seeds_without_shuffling_each_run_equals_a_fresh_model() -> None:
    x, y = _tiny_data()
    runs = seeds.train_seeds(
        _tiny_lstm, x, y, seeds=(1, 2, 3), epochs=2, batch_size=16, shuffle=False
    )
    for k, seed in enumerate((1, 2, 3)):
        keras.utils.set_random_seed(seed)
        alone = _tiny_lstm()
        alone.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse", steps_per_execution=STEPS)
        history = alone.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
        np.testing.assert_allclose(runs.losses[k], history.history["loss"], rtol=1e-6)
        for a, b in zip(runs.weights[k], alone.get_weights(), strict=True):
            np.testing.assert_allclose(a, b, atol=1e-6)


def test_train_seeds_predict_stacks_seeds_and_restores_the_first() -> None:
    x, y = _tiny_data()
    runs = seeds.train_seeds(_tiny_lstm, x, y, seeds=(3, 4), epochs=1, batch_size=32)
    stacked = runs.predict(x[:6])
    assert list(runs.predictions(x[:6])) == ["output"]
    assert stacked.shape == (2, 6, 1)
    assert np.array_equal(keras.ops.convert_to_numpy(runs.model(x[:6])), stacked[0])
    assert np.array_equal(keras.ops.convert_to_numpy(runs.use(4)(x[:6])), stacked[1])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"seeds": ()}, r"at least one seed, none twice; got \[\]"),
        ({"seeds": (1, 1)}, r"none twice; got \[1, 1\]"),
        ({"seeds": (1,), "epochs": 0}, "epochs must be a positive integer; got 0"),
    ],
)
def test_train_seeds_rejects(kwargs: dict[str, object], match: str) -> None:
    x, y = _tiny_data()
    args: dict[str, object] = {"epochs": 1, "batch_size": 8, **kwargs}
    with pytest.raises(ValueError, match=match):
        seeds.train_seeds(_tiny_lstm, x, y, **args)  # type: ignore[arg-type]


def test_seed_runs_use_rejects_unknown_seed() -> None:
    x, y = _tiny_data()
    runs = seeds.train_seeds(_tiny_lstm, x, y, seeds=(1,), epochs=1, batch_size=32)
    with pytest.raises(ValueError, match=r"seed must be one of \[1\]; got 7"):
        runs.use(7)


def _joinable_lstm() -> Any:
    import keras

    inputs = keras.Input(shape=(5, 1), name="x")
    hidden = keras.layers.LSTM(3, name="lstm")(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, name="dense")(hidden))


def _tiny_dense() -> Any:
    import keras

    inputs = keras.Input(shape=(5, 1), name="x")
    flat = keras.layers.Flatten(name="flatten")(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, name="dense")(flat))


def test_joined_models_train_each_model_as_alone() -> None:
    x = np.random.default_rng(0).normal(size=(32, 5, 1)).astype("float32")
    y = x.sum(axis=1)
    pair = seeds.joined_models({"lstm": _joinable_lstm, "dense": _tiny_dense})
    assert set(pair(x[:2])) == {"lstm", "dense"}
    assert pair.get_layer("lstm").count_params() == _joinable_lstm().count_params()
    together = seeds.train_seeds(
        lambda: seeds.joined_models({"lstm": _joinable_lstm, "dense": _tiny_dense}),
        x,
        {"lstm": y, "dense": 2 * y},
        seeds=(5, 6),
        epochs=2,
        batch_size=16,
    )
    alone = seeds.train_seeds(_joinable_lstm, x, y, seeds=(5, 6), epochs=2, batch_size=16)
    found = together.predictions(x)
    assert set(found) == {"lstm", "dense"} and found["lstm"].shape == (2, 32, 1)
    np.testing.assert_allclose(found["lstm"], alone.predict(x), rtol=0, atol=1e-6)
    assert not np.allclose(found["lstm"][0], found["lstm"][1])  # each seed its own run


def test_joined_models_rejects() -> None:
    import keras

    with pytest.raises(ValueError, match="at least one name to a model builder; got none"):
        seeds.joined_models({})
    with pytest.raises(ValueError, match=r"a Keras layer name\); got 'an lstm'"):
        seeds.joined_models({"an lstm": _joinable_lstm})

    def shorter() -> Any:
        inputs = keras.Input(shape=(4, 1), name="x")
        return keras.Model(inputs, keras.layers.Flatten(name="flatten")(inputs))

    expected = r"same input shape; got a \(batch, 5, 1\), b \(batch, 4, 1\)"
    with pytest.raises(ValueError, match=expected):
        seeds.joined_models({"a": _joinable_lstm, "b": shorter})

    def two_outputs() -> Any:
        inputs = keras.Input(shape=(5, 1), name="x")
        return keras.Model(inputs, [inputs, inputs])

    with pytest.raises(ValueError, match=r"\['c'\]\(\) must return a model with 1 input and 1"):
        seeds.joined_models({"c": two_outputs})


def test_shuffled_passes_are_permutations_fixed_by_the_seed() -> None:
    order = seeds.shuffled_passes(7, 3, seed=4)
    assert order.shape == (21,)
    for k in range(3):
        np.testing.assert_array_equal(np.sort(order[7 * k : 7 * (k + 1)]), np.arange(7))
    np.testing.assert_array_equal(order, seeds.shuffled_passes(7, 3, seed=4))
    np.random.seed(0)  # noqa: NPY002 - the global generator must not matter
    np.testing.assert_array_equal(order, seeds.shuffled_passes(7, 3, seed=4))
    assert not np.array_equal(order, seeds.shuffled_passes(7, 3, seed=5))
    assert not np.array_equal(order[:7], order[7:14])  # each pass is drawn anew


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"samples": 0, "passes": 2}, "samples must be a positive integer; got 0"),
        ({"samples": 5, "passes": 1.5}, "passes must be a positive integer; got 1.5"),
        ({"samples": 5, "passes": 2, "seed": -1}, "seed must be an integer of at least 0"),
    ],
)
def test_shuffled_passes_rejects(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        seeds.shuffled_passes(**kwargs)


def test_subset_weights_are_zero_outside_each_set_and_average_one() -> None:
    union, weight = seeds.subset_weights({"a": np.array([4, 0, 2]), "b": np.array([5, 4])})
    np.testing.assert_array_equal(union, [0, 2, 4, 5])
    assert list(weight) == ["a", "b"] and all(w.dtype == np.float32 for w in weight.values())
    np.testing.assert_allclose(weight["a"], [4 / 3, 4 / 3, 4 / 3, 0])
    np.testing.assert_allclose(weight["b"], [0, 0, 2, 2])
    for w in weight.values():
        assert np.isclose(w.mean(), 1.0)


def _subset_data() -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(1).normal(size=(12, 5, 1)).astype("float32")
    return x, x.sum(axis=1)


def _changed_weights(before: tuple[np.ndarray, ...], after: tuple[np.ndarray, ...]) -> bool:
    return any(not np.array_equal(a, b) for a, b in zip(before, after, strict=True))


def test_train_on_subsets_rows_outside_a_set_do_not_move_its_copy() -> None:
    """Changing the targets outside a copy's set leaves that copy's training bit for bit."""
    x, y = _subset_data()
    subsets = {"a": np.arange(0, 7), "b": np.arange(4, 12)}  # overlapping, a's rows first
    builders = {"a": _joinable_lstm, "b": _joinable_lstm}
    kwargs: dict[str, Any] = {"seeds": (3,), "epochs": 2, "batch_size": 4}
    runs = seeds.train_on_subsets(builders, x, y, subsets, **kwargs)
    other = y.copy()
    other[7:] = 50.0  # rows of b only
    moved = seeds.train_on_subsets(builders, x, other, subsets, **kwargs)
    a, b = ([run.use(3).get_layer(name).get_weights() for run in (runs, moved)] for name in "ab")
    assert not _changed_weights(tuple(a[0]), tuple(a[1]))  # a never sees rows 7 to 11
    assert _changed_weights(tuple(b[0]), tuple(b[1]))  # b does
    keras.utils.set_random_seed(3)
    start = seeds.joined_models(builders).get_layer("a").get_weights()
    assert _changed_weights(tuple(start), tuple(a[0]))  # and a did train
    assert runs.losses[0].shape == (2,) and runs.seeds == (3,)


def test_train_on_subsets_copy_on_every_row_trains_as_alone() -> None:
    """With the whole union as its set (weights 1), a copy is a model alone on those batches."""
    x, y = _subset_data()
    runs = seeds.train_on_subsets(
        {"lstm": _joinable_lstm, "dense": _tiny_dense},
        x,
        {"lstm": y, "dense": 2 * y},
        {"lstm": np.arange(12), "dense": np.arange(0, 12, 2)},
        seeds=(1, 2),
        epochs=2,
        batch_size=4,
        learning_rate=0.05,
    )
    for seed in (1, 2):
        keras.utils.set_random_seed(seed)
        alone = seeds.joined_models({"lstm": _joinable_lstm}).get_layer("lstm")
        alone.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
        order = np.random.default_rng(seed).permutation(12)
        alone.fit(x[order], y[order], epochs=2, batch_size=4, shuffle=False, verbose=0)
        copy = runs.use(seed).get_layer("lstm")
        for a, b in zip(alone.get_weights(), copy.get_weights(), strict=True):
            np.testing.assert_allclose(a, b, atol=1e-5)
    assert runs.predictions(x)["dense"].shape == (2, 12, 1)


def test_train_on_subsets_copy_on_part_of_the_rows_is_not_trained_as_alone() -> None:
    """On a strict subset, a copy takes the union's steps (Adam moving it on batches without
    its rows), so it differs from the same model trained alone on its own rows."""
    x, y = _subset_data()
    rows = np.arange(0, 12, 3)  # 4 of the 12 rows
    runs = seeds.train_on_subsets(
        {"part": _joinable_lstm, "all": _joinable_lstm},
        x,
        y,
        {"part": rows, "all": np.arange(12)},
        seeds=(1,),
        epochs=2,
        batch_size=4,
        learning_rate=0.05,
    )
    keras.utils.set_random_seed(1)
    alone = seeds.joined_models({"part": _joinable_lstm}).get_layer("part")
    alone.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    order = [r for r in np.random.default_rng(1).permutation(12) if r in set(rows)]
    alone.fit(x[order], y[order], epochs=2, batch_size=4, shuffle=False, verbose=0)
    copy = runs.use(1).get_layer("part")
    gaps = [
        np.abs(a - b).max() for a, b in zip(alone.get_weights(), copy.get_weights(), strict=True)
    ]
    assert max(gaps) > 1e-3


def test_train_on_subsets_each_run_is_independent_of_the_runs_before() -> None:
    x, y = _subset_data()
    builders = {"a": _joinable_lstm, "b": _tiny_dense}
    subsets = {"a": np.arange(8), "b": np.arange(4, 12)}
    both = seeds.train_on_subsets(builders, x, y, subsets, seeds=(1, 2), epochs=2, batch_size=4)
    alone = seeds.train_on_subsets(builders, x, y, subsets, seeds=(2,), epochs=2, batch_size=4)
    np.testing.assert_array_equal(both.losses[1], alone.losses[0])
    for a, b in zip(both.weights[1], alone.weights[0], strict=True):
        np.testing.assert_array_equal(a, b)
    assert _changed_weights(both.weights[0], both.weights[1])  # seeds differ


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"y": np.zeros((11, 1))}, r"y must have shape \(12, 1\) .*; got shape \(11, 1\)"),
        (
            {"y": {"a": np.zeros((12, 1)), "b": np.zeros((3, 1))}},
            r"y\['b'\] must have shape \(12, 1\) .*; got shape \(3, 1\)",
        ),
        ({"y": {"a": np.zeros((12, 1))}}, r"y must have the names of builders, \['a', 'b'\]"),
        ({"x": np.zeros(12)}, r"x must have shape \(samples, \.\.\.\), .*; got shape \(12,\)"),
        ({"subsets": {"a": np.arange(3)}}, r"subsets must have the names .*; got \['a'\]"),
        (
            {"subsets": {"a": np.arange(4).reshape(2, 2), "b": np.arange(3)}},
            r"subsets\['a'\] must be a non-empty 1-D .*shape \(rows,\); got shape \(2, 2\)",
        ),
        (
            {"subsets": {"a": np.array([], int), "b": np.arange(3)}},
            r"shape \(rows,\); got shape \(0,\)",
        ),
        (
            {"subsets": {"a": np.array([0.0, 1.0]), "b": np.arange(3)}},
            "of row indices, shape .*; got shape .* of float64",
        ),
        ({"subsets": {"a": np.array([1, 1]), "b": np.arange(3)}}, "at most once; got 2 rows"),
        (
            {"subsets": {"a": np.array([0, 12]), "b": np.arange(3)}},
            r"below 12 \(the samples of x\); got rows 0 to 12",
        ),
        ({"seeds": (1, 1)}, r"differ from each other; got \[1, 1\]"),
        ({"batch_size": 0}, "batch_size must be a positive integer; got 0"),
    ],
)
def test_train_on_subsets_rejects(change: dict[str, Any], match: str) -> None:
    x, y = _subset_data()
    args: dict[str, Any] = {
        "builders": {"a": _tiny_dense, "b": _tiny_dense},
        "x": x,
        "y": y,
        "subsets": {"a": np.arange(6), "b": np.arange(6, 12)},
        "seeds": (0,),
        "epochs": 1,
        "batch_size": 4,
        **change,
    }
    with pytest.raises(ValueError, match=match):
        seeds.train_on_subsets(**args)


def test_subset_weights_rejects() -> None:
    with pytest.raises(ValueError, match="at least one name to its rows; got none"):
        seeds.subset_weights({})
    with pytest.raises(ValueError, match=r"at least 0; got rows -1 to 2"):
        seeds.subset_weights({"a": np.array([-1, 2])})
