"""The pictures draw from real arrays and reject shapes they cannot show."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from lstm_helpers import diagrams


def test_draw_array_one_panel_per_sample() -> None:
    fig = diagrams.draw_array(np.arange(24).reshape(3, 4, 2))
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert fig.axes[1].get_title() == "sample 1\nx[1, :, :]"


def test_draw_unrolled_labels_values() -> None:
    x = np.zeros((2, 3, 1))
    h = np.full((2, 3, 2), 0.25)
    fig = diagrams.draw_unrolled(x, h)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("LSTM") == 6 and "h [0.25 0.25]" in texts
    assert "units=2" in fig.axes[0].get_title()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: diagrams.draw_array(np.zeros((4, 2))),
            r"x must have shape \(samples, timesteps, features\)",
        ),
        (lambda: diagrams.draw_array(np.zeros((10, 10, 5))), "at most 400 values"),
        (
            lambda: diagrams.draw_unrolled(np.zeros((2, 3, 1)), np.zeros((2, 4, 2))),
            r"h must have shape \(2, 3, units\); got shape \(2, 4, 2\)",
        ),
        (lambda: diagrams.draw_unrolled(np.zeros((8, 8, 1))), "at most 48 boxes"),
    ],
)
def test_bad_input_raises(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]
