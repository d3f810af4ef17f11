"""The policy (``server.core.policy``): one check, refusals that name the roles allowed, and
actions and lifecycle tables that name only real roles."""
from __future__ import annotations

import pytest

from server.core import policy
from server.core.auth import ANONYMOUS, Principal
from server.core.errors import Forbidden, Unauthorized
from server.core.feature import FeatureRegistry
from server.features import default_features
from server.features.vessels.actions import MANAGE as VESSELS_MANAGE
from server.features.warnings.actions import DRAFT as WARNINGS_DRAFT
from server.features.warnings.actions import READ as WARNINGS_READ
from server.features.dispatch.lifecycle import TABLE as CALLS
from server.features.reports.lifecycle import TABLE as REPORTS
from server.features.warnings.lifecycle import TABLE as WARNINGS

KNOWN = set(policy.ROLES) | {policy.SYSTEM, policy.CITIZEN, policy.ANYONE}
ACTIONS = [*policy.CORE_ACTIONS, *default_features().actions()]


def test_require_refuses_without_a_token_then_by_role():
    with pytest.raises(Unauthorized):
        policy.require(ANONYMOUS, VESSELS_MANAGE)
    with pytest.raises(Forbidden) as refused:
        policy.require(Principal("t1", "wall"), VESSELS_MANAGE)
    assert "'wall'" in refused.value.message
    assert "allowed: admin, operator, supervisor" in refused.value.message
    policy.require(Principal("t2", "operator"), VESSELS_MANAGE)


def test_a_hint_says_where_to_go_instead():
    with pytest.raises(Forbidden) as refused:
        policy.require(Principal("t1", "public"), WARNINGS_READ)
    assert "/api/v1/public/warnings.atom" in refused.value.message


def test_allows_needs_a_token_and_a_role_allowed():
    assert policy.allows(Principal("t1", "supervisor"), WARNINGS_DRAFT)
    assert not policy.allows(Principal("t1", "agency"), WARNINGS_DRAFT)
    assert not policy.allows(Principal(None, "admin"), WARNINGS_DRAFT)


def test_citizens_file_without_a_token_and_nothing_else_is_open_to_anyone():
    policy.require(ANONYMOUS, policy.EVENTS_POST_CITIZEN)  # the /report page: no account
    assert policy.allows(ANONYMOUS, policy.EVENTS_POST_CITIZEN)
    with pytest.raises(Unauthorized):
        policy.require(ANONYMOUS, policy.EVENTS_POST)
    with pytest.raises(Forbidden):
        policy.require(Principal("t1", "wall"), policy.EVENTS_POST_CITIZEN)
    open_to_anyone = {a.name for a in ACTIONS if policy.ANYONE in a.roles}
    assert open_to_anyone == {"events.post_citizen", "media.upload"}  # and the case's photos


def test_two_features_may_not_declare_one_action():
    class Twin:
        name, requires, optional = "twin", (), ()

        def actions(self):
            return [VESSELS_MANAGE]
    with pytest.raises(ValueError, match="vessels.manage"):
        FeatureRegistry([*default_features(), Twin()]).actions()


def test_the_core_and_the_features_declare_every_action_once():
    names = [a.name for a in ACTIONS]
    assert len(names) == len(set(names))
    assert {"events.read", "vessels.manage", "warnings.draft", "calls.read"} <= set(names)


def test_actions_and_lifecycle_tables_name_only_real_roles():
    for action in ACTIONS:
        assert action.roles and action.roles <= KNOWN, action.name
        assert "admin" in action.roles, action.name  # the admin may do everything
    for table in (CALLS, REPORTS, WARNINGS):
        for act in table.actions.values():
            assert act.roles <= KNOWN, act.name


def test_the_groups_nest():
    assert policy.ADMINS < policy.SUPERVISORS < policy.MANAGERS < policy.FULL_VIEW
    assert policy.FULL_VIEW < policy.STAFF < policy.READERS <= set(policy.ROLES)
    assert policy.PERSONAL == set(policy.ROLES) - {"public"}
