"""Pictures drawn from real arrays: a 3-D input's axes, and an LSTM unrolled over time."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from lstm_helpers._validate import check_shape

MAX_CELLS = 48  # beyond this many (sample, timestep) boxes a picture stops being readable


def _fmt_vec(v: np.ndarray) -> str:
    return "[" + " ".join(f"{float(a):.2f}" for a in v) + "]"


def draw_array(x: np.ndarray, *, title: str | None = None) -> Figure:
    """Draw a (samples, timesteps, features) array as one heat map per sample.

    Each panel is one sample: rows are timesteps (time runs downwards), columns are
    features, and every cell is labelled with its value.
    """
    x = np.asarray(x)
    check_shape("x", x, ("samples", "timesteps", "features"))
    samples, timesteps, features = x.shape
    if samples * timesteps * features > 400:
        raise ValueError(
            f"x is too large to label every value: at most 400 values; got shape {x.shape}"
        )
    fig, axes = plt.subplots(
        1,
        samples,
        figsize=(1.0 + 1.3 * samples + 0.35 * samples * features, 1.2 + 0.4 * timesteps),
        squeeze=False,
    )
    lo, hi = float(x.min()), float(x.max())
    for s, ax in enumerate(axes[0]):
        ax.imshow(x[s], cmap="Blues", vmin=lo - 0.25 * (hi - lo + 1e-9), vmax=hi, aspect="auto")
        for t in range(timesteps):
            for f in range(features):
                ax.text(f, t, f"{x[s, t, f]:g}", ha="center", va="center", fontsize=9)
        ax.set_title(f"sample {s}\nx[{s}, :, :]", fontsize=9)
        ax.set_xticks(range(features), [f"f{f}" for f in range(features)], fontsize=8)
        ax.set_yticks(range(timesteps), [f"t{t}" for t in range(timesteps)], fontsize=8)
        if s == 0:
            ax.set_ylabel("timesteps (axis 1)")
        ax.set_xlabel("features (axis 2)", fontsize=8)
    fig.suptitle(title or f"x.shape = {x.shape} = (samples, timesteps, features)", fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


def draw_unrolled(
    x: np.ndarray,
    h: np.ndarray | None = None,
    *,
    units: int | None = None,
    title: str | None = None,
) -> Figure:
    """Draw an LSTM layer unrolled over the timesteps of a batch.

    One row per sample, one column per timestep. Each box is the same layer (the same
    weights) at one step; arrows carry h and c from step t to step t + 1 within a row,
    and no arrow joins two rows: samples never exchange state.

    Args:
        x: the batch, shape (batch, timesteps, features); its values label the inputs.
        h: the layer's outputs at every step, shape (batch, timesteps, units), to label
            the outputs; optional.
        units: the number of units, when ``h`` is not given.
    """
    x = np.asarray(x)
    check_shape("x", x, ("batch", "timesteps", "features"))
    batch, timesteps, features = x.shape
    if h is not None:
        h = np.asarray(h)
        check_shape("h", h, (batch, timesteps, "units"))
        units = h.shape[2]
    if batch * timesteps > MAX_CELLS:
        raise ValueError(
            f"at most {MAX_CELLS} boxes (batch*timesteps) fit a picture; got shape {x.shape}"
        )
    fig, ax = plt.subplots(figsize=(1.6 + 1.9 * timesteps, 0.6 + 1.9 * batch))
    ax.set_xlim(-1.3, timesteps - 0.3)
    ax.set_ylim(-0.5, batch * 1.0 - 0.2)
    ax.axis("off")
    for b in range(batch):
        y0 = batch - 1 - b  # sample 0 at the top
        ax.text(-1.25, y0 + 0.25, f"sample {b}", ha="left", va="center", fontsize=9, weight="bold")
        ax.text(
            -0.72, y0 + 0.05, "h0 = 0\nc0 = 0", ha="center", va="center", fontsize=7, color="0.35"
        )
        for t in range(timesteps):
            ax.add_patch(
                FancyBboxPatch(
                    (t - 0.3, y0 - 0.05),
                    0.6,
                    0.22,
                    boxstyle="round,pad=0.02",
                    fc="#fde2c4",
                    ec="#c46a00",
                )
            )
            ax.text(t, y0 + 0.06, "LSTM", ha="center", va="center", fontsize=8)
            ax.text(
                t,
                y0 - 0.3,
                "x " + _fmt_vec(x[b, t]),
                ha="center",
                va="center",
                fontsize=7,
                color="#1f4e9c",
            )
            ax.add_patch(
                FancyArrowPatch(
                    (t, y0 - 0.22),
                    (t, y0 - 0.07),
                    arrowstyle="-|>",
                    mutation_scale=8,
                    color="#1f4e9c",
                )
            )
            if h is not None:
                ax.text(
                    t,
                    y0 + 0.42,
                    "h " + _fmt_vec(h[b, t]),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="#16803c",
                )
                ax.add_patch(
                    FancyArrowPatch(
                        (t, y0 + 0.19),
                        (t, y0 + 0.35),
                        arrowstyle="-|>",
                        mutation_scale=8,
                        color="#16803c",
                    )
                )
            start = t - 0.7 if t else -0.52
            ax.add_patch(
                FancyArrowPatch(
                    (start, y0 + 0.06),
                    (t - 0.32, y0 + 0.06),
                    arrowstyle="-|>",
                    mutation_scale=10,
                    color="#c46a00",
                )
            )
            if b == 0:
                ax.text(t, batch - 0.35, f"timestep {t}", ha="center", va="bottom", fontsize=9)
    shape_note = f"batch={batch}, timesteps={timesteps}, features={features}"
    if units is not None:
        shape_note += f", units={units}"
    ax.set_title(
        title or f"{shape_note}\nstate (h, c) flows along each row, never between rows", fontsize=10
    )
    fig.tight_layout()
    plt.close(fig)
    return fig
