"""The Redis names scaled mode uses, its connection settings, and how rows travel as stream entries."""

from __future__ import annotations

import socket

import msgspec
import redis.asyncio as aioredis

from server.storage.rows import DecisionRow, EventRow

STREAM = "attune:log"  # decisions and events, in the order they happened
GROUP = "learners"
POLICY_KEY = "attune:policy"  # the learner's published policies: {"version": n, "policies": {...}}
POLICY_VERSION_KEY = "attune:policy:version"
POLICY_CHANNEL = "attune:policy"  # a notice carrying the version, published with each new one
CONFIG_KEY = "attune:config"  # the learner's live configuration: {"version": n, "toml": "..."}
CONFIG_VERSION_KEY = "attune:config:version"
CONFIG_CHANNEL = "attune:config"  # a notice carrying the version, published with each admin edit
VISITOR_KEY = "attune:visitor-key"  # the keyed hash's key: every process must hash a visitor alike
# how long an edge remembers an event id, for an exact `duplicates` count: the SDK retries within minutes, and a
# later retry still never reaches the log twice (the learner's primary key); a week of ids would fill Redis
EVENT_ID_TTL_S = 3600
TIMEOUT_S = 0.5  # a Redis that does not answer within this is treated as unreachable

DECISIONS, EVENTS = b"d", b"e"  # entry kinds: field "k"; rows in fields "0", "1", ...
SPOOLED = b"s"  # field set on decisions sent from an edge's spool: they may be in the stream already

_encode = msgspec.msgpack.Encoder().encode
_decision = msgspec.msgpack.Decoder(DecisionRow).decode
_event = msgspec.msgpack.Decoder(EventRow).decode


def connect(url: str) -> aioredis.Redis:
    """A client that gives up quickly: a stopped Redis must not hold a decide for long."""
    return aioredis.Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S,
                                   socket_keepalive=True, health_check_interval=0)


def consumer_name() -> str:
    """Stable across restarts on one host (a StatefulSet pod keeps its name): a restarted learner finds its own
    pending entries."""
    return f"learner@{socket.gethostname()}"


def encode_rows(rows: list[DecisionRow] | list[EventRow]) -> list[bytes]:
    return [_encode(row) for row in rows]


def decision_fields(rows: list[bytes], *, spooled: bool = False) -> dict[bytes, bytes]:
    fields = {b"k": DECISIONS, **{str(n).encode(): row for n, row in enumerate(rows)}}
    if spooled:
        fields[SPOOLED] = b"1"
    return fields


def decode_entry(fields: dict[bytes, bytes]) -> tuple[list[DecisionRow], list[EventRow], bool]:
    """The decisions and events an entry holds, and whether its decisions may have been sent before."""
    kind = fields.get(b"k")
    rows = [value for key, value in fields.items() if key.isdigit()]
    if kind == DECISIONS:
        return [_decision(row) for row in rows], [], SPOOLED in fields
    if kind == EVENTS:
        return [], [_event(row) for row in rows], False
    return [], [], False


# One events batch: charge it to the rate-limit counters of this window (refusing it whole when one would pass
# its allowance: -1), then remember each new id (SET NX, with a TTL) and add the new ones to the stream as one
# entry, atomically, so `duplicates` is exact and a retry of an acknowledged batch adds nothing.
# KEYS[1] the stream, KEYS[2..m+1] the counters; ARGV: ttl, site, m, then allowance and lifetime (ms) per counter,
# then id and encoded row for each event. Returns one character per event, "1" new and "0" seen before, or -1 when
# refused.
ADD_EVENTS = """
local m = tonumber(ARGV[3])
local first = 4 + 2 * m
local charge = (#ARGV - first + 1) / 2
for j = 1, m do
  if tonumber(redis.call('GET', KEYS[j + 1]) or '0') + charge > tonumber(ARGV[2 + 2 * j]) then return -1 end
end
for j = 1, m do
  redis.call('INCRBY', KEYS[j + 1], charge)
  redis.call('PEXPIRE', KEYS[j + 1], ARGV[3 + 2 * j])
end
local fields, n, new = {'k', 'e'}, 0, {}
for i = first, #ARGV, 2 do
  if redis.call('SET', 'attune:eid:' .. ARGV[2] .. ':' .. ARGV[i], '1', 'NX', 'EX', ARGV[1]) then
    table.insert(fields, tostring(n)); table.insert(fields, ARGV[i + 1]); n = n + 1
    table.insert(new, '1')
  else
    table.insert(new, '0')
  end
end
if n > 0 then redis.call('XADD', KEYS[1], '*', unpack(fields)) end
return table.concat(new)
"""
