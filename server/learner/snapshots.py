"""Learner snapshots on disk: written whole or not at all, so a kill mid-write leaves the last good one.

A state that is not finite is never written, and a snapshot is loaded whole or not at all: one that
does not load leaves the learner and its policies as they were, fresh, for a replay of the whole log.

The reward join can hold a million pending decisions. Encoding them in one call would hold
the GIL (and stall every request) for a long time, so its lists are written to the file a
chunk at a time, with a short sleep between chunks that lets waiting requests run.
"""

from __future__ import annotations

import copy
import io
import os
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson

from online_learning.learner import OnlineLearner
from online_learning.policies.base import is_finite_state
from server.sites import make_policy, policy_key

if TYPE_CHECKING:
    from server.sites import SiteRegistry

ROWS_PER_CALL = 1024  # one orjson call holds the GIL for well under a millisecond
YIELD_SECONDS = 0.0005  # between calls the learner sleeps, so a waiting request takes the GIL at once


def write_snapshot(file: IO[bytes], state: dict[str, Any]) -> None:
    """Write `state` as one JSON object, its "join" lists streamed in chunks.

    >>> state = {"learned": 3, "join": {"ids": list(range(2500)), "rows": [[i] for i in range(2500)]}}
    >>> out = io.BytesIO(); write_snapshot(out, state); orjson.loads(out.getvalue()) == state
    True
    >>> out = io.BytesIO(); write_snapshot(out, {"join": {"ids": []}}); out.getvalue()
    b'{"join":{"ids":[]}}'
    """
    rest = orjson.dumps({key: value for key, value in state.items() if key != "join"})
    file.write(rest[:-1] + (b',"join":{' if len(rest) > 2 else b'"join":{'))
    for n, (name, rows) in enumerate(state.get("join", {}).items()):
        file.write((b"," if n else b"") + orjson.dumps(name) + b":[")
        for start in range(0, len(rows), ROWS_PER_CALL):
            file.write((b"," if start else b"") + orjson.dumps(rows[start:start + ROWS_PER_CALL])[1:-1])
            time.sleep(YIELD_SECONDS)
        file.write(b"]")
    file.write(b"}}")


def save_snapshot(path: Path, state: dict[str, Any]) -> None:
    temporary = path.with_suffix(".tmp")
    with open(temporary, "wb") as file:
        write_snapshot(file, state)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def load_snapshot(path: Path) -> dict[str, Any] | None:
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None


class SnapshotError(ValueError):
    """A snapshot that cannot be trusted; the message says why."""


def not_finite(state: dict[str, Any]) -> list[str]:
    """The policies ('site/block') whose state in a learner's `state()` holds a number that is not finite."""
    return [key for key, saved in state.get("policies", {}).items() if not is_finite_state(saved.get("state"))]


def restore_snapshot(path: Path, *, learner: OnlineLearner, sites: SiteRegistry, log_end: int) -> bool:
    """Load the snapshot at `path` into `learner` and the policies of `sites`, whole or not at all.

    It is loaded into fresh policies and a copy of the (still empty) join first; only once all of it
    loaded are they put in place. Returns False when there is no snapshot; raises SnapshotError when
    there is one that does not load, having changed nothing.
    """
    try:
        state = load_snapshot(path)
    except (OSError, ValueError) as error:  # orjson's JSONDecodeError is a ValueError: garbage, or cut short
        raise SnapshotError(f"not readable JSON: {error}") from error
    if state is None:
        return False
    try:
        _check(state, log_end)
        policies = {policy_key(site.key, block.id): make_policy(site, block)
                    for site in sites.config.sites for block in site.blocks}
        join = copy.deepcopy(learner.join)  # nothing pending yet: a copy is the join's own settings, empty
        trial = OnlineLearner(policy_for=lambda site, block: policies.get(policy_key(site, block)),
                              weights_for=sites.weights_for, join=join)
        trial.load_state(state, policies)
    except SnapshotError:
        raise
    except Exception as error:  # any other way a snapshot can have the wrong shape
        raise SnapshotError(f"the wrong shape ({type(error).__name__}: {error})") from error
    sites.policies.update(policies)
    learner.last_seq, learner.learned = trial.last_seq, trial.learned
    learner.join = join  # whoever asks the join (the writer, /healthz) reaches it through the learner
    return True


def _check(state: Any, log_end: int) -> None:
    if not isinstance(state, dict):
        raise SnapshotError(f"a JSON {type(state).__name__}, not an object")
    for name in ("last_seq", "learned"):
        value = state.get(name)
        if type(value) is not int or value < 0:
            raise SnapshotError(f"{name} is {value!r}, not a count")
    if state["last_seq"] > log_end:
        raise SnapshotError(f"it covers the log up to {state['last_seq']}, but the log ends at {log_end}")
    if not isinstance(state.get("policies"), dict) or not all(isinstance(p, dict) for p in state["policies"].values()):
        raise SnapshotError("its policies are not an object of objects")
    bad = not_finite(state)
    if bad:
        raise SnapshotError(f"the state of {', '.join(bad)} holds numbers that are not finite (null, NaN or inf)")
