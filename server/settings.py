"""Where Attune listens and keeps its data: defaults, overridden by environment, then by flags."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from online_learning.join import MAX_UNSEEN_PER_SITE
from server.client_address import proxy_addresses
from server.startup import StartupError


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path(".attune")
    config_path: Path | None = None
    snapshot_interval: float = 30.0  # seconds between learner snapshots
    max_pending_per_site: int = MAX_UNSEEN_PER_SITE  # decisions awaiting their impression; the oldest go first
    events_per_visitor: float = 20.0  # events a second one visitor id may send (bursts of 10 s pass); 0: no limit
    events_per_address: float = 500.0  # events a second one client address may send; 0: no limit
    trusted_proxies: frozenset[str] = frozenset()  # peers whose X-Forwarded-For names the client
    evaluate_minutes: float = 15.0  # off-policy estimates for the results page, every so often; 0: never
    privacy_per_minute: float = 30.0  # visitor-rights calls (consent, profile, export, erase…) a minute per address

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        defaults = cls()
        return cls(
            host=env.get("ATTUNE_HOST", defaults.host),
            port=_number(env, "ATTUNE_PORT", defaults.port, int, 1, 65535),
            data_dir=Path(env.get("ATTUNE_DATA_DIR", defaults.data_dir)),
            config_path=Path(env["ATTUNE_CONFIG"]) if env.get("ATTUNE_CONFIG") else None,
            snapshot_interval=_number(env, "ATTUNE_SNAPSHOT_SECONDS", defaults.snapshot_interval, float, 0.1, 86400),
            max_pending_per_site=_number(env, "ATTUNE_MAX_PENDING_PER_SITE", defaults.max_pending_per_site, int,
                                         1, 100_000_000),
            events_per_visitor=_number(env, "ATTUNE_EVENTS_PER_VISITOR", defaults.events_per_visitor, float, 0, 1e6),
            events_per_address=_number(env, "ATTUNE_EVENTS_PER_ADDRESS", defaults.events_per_address, float, 0, 1e6),
            trusted_proxies=_trusted_proxies(env.get("ATTUNE_TRUSTED_PROXIES", "")),
            evaluate_minutes=_number(env, "ATTUNE_EVALUATE_MINUTES", defaults.evaluate_minutes, float, 0, 10080),
            privacy_per_minute=_number(env, "ATTUNE_PRIVACY_PER_MINUTE", defaults.privacy_per_minute, float, 0, 1e6),
        )


def _number(env: dict[str, str], name: str, default: float, kind: type, low: float, high: float) -> float:
    """A number from the environment, or a StartupError naming the variable: a typo must not start a server
    that drops every decision (0 pending) or limits nothing (NaN)."""
    text = env.get(name)
    if text is None:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise StartupError(f"{name}={text!r} is not {'a whole' if kind is int else 'a'} number; "
                           f"give one from {low:g} to {high:g} or unset it") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise StartupError(f"{name}={text!r} is out of range; give a number from {low:g} to {high:g} or unset it")
    return value


def _trusted_proxies(text: str) -> frozenset[str]:
    try:
        return proxy_addresses(text.split(","))
    except ValueError as error:
        raise StartupError(f"ATTUNE_TRUSTED_PROXIES: {error}; give IP addresses, comma-separated") from None
