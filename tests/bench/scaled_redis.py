"""What scaled mode costs Redis, read from Redis itself: commands, network and AOF bytes, memory, per unit of work.

Each figure is the difference of two INFO readings around one phase of the benchmark, divided by the
decisions or events that phase made; commands issued inside the events script (SET NX, XADD) are counted
by Redis as calls of their own, so `commands` includes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import redis

from server.scaled.stream import POLICY_KEY, STREAM

# commands only the learner issues; the rest come from the edges (and this benchmark's own INFO calls)
LEARNER_COMMANDS = {"xreadgroup", "xack", "xautoclaim", "xtrim", "xinfo|groups", "xpending", "xgroup|create", "publish",
                    "multi", "exec"}
OWN_COMMANDS = {"info", "memory|usage", "strlen", "xlen", "ping"}


@dataclass
class Reading:
    commands: dict[str, int] = field(default_factory=dict)
    net_in: int = 0
    net_out: int = 0
    aof: int = 0
    memory: int = 0
    stream_bytes: int = 0
    stream_entries: int = 0


def read(client: redis.Redis) -> Reading:
    stats, persistence, memory = client.info("stats"), client.info("persistence"), client.info("memory")
    calls = {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in client.info("commandstats").items()}
    return Reading(commands=calls, net_in=int(stats["total_net_input_bytes"]),
                   net_out=int(stats["total_net_output_bytes"]), aof=int(persistence.get("aof_current_size", 0)),
                   memory=int(memory["used_memory"]), stream_bytes=int(client.memory_usage(STREAM, samples=0) or 0),
                   stream_entries=int(client.xlen(STREAM)))


def per_unit(before: Reading, after: Reading, units: int) -> dict:
    """Costs per decision (or event) between two readings: edge and learner commands apart."""
    changed = {name: after.commands.get(name, 0) - before.commands.get(name, 0) for name in after.commands}
    edge = {n: c for n, c in changed.items() if c and n not in LEARNER_COMMANDS | OWN_COMMANDS}
    learner = {n: c for n, c in changed.items() if c and n in LEARNER_COMMANDS}
    units = max(units, 1)
    return {"units": units, "edge_commands": round(sum(edge.values()) / units, 3),
            "learner_commands": round(sum(learner.values()) / units, 3),
            "edge_by_command": dict(sorted(edge.items())), "learner_by_command": dict(sorted(learner.items())),
            "net_in_bytes": round((after.net_in - before.net_in) / units, 1),
            "net_out_bytes": round((after.net_out - before.net_out) / units, 1),
            "aof_bytes": round((after.aof - before.aof) / units, 1),
            "memory_bytes": round((after.memory - before.memory) / units, 1),
            "stream_bytes": round((after.stream_bytes - before.stream_bytes) / units, 1),
            "stream_entries": after.stream_entries - before.stream_entries}


def policy_bytes(client: redis.Redis) -> int:
    """The published policies' size: every edge reads it whole at each new version."""
    return int(client.strlen(POLICY_KEY))
