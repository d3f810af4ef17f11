"""The policy (``server.core.policy``): one check, refusals that name the roles allowed, and
actions and lifecycle tables that name only real roles."""
from __future__ import annotations

import pytest

from server.core import policy
from server.core.auth import ANONYMOUS, Principal
from server.core.errors import Forbidden, Unauthorized
from server.features.dispatch.lifecycle import TABLE as CALLS
from server.features.reports.lifecycle import TABLE as REPORTS
from server.features.warnings.lifecycle import TABLE as WARNINGS

KNOWN = set(policy.ROLES) | {policy.SYSTEM, policy.CITIZEN}


def test_require_refuses_without_a_token_then_by_role():
    with pytest.raises(Unauthorized):
        policy.require(ANONYMOUS, "vessels.manage")
    with pytest.raises(Forbidden) as refused:
        policy.require(Principal("t1", "wall"), "vessels.manage")
    assert "'wall'" in refused.value.message
    assert "allowed: admin, operator, supervisor" in refused.value.message
    policy.require(Principal("t2", "operator"), "vessels.manage")


def test_a_hint_says_where_to_go_instead():
    with pytest.raises(Forbidden) as refused:
        policy.require(Principal("t1", "public"), "warnings.read")
    assert "/api/v1/public/warnings.atom" in refused.value.message


def test_allows_needs_a_token_and_a_role_allowed():
    assert policy.allows(Principal("t1", "supervisor"), "warnings.draft")
    assert not policy.allows(Principal("t1", "agency"), "warnings.draft")
    assert not policy.allows(Principal(None, "admin"), "warnings.draft")


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError, match="vessels.manage"):
        policy.require(Principal("t1", "admin"), "vessels.steer")


def test_actions_and_lifecycle_tables_name_only_real_roles():
    for name, rule in policy.ACTIONS.items():
        assert rule.roles and rule.roles <= KNOWN, name
        assert "admin" in rule.roles, name  # the admin may do everything
    for table in (CALLS, REPORTS, WARNINGS):
        for act in table.actions.values():
            assert act.roles <= KNOWN, act.name


def test_the_groups_nest():
    assert policy.ADMINS < policy.SUPERVISORS < policy.MANAGERS < policy.FULL_VIEW
    assert policy.FULL_VIEW < policy.STAFF < policy.READERS <= set(policy.ROLES)
    assert policy.PERSONAL == set(policy.ROLES) - {"public"}
