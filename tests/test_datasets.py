"""The real data sets: Japanese Vowels as the archive describes it, CO₂ monthly, its windows."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lstm_helpers import datasets, evaluation, windows


@pytest.fixture(scope="module")
def vowels() -> dict[str, tuple[list[np.ndarray], np.ndarray]]:
    return {split: datasets.japanese_vowels(split) for split in datasets.VOWEL_SPLITS}


@pytest.fixture(scope="module")
def co2_level() -> np.ndarray:
    return np.asarray(datasets.co2_monthly().to_numpy())


def test_japanese_vowels_counts_shapes_and_labels(
    vowels: dict[str, tuple[list[np.ndarray], np.ndarray]],
) -> None:
    (train_x, train_y), (test_x, test_y) = vowels["TRAIN"], vowels["TEST"]
    assert (len(train_x), len(test_x)) == (270, 370)
    assert len(train_y) == 270 and len(test_y) == 370
    every = [*train_x, *test_x]
    assert all(u.dtype == np.float32 and u.ndim == 2 and u.shape[1] == 12 for u in every)
    frames = [len(u) for u in every]
    assert (min(frames), max(frames)) == (7, 29)
    assert np.bincount(train_y).tolist() == [30] * 9  # balanced: 30 per speaker
    assert sorted(set(test_y.tolist())) == list(range(9))  # speakers 0 to 8
    assert len(set(np.bincount(test_y).tolist())) > 1  # the test set is not balanced
    assert all(np.isfinite(u).all() for u in every)


def test_japanese_vowels_rejects_an_unknown_split() -> None:
    with pytest.raises(ValueError, match=r"one of \('TRAIN', 'TEST'\); got 'train'"):
        datasets.japanese_vowels("train")


def test_frame_statistics_are_those_of_every_frame(
    vowels: dict[str, tuple[list[np.ndarray], np.ndarray]],
) -> None:
    train_x = vowels["TRAIN"][0]
    centre, scale = datasets.frame_statistics(train_x)
    frames = np.concatenate(train_x)
    np.testing.assert_array_equal(centre, frames.mean(axis=0))
    np.testing.assert_array_equal(scale, frames.std(axis=0))
    assert centre.shape == scale.shape == (12,)
    scaled = np.concatenate(datasets.standardised(train_x, centre, scale))
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(scaled.std(axis=0), 1, atol=1e-5)


def test_pad_standardised_is_pad_sequences_of_the_standardised(
    vowels: dict[str, tuple[list[np.ndarray], np.ndarray]],
) -> None:
    train_x, test_x = vowels["TRAIN"][0], vowels["TEST"][0]
    centre, scale = datasets.frame_statistics(train_x)
    for padding in ("post", "pre"):
        padded = datasets.pad_standardised(test_x, centre, scale, 29, padding=padding)
        expected = keras.utils.pad_sequences(
            [(u - centre) / scale for u in test_x], maxlen=29, dtype="float32", padding=padding
        )
        assert padded.dtype == np.float32 and padded.shape == (370, 29, 12)
        np.testing.assert_array_equal(padded, expected)
    post = datasets.pad_standardised(test_x, centre, scale, 29)
    n = len(test_x[0])
    np.testing.assert_array_equal(post[0, :n], (test_x[0] - centre) / scale)
    assert not post[0, n:].any()  # zero frames after the utterance


def test_vowel_helpers_reject_bad_input() -> None:
    u = [np.zeros((3, 2), "float32"), np.zeros((4, 2), "float32")]
    centre, scale = np.zeros(2), np.ones(2)
    with pytest.raises(ValueError, match="at least one"):
        datasets.frame_statistics([])
    with pytest.raises(ValueError, match=r"utterances\[1\] must have shape \(frames, 2\); got"):
        datasets.frame_statistics([u[0], np.zeros((4, 3))])
    with pytest.raises(ValueError, match=r"centre must have shape \(2,\); got shape \(3,\)"):
        datasets.standardised(u, np.zeros(3), scale)
    with pytest.raises(ValueError, match="padding must be 'post' or 'pre'; got 'end'"):
        datasets.pad_standardised(u, centre, scale, 4, padding="end")
    with pytest.raises(ValueError, match="longest utterance, 4 frames; got 3"):
        datasets.pad_standardised(u, centre, scale, 3)
    with pytest.raises(ValueError, match="width must be a positive integer; got 0"):
        datasets.pad_standardised(u, centre, scale, 0)


def test_co2_monthly_filled_and_not(co2_level: np.ndarray) -> None:
    raw = datasets.co2_monthly(fill=False)
    assert str(raw.index[0].date()) == "1958-03-01" and str(raw.index[-1].date()) == "2001-12-01"
    assert len(co2_level) == len(raw) == 526  # March 1958 to December 2001
    empty = np.flatnonzero(raw.isna().to_numpy())
    assert 0 < len(empty) < 0.02 * len(raw)  # a few months without a measured week
    assert not np.isnan(co2_level).any()  # none left after the interpolation
    measured = ~raw.isna().to_numpy()
    np.testing.assert_array_equal(co2_level[measured], raw.to_numpy()[measured])
    for m in empty:  # each filled month lies between its neighbours
        low, high = sorted((co2_level[m - 1], co2_level[m + 1]))
        assert low <= co2_level[m] <= high


def test_change_windows_split_gap_and_scaling(co2_level: np.ndarray) -> None:
    steps, horizon = 24, 12
    cut = datasets.change_windows(co2_level, steps=steps, horizon=horizon)
    change = np.diff(co2_level)
    n = windows.window_count(len(change), steps, horizon=horizon)
    assert cut.count == n
    gap = steps + horizon - 1
    assert cut.val[0] - cut.train[-1] == gap + 1 and cut.test[0] - cut.val[-1] == gap + 1
    assert cut.train[0] == 0 and cut.test[-1] == n - 1
    # the last training window's targets end at change[seen - 1]; no validation window
    # reads a month a training window covered
    assert cut.seen == cut.train[-1] + steps + horizon and cut.val[0] >= cut.seen
    expected = evaluation.chronological_split(np.arange(n), val=0.15, test=0.15, gap=gap)
    for part, exp in zip((cut.train, cut.val, cut.test), expected, strict=True):
        np.testing.assert_array_equal(part, exp[0])
    assert cut.mean == change[: cut.seen].mean() and cut.std == change[: cut.seen].std()
    np.testing.assert_array_equal(cut.change, change)


def test_change_windows_equal_make_windows(co2_level: np.ndarray) -> None:
    cut = datasets.change_windows(co2_level, steps=24, horizon=12)
    z = (np.diff(co2_level) - cut.mean) / cut.std
    x, y = windows.make_windows(z, 24, horizon=12)
    x_level, y_level = windows.make_windows(co2_level[1:], 24, horizon=12)
    for got, want in ((cut.x, x), (cut.y, y), (cut.x_level, x_level), (cut.y_level, y_level)):
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    assert np.shares_memory(cut.x, cut.z) and np.shares_memory(cut.y, cut.z)
    # the true changes, unscaled and summed onto the last level, give the true levels
    truth = cut.y_level[cut.test, :, 0]
    np.testing.assert_allclose(cut.to_level(cut.x_level[cut.test], cut.y[cut.test, :, 0]), truth)


def test_change_windows_on_a_short_series() -> None:
    level = np.cumsum(np.arange(1.0, 60.0))
    cut = datasets.change_windows(level, steps=3, horizon=2, val=0.2, test=0.2)
    np.testing.assert_array_equal(cut.x_level[0, :, 0], level[1:4])
    np.testing.assert_array_equal(cut.y_level[0, :, 0], level[4:6])
    np.testing.assert_allclose(cut.x[0, :, 0] * cut.std + cut.mean, np.diff(level)[:3])


def test_change_windows_rejects_bad_input(co2_level: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"level must have shape \(months,\); got shape \(5, 2\)"):
        datasets.change_windows(np.zeros((5, 2)), steps=2, horizon=1)
    with pytest.raises(ValueError, match="no NaN; got 1"):
        datasets.change_windows(np.r_[co2_level[:40], np.nan], steps=2, horizon=1)
    with pytest.raises(ValueError, match="steps must be a positive integer; got 0"):
        datasets.change_windows(co2_level, steps=0, horizon=12)
    with pytest.raises(ValueError, match=r"horizon must be a positive integer; got 1\.5"):
        datasets.change_windows(co2_level, steps=24, horizon=1.5)  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=r"at least steps \+ horizon \+ 1 = 37 months; got shape \(20,\)"
    ):
        datasets.change_windows(co2_level[:20], steps=24, horizon=12)
