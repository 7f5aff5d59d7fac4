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
    redis_url: str | None = None  # scaled mode (server/scaled): None runs everything in one process
    role: str | None = None  # scaled mode: "edge" or "learner"
    spool_mb: float = 64.0  # an edge's decisions kept on disk while Redis is unreachable, at most
    metrics_token: str | None = None  # when set, GET /metrics wants `Authorization: Bearer <it>`
    log_json: bool = False  # every log line one JSON object (for a log collector)

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
            redis_url=env.get("ATTUNE_REDIS_URL") or None,
            role=env.get("ATTUNE_ROLE") or None,
            spool_mb=_number(env, "ATTUNE_SPOOL_MB", defaults.spool_mb, float, 1, 1e6),
            metrics_token=env.get("ATTUNE_METRICS_TOKEN") or None,
            log_json=_switch(env, "ATTUNE_LOG_JSON"),
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


def check_scaled(settings: Settings) -> None:
    """A role without Redis, or Redis without a known role, is a mistake to name, not to guess at."""
    if settings.redis_url is None and settings.role is not None:
        raise StartupError(f"role {settings.role!r} needs --redis (or ATTUNE_REDIS_URL); without it Attune runs "
                           "as one process")
    if settings.redis_url is not None:
        if settings.role not in ("edge", "learner"):
            raise StartupError(f"role {settings.role!r} is not one: give --role edge or --role learner "
                               "(or ATTUNE_ROLE) with --redis")
        if not settings.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise StartupError(f"--redis {settings.redis_url!r}: give a URL such as redis://127.0.0.1:6379/0")


def _switch(env: dict[str, str], name: str) -> bool:
    """An on/off setting: 1/true/yes/on or 0/false/no/off (or unset), else a StartupError naming it."""
    text = env.get(name, "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise StartupError(f"{name}={env[name]!r} is not on or off; give 1 or 0 or unset it")


def _trusted_proxies(text: str) -> frozenset[str]:
    try:
        return proxy_addresses(text.split(","))
    except ValueError as error:
        raise StartupError(f"ATTUNE_TRUSTED_PROXIES: {error}; give IP addresses, comma-separated") from None
