"""Several seeds and several models, trained cheaply enough to show the spread.

One training run is an anecdote: another initialisation can move a score by more than the
difference between two models. Tracing a Keras training step costs about a second per
recurrent layer, more than a short training of a small model, so the book never retraces
for a new seed.

:func:`side_by_side` builds one copy of each model per seed and joins them into a single
model with one output per copy, so that one ``fit`` (one loop over the data, one traced
training step) trains them all on the same batches, and compares them paired;
:func:`copy_predictions` splits the joined model's predictions by model, one row per seed.
Why the copies do not disturb each other: the joined model's loss is the sum of the copies'
losses, and no weight is shared, so the gradient of each copy's weights is the gradient of its
own loss. An optimizer that updates each weight from that weight's own gradient (SGD, Adam,
RMSprop) then moves every copy exactly as it would move it alone. (Clipping by the global norm
of all gradients would couple them.) What the copies share is the order of the batches.

:func:`joined_models` joins several different models (a recurrent model and its non-recurrent
rival, say) into one model with a named output each, so that one traced step trains them all.

:func:`shuffled_passes` draws the batch order of several passes up front, so that every run
takes the same batches whatever the global random state.

:func:`train_seeds` trains one architecture once per seed, one after the other, on one traced
training step: for models that cannot be joined (several inputs or outputs, stateful layers)
or when each seed must also shuffle the batches its own way.

:func:`train_on_subsets` trains several models joined by :func:`joined_models`, each on its
own rows of the same data (its loss weighted 0 on the other rows, :func:`subset_weights`),
once per seed on one traced training step: two training sets compared paired, batch by batch.

On TensorFlow, a first ``fit`` that creates variables inside its traced training step (Adam's
slots, one loss tracker per output) is traced twice; :func:`build_for_fit` creates them
beforehand. Models made by :func:`side_by_side` call it in ``fit``, and :func:`train_seeds`
calls it before its first run.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lstm_helpers._validate import as_numpy, check_positive, shape_str
from lstm_helpers.env import steps_per_execution


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


def build_for_fit(model: Any, x: Any, y: Any) -> None:
    """Create now what the first ``fit`` of a compiled model would create while tracing.

    On TensorFlow, ``fit`` traces the training step with ``tf.function``, and Keras creates
    the optimizer's variables and, for a model with several outputs, each output's loss
    tracker inside that first trace; TensorFlow then traces the step a second time. This
    builds the optimizer (``optimizer.build``) and runs the compiled loss and metrics once
    eagerly (``compute_loss``, ``compute_metrics``) on the first rows of ``x`` and ``y``,
    with zeros of the model's output shapes (``compute_output_spec``) as predictions: the
    model is not called, so stateful layers keep their states. Training is unchanged, as
    ``fit`` resets the trackers at the start of every epoch. Nothing is done on other backends
    (Keras builds all of this before tracing there), nor when ``x`` or ``y`` is not arrays
    (a dataset or a generator).
    """
    import keras

    if keras.backend.backend() != "tensorflow" or model.optimizer is None or y is None:
        return
    leaves = keras.tree.flatten(x) + keras.tree.flatten(y)
    if not all(hasattr(a, "shape") and hasattr(a, "__getitem__") for a in leaves):
        return
    fixed = {t.shape[0] for t in keras.tree.flatten(model.inputs)} - {None}
    rows = fixed.pop() if len(fixed) == 1 else 1  # a stateful model's batch size
    x_rows = keras.tree.map_structure(lambda a: a[:rows], x)
    y_rows = keras.tree.map_structure(lambda a: a[:rows], y)
    specs = keras.tree.map_structure(lambda a: keras.KerasTensor(a.shape, a.dtype), x_rows)
    zeros = keras.tree.map_structure(
        lambda t: np.zeros(t.shape, t.dtype), model.compute_output_spec(specs)
    )
    model.optimizer.build(model.trainable_variables)
    model.compute_loss(x=x_rows, y=y_rows, y_pred=zeros)
    model.compute_metrics(x_rows, y_rows, zeros, sample_weight=None)


def _zero_every_grad(model: Any) -> None:
    """Clear the gradient of every trainable variable of ``model`` (PyTorch only).

    Keras's PyTorch trainer clears the gradients before each training step with
    ``torch.nn.Module.zero_grad``, which reaches a model's variables through a dict keyed by
    their paths (``"out/kernel"``): two nested models with a layer of the same name share a
    key, one of the two variables is missing from the dict, and its gradients add up from
    step to step (Keras 3.15.1). The copies joined here all have the same layer names.
    """
    for variable in model.trainable_variables:
        variable.value.grad = None


@functools.cache
def _joined_class() -> Any:
    import keras

    class SideBySide(keras.Model):  # type: ignore[misc]
        """A functional model whose ``fit`` first calls :func:`build_for_fit`."""

        def fit(self, x: Any = None, y: Any = None, *args: Any, **kwargs: Any) -> Any:
            build_for_fit(self, x, y)
            return super().fit(x, y, *args, **kwargs)

        if keras.backend.backend() == "torch":

            def zero_grad(self, set_to_none: bool = True) -> None:
                super().zero_grad(set_to_none)
                _zero_every_grad(self)

    return SideBySide


@functools.cache
def _torch_joined_class() -> Any:
    """On PyTorch, :func:`joined_models`'s class: every gradient cleared before each step."""
    import keras

    class Joined(keras.Model):  # type: ignore[misc]
        """A functional model whose ``zero_grad`` clears every trainable variable's gradient."""

        def zero_grad(self, set_to_none: bool = True) -> None:
            super().zero_grad(set_to_none)
            _zero_every_grad(self)

    return Joined


def _check_names(builds: Mapping[str, Callable[[], Any]], what: str) -> None:
    if not builds:
        raise ValueError(f"{what} must map at least one name to a model builder; got none")
    for key in builds:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", key):
            raise ValueError(
                f"each name must be letters, digits, '_', '.' or '-' (a Keras layer name); "
                f"got {key!r}"
            )


def _one_in_one_out(model: Any, what: str) -> Any:
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(
            f"{what}() must return a model with 1 input and 1 output; got "
            f"{len(model.inputs)} inputs and {len(model.outputs)} outputs"
        )
    return model


def _common_input_shape(models: Sequence[Any]) -> tuple[Any, ...]:
    shapes = {m.name: tuple(m.inputs[0].shape[1:]) for m in models}
    first = next(iter(shapes.values()))
    if any(shape != first for shape in shapes.values()):
        listed = ", ".join(f"{key} {shape_str(('batch', *s))}" for key, s in shapes.items())
        raise ValueError(f"every model must take the same input shape; got {listed}")
    return first


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
    (``[y] * len(model.outputs)``); :func:`copy_predictions` splits its predictions. Its
    ``fit`` calls :func:`build_for_fit` first, so the training step is traced once.

    Raises:
        ValueError: if ``builds`` or ``seeds`` is empty, a seed is repeated or negative, a
            model has more than one input or output, or the input shapes differ.
    """
    import keras

    values = _check_seeds(seeds)
    _check_names(builds, "builds")
    copies = []
    for key, build in builds.items():
        for seed in values:
            keras.utils.set_random_seed(seed)
            model = _one_in_one_out(build(), f"builds[{key!r}]")
            model.name = copy_name(key, seed)
            copies.append(model)
    inputs = keras.Input(shape=_common_input_shape(copies), name=f"{name}_input")
    return _joined_class()(inputs, [m(inputs) for m in copies], name=name)


def joined_models(builders: Mapping[str, Callable[[], Any]], *, name: str = "joined") -> Any:
    """Several different models as one Keras model: one input, one named output each.

    ``builders`` maps a name to a function returning a new, built Keras model with one input
    and one output; all must take the same input shape. Each model is renamed to its key (so
    ``get_layer(key)`` returns it) and the joined model's outputs are a dict with the same
    keys: ``fit`` takes the targets as such a dict, and Keras adds the models' losses. The
    models share no layer, so each weight gets exactly the gradient its own model would get
    alone, and an optimizer that updates every weight from its own gradient (Adam, SGD)
    trains each model as it would alone on the same batches. (On PyTorch the joined model
    clears every weight's gradient before each step itself: Keras's own clearing misses a
    weight whose layer has the name of another model's layer.)

    Why join them: tracing a training step costs about a second per recurrent layer plus a
    fixed part, more than a short training. Joined, the models are traced once, and
    :func:`train_seeds` then reuses that one step for every seed (it builds the joined model
    anew for each seed, so every model starts from the weights that seed gives it).
    :func:`side_by_side` instead joins copies of each model, one per seed, and traces each
    copy: it pays off only for long trainings.

    Raises:
        ValueError: if ``builders`` is empty, a name is not a valid layer name, a model has
            more than one input or output, or the input shapes differ.
    """
    import keras

    _check_names(builders, "builders")
    models = {}
    for key, build in builders.items():
        model = _one_in_one_out(build(), f"builders[{key!r}]")
        model.name = key
        models[key] = model
    inputs = keras.Input(shape=_common_input_shape(list(models.values())), name=f"{name}_input")
    joined = _torch_joined_class() if keras.backend.backend() == "torch" else keras.Model
    return joined(inputs, {key: m(inputs) for key, m in models.items()}, name=name)


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
        chunks.append([as_numpy(o) for o in (out if isinstance(out, (list, tuple)) else [out])])
    parts = [np.concatenate(outs) for outs in zip(*chunks, strict=True)]
    result: dict[str, list[np.ndarray]] = {}
    for copy, part in zip(copies, parts, strict=True):
        result.setdefault(copy.rsplit("_seed", 1)[0], []).append(part)
    return {key: np.stack(rows) for key, rows in result.items()}


@dataclass(frozen=True)
class SeedRuns:
    """One architecture trained once per seed: the compiled model and every run's results.

    Attributes:
        model: the compiled Keras model; it holds the first seed's trained weights unless
            :meth:`use` picked another.
        seeds: the seeds, in training order.
        losses: the training loss of every epoch, one array per seed.
        weights: the trained weights of every seed, as ``model.get_weights()`` returns them.
    """

    model: Any
    seeds: tuple[int, ...]
    losses: tuple[np.ndarray, ...]
    weights: tuple[tuple[np.ndarray, ...], ...]

    def use(self, seed: int) -> Any:
        """Load the weights that training from ``seed`` reached, and return the model."""
        if seed not in self.seeds:
            raise ValueError(f"seed must be one of {list(self.seeds)}; got {seed!r}")
        self.model.set_weights(list(self.weights[self.seeds.index(seed)]))
        return self.model

    def predictions(self, x: Any) -> dict[str, np.ndarray]:
        """Every seed's prediction for ``x``: per output, an array ``(seeds, samples, ...)``.

        The keys are those of a model whose outputs are a dict, or ``"output"`` for a
        model with one output. The model is called directly (``model(x)``), which needs no
        prediction graph to be traced; afterwards it holds the first seed's weights again.
        """
        import keras

        per_seed: list[dict[str, np.ndarray]] = []
        for seed in self.seeds:
            out = self.use(seed)(x)
            named = out if isinstance(out, dict) else {"output": out}
            per_seed.append({k: keras.ops.convert_to_numpy(v) for k, v in named.items()})
        self.use(self.seeds[0])
        return {key: np.stack([run[key] for run in per_seed]) for key in per_seed[0]}

    def predict(self, x: Any) -> np.ndarray:
        """Every seed's prediction for ``x`` from a one-output model: ``(seeds, samples, ...)``.

        Raises:
            ValueError: if the model has several outputs (use :meth:`predictions`).
        """
        found = self.predictions(x)
        if list(found) != ["output"]:
            raise ValueError(f"the model has outputs {list(found)}; use predictions(x)")
        return found["output"]


def _draw_as_a_first_fit(samples: int) -> None:
    """Draw the shuffle that a model's first ``fit`` draws on JAX before its first epoch.

    On the JAX (and NumPy) backend ``fit`` shuffles arrays with NumPy's global generator, and
    the first ``fit`` after ``compile`` takes one batch from a shuffled pass to build the loss
    (``Trainer._symbolic_build``): one permutation more than any later ``fit`` draws. A
    later run draws it here, so that it shuffles as a fresh model's first ``fit`` from the
    same seed does. On TensorFlow the shuffle is a ``tf.data`` operation with its own seed and
    nothing is drawn.
    """
    import keras

    if keras.backend.backend() in ("jax", "numpy"):
        np.random.permutation(samples)  # noqa: NPY002 - the generator fit uses


def shuffled_passes(samples: int, passes: int, *, seed: int = 0) -> np.ndarray:
    """The row order of ``passes`` shuffled passes over ``samples`` rows, drawn up front.

    Index the training arrays with it and call ``fit(..., epochs=1, shuffle=False)``: the
    model sees each row once per pass, in an order that depends on ``seed`` only. Every
    seed's run, and every model joined in one ``fit``, then takes the same batches, so two
    runs differ by their initial weights alone and can be compared paired. ``fit``'s own
    shuffle draws from a global generator instead (``tf.data``'s on TensorFlow, NumPy's on
    JAX), so its batches change with whatever ran before and with the backend.

    Returns:
        An integer array of ``samples * passes`` indices: ``passes`` permutations of
        ``range(samples)``, one after the other, from ``numpy.random.default_rng(seed)``.

    Raises:
        ValueError: if ``samples`` or ``passes`` is not a positive integer or ``seed`` is
            negative.
    """
    check_positive("samples", samples)
    check_positive("passes", passes)
    _check_seeds([seed])
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.permutation(samples) for _ in range(passes)])


def train_seeds(
    build: Callable[[], Any],
    x: Any,
    y: Any,
    *,
    seeds: Sequence[int],
    epochs: int,
    batch_size: int,
    learning_rate: float = 0.02,
    loss: str = "mse",
    shuffle: bool = True,
) -> SeedRuns:
    """Train the architecture ``build()`` returns once per seed, tracing its training step once.

    ``build`` takes no argument and returns a new, uncompiled Keras model. For each seed the
    run calls ``keras.utils.set_random_seed(seed)``, takes the initial weights of a fresh
    ``build()``, resets Adam's state and calls ``fit``: each run starts and trains as a model
    built from that seed alone would, whatever ran before it. Tracing a training step costs
    about a second per LSTM layer, so reusing one compiled model keeps several seeds cheap.
    The model is compiled with Adam(``learning_rate``), ``loss`` and one graph call per epoch
    (``steps_per_execution``; 1 on PyTorch, which runs the step eagerly and accepts no other
    value); shuffling follows the seed. ``y`` is a dict of targets for a model whose outputs
    are a dict.

    With ``shuffle=False`` every run takes the batches in the order of ``x``, and every seed's
    initial weights are drawn before the first ``fit``, so no seed is set between runs. On
    TensorFlow, setting the seed clears TensorFlow's caches, and the next ``fit`` sets its
    traced step up again, which for a large model costs about as much as a short run.

    Raises:
        ValueError: if ``seeds`` is empty or repeats a seed, or ``epochs`` or ``batch_size``
            is not a positive integer.
    """
    import keras

    check_positive("epochs", epochs)
    check_positive("batch_size", batch_size)
    order = tuple(int(s) for s in seeds)
    if not order or len(set(order)) != len(order):
        raise ValueError(f"seeds must hold at least one seed, none twice; got {list(seeds)!r}")
    samples = int(np.shape(x)[0])
    keras.utils.set_random_seed(order[0])
    model = build()

    def compile_anew() -> None:
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss=loss,
            steps_per_execution=steps_per_execution(max(1, -(-samples // batch_size))),
        )

    compile_anew()
    build_for_fit(model, x, y)  # else the first fit would trace its step twice
    model.optimizer.build(model.trainable_variables)
    fresh_optimizer = [np.array(v) for v in model.optimizer.variables]
    starts = {}  # without shuffling, nothing in a run depends on the seeds set before it
    for seed in () if shuffle else order[1:]:
        keras.utils.set_random_seed(seed)
        starts[seed] = build().get_weights()
    losses: list[np.ndarray] = []
    weights: list[tuple[np.ndarray, ...]] = []
    for seed in order:
        if shuffle or seed == order[0]:
            keras.utils.set_random_seed(seed)
        if seed != order[0]:  # the first seed's weights are the model's own
            model.set_weights(starts[seed] if starts else build().get_weights())
            if keras.backend.backend() == "torch":
                # PyTorch traces nothing: compiled anew (a new Adam), the run's fit is a first
                # fit, and shuffles as a fresh model's first fit does
                compile_anew()
            else:
                for variable, value in zip(model.optimizer.variables, fresh_optimizer, strict=True):
                    variable.assign(value)
                if shuffle:
                    _draw_as_a_first_fit(samples)
        history = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=shuffle, verbose=0)
        losses.append(np.asarray(history.history["loss"], dtype=float))
        weights.append(tuple(np.array(w) for w in model.get_weights()))
    runs = SeedRuns(model, order, tuple(losses), tuple(weights))
    runs.use(order[0])
    return runs


def _check_rows(name: str, rows: Any, samples: int | None = None) -> np.ndarray:
    arr = np.asarray(rows)
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"{name} must be a non-empty 1-D array of row indices, shape (rows,); got shape "
            f"{shape_str(arr.shape)} of {arr.dtype}"
        )
    if len(np.unique(arr)) != len(arr):
        raise ValueError(
            f"{name} must hold each row at most once; got {len(arr)} rows, "
            f"{len(np.unique(arr))} different"
        )
    if arr.min() < 0 or (samples is not None and arr.max() >= samples):
        bound = "" if samples is None else f" and below {samples} (the samples of x)"
        raise ValueError(
            f"{name} must hold rows of at least 0{bound}; got rows {arr.min()} to {arr.max()}"
        )
    return arr


def subset_weights(subsets: Mapping[str, Any]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The rows of several training sets together, and each set's sample weights over them.

    ``subsets`` maps a name to the rows (integer indices, none twice) of its training set.
    Returns ``union``, the sorted rows in at least one set, and per name a ``float32`` array
    over ``union``: 0 on the rows outside the set, and ``len(union) / len(rows)`` on its own
    rows, so that it averages 1 over the union. Weighted so, the loss of a model trained on
    batches of the union has on average the scale it would have on batches of its own rows,
    while rows outside its set add nothing to it or to its gradient.

    Raises:
        ValueError: if ``subsets`` is empty, or a set is not a non-empty 1-D integer array
            of distinct rows of at least 0 (the message names the expected and the actual
            shape).
    """
    if not subsets:
        raise ValueError("subsets must map at least one name to its rows; got none")
    parts = {name: _check_rows(f"subsets[{name!r}]", rows) for name, rows in subsets.items()}
    union = np.unique(np.concatenate(list(parts.values())))
    weight = {
        name: np.isin(union, part).astype("float32") * len(union) / len(part)
        for name, part in parts.items()
    }
    return union, weight


def train_on_subsets(
    builders: Mapping[str, Callable[[], Any]],
    x: np.ndarray,
    y: np.ndarray | Mapping[str, np.ndarray],
    subsets: Mapping[str, Any],
    *,
    seeds: Sequence[int],
    epochs: int,
    batch_size: int,
    learning_rate: float = 0.02,
    loss: str = "mse",
) -> SeedRuns:
    """Train several models, each on its own rows of ``x``, as one model, once per seed.

    ``builders`` maps a name to a function returning a new, built Keras model with one input
    and one output (as for :func:`joined_models`, which joins them); ``subsets`` maps the
    same names to the rows of ``x`` that model trains on. ``y`` is one target array for
    every model, or a dict of them by name; every array has ``len(x)`` rows. One ``fit`` per
    seed trains all the models on the batches of the union of the rows, each model's loss
    weighted by :func:`subset_weights` (``sample_weight``): 0 on the rows outside its set,
    so that no gradient comes from those rows, and scaled so that its weights average 1
    over the union. The training step is traced once for all seeds.

    So a model is *not* trained as it would be alone on its rows: it takes one step per
    batch of the union (more steps than its own rows make), each step averages its loss
    over however many of its rows the batch holds, and Adam's momentum moves its weights
    on batches that hold none of them. The models are trained alike, which makes them
    comparable with each other; only a model whose set is the whole union trains exactly
    as alone.

    Each seed's run starts from the weights the joined model gets from
    ``keras.utils.set_random_seed(seed)`` (drawn for every seed before any training) and
    from a fresh Adam(``learning_rate``), and takes the union's rows in the order
    ``numpy.random.default_rng(seed).permutation`` gives them, the same in every epoch
    (``shuffle=False``): a run depends on its seed only, not on the runs before it. The
    model is compiled with ``loss`` and one graph call per epoch (``steps_per_execution``; 1
    on PyTorch, which accepts no other value).

    Returns:
        A :class:`SeedRuns` of the joined model: per seed, the training loss of every epoch
        (the sum of the weighted losses) and the trained weights. Its
        :meth:`~SeedRuns.predictions` gives every model's predictions by name, and
        ``runs.use(seed).get_layer(name)`` one model with that seed's trained weights.

    Raises:
        ValueError: if ``builders`` and ``subsets`` (or a dict ``y``) do not have the same
            names, a target array does not have ``len(x)`` rows, a set is not a non-empty
            1-D array of distinct rows of ``x``, ``seeds`` is empty or repeats a seed, or
            ``epochs`` or ``batch_size`` is not a positive integer. Shape errors name the
            expected and the actual shape.
    """
    import keras

    check_positive("epochs", epochs)
    check_positive("batch_size", batch_size)
    order_of_seeds = _check_seeds(seeds)
    _check_names(builders, "builders")
    names = list(builders)
    if set(subsets) != set(names):
        raise ValueError(f"subsets must have the names of builders, {names}; got {list(subsets)}")
    data = np.asarray(x)
    if data.ndim < 2:
        raise ValueError(
            f"x must have shape (samples, ...), the input of the models; got shape "
            f"{shape_str(data.shape)}"
        )
    samples = data.shape[0]
    if isinstance(y, Mapping):
        if set(y) != set(names):
            raise ValueError(f"y must have the names of builders, {names}; got {list(y)}")
        targets = {name: np.asarray(y[name]) for name in names}
    else:
        targets = {name: np.asarray(y) for name in names}
    for name, target in targets.items():
        if target.ndim == 0 or target.shape[0] != samples:
            label = "y" if not isinstance(y, Mapping) else f"y[{name!r}]"
            raise ValueError(
                f"{label} must have shape {shape_str((samples, *target.shape[1:]))} "
                f"(one row per sample of x); got shape {shape_str(target.shape)}"
            )
    for name, rows in subsets.items():
        _check_rows(f"subsets[{name!r}]", rows, samples)
    union, weight = subset_weights(subsets)

    def joined() -> Any:
        return joined_models(builders)

    starts = {}  # every seed's initial weights, drawn before any training
    for seed in order_of_seeds:
        keras.utils.set_random_seed(seed)
        starts[seed] = joined().get_weights()
    model = joined()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=loss,
        steps_per_execution=steps_per_execution(-(-len(union) // batch_size)),
    )
    build_for_fit(model, data, targets)  # else the first fit would trace its step twice
    model.optimizer.build(model.trainable_variables)  # on every backend
    fresh_adam = [np.array(v) for v in model.optimizer.variables]
    losses: list[np.ndarray] = []
    weights: list[tuple[np.ndarray, ...]] = []
    for seed, start in starts.items():
        model.set_weights(start)
        for variable, value in zip(model.optimizer.variables, fresh_adam, strict=True):
            variable.assign(value)
        order = union[np.random.default_rng(seed).permutation(len(union))]
        position = np.searchsorted(union, order)
        history = model.fit(
            data[order],
            {name: t[order] for name, t in targets.items()},
            sample_weight={name: w[position] for name, w in weight.items()},
            epochs=epochs,
            batch_size=batch_size,
            shuffle=False,
            verbose=0,
        )
        losses.append(np.asarray(history.history["loss"], dtype=float))
        weights.append(tuple(np.array(w) for w in model.get_weights()))
    runs = SeedRuns(model, tuple(order_of_seeds), tuple(losses), tuple(weights))
    runs.use(order_of_seeds[0])
    return runs
