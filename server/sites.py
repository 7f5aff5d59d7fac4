"""The live sites: their configuration, one policy per block, and the origins allowed to call."""

from __future__ import annotations

import zlib

from online_learning.policies import Policy, new_policy
from online_learning.reward import RewardWeights
from server.config.schema import Block, Config, Site


class UnknownSite(LookupError):
    pass


class UnknownBlock(LookupError):
    pass


def make_policy(site: Site, block: Block) -> Policy:
    seed = zlib.crc32(f"{site.key}/{block.id}".encode())  # stable across restarts, different per block
    return new_policy(block.policy, seed=seed, split=block.split)


def policy_key(site: str, block: str) -> str:
    return f"{site}/{block}"


class SiteRegistry:
    """Config plus the policies it implies; the decide path reads it, the learner updates its policies."""

    def __init__(self, config: Config) -> None:
        self._live_contents: dict[tuple[str, str, str], dict[str, str]] = {}
        self.policies: dict[str, Policy] = {}
        self.blocks: dict[tuple[str, str], Block] = {}
        self.apply(config)

    def apply(self, config: Config) -> None:
        """Serve a new validated config from the next decision on; a block keeps its learned policy
        while its policy kind (and, for a fixed split, the split) is unchanged."""
        old_blocks = self.blocks
        policies: dict[str, Policy] = {}
        for s in config.sites:
            for b in s.blocks:
                key, before = policy_key(s.key, b.id), old_blocks.get((s.key, b.id))
                kept = self.policies.get(key)
                same = before is not None and before.policy == b.policy and before.split == b.split
                policies[key] = kept if kept is not None and same else make_policy(s, b)
        contents = {(s.key, b.id, v.id): v.content for s in config.sites for b in s.blocks for v in b.variants}
        # assigned one by one, each atomically: the last generation's contents stay for a decision racing this
        self._contents = {**self._live_contents, **contents}
        self._live_contents = contents
        self.policies = policies
        self._weights = {s.key: s.reward_weights.for_learning() for s in config.sites}
        self.blocks = {(s.key, b.id): b for s in config.sites for b in s.blocks}
        self.sites = {s.key: s for s in config.sites}
        self.any_origin = {o for s in config.sites for o in s.allowed_origins}
        self.config = config

    def site(self, key: str) -> Site:
        site = self.sites.get(key)
        if site is None:
            raise UnknownSite(f"unknown site {key!r}")
        return site

    def block(self, site: str, block: str) -> Block:
        found = self.blocks.get((site, block))
        if found is None:
            known = ", ".join(b.id for b in self.site(site).blocks)
            raise UnknownBlock(f"unknown block {block!r} for site {site!r} (known: {known})")
        return found

    def content(self, site: str, block: str, variant: str) -> dict[str, str]:
        return self._contents[(site, block, variant)]

    def policy_for(self, site: str, block: str) -> Policy | None:
        return self.policies.get(policy_key(site, block))

    def weights_for(self, site: str) -> RewardWeights:
        return self._weights.get(site) or RewardWeights()
