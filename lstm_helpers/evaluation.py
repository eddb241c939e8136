"""Judging a trained model: held-out splits, simple baselines, and a table of scores.

A falling training loss shows that gradient descent ran, not that the model learned what it
was meant to. The functions here give every trained model of the book the same test: split the
data before training (in time order for windows cut from one series), score the model on the
part it never saw, and score the simple baselines on the same part. A model has learned
something only where it beats the best of them.

Regression baselines take windows ``x`` of shape ``(samples, timesteps, features)`` and targets
``y`` of shape ``(samples,)``, ``(samples, horizon)`` or ``(samples, horizon, outputs)``:

- *zero*: predict 0 everywhere (the right reference for standardised series);
- *train mean*: predict the training targets' mean, per target position;
- *persistence*: repeat the window's last value of one input feature;
- *seasonal naive*: repeat the value one period before each target step;
- *linear*: least squares from the flattened window (plus an intercept) to the targets.

For classification: the *majority class* of the training labels. A non-recurrent model of
similar size is built in the notebook, since it depends on the task;
:func:`lstm_helpers.seeds.joined_models` joins it and the recurrent model into one Keras
model, so that :func:`lstm_helpers.seeds.train_seeds` trains both on the same batches,
from each seed, with one traced training step for all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from lstm_helpers._text import text_table
from lstm_helpers._validate import as_numpy, check_positive, shape_str


class Split(NamedTuple):
    """The three parts of a split; each holds the given arrays cut the same way."""

    train: tuple[np.ndarray, ...]
    val: tuple[np.ndarray, ...]
    test: tuple[np.ndarray, ...]


def _check_fractions(val: float, test: float) -> None:
    if not (0.0 <= val < 1.0 and 0.0 < test < 1.0 and val + test < 1.0):
        raise ValueError(
            f"val and test must be fractions with 0 <= val, 0 < test and val + test < 1; "
            f"got val={val!r}, test={test!r}"
        )


def _check_same_length(arrays: Sequence[np.ndarray]) -> int:
    if not arrays:
        raise ValueError("give at least one array to split; got none")
    lengths = [np.shape(a)[0] if np.ndim(a) else 0 for a in arrays]
    if len(set(lengths)) != 1:
        shapes = ", ".join(shape_str(np.shape(a)) for a in arrays)
        raise ValueError(
            f"every array must have the same first axis (samples); got shapes {shapes}"
        )
    return lengths[0]


def _bounds(n: int, val: float, test: float, gap: int) -> tuple[int, int, int, int]:
    n_test = max(1, round(n * test))
    n_val = round(n * val)
    train_end = n - n_test - n_val - (2 * gap if n_val else gap)
    if train_end < 1:
        raise ValueError(
            f"{n} samples leave no training samples after val={val}, test={test}, gap={gap}"
        )
    val_start = train_end + gap
    val_end = val_start + n_val
    test_start = val_end + (gap if n_val else 0)
    return train_end, val_start, val_end, test_start


def chronological_split(
    *arrays: np.ndarray, val: float = 0.15, test: float = 0.15, gap: int = 0
) -> Split:
    """Cut arrays along their first axis in order: the first samples train, the last test.

    Use it for windows cut from one series, where a later window overlaps an earlier one:
    shuffling them before splitting lets the model see the test period while training.
    ``gap`` drops that many samples between train and validation and between validation and
    test, so that no window of one part overlaps a window (or a target) of the next; for
    windows of ``length`` steps with ``horizon`` targets, ``gap = length + horizon - 1``.

    Raises:
        ValueError: if the arrays differ in length, the fractions are invalid, or no
            training sample is left.
    """
    _check_fractions(val, test)
    if isinstance(gap, bool) or not isinstance(gap, (int, np.integer)) or gap < 0:
        raise ValueError(f"gap must be an integer of at least 0; got {gap!r}")
    n = _check_same_length(arrays)
    train_end, val_start, val_end, test_start = _bounds(n, val, test, gap)
    return Split(
        tuple(a[:train_end] for a in arrays),
        tuple(a[val_start:val_end] for a in arrays),
        tuple(a[test_start:] for a in arrays),
    )


def random_split(
    *arrays: np.ndarray, val: float = 0.15, test: float = 0.15, seed: int = 0
) -> Split:
    """Shuffle the samples with ``seed``, then cut them into train, validation and test.

    Only for independent samples (each its own sequence); never for overlapping windows of
    one series, which :func:`chronological_split` is for.

    Raises:
        ValueError: if the arrays differ in length or the fractions are invalid.
    """
    _check_fractions(val, test)
    n = _check_same_length(arrays)
    order = np.random.default_rng(seed).permutation(n)
    train_end, val_start, val_end, test_start = _bounds(n, val, test, 0)
    parts = (order[:train_end], order[val_start:val_end], order[test_start:])
    return Split(*(tuple(np.asarray(a)[idx] for a in arrays) for idx in parts))


def _pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = as_numpy(y_true).astype(np.float64)
    p = as_numpy(y_pred).astype(np.float64)
    if t.shape != p.shape:
        raise ValueError(
            f"y_pred must have the shape of y_true {shape_str(t.shape)}; "
            f"got shape {shape_str(p.shape)}"
        )
    if t.size == 0:
        raise ValueError("y_true is empty; got shape " + shape_str(t.shape))
    return t, p


def mse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean squared error over every element; the shapes must be equal (no broadcasting)."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean((t - p) ** 2))


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean absolute error over every element; the shapes must be equal (no broadcasting)."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(t - p)))


def block_bootstrap_interval(
    values: np.ndarray, *, block: int, level: float = 0.95, draws: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """A circular block bootstrap interval for the mean of a series of per-sample values.

    ``values`` has shape ``(samples,)``, in time order: for instance the difference of two
    forecasts' errors on each test window. Neighbouring windows of one series overlap, so
    their errors are not independent; resampling whole blocks of ``block`` consecutive
    values keeps that dependence. Each of ``draws`` resamples joins randomly placed blocks
    (generator seeded with ``seed``) up to the length of ``values`` and takes its mean;
    the interval is the central ``level`` fraction of those means. A block may start at
    any sample and wraps around from the last sample to the first (Politis and Romano's
    circular bootstrap), so every sample is drawn equally often; blocks that had to fit
    inside the series would draw the first and last samples less often than the rest.
    An interval that holds 0 says the two forecasts cannot be told apart on these
    samples. It measures the luck of the test samples only: it says nothing about how
    much a second training run, from another seed, would move either forecast.

    Raises:
        ValueError: if ``values`` is not 1-D or ``block`` exceeds its length, or ``level``
            is not between 0 and 1.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"values must have shape (samples,); got shape {shape_str(v.shape)}")
    check_positive("block", block)
    check_positive("draws", draws)
    if block > v.size:
        raise ValueError(f"block must be at most the {v.size} samples; got {block}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie between 0 and 1; got {level!r}")
    per_draw = -(-v.size // block)
    starts = np.random.default_rng(seed).integers(0, v.size, (draws, per_draw))
    rows = (starts[:, :, None] + np.arange(block)) % v.size  # blocks wrap around the end
    picked = v[rows.reshape(draws, -1)[:, : v.size]]
    low, high = np.quantile(picked.mean(axis=1), [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def accuracy(labels: np.ndarray, predicted: np.ndarray) -> float:
    """The fraction of samples whose predicted class equals the label.

    ``labels`` has shape ``(samples,)`` (integer classes); ``predicted`` is either the same
    shape (classes) or ``(samples, classes)`` (scores or probabilities, argmax taken).
    """
    lab = as_numpy(labels)
    pred = as_numpy(predicted)
    if lab.ndim != 1 or lab.size == 0:
        raise ValueError(f"labels must have shape (samples,); got shape {shape_str(lab.shape)}")
    if pred.ndim == 2 and pred.shape[0] == lab.shape[0]:
        pred = pred.argmax(axis=1)
    if pred.shape != lab.shape:
        raise ValueError(
            f"predicted must have shape ({lab.shape[0]},) or ({lab.shape[0]}, classes); "
            f"got shape {shape_str(np.shape(predicted))}"
        )
    return float(np.mean(pred == lab))


class PairedDifference(NamedTuple):
    """Two classifiers' accuracies compared on the same samples; see
    :func:`paired_accuracy_difference`."""

    difference: float
    """Accuracy of ``a`` minus accuracy of ``b``."""
    se: float
    """Standard error of ``difference``, from the per-sample differences."""
    low: float
    """Lower end of the ``level`` interval: ``difference - z * se``."""
    high: float
    """Upper end of the ``level`` interval: ``difference + z * se``."""
    a_only: int
    """Samples that ``a`` got right and ``b`` got wrong (1-D input only, else 0)."""
    b_only: int
    """Samples that ``b`` got right and ``a`` got wrong (1-D input only, else 0)."""
    p_value: float
    """Two-sided p-value of "no difference", by the exact McNemar test for 1-D input and
    by the normal approximation ``2 * (1 - Phi(|difference / se|))`` for 2-D input."""

    def __str__(self) -> str:
        return (
            f"{self.difference:+.3f} (paired SE {self.se:.3f}, z {self.z:+.2f}, "
            f"95% {self.low:+.3f} to {self.high:+.3f}, p {self.p_value:.3f})"
        )

    @property
    def z(self) -> float:
        """``difference / se`` (0 when both classifiers agree on every sample)."""
        return self.difference / self.se if self.se > 0 else 0.0


def _hits(name: str, hits: np.ndarray) -> np.ndarray:
    arr = np.asarray(hits)
    if arr.ndim not in (1, 2) or arr.size == 0:
        raise ValueError(
            f"{name} must have shape (samples,) or (seeds, samples); "
            f"got shape {shape_str(arr.shape)}"
        )
    values = arr.astype(np.float64)
    if not np.all((values == 0) | (values == 1)):
        raise ValueError(f"{name} must hold hits (True/False or 1/0) only")
    return values


def paired_accuracy_difference(
    hits_a: np.ndarray, hits_b: np.ndarray, *, level: float = 0.95
) -> PairedDifference:
    """How far apart two classifiers' accuracies are, measured on the same test samples.

    ``hits_a`` and ``hits_b`` say, per test sample, whether each classifier got it right:
    shape ``(samples,)``, or ``(seeds, samples)`` for several training runs (each sample's
    hit rate over the seeds is then used). Both are scored on the same samples in the same
    order, so the comparison is paired: the standard error comes from the per-sample
    differences ``a - b``. It is smaller than the independent-samples error
    ``hypot(se_a, se_b)`` whenever the two classifiers tend to get the same samples right,
    which two models of one task do; using the independent error would make a real gap
    look like noise.

    For 1-D input the p-value is the exact McNemar test: under "no difference", each of
    the ``a_only + b_only`` samples on which the two disagree is equally likely to go
    either way (``scipy.stats.binomtest``). Failing to reject says only that this many
    samples cannot tell the two apart; to claim that they are about equal, check that the
    interval ``(low, high)`` lies within the margin you care about.

    Raises:
        ValueError: if the shapes differ, are not ``(samples,)`` or ``(seeds, samples)``,
            or hold anything but hits; or if ``level`` is not between 0 and 1.
    """
    from scipy.stats import binomtest, norm  # type: ignore[import-untyped]

    a = _hits("hits_a", hits_a)
    b = _hits("hits_b", hits_b)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"hits_b must cover the {a.shape[-1]} samples of hits_a {shape_str(a.shape)}; "
            f"got shape {shape_str(b.shape)}"
        )
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie between 0 and 1; got {level!r}")
    rate_a = a if a.ndim == 1 else a.mean(axis=0)
    rate_b = b if b.ndim == 1 else b.mean(axis=0)
    d = rate_a - rate_b
    n = d.size
    se = float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0
    diff = float(d.mean())
    z_level = float(norm.ppf((1 + level) / 2))
    if a.ndim == 1 and b.ndim == 1:
        a_only = int(np.sum((a == 1) & (b == 0)))
        b_only = int(np.sum((a == 0) & (b == 1)))
        p = float(binomtest(a_only, a_only + b_only).pvalue) if a_only + b_only else 1.0
    else:
        a_only = b_only = 0
        p = float(2 * norm.sf(abs(diff / se))) if se > 0 else 1.0
    return PairedDifference(diff, se, diff - z_level * se, diff + z_level * se, a_only, b_only, p)


def _check_windows(x: np.ndarray, name: str = "x") -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 3:
        raise ValueError(
            f"{name} must have shape (samples, timesteps, features); "
            f"got shape {shape_str(arr.shape)}"
        )
    return arr


def _check_targets(y: np.ndarray, samples: int, name: str = "y") -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim not in (1, 2, 3) or arr.shape[0] != samples:
        raise ValueError(
            f"{name} must have shape ({samples},), ({samples}, horizon) or "
            f"({samples}, horizon, outputs); got shape {shape_str(arr.shape)}"
        )
    return arr


def zero_forecast(y: np.ndarray) -> np.ndarray:
    """Zeros shaped like ``y``: the baseline for standardised or zero-mean targets."""
    return np.zeros(np.shape(y), dtype=np.float64)


def mean_forecast(y_train: np.ndarray, samples: int) -> np.ndarray:
    """The training targets' mean (per target position), repeated for ``samples`` samples."""
    check_positive("samples", samples)
    arr = np.asarray(y_train, dtype=np.float64)
    if arr.ndim < 1 or arr.shape[0] == 0:
        raise ValueError(
            f"y_train must have shape (samples, ...); got shape {shape_str(arr.shape)}"
        )
    mean = arr.mean(axis=0)
    return np.broadcast_to(mean, (samples, *mean.shape)).copy()


def _spread_over(values: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Per-sample values ``(samples, k)`` laid out like targets ``like``."""
    if like.ndim == 1:
        return values[:, -1]
    if like.ndim == 2:
        return values
    return np.repeat(values[:, :, np.newaxis], like.shape[2], axis=2)


def persistence_forecast(x: np.ndarray, y_like: np.ndarray, *, feature: int = 0) -> np.ndarray:
    """Repeat each window's last value of ``feature`` over every target position.

    ``y_like`` only gives the targets' shape: ``(samples,)``, ``(samples, horizon)`` or
    ``(samples, horizon, outputs)``.
    """
    xs = _check_windows(x)
    ys = _check_targets(y_like, xs.shape[0], "y_like")
    if not -xs.shape[2] <= feature < xs.shape[2]:
        raise ValueError(f"feature must index one of x's {xs.shape[2]} features; got {feature}")
    horizon = 1 if ys.ndim == 1 else ys.shape[1]
    last = xs[:, -1, feature].astype(np.float64)
    return _spread_over(np.repeat(last[:, np.newaxis], horizon, axis=1), ys)


def seasonal_naive_forecast(
    x: np.ndarray, y_like: np.ndarray, *, period: int, feature: int = 0
) -> np.ndarray:
    """Predict each target step by the value ``period`` steps earlier (repeating the last period).

    Target step ``k`` (0-based, the first step after the window) gets the window's value at
    ``k - period`` counted from the window's end, wrapping every ``period`` steps. Needs
    windows of at least ``period`` steps.
    """
    check_positive("period", period)
    xs = _check_windows(x)
    ys = _check_targets(y_like, xs.shape[0], "y_like")
    if xs.shape[1] < period:
        raise ValueError(
            f"x must have at least period={period} timesteps; got shape {shape_str(xs.shape)}"
        )
    horizon = 1 if ys.ndim == 1 else ys.shape[1]
    last_period = xs[:, -period:, feature].astype(np.float64)
    values = last_period[:, np.arange(horizon) % period]
    return _spread_over(values, ys)


@dataclass(frozen=True)
class LinearModel:
    """Least squares from a flattened window (and a constant) to flattened targets."""

    coef: np.ndarray
    target_shape: tuple[int, ...]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Targets for windows ``x`` of the shape the model was fitted on."""
        xs = np.asarray(x, dtype=np.float64)
        inputs = self.coef.shape[0] - 1
        if xs.ndim < 2 or int(np.prod(xs.shape[1:])) != inputs:
            raise ValueError(
                f"x must have shape (samples, ...) with {inputs} values per sample; "
                f"got shape {shape_str(xs.shape)}"
            )
        flat = xs.reshape(xs.shape[0], -1)
        out = np.hstack([flat, np.ones((flat.shape[0], 1))]) @ self.coef
        result: np.ndarray = out.reshape(xs.shape[0], *self.target_shape)
        return result


def fit_linear(x_train: np.ndarray, y_train: np.ndarray, *, ridge: float = 1e-6) -> LinearModel:
    """Fit :class:`LinearModel` by (very lightly regularised) least squares.

    ``x_train`` has shape ``(samples, ...)`` and is flattened per sample; ``y_train`` has
    shape ``(samples, ...)``. ``ridge`` keeps the solve stable when inputs are collinear.
    """
    xs = np.asarray(x_train, dtype=np.float64)
    ys = np.asarray(y_train, dtype=np.float64)
    if xs.ndim < 2 or ys.ndim < 1 or xs.shape[0] != ys.shape[0] or xs.shape[0] == 0:
        raise ValueError(
            f"x_train (samples, ...) and y_train (samples, ...) must share samples; "
            f"got shapes {shape_str(xs.shape)} and {shape_str(ys.shape)}"
        )
    if ridge < 0:
        raise ValueError(f"ridge must be at least 0; got {ridge!r}")
    flat = np.hstack([xs.reshape(xs.shape[0], -1), np.ones((xs.shape[0], 1))])
    targets = ys.reshape(ys.shape[0], -1)
    gram = flat.T @ flat + ridge * np.eye(flat.shape[1])
    coef = np.linalg.solve(gram, flat.T @ targets)
    return LinearModel(coef, tuple(ys.shape[1:]))


def regression_baselines(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    *,
    period: int | None = None,
    feature: int = 0,
    persistence: bool = True,
) -> dict[str, float]:
    """Test MSE of every simple regression baseline, fitted on the training part only.

    Returns ``{"zero": ..., "train mean": ..., "persistence": ..., "seasonal naive": ...,
    "linear": ...}``; *seasonal naive* only when ``period`` is given, *persistence* only
    when ``persistence`` is true (it makes no sense when the input feature is not the
    quantity predicted).
    """
    xtr = _check_windows(x_train, "x_train")
    xte = _check_windows(x_test, "x_test")
    ytr = _check_targets(y_train, xtr.shape[0], "y_train")
    yte = _check_targets(y_test, xte.shape[0], "y_test")
    if xtr.shape[1:] != xte.shape[1:] or ytr.shape[1:] != yte.shape[1:]:
        raise ValueError(
            f"train and test must have the same shapes after the samples axis; got x "
            f"{shape_str(xtr.shape)} vs {shape_str(xte.shape)}, y {shape_str(ytr.shape)} "
            f"vs {shape_str(yte.shape)}"
        )
    scores = {
        "zero": mse(yte, zero_forecast(yte)),
        "train mean": mse(yte, mean_forecast(ytr, yte.shape[0])),
    }
    if persistence:
        scores["persistence"] = mse(yte, persistence_forecast(xte, yte, feature=feature))
    if period is not None:
        scores["seasonal naive"] = mse(
            yte, seasonal_naive_forecast(xte, yte, period=period, feature=feature)
        )
    scores["linear"] = mse(yte, fit_linear(xtr, ytr).predict(xte))
    return scores


def majority_class(labels_train: np.ndarray, samples: int) -> np.ndarray:
    """The most frequent training label (the smallest on ties), repeated ``samples`` times."""
    check_positive("samples", samples)
    lab = np.asarray(labels_train)
    if lab.ndim != 1 or lab.size == 0:
        raise ValueError(
            f"labels_train must have shape (samples,); got shape {shape_str(lab.shape)}"
        )
    values, counts = np.unique(lab, return_counts=True)
    return np.full(samples, values[np.argmax(counts)])


def _as_runs(value: float | Iterable[float]) -> tuple[float, ...]:
    runs = (
        (float(value),)
        if isinstance(value, (int, float, np.floating))
        else tuple(float(v) for v in value)
    )
    if not runs or not all(np.isfinite(runs)):
        raise ValueError(f"a score must be one finite number or several; got {value!r}")
    return runs


def _fmt(v: float) -> str:
    return f"{v:.3g}"


@dataclass
class Comparison:
    """Scores of models and baselines on held-out data, printed as a table.

    Each entry is one score, or several (one per seed) summarised by their mean and range.
    ``lower_is_better`` is true for errors (MSE), false for accuracy.
    """

    metric: str = "test MSE"
    lower_is_better: bool = True
    models: dict[str, tuple[float, ...]] = field(default_factory=dict)
    baselines: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def add_model(self, name: str, score: float | Iterable[float]) -> Comparison:
        """Record a model's score (or one score per seed); returns ``self``."""
        self.models[name] = _as_runs(score)
        return self

    def add_baseline(self, name: str, score: float | Iterable[float]) -> Comparison:
        """Record a baseline's score; returns ``self``."""
        self.baselines[name] = _as_runs(score)
        return self

    def add_baselines(self, scores: dict[str, float]) -> Comparison:
        """Record several baselines, such as :func:`regression_baselines` returns."""
        for name, score in scores.items():
            self.add_baseline(name, score)
        return self

    def score(self, name: str) -> float:
        """The (mean) score of a model or baseline."""
        runs = self.models.get(name, self.baselines.get(name))
        if runs is None:
            raise ValueError(f"no entry named {name!r}; have {[*self.models, *self.baselines]}")
        return float(np.mean(runs))

    def worst(self, name: str) -> float:
        """The worst score over the seeds of an entry (the highest error, lowest accuracy)."""
        runs = self.models.get(name, self.baselines.get(name))
        if runs is None:
            raise ValueError(f"no entry named {name!r}; have {[*self.models, *self.baselines]}")
        return max(runs) if self.lower_is_better else min(runs)

    def best_baseline(self) -> tuple[str, float]:
        """The name and score of the strongest baseline."""
        if not self.baselines:
            raise ValueError("no baseline recorded")
        pick = min if self.lower_is_better else max
        name = pick(self.baselines, key=self.score)
        return name, self.score(name)

    def ratio(self, name: str, baseline: str | None = None) -> float:
        """``name``'s score divided by ``baseline``'s (default: the best baseline's)."""
        ref = self.best_baseline()[1] if baseline is None else self.score(baseline)
        if ref == 0:
            raise ValueError(f"the reference score is 0; cannot divide by {baseline!r}")
        return self.score(name) / ref

    def rows(self) -> list[list[str]]:
        """One row per entry, best first: name, kind, score (mean), range over seeds."""
        entries = [(n, "model", r) for n, r in self.models.items()] + [
            (n, "baseline", r) for n, r in self.baselines.items()
        ]
        sign = 1.0 if self.lower_is_better else -1.0
        entries.sort(key=lambda e: sign * float(np.mean(e[2])))
        return [
            [
                name,
                kind,
                _fmt(float(np.mean(runs))),
                f"{_fmt(min(runs))} to {_fmt(max(runs))} ({len(runs)})" if len(runs) > 1 else "",
            ]
            for name, kind, runs in entries
        ]

    def table(self) -> str:
        """The plain-text table, best entry first."""
        lines = text_table(["", "kind", self.metric, "range over seeds"], self.rows(), right=(2,))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()
