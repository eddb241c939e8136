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
    """Prepare a notebook: quiet logs, seeds, determinism, print options, figures.

    Works on the backend Keras runs on (``KERAS_BACKEND``) and imports no other: on
    TensorFlow it also turns on op determinism and one thread per op; on JAX it imports
    neither TensorFlow (``keras.utils.set_random_seed`` would, when it is installed, to
    seed ``tf.data``) nor anything JAX-specific (XLA's one-thread flag is set by
    ``import lstm_helpers``, before JAX loads; XLA on the CPU is deterministic); on
    PyTorch it sets one thread per op (``torch.set_num_threads(1)``): the same summation
    order on every machine, and no two kernels side by side fighting over the cores.

    Args:
        seed: seeds Python's, NumPy's and Keras's generators (and TensorFlow's, on
            TensorFlow: ``keras.utils.set_random_seed``).
        show_versions: print the Keras, backend and NumPy versions in use.
    """
    for name, value in _quiet_env().items():
        os.environ.setdefault(name, value)
    import keras
    import matplotlib

    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    name = keras.backend.backend()
    if name == "tensorflow":
        import tensorflow as tf

        tf.get_logger().setLevel(logging.ERROR)
        _fix_threads(tf)
        tf.config.experimental.enable_op_determinism()
        keras.utils.set_random_seed(seed)
    else:
        if name == "torch":
            import torch

            torch.set_num_threads(1)
        _seed_keras(seed)
    keras.config.disable_interactive_logging()  # no progress bars with timings
    np.set_printoptions(**PRINT_OPTIONS)  # type: ignore[arg-type]
    matplotlib.rcParams.update(FIGURE_DEFAULTS)  # type: ignore[arg-type]
    _configure_ipython()
    if show_versions:
        print(f"Keras {keras.__version__} on {backend_version()}, NumPy {np.__version__}")


def steps_per_execution(steps: int) -> int:
    """What to pass as ``compile(steps_per_execution=...)`` for ``steps`` batches per call.

    ``steps`` on TensorFlow and JAX, where several training steps in one compiled call save
    the per-call overhead; 1 on PyTorch, whose trainer refuses any other value (Keras 3.15.1:
    "`steps_per_execution` must be 1 with the PyTorch backend").

    Raises:
        ValueError: if ``steps`` is not a positive integer.
    """
    import keras

    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer; got {steps!r}")
    return 1 if keras.backend.backend() == "torch" else steps


def backend_version() -> str:
    """The backend Keras runs on and its version, e.g. ``"TensorFlow 2.21.0"``, ``"JAX 0.10.2"``."""
    import importlib

    import keras

    name = keras.backend.backend()
    module, label = _BACKENDS.get(name, (name, name))
    return f"{label} {importlib.import_module(module).__version__}"


#: Keras's backend names, the module each imports and the name a reader knows it by.
_BACKENDS: dict[str, tuple[str, str]] = {
    "tensorflow": ("tensorflow", "TensorFlow"),
    "jax": ("jax", "JAX"),
    "torch": ("torch", "PyTorch"),
    "numpy": ("numpy", "NumPy"),
}


def _seed_keras(seed: int) -> None:
    """``keras.utils.set_random_seed`` without its TensorFlow step, for the other backends.

    It does what that function does for Python, NumPy, Keras's global seed generator and
    PyTorch, and leaves out ``tf.random.set_seed``, which would import TensorFlow when it is
    installed (Keras seeds it for ``tf.data`` pipelines, which a JAX notebook does not use).
    """
    import importlib
    import random

    import keras
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator
    from keras.src.utils import rng_utils

    global_state.set_global_attribute(rng_utils.GLOBAL_RANDOM_SEED, seed)
    global_state.set_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR, None)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - the global generator keras.utils seeds too
    if keras.backend.backend() == "torch":  # pragma: no cover - torch is not in the test run
        importlib.import_module("torch").manual_seed(seed)


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
