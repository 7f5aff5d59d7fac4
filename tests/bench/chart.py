"""The learning-curve chart the README shows: share of the oracle's lift over time, per scenario."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.bench import scores

COLOURS = {"attune contextual": "#1b6ca8", "vw --squarecb": "#d1495b", "vw --epsilon 0.05": "#edae49",
           "river thompson": "#66a182"}


def draw(path: Path, runs: list[dict]) -> Path:
    """One panel per scenario (its first seed): every learner's share of lift over the trailing impressions."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(runs), figsize=(4.6 * len(runs), 3.6), sharey=True, squeeze=False)
    for axis, run in zip(axes[0], runs):
        value = run["value"]
        for name, chosen in run["chosen"].items():
            earned = value[np.arange(len(chosen)), chosen]
            ends, shares = scores.curve(earned, value)
            axis.plot(ends, shares, label=name, color=COLOURS.get(name), linewidth=1.4)
        if run["shift_at"] is not None:
            axis.axvline(run["shift_at"], color="grey", linestyle=":", linewidth=1)
        axis.axhline(0.9, color="grey", linewidth=0.6)
        axis.set_title(f"{run['scenario']} (seed {run['seed']})", fontsize=10)
        axis.set_xlabel("impressions")
        axis.set_ylim(-0.2, 1.05)
        axis.grid(alpha=0.3)
    axes[0][0].set_ylabel(f"share of oracle's lift\n(trailing {scores.SMOOTHING:,} impressions)")
    axes[0][-1].legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
