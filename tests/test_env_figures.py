"""Under IPython, setup() makes a returned Figure display as a PNG, whatever the backend."""

from __future__ import annotations

import matplotlib.pyplot as plt
from IPython.core.interactiveshell import InteractiveShell

import lstm_helpers


def test_figure_displays_as_png() -> None:
    shell = InteractiveShell.instance()
    lstm_helpers.setup(show_versions=False)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    plt.close(fig)
    formatter = shell.display_formatter
    assert formatter is not None
    data, _ = formatter.format(fig)
    assert data.get("image/png")
    assert data["text/plain"].startswith("<Figure size")
