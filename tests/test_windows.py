"""Windows and chunks: right values, zero-copy views, the same as Keras's own windowing."""

from __future__ import annotations

import tracemalloc

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from lstm_helpers import windows


def _series(steps: int, features: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(steps, features)).astype("float32")


def test_windows_and_targets_by_definition() -> None:
    series = _series(23, 2)
    x, y = windows.make_windows(series, 5, horizon=3, stride=2)
    starts = range(0, 23 - 5 - 3 + 1, 2)
    np.testing.assert_array_equal(x, np.stack([series[s : s + 5] for s in starts]))
    np.testing.assert_array_equal(y, np.stack([series[s + 5 : s + 8] for s in starts]))
    assert x.shape == (len(starts), 5, 2) and y.shape == (len(starts), 3, 2)


def test_one_dimensional_series_gets_a_feature_axis() -> None:
    x, y = windows.make_windows(np.arange(10.0), 4)
    assert x.shape == (6, 4, 1) and y.shape == (6, 1, 1)
    np.testing.assert_array_equal(y[:, 0, 0], np.arange(4.0, 10.0))


def test_separate_targets() -> None:
    series = _series(12, 3)
    _, y = windows.make_windows(series, 4, horizon=2, targets=series[:, 0])
    assert y.shape == (7, 2, 1)
    np.testing.assert_array_equal(
        y[:, :, 0], np.stack([series[s + 4 : s + 6, 0] for s in range(7)])
    )


def test_chunks_are_consecutive_and_drop_the_tail() -> None:
    series = _series(23, 2)
    c = windows.chunks(series, 5)
    assert c.shape == (4, 5, 2)
    np.testing.assert_array_equal(c, series[:20].reshape(4, 5, 2))
    np.testing.assert_array_equal(windows.locate(series, c), [0, 5, 10, 15])


@pytest.mark.parametrize(
    "make",
    [
        lambda s: windows.sliding_windows(s, 7, stride=3),
        lambda s: windows.make_windows(s, 7, horizon=2)[0],
        lambda s: windows.make_windows(s, 7, horizon=2)[1],
        lambda s: windows.chunks(s, 7),
    ],
)
def test_views_share_memory(make: object) -> None:
    series = _series(50, 2)
    cut = make(series)  # type: ignore[operator]
    assert np.shares_memory(cut, series) and not cut.flags.owndata


def test_ten_million_steps_allocate_almost_nothing() -> None:
    series = np.zeros((10_000_000, 2), dtype="float32")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        x, y = windows.make_windows(series, 40, horizon=10)
        c = windows.chunks(series, 40)
        allocated = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert x.shape == (10_000_000 - 49, 40, 2) and c.shape == (250_000, 40, 2)
    assert x.nbytes > 3 * 10**9  # what a copy of the windows would need
    assert allocated < 64 * 1024, allocated
    assert all(np.shares_memory(a, series) for a in (x, y, c))


def test_tracemalloc_sees_a_copy() -> None:
    series = np.zeros((100_000, 2), dtype="float32")
    tracemalloc.start()
    try:
        x = np.ascontiguousarray(windows.sliding_windows(series, 10))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak >= x.nbytes


def _keras_windows(
    data: np.ndarray, targets: np.ndarray | None, length: int, stride: int
) -> list[np.ndarray]:
    """All batches of ``timeseries_dataset_from_array``, joined: [inputs] or [inputs, targets]."""
    ds = keras.utils.timeseries_dataset_from_array(
        data, targets, sequence_length=length, sequence_stride=stride, batch_size=16
    )
    batches = [b if isinstance(b, tuple) else (b,) for b in ds.as_numpy_iterator()]
    return [np.concatenate([b[i] for b in batches]) for i in range(len(batches[0]))]


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    steps=st.integers(2, 60),
    features=st.integers(1, 3),
    data=st.data(),
)
def test_equals_timeseries_dataset_from_array(
    steps: int, features: int, data: st.DataObject
) -> None:
    length = data.draw(st.integers(1, steps - 1), label="length")
    horizon = data.draw(st.integers(1, steps - length), label="horizon")
    stride = data.draw(st.integers(1, steps - 1), label="stride")
    series = _series(steps, features, seed=steps * 7 + features)
    x, y = windows.make_windows(series, length, horizon=horizon, stride=stride)
    # Keras pairs the window starting at s with targets[s]: pass the horizon windows as targets
    future = windows.sliding_windows(series[length:], horizon)
    kx, ky = _keras_windows(series, future, length, stride)
    np.testing.assert_array_equal(x, kx)
    np.testing.assert_array_equal(y, ky)
    if horizon == 1:  # Keras's own recipe for next-step targets: targets=series[length:]
        kx1, ky1 = _keras_windows(series, series[length:], length, stride)
        np.testing.assert_array_equal(x, kx1)
        np.testing.assert_array_equal(y[:, 0], ky1)
    (kx0,) = _keras_windows(series, None, length, stride)
    np.testing.assert_array_equal(windows.sliding_windows(series, length, stride=stride), kx0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: windows.make_windows(np.zeros(10), 11),
            r"a window of 11 steps plus a horizon of 1 needs a series of at least 12 timesteps; "
            r"got a series of shape \(10,\)",
        ),
        (
            lambda: windows.chunks(np.zeros((4, 2)), 5),
            r"a window of 5 steps needs a series of at least 5 timesteps; "
            r"got a series of shape \(4, 2\)",
        ),
        (
            lambda: windows.sliding_windows(np.zeros((3, 4, 2)), 2),
            r"series must have shape \(timesteps,\) or \(timesteps, features\); "
            r"got shape \(3, 4, 2\)",
        ),
        (lambda: windows.sliding_windows(np.zeros(9), 2, stride=0), "stride must be a positive"),
        (lambda: windows.sliding_windows(np.zeros(9), 0), "length must be a positive"),
        (lambda: windows.make_windows(np.zeros(9), 2, horizon=0), "horizon must be a positive"),
        (lambda: windows.sliding_windows(np.zeros(9), 2, horizon=-1), "at least 0"),
        (
            lambda: windows.make_windows(np.zeros(9), 2, targets=np.zeros(8)),
            r"targets must have shape \(9, \.\.\.\) like the series; got shape \(8,\)",
        ),
        (
            lambda: windows.locate(np.arange(9.0), np.full((1, 3, 1), -1.0)),
            r"x\[0\] is not a stretch of the series",
        ),
        (
            lambda: windows.locate(np.arange(9.0), np.zeros((1, 3, 2))),
            r"x must have shape \(samples, <=9, 1\); got shape \(1, 3, 2\)",
        ),
        (
            lambda: windows.draw_cuts(np.arange(50.0), {"a": (np.zeros((1, 2, 1)), None)}),
            r"series must have shape \(<=40,\) to be drawn; got shape \(50,\)",
        ),
        (lambda: windows.draw_cuts(np.arange(5.0), {}), "at least one"),
        (
            lambda: windows.levels_from_changes(np.zeros((4, 3)), np.zeros((4, 2)), mean=0, std=1),
            r"level_windows must have shape \(samples, timesteps, 1\); got shape \(4, 3\)",
        ),
        (
            lambda: windows.levels_from_changes(
                np.zeros((4, 3, 1)), np.zeros((5, 2)), mean=0, std=1
            ),
            r"z_changes must have shape \(4, horizon\); got shape \(5, 2\)",
        ),
    ],
)
def test_bad_input_raises(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]


def test_draw_cuts() -> None:
    series = np.arange(1.0, 21.0)
    fig = windows.draw_cuts(
        series,
        {
            "windows": windows.make_windows(series, 5, horizon=2),
            "chunks": (windows.chunks(series, 5), None),
        },
        title="t",
    )
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert fig.axes[0].get_title(loc="left").startswith("windows: x (14, 5, 1) in blue")
    labels = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert labels == ["series", "sample 0", "sample 1", "sample 2", "sample 3"]


def test_peak_rss_growth_sees_an_allocation_and_its_absence() -> None:
    size = 200 * 2**20

    def allocate() -> None:
        block = np.ones(size, dtype=np.uint8)  # touched pages: resident
        assert block.sum() == size

    assert windows.peak_rss_growth(allocate) >= 0.9 * size
    assert windows.peak_rss_growth(lambda: None) < 0.1 * size


def test_peak_rss_growth_passes_errors_on() -> None:
    def fail() -> None:
        raise RuntimeError("inside")

    with pytest.raises(RuntimeError, match="inside"):
        windows.peak_rss_growth(fail)
    with pytest.raises(ValueError, match="interval must be a positive"):
        windows.peak_rss_growth(lambda: None, interval=0)


def test_plot_forecasts() -> None:
    series = _series(60, 2)
    x, y = windows.make_windows(series, 8, horizon=3)
    fig = windows.plot_forecasts(
        x, y, {"zero": np.zeros_like(y)}, samples=[0, 5], series=["a", "b"], title="t"
    )
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    assert fig.axes[3].get_title() == "sample 5, b"
    lines = fig.axes[0].get_lines()
    np.testing.assert_array_equal(lines[0].get_ydata(), x[0, :, 0])
    np.testing.assert_array_equal(lines[1].get_ydata(), y[0, :, 0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"y": np.zeros((4, 3, 1))},
            r"must share samples and features; got shapes \(5, 8, 2\) and \(4, 3, 1\)",
        ),
        (
            {"forecasts": {"m": np.zeros((5, 2, 2))}},
            r"forecast 'm' must have y's shape \(5, 3, 2\); got shape \(5, 2, 2\)",
        ),
        ({"samples": [5]}, r"samples must index x's 5 samples; got \[5\]"),
        ({"series": ["a"]}, "series must name x's 2 features; got 1 names"),
    ],
)
def test_plot_forecasts_bad_input(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {
        "x": np.zeros((5, 8, 2)),
        "y": np.zeros((5, 3, 2)),
        "forecasts": {},
        "samples": [0],
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        windows.plot_forecasts(**args)  # type: ignore[arg-type]


def test_levels_from_changes_undo_the_differencing() -> None:
    rng = np.random.default_rng(0)
    level = np.cumsum(rng.normal(size=60)) + 100.0
    change = np.diff(level)
    mean, std = change.mean(), change.std()
    steps, horizon = 8, 5
    x_level, y_level = windows.make_windows(level[1:], steps, horizon=horizon)
    _, y = windows.make_windows((change - mean) / std, steps, horizon=horizon)
    # the true standardised changes give back the true levels that follow each window
    got = windows.levels_from_changes(x_level, y[:, :, 0], mean=mean, std=std)
    assert got.shape == (len(x_level), horizon)
    np.testing.assert_allclose(got, y_level[:, :, 0], rtol=0, atol=1e-9)
    # a forecast of zero standardised change is a straight line from the last level
    flat = windows.levels_from_changes(
        x_level, np.zeros((len(x_level), horizon)), mean=mean, std=std
    )
    np.testing.assert_allclose(flat, x_level[:, -1, :] + mean * np.arange(1, horizon + 1))
