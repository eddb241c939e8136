"""lstm_helpers.evaluation: splits, baselines and the comparison table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from lstm_helpers import evaluation as ev


def windows(n: int = 200, length: int = 12, horizon: int = 3) -> tuple[np.ndarray, np.ndarray]:
    series = np.arange(n, dtype=float)
    w = sliding_window_view(series, length + horizon)
    return w[:, :length, np.newaxis], w[:, length:]


def test_chronological_split_keeps_order_and_leaves_gaps() -> None:
    x, y = windows()
    gap = 12 + 3 - 1
    (xtr, ytr), (xva, yva), (xte, _) = ev.chronological_split(x, y, gap=gap)
    assert len(xtr) + len(xva) + len(xte) + 2 * gap == len(x)
    # nothing a later part sees (inputs or targets) lies in an earlier part's span
    assert ytr.max() < xva.min()
    assert yva.max() < xte.min()
    assert np.array_equal(xtr, x[: len(xtr)])


def test_chronological_split_without_validation() -> None:
    x, y = windows()
    split = ev.chronological_split(x, y, val=0.0, test=0.25, gap=5)
    assert len(split.val[0]) == 0
    assert len(split.train[0]) + len(split.test[0]) + 5 == len(x)


def test_random_split_is_a_seeded_partition() -> None:
    x = np.arange(100)[:, np.newaxis]
    a = ev.random_split(x, seed=3)
    b = ev.random_split(x, seed=3)
    assert all(np.array_equal(p[0], q[0]) for p, q in zip(a, b, strict=True))
    joined = np.sort(np.concatenate([part[0][:, 0] for part in a]))
    assert np.array_equal(joined, np.arange(100))


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((np.zeros(10), np.zeros(9)), {}, "same first axis"),
        ((np.zeros(10),), {"val": 0.5, "test": 0.5}, "fractions"),
        ((np.zeros(4),), {"gap": 3}, "no training samples"),
        ((np.zeros(10),), {"gap": -1}, "gap"),
        ((), {}, "at least one array"),
    ],
)
def test_chronological_split_rejects_bad_input(
    args: tuple[np.ndarray, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ev.chronological_split(*args, **kwargs)


def test_metrics_refuse_to_broadcast() -> None:
    assert ev.mse(np.ones(3), np.zeros(3)) == 1.0
    assert ev.mae(np.full(3, -2.0), np.zeros(3)) == 2.0
    with pytest.raises(ValueError, match=r"shape of y_true \(3, 1\); got shape \(3,\)"):
        ev.mse(np.ones((3, 1)), np.ones(3))


def test_accuracy_takes_classes_or_scores() -> None:
    labels = np.array([0, 1, 2, 1])
    assert ev.accuracy(labels, np.array([0, 1, 0, 1])) == 0.75
    scores = np.eye(3)[[0, 1, 2, 2]]
    assert ev.accuracy(labels, scores) == 0.75
    with pytest.raises(ValueError, match=r"shape \(4,\) or \(4, classes\); got shape \(3,\)"):
        ev.accuracy(labels, np.zeros(3))


def test_persistence_and_seasonal_naive_on_a_known_series() -> None:
    x, y = windows(length=6, horizon=4)
    pers = ev.persistence_forecast(x, y)
    assert np.array_equal(pers, np.repeat(x[:, -1, :], 4, axis=1))
    sn = ev.seasonal_naive_forecast(x, y, period=2)
    # target step k takes the value `period` steps before it, wrapping over the last period
    assert np.array_equal(sn[:, 0], x[:, -2, 0])
    assert np.array_equal(sn[:, 1], x[:, -1, 0])
    assert np.array_equal(sn[:, 2], x[:, -2, 0])
    assert ev.persistence_forecast(x, y[:, 0]).shape == (len(x),)
    assert ev.persistence_forecast(x, y[:, :, np.newaxis]).shape == (*y.shape, 1)
    with pytest.raises(ValueError, match="at least period=7 timesteps"):
        ev.seasonal_naive_forecast(x, y, period=7)
    with pytest.raises(ValueError, match=r"\(samples, timesteps, features\); got shape"):
        ev.persistence_forecast(x[:, :, 0], y)


def test_linear_baseline_solves_a_linear_recurrence() -> None:
    t = np.arange(400)
    series = np.sin(0.3 * t) + 0.5 * np.cos(0.11 * t)
    w = sliding_window_view(series, 25)
    x, y = w[:, :20, np.newaxis], w[:, 20:]
    (xtr, ytr), _, (xte, yte) = ev.chronological_split(x, y, gap=24)
    scores = ev.regression_baselines(xtr, ytr, xte, yte, period=20)
    assert set(scores) == {"zero", "train mean", "persistence", "seasonal naive", "linear"}
    assert scores["linear"] < 1e-6 < scores["persistence"]
    model = ev.fit_linear(xtr, ytr)
    with pytest.raises(ValueError, match="20 values per sample"):
        model.predict(xte[:, :10])


def test_mean_and_majority() -> None:
    assert np.array_equal(ev.mean_forecast(np.array([[1.0, 3.0], [3.0, 5.0]]), 2), [[2, 4], [2, 4]])
    assert np.array_equal(ev.majority_class(np.array([2, 0, 2, 0, 1]), 3), [0, 0, 0])
    with pytest.raises(ValueError, match="positive integer"):
        ev.majority_class(np.array([1]), 0)


def test_comparison_table_ranks_and_summarises_seeds() -> None:
    comp = ev.Comparison().add_baselines({"zero": 1.0, "linear": 0.5})
    comp.add_model("lstm", [0.2, 0.4])
    assert comp.best_baseline() == ("linear", 0.5)
    assert comp.ratio("lstm") == pytest.approx(0.6)
    assert comp.worst("lstm") == 0.4
    lines = comp.table().splitlines()
    assert [line.split()[0] for line in lines[2:]] == ["lstm", "linear", "zero"]
    assert "0.2 to 0.4 (2)" in lines[2]
    acc = ev.Comparison(metric="accuracy", lower_is_better=False)
    acc.add_baseline("majority", 0.3).add_model("gru", 0.9)
    assert acc.best_baseline() == ("majority", 0.3)
    assert str(acc).splitlines()[2].startswith("gru")
    with pytest.raises(ValueError, match="finite"):
        comp.add_model("bad", [])
    with pytest.raises(ValueError, match="no entry"):
        comp.score("missing")


def test_block_bootstrap_interval_holds_the_mean_and_widens_with_noise() -> None:
    from lstm_helpers.evaluation import block_bootstrap_interval

    assert block_bootstrap_interval(np.full(30, 2.0), block=5) == (2.0, 2.0)
    noise = np.random.default_rng(1).normal(1.0, 1.0, 200)
    low, high = block_bootstrap_interval(noise, block=10)
    assert low < noise.mean() < high and low > 0.0
    wide = block_bootstrap_interval(noise * 5, block=10)
    assert wide[1] - wide[0] > 4 * (high - low)
    assert block_bootstrap_interval(noise, block=10, seed=3) == block_bootstrap_interval(
        noise, block=10, seed=3
    )


def test_block_bootstrap_interval_weighs_the_ends_like_the_middle() -> None:
    from lstm_helpers.evaluation import block_bootstrap_interval

    ends = np.zeros(60)
    ends[:5] = ends[-5:] = 1.0  # values that differ at the two ends only
    low, high = block_bootstrap_interval(ends, block=10, draws=4000)
    assert low < ends.mean() < high
    assert abs((low + high) / 2 - ends.mean()) < 0.25 * (high - low)


def test_block_bootstrap_interval_rejects_bad_input() -> None:
    from lstm_helpers.evaluation import block_bootstrap_interval

    with pytest.raises(ValueError, match=r"shape \(samples,\); got shape \(3, 2\)"):
        block_bootstrap_interval(np.zeros((3, 2)), block=1)
    with pytest.raises(ValueError, match="at most the 4 samples; got 5"):
        block_bootstrap_interval(np.zeros(4), block=5)
    with pytest.raises(ValueError, match="level"):
        block_bootstrap_interval(np.zeros(4), block=2, level=1.5)


def test_paired_accuracy_difference_uses_the_pairs() -> None:
    rng = np.random.default_rng(0)
    a = rng.random(400) < 0.9
    b = a.copy()
    b[np.flatnonzero(a)[:12]] = False  # b misses 12 samples that a gets right
    res = ev.paired_accuracy_difference(a, b)
    assert res.difference == pytest.approx(12 / 400)
    assert (res.a_only, res.b_only) == (12, 0)
    assert res.p_value == pytest.approx(2 * 0.5**12)
    independent = np.hypot(a.std() / 20, b.std() / 20)
    assert res.se < independent / 2
    assert res.low < res.difference < res.high
    assert res.z > 3
    same = ev.paired_accuracy_difference(a, a)
    assert (same.difference, same.se, same.p_value) == (0.0, 0.0, 1.0)
    seeds = ev.paired_accuracy_difference(np.stack([a, b]), b)
    assert seeds.difference == pytest.approx(6 / 400)
    assert (seeds.a_only, seeds.b_only) == (0, 0)
    assert 0 < seeds.p_value < 0.05
    assert "paired SE" in str(res)


def test_paired_accuracy_difference_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match=r"cover the 5 samples.*got shape \(4,\)"):
        ev.paired_accuracy_difference(np.ones(5, bool), np.ones(4, bool))
    with pytest.raises(ValueError, match=r"\(samples,\) or \(seeds, samples\).*\(2, 2, 2\)"):
        ev.paired_accuracy_difference(np.ones((2, 2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="hits"):
        ev.paired_accuracy_difference(np.full(3, 0.5), np.ones(3))
    with pytest.raises(ValueError, match="level"):
        ev.paired_accuracy_difference(np.ones(3), np.ones(3), level=1.5)


def test_mse_and_accuracy_take_backend_tensors() -> None:
    import keras

    y = np.array([0.0, 1.0, 2.0], dtype="float32")
    tensor = keras.Variable(y + 1.0) * 1.0  # on PyTorch: a tensor that requires grad
    assert ev.mse(y, tensor) == 1.0
    scores = keras.Variable(np.eye(3, dtype="float32")) * 1.0
    assert ev.accuracy(np.array([0, 1, 2]), scores) == 1.0
