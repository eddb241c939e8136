"""Masks, padding waste, batchings, the mask tracer and the pictures of lstm_helpers.lengths."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest

from lstm_helpers import lengths as ln


def test_mask_of_follows_masking_and_embedding() -> None:
    x = keras.utils.pad_sequences([[[1.0, 0.0], [2.0, 3.0]], [[4.0, 5.0]]], dtype="float32")
    expected = keras.ops.convert_to_numpy(keras.layers.Masking(name="m").compute_mask(x))
    np.testing.assert_array_equal(ln.mask_of(x), expected)
    tokens = np.array([[3, 4, 0], [5, 0, 0]])
    emb = keras.layers.Embedding(6, 2, mask_zero=True, name="e")
    np.testing.assert_array_equal(
        ln.mask_of(tokens), keras.ops.convert_to_numpy(emb.compute_mask(tokens))
    )
    with pytest.raises(ValueError, match=r"got shape \(3,\)"):
        ln.mask_of(np.zeros(3))


def test_padding_waste() -> None:
    assert ln.padding_waste([[2, 4], [3, 3]]) == pytest.approx(1 - 12 / 14)
    assert ln.padding_waste([[5, 5, 5]]) == 0.0
    assert ln.padding_waste([[1, 3]], padded_to=4) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="padded_to must be at least 3; got 2"):
        ln.padding_waste([[1, 3]], padded_to=2)
    with pytest.raises(ValueError, match=r"got shape \(1, 2\)"):
        ln.padding_waste([np.zeros((1, 2), dtype=int)])
    with pytest.raises(ValueError, match="at least one timestep"):
        ln.padding_waste([])


def test_batchings_cover_every_sample_once() -> None:
    lengths = np.random.default_rng(0).integers(1, 50, size=103)
    for batches in (
        ln.random_batches(103, 10, seed=1),
        ln.sorted_batches(lengths, 10, seed=1),
    ):
        assert sorted(np.concatenate(batches).tolist()) == list(range(103))
        assert [len(b) for b in batches].count(3) == 1
    sorted_b = ln.sorted_batches(lengths, 10, seed=1)
    random_b = ln.random_batches(103, 10, seed=1)
    assert ln.padding_waste([lengths[b] for b in sorted_b]) < ln.padding_waste(
        [lengths[b] for b in random_b]
    )
    with pytest.raises(ValueError, match="batch_size must be a positive integer; got 0"):
        ln.random_batches(5, 0, seed=0)


def test_quantile_boundaries() -> None:
    lengths = np.arange(1, 101)
    bounds = ln.quantile_boundaries(lengths, 4)
    assert bounds == sorted(bounds) and len(bounds) == 3
    counts = np.bincount(np.searchsorted(bounds, lengths, side="right"))
    assert counts.min() >= 24 and counts.max() <= 26
    assert ln.quantile_boundaries(np.full(10, 7), 4) == []


def test_sequence_dataset_buckets() -> None:
    rng = np.random.default_rng(0)
    seqs = [rng.uniform(0.1, 1, size=(n, 2)).astype("float32") for n in (3, 9, 4, 8, 2, 10)]
    ds = ln.sequence_dataset(seqs, np.arange(6, dtype="float32"))
    tf = pytest.importorskip("tensorflow")  # a tf.data pipeline runs TensorFlow ops
    bucketed = ds.bucket_by_sequence_length(lambda x, y: tf.shape(x)[0], [6], [3, 3])
    widths = sorted(int(x.shape[1]) for x, _ in bucketed)
    assert widths == [4, 10]
    with pytest.raises(
        ValueError, match=r"targets must have shape \(6, \.\.\.\); got shape \(2,\)"
    ):
        ln.sequence_dataset(seqs, np.zeros(2))


def _model() -> keras.Model:
    inputs = keras.Input(shape=(None,), name="tokens")
    h = keras.layers.Embedding(10, 4, mask_zero=True, name="embed")(inputs)
    h = keras.layers.LSTM(3, return_sequences=True, name="seq")(h)
    h = keras.layers.Dense(2, name="dense")(h)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h2 = keras.layers.Conv1D(2, 1, name="conv")(h)
    last = keras.layers.LSTM(2, name="last")(h)
    merged = keras.layers.Concatenate(name="cat")([last, keras.layers.Flatten(name="flat")(h2)])
    return keras.Model(inputs, merged, name="demo")


def test_trace_masks_verdicts() -> None:
    trace = ln.trace_masks(_model())
    assert trace.step("embed").verdict == "creates a mask"
    assert trace.step("seq").verdict == "passes the mask on"
    assert trace.step("dense").verdict == "passes the mask on"
    assert trace.step("conv").verdict.startswith("DROPS")
    assert trace.step("last").verdict == "uses the mask, returns none"
    assert trace.step("flat").verdict == "no mask here"
    assert trace.step("embed").mask_out == "mask (?, ?)"
    text = str(trace)
    assert keras.__version__ in text and text.count("\n") == len(trace.steps) + 2
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        trace.step("nope")


def test_trace_masks_needs_a_built_model() -> None:
    with pytest.raises(ValueError, match="must be built"):
        ln.trace_masks(keras.Sequential([keras.layers.Dense(1, name="d")]))


def test_pictures() -> None:
    x = keras.utils.pad_sequences([[1, 2, 3], [4]], padding="post")
    fig = ln.draw_padded_batch(x)
    assert len(fig.axes) == 1 and "padded batch (2, 3)" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match=r"mask must have shape \(2, 3\); got shape \(2, 2\)"):
        ln.draw_padded_batch(x, np.ones((2, 2), dtype=bool))
    lengths = np.array([3, 9, 4, 8, 2, 10])
    fig = ln.plot_padding_waste(
        lengths,
        {
            "random": ln.random_batches(6, 2, seed=0),
            "sorted": ln.sorted_batches(lengths, 2, seed=0),
        },
        boundaries=[5],
    )
    assert len(fig.axes) == 4
    with pytest.raises(ValueError, match="at least one batching"):
        ln.plot_padding_waste(lengths, {})


def test_cudnn_path_follows_keras_cudnn_ok() -> None:
    assert ln.cudnn_path(keras.layers.LSTM(4))
    assert ln.cudnn_path(keras.layers.LSTM(4, dropout=0.2))
    assert ln.cudnn_path(keras.layers.GRU(4))
    for kwargs in (
        {"recurrent_activation": "hard_sigmoid"},
        {"activation": "relu"},
        {"unroll": True},
        {"use_bias": False},
        {"recurrent_dropout": 0.1},
        {"use_cudnn": False},
    ):
        assert not ln.cudnn_path(keras.layers.LSTM(4, **kwargs)), kwargs
    assert not ln.cudnn_path(keras.layers.GRU(4, reset_after=False))
    with pytest.raises(ValueError, match="got SimpleRNN"):
        ln.cudnn_path(keras.layers.SimpleRNN(4))


def test_right_padded() -> None:
    seqs = [[1, 2, 3], [4, 5]]
    post = keras.utils.pad_sequences(seqs, padding="post")
    pre = keras.utils.pad_sequences(seqs, padding="pre")
    assert ln.right_padded(post != 0)
    assert not ln.right_padded(pre != 0)
    assert not ln.right_padded(np.array([[True, False, True]]))
    assert ln.right_padded(np.ones((2, 3), dtype=bool))
    with pytest.raises(ValueError, match=r"got shape \(3,\)"):
        ln.right_padded(np.ones(3, dtype=bool))
