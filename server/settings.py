"""Where Attune listens and keeps its data: defaults, overridden by environment, then by flags."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path(".attune")
    config_path: Path | None = None
    snapshot_interval: float = 30.0  # seconds between learner snapshots

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        defaults = cls()
        return cls(
            host=env.get("ATTUNE_HOST", defaults.host),
            port=int(env.get("ATTUNE_PORT", defaults.port)),
            data_dir=Path(env.get("ATTUNE_DATA_DIR", defaults.data_dir)),
            config_path=Path(env["ATTUNE_CONFIG"]) if env.get("ATTUNE_CONFIG") else None,
            snapshot_interval=float(env.get("ATTUNE_SNAPSHOT_SECONDS", defaults.snapshot_interval)),
        )
