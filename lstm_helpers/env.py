"""One call at the top of every notebook: quiet, seeded, deterministic, and versions shown."""

from __future__ import annotations

import logging
import os
import warnings

import numpy as np

#: NumPy print options used throughout the book: 4 decimals survive CPU differences.
PRINT_OPTIONS: dict[str, object] = {"precision": 4, "suppress": True, "floatmode": "fixed"}

#: Matplotlib defaults: a fixed size, resolution and font, so figures look alike everywhere.
FIGURE_DEFAULTS: dict[str, object] = {
    "figure.figsize": (7.0, 3.5),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 11,
    "svg.hashsalt": "lstm-book",
    "image.cmap": "viridis",
}


def setup(seed: int = 0, *, show_versions: bool = True) -> None:
    """Prepare a notebook: quiet logs, seeds, op determinism, print options, figures.

    Args:
        seed: seeds Python's, NumPy's and TensorFlow's generators
            (``keras.utils.set_random_seed``).
        show_versions: print the Keras, TensorFlow and NumPy versions in use.
    """
    for name, value in _quiet_env().items():
        os.environ.setdefault(name, value)
    import keras
    import matplotlib
    import tensorflow as tf

    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    _fix_threads(tf)
    tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(seed)
    keras.config.disable_interactive_logging()  # no progress bars with timings
    np.set_printoptions(**PRINT_OPTIONS)  # type: ignore[arg-type]
    matplotlib.rcParams.update(FIGURE_DEFAULTS)  # type: ignore[arg-type]
    _configure_ipython()
    if show_versions:
        print(f"Keras {keras.__version__} on TensorFlow {tf.__version__}, NumPy {np.__version__}")


def _quiet_env() -> dict[str, str]:
    from lstm_helpers import QUIET_TF_ENV

    return QUIET_TF_ENV


def _fix_threads(tf: object) -> None:
    """Use one thread per op: the same summation order on every machine."""
    threading = tf.config.threading  # type: ignore[attr-defined]
    try:
        threading.set_intra_op_parallelism_threads(1)
        threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already initialised (setup called twice)
        pass


def _configure_ipython() -> None:
    """Short tracebacks (no file paths) and PNG figures, when running under IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    shell = get_ipython()
    if shell is None:
        return
    shell.InteractiveTB.set_mode(mode="Minimal")  # the %xmode magic, without its message
    shell.run_line_magic("config", "InlineBackend.figure_formats = ['png']")
    # With MPLBACKEND=agg the inline backend never registers its formatter, and a Figure
    # would display as "<Figure size ...>": register the PNG formatter directly.
    from IPython.core.pylabtools import select_figure_formats

    select_figure_formats(shell, {"png"})
