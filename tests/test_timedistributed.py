"""The TimeDistributed pictures, the series-origin lookup and the two synthetic tasks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lstm_helpers import timedistributed as tdh


def test_draw_weight_sharing_one_box_per_slice() -> None:
    fig = tdh.draw_weight_sharing(
        (3, 2, 6, 1), (3, 2, 3), layer="LSTM(3)", weights={"kernel": (1, 12), "bias": (12,)}
    )
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert sum("LSTM(3)" in t for t in texts) == 2
    assert "x[:, 1]\n(3, 6, 1)" in texts and "y[:, 0]\n(3, 3)" in texts
    assert any("kernel (1, 12)" in t for t in texts)


@pytest.mark.parametrize(
    ("inp", "out", "match"),
    [
        ((3, 4), (3, 4), r"at least 3 axes.*got \(3, 4\)"),
        ((3, 2, 4), (3, 5, 1), r"same known length.*\(3, 2, 4\).*\(3, 5, 1\)"),
        ((3, None, 4), (3, None, 1), "same known length"),
        ((1, 9, 4), (1, 9, 2), "at most 8 slices fit a picture; got 9"),
    ],
)
def test_draw_weight_sharing_rejects(
    inp: tuple[int | None, ...], out: tuple[int | None, ...], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        tdh.draw_weight_sharing(inp, out, layer="Dense(1)", weights={})


def _stacked(steps: int = 6) -> np.ndarray:
    t = np.arange(steps, dtype="float32")
    return np.stack([100 + t, 200 + t], axis=-1)


def test_series_origin_tells_reshape_from_permute() -> None:
    x = _stacked()
    wrong = x.reshape(2, 6)
    right = x.T.reshape(2, 6)
    np.testing.assert_array_equal(tdh.series_origin(x, wrong), [[0, 1] * 3] * 2)
    np.testing.assert_array_equal(tdh.series_origin(x, right), [[0] * 6, [1] * 6])


def test_series_origin_rejects() -> None:
    with pytest.raises(ValueError, match=r"shape \(timesteps, series\); got shape \(6,\)"):
        tdh.series_origin(np.arange(6), np.arange(6))
    with pytest.raises(ValueError, match="distinct values"):
        tdh.series_origin(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"taken from x; 7\.0 is not in x"):
        tdh.series_origin(_stacked(), np.array([100.0, 7.0]))


def test_draw_series_split() -> None:
    x = _stacked()
    fig = tdh.draw_series_split(x, {"a": x.reshape(2, 6, 1), "b": x.T.reshape(2, 6)})
    assert len(fig.axes) == 3
    with pytest.raises(ValueError, match="at least one split"):
        tdh.draw_series_split(x, {})
    with pytest.raises(ValueError, match=r"a must have shape \(slices, length\)"):
        tdh.draw_series_split(x, {"a": x.reshape(1, 2, 3, 2)})


def test_two_series_task_continues_each_wave() -> None:
    x, y = tdh.two_series_task(5, timesteps=7, horizon=3, seed=2)
    assert x.shape == (5, 7, 2) and y.shape == (5, 3, 2) and x.dtype == np.float32
    again = tdh.two_series_task(5, timesteps=7, horizon=3, seed=2)
    np.testing.assert_array_equal(x, again[0])
    longer, _ = tdh.two_series_task(5, timesteps=10, horizon=1, seed=2)
    np.testing.assert_allclose(longer[:, 7:], y, atol=1e-6)  # y is the waves' continuation
    assert not np.allclose(x[:, :, 0], x[:, :, 1])  # the two series differ
    with pytest.raises(ValueError, match="horizon must be a positive integer; got 0"):
        tdh.two_series_task(5, horizon=0)


def test_moving_dot_videos() -> None:
    videos, labels = tdh.moving_dot_videos(40, frames=4, size=6, seed=3)
    assert videos.shape == (40, 4, 6, 6, 1) and labels.shape == (40,)
    assert (videos.sum(axis=(2, 3, 4)) == 1).all()
    for video, label in zip(videos, labels, strict=True):
        where = [np.argwhere(frame[:, :, 0] == 1)[0] for frame in video]
        steps = {tuple(int(d) for d in b - a) for a, b in itertools.pairwise(where)}
        assert steps == {tdh._STEPS[int(label)]}
    assert set(labels.tolist()) == {0, 1, 2, 3}
    with pytest.raises(ValueError, match=r"at most size \(6\).*got 7"):
        tdh.moving_dot_videos(2, frames=7, size=6)


def test_draw_videos() -> None:
    videos, labels = tdh.moving_dot_videos(3, frames=3, seed=0)
    fig = tdh.draw_videos(videos, labels, count=5)
    assert len(fig.axes) == 3 * 3
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\); got shape \(2,\)"):
        tdh.draw_videos(videos, labels[:2])
