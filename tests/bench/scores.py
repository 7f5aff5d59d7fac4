"""How well a run of choices did against the oracle and uniform choice on the same visitors."""

from __future__ import annotations

import numpy as np

SMOOTHING = 2000  # impressions in the trailing window of a learning curve
STEP = 250


def share(earned: np.ndarray, value: np.ndarray) -> float:
    """Share of the oracle's lift over uniform a run earned: 0 is uniform choice, 1 the oracle."""
    uniform, oracle = value.mean(axis=1).mean(), value.max(axis=1).mean()
    return float((earned.mean() - uniform) / (oracle - uniform))


def curve(earned: np.ndarray, value: np.ndarray, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(impressions since `start`, share of lift over the trailing SMOOTHING impressions), every STEP."""
    ends = np.arange(start + STEP, len(earned) + 1, STEP)
    shares = [share(earned[max(start, e - SMOOTHING):e], value[max(start, e - SMOOTHING):e]) for e in ends]
    return ends - start, np.array(shares)


def reached(earned: np.ndarray, value: np.ndarray, level: float = 0.8, start: int = 0) -> int | None:
    """Impressions after `start` until the trailing share of lift first reaches `level` (None: never)."""
    ends, shares = curve(earned, value, start)
    hits = np.flatnonzero(shares >= level)
    return int(ends[hits[0]]) if len(hits) else None


def summary(chosen: np.ndarray, value: np.ndarray, shift_at: int | None) -> dict:
    earned = value[np.arange(len(chosen)), chosen]
    tail = slice(int(0.9 * len(earned)), None)
    out = {"mean_reward": float(earned.mean()), "share": share(earned, value),
           "last_10pct_reward": float(earned[tail].mean()), "last_10pct_share": share(earned[tail], value[tail]),
           "to_80pct": reached(earned, value)}
    if shift_at is not None:
        out["before_shift_share"] = share(earned[:shift_at], value[:shift_at])
        out["after_shift_share"] = share(earned[shift_at:], value[shift_at:])
        out["recovery_to_80pct"] = reached(earned, value, start=shift_at)
    return out
