"""A wall clock a test can move forward: decide's and the counters' `clock_ms`."""

from __future__ import annotations

import time


class Clock:
    """The wall clock in ms plus whatever time a test let pass."""

    def __init__(self) -> None:
        self.passed_ms = 0

    def __call__(self) -> int:
        return time.time_ns() // 1_000_000 + self.passed_ms

    def pass_minutes(self, minutes: float) -> None:
        self.passed_ms += round(minutes * 60_000)
