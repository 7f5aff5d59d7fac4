"""One map from policy kind to class: what a configuration may name is what the registry builds."""

from __future__ import annotations

from typing import get_args

import pytest

from online_learning.policies import POLICY_KINDS, PolicyKind, new_policy


def test_the_kinds_a_configuration_may_name_are_the_kinds_the_registry_builds():
    assert set(get_args(PolicyKind)) == set(POLICY_KINDS)


@pytest.mark.parametrize("kind", POLICY_KINDS)
def test_each_kind_builds_a_policy_that_says_its_kind(kind):
    assert new_policy(kind, seed=1, split={"a": 1.0}).kind == kind  # snapshots restore a policy by its kind


def test_an_unknown_kind_is_refused_by_name():
    with pytest.raises(KeyError, match="greedy"):
        new_policy("greedy")
