"""Several models and several seeds of each, trained by one ``fit`` on the same batches.

One training run is an anecdote: another initialisation can move a score by more than the
difference between two models. :func:`side_by_side` builds one copy of each model per seed and
joins them into a single model with one output per copy, so that one ``fit`` (one loop over
the data, one training function) trains them all on the same batches, and compares them
paired; :func:`copy_predictions` splits the joined model's predictions by model, one row per
seed.

Why the copies do not disturb each other: the joined model's loss is the sum of the copies'
losses, and no weight is shared, so the gradient of each copy's weights is the gradient of its
own loss. An optimizer that updates each weight from that weight's own gradient (SGD, Adam,
RMSprop) then moves every copy exactly as it would move it alone. (Clipping by the global norm
of all gradients would couple them.) What the copies share is the order of the batches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from lstm_helpers._validate import check_positive, shape_str


def _check_seeds(seeds: Sequence[int]) -> list[int]:
    values = list(seeds)
    if not values:
        raise ValueError("seeds must hold at least one seed; got none")
    for s in values:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"each seed must be an integer of at least 0; got {s!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"seeds must differ from each other; got {values}")
    return [int(s) for s in values]


def copy_name(name: str, seed: int) -> str:
    """The name :func:`side_by_side` gives the copy of ``name`` initialised from ``seed``."""
    return f"{name}_seed{seed}"


def side_by_side(
    builds: Mapping[str, Callable[[], Any]], seeds: Sequence[int], *, name: str = "side_by_side"
) -> Any:
    """One copy of each model per seed, joined into one model with an output per copy.

    ``builds`` maps a name to a function returning a new, built Keras model with one input
    and one output; every model must take the same input shape. Each function is called
    once per seed right after ``keras.utils.set_random_seed(seed)``, so each copy starts
    from the weights it would have alone with that seed. The copies are nested models named
    :func:`copy_name` (``"lstm_seed0"``, ...), reachable with ``get_layer``; the outputs come
    in the order of ``builds``, then of ``seeds``.

    Compile the joined model with one loss (Keras applies it to every output and adds the
    results) and fit it on the targets repeated once per output
    (``[y] * len(model.outputs)``); :func:`copy_predictions` splits its predictions.

    Raises:
        ValueError: if ``builds`` or ``seeds`` is empty, a seed is repeated or negative, a
            model has more than one input or output, or the input shapes differ.
    """
    import keras

    values = _check_seeds(seeds)
    if not builds:
        raise ValueError("builds must map at least one name to a model builder; got none")
    for key in builds:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", key):
            raise ValueError(
                f"each name must be letters, digits, '_', '.' or '-' (a Keras layer name); "
                f"got {key!r}"
            )
    copies = []
    for key, build in builds.items():
        for seed in values:
            keras.utils.set_random_seed(seed)
            model = build()
            if len(model.inputs) != 1 or len(model.outputs) != 1:
                raise ValueError(
                    f"builds[{key!r}]() must return a model with 1 input and 1 output; got "
                    f"{len(model.inputs)} inputs and {len(model.outputs)} outputs"
                )
            model.name = copy_name(key, seed)
            copies.append(model)
    shapes = {tuple(m.inputs[0].shape[1:]) for m in copies}
    if len(shapes) != 1:
        listed = ", ".join(shape_str(("batch", *s)) for s in sorted(shapes, key=str))
        raise ValueError(f"every model must take the same input shape; got {listed}")
    inputs = keras.Input(shape=shapes.pop(), name=f"{name}_input")
    return keras.Model(inputs, [m(inputs) for m in copies], name=name)


def copy_predictions(model: Any, x: Any, *, batch_size: int = 512) -> dict[str, np.ndarray]:
    """The predictions of a :func:`side_by_side` model: one array per name, one row per seed.

    Calls the model directly (``model(x, training=False)``, ``batch_size`` samples at a
    time), which for a few hundred samples is quicker than ``predict``: nothing is traced.
    Returns ``{name: array of shape (seeds, samples, ...)}``, names in the order of the
    ``builds`` the model was made from.

    Raises:
        ValueError: if ``model`` was not made by :func:`side_by_side`.
    """
    import keras

    check_positive("batch_size", batch_size)
    copies = [layer.name for layer in model.layers if isinstance(layer, keras.Model)]
    if not copies or len(model.outputs) != len(copies) or any("_seed" not in c for c in copies):
        raise ValueError(
            f"model must be made by side_by_side (one nested model per output, named "
            f"'<name>_seed<seed>'); got {len(model.outputs)} outputs and nested models {copies}"
        )
    data = np.asarray(x)
    chunks = []
    for i in range(0, len(data), batch_size):
        out = model(data[i : i + batch_size], training=False)
        chunks.append([np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])])
    parts = [np.concatenate(outs) for outs in zip(*chunks, strict=True)]
    result: dict[str, list[np.ndarray]] = {}
    for copy, part in zip(copies, parts, strict=True):
        result.setdefault(copy.rsplit("_seed", 1)[0], []).append(part)
    return {key: np.stack(rows) for key, rows in result.items()}
