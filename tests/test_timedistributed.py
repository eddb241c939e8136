"""The TimeDistributed pictures, the series-origin lookup and the two synthetic tasks."""

from __future__ import annotations

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


def _shapes_in(clip: np.ndarray) -> list[str]:
    """The name of the shape in each frame of one clip, found by matching every 3x3 window."""
    names = []
    for frame in clip[:, :, :, 0]:
        found = [
            name
            for name, shape in tdh.SHAPES.items()
            for r in range(frame.shape[0] - 2)
            for c in range(frame.shape[1] - 2)
            if np.array_equal(frame[r : r + 3, c : c + 3], shape)
        ]
        assert len(found) == 1 and frame.sum() == 5
        names.append(found[0])
    return names


def test_shapes_light_five_pixels_and_differ() -> None:
    assert [int(s.sum()) for s in tdh.SHAPES.values()] == [5, 5, 5]
    assert len({s.tobytes() for s in tdh.SHAPES.values()}) == 3


def test_shape_order_clips() -> None:
    clips, labels = tdh.shape_order_clips(60, frames=5, size=6, seed=3)
    assert clips.shape == (60, 5, 6, 6, 1) and clips.dtype == np.float32
    assert labels.shape == (60,) and set(labels.tolist()) == {0, 1}
    again, _ = tdh.shape_order_clips(60, frames=5, size=6, seed=3)
    np.testing.assert_array_equal(clips, again)
    for clip, label in zip(clips, labels, strict=True):
        names = _shapes_in(clip)
        assert names.count("T") == 1 and names.count("⊥") == 1 and names.count("+") == 3
        first = "T" if names.index("T") < names.index("⊥") else "⊥"
        assert tdh.ORDERS[int(label)] == f"{first} first"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"frames": 1}, "frames must be an integer of at least 2; got 1"),
        ({"size": 2}, r"size must be an integer of at least 3 \(a 3x3 shape\); got 2"),
    ],
)
def test_shape_order_clips_rejects(kwargs: dict[str, int], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        tdh.shape_order_clips(4, **kwargs)
    with pytest.raises(ValueError, match="samples must be a positive integer; got 0"):
        tdh.shape_order_clips(0)


def test_draw_clips() -> None:
    clips, labels = tdh.shape_order_clips(3, frames=3, seed=0)
    fig = tdh.draw_clips(clips, labels, names=tdh.ORDERS, count=5)
    assert len(fig.axes) == 3 * 3
    assert fig.axes[0].get_ylabel() == tdh.ORDERS[int(labels[0])]
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\); got shape \(2,\)"):
        tdh.draw_clips(clips, labels[:2], names=tdh.ORDERS)
    with pytest.raises(ValueError, match=r"labels must index names \(0 to 0\); got 0 to 1"):
        tdh.draw_clips(clips, np.array([0, 1, 0]), names=["only"])
