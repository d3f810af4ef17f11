"""Who may do what, declared once: the roles, the groups of roles, and the named actions each
mapped to the roles allowed. Handlers, desks and lifecycle tables ask here and nowhere else::

    policy.require(principal, "vessels.manage")   # Unauthorized (no token) or Forbidden
    policy.allows(principal, "warnings.read")     # True / False

Adding a role is one edit of ``ROLES`` (and of the groups it joins); adding an action is one
line of ``ACTIONS``. Lifecycle tables (``server.core.kit.transitions``) take their ``roles``
from the groups. Where *whose* object it is matters (an agency's own case, a responder's own
unit) the feature checks that after the policy.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Iterable, Mapping

from server.core.errors import Forbidden, Unauthorized

if TYPE_CHECKING:
    from server.core.auth import Principal

#: The roles a token may have.
ROLES = ("admin", "supervisor", "operator", "agency", "responder", "wall", "public")
#: The server's own timers and workers (never a token).
SYSTEM = "system"
#: A citizen acting on the case they filed, with its citizen token (never a bearer token).
CITIZEN = "citizen"

# -- groups -------------------------------------------------------------------------------------
#: Tokens, the audit trail, re-routing.
ADMINS = frozenset({"admin"})
#: Approve, send, confirm what others propose.
SUPERVISORS = frozenset({"admin", "supervisor"})
#: The command center's staff: run the desks, manage feeds, draft warnings.
MANAGERS = frozenset({"admin", "supervisor", "operator"})
#: Read every event in full (a supervisor bound to an agency too).
FULL_VIEW = MANAGERS | {"wall"}
#: Read the desks' lists (an agency: its own cases).
STAFF = FULL_VIEW | {"agency"}
#: Read events (the public: the public form).
READERS = STAFF | {"public"}
#: Take a case at the desk: staff and the agency it belongs to.
DESK = MANAGERS | {"agency"}
#: A unit's own desk: it asks for more time or proposes to reject a report.
AGENCIES = frozenset({"agency"})
#: Work a report routed to a unit: the agency (and an admin standing in).
CASE_WORKERS = AGENCIES | {"admin"}
#: Act in the field: staff and the responder unit on the call.
FIELD = MANAGERS | {"responder"}
#: Post events of every kind.
POSTERS = frozenset({"admin", "operator"})
#: Post what citizens file (the kinds with ``Kind.citizen``).
CITIZEN_POSTERS = POSTERS | {"agency", "public"}
#: Read every case whatever its unit (a supervisor only when not bound to an agency).
EVERY_CASE = frozenset({"admin", "operator", "wall", SYSTEM})
#: Roles a token may bind to an agency: an agency acts on its own cases; a bound supervisor
#: supervises the agency and every unit below it (``parent`` links), an unbound one the city.
AGENCY_BOUND = frozenset({"agency", "supervisor"})
#: A responder token is a unit's tablet: bound to one responder unit (``extra["unit"]``).
UNIT_BOUND = frozenset({"responder"})
#: Roles whose token is one person's or one device's (the public token is the citizens' app's,
#: shared by everyone who installs it).
PERSONAL = frozenset(ROLES) - {"public"}


@dataclass(frozen=True)
class Rule:
    """Who may take an action: ``roles``; ``what`` names the act in a refusal ("may not …")
    and ``hint`` says where to go instead."""

    roles: frozenset[str]
    what: str
    hint: str = ""


#: Every named action: ``"feature.verb"`` → who may.
ACTIONS: Mapping[str, Rule] = MappingProxyType({
    "events.read": Rule(READERS, "read events"),
    "events.post": Rule(POSTERS, "post events of every kind"),
    "events.post_citizen": Rule(CITIZEN_POSTERS, "post citizens' events (report, question, sos)"),
    "events.reroute": Rule(ADMINS, "re-route events"),
    "tokens.manage": Rule(ADMINS, "list or revoke tokens"),
    "audit.read": Rule(ADMINS, "read the audit trail"),
    "reports.read": Rule(STAFF, "read the work lists", "see /api/v1/public/"),
    "calls.read": Rule(STAFF, "read the dispatch lists",
                       "a unit's tablet reads /api/v1/units/me"),
    "calls.prioritise": Rule(MANAGERS, "set a call's priority"),
    "units.register": Rule(DESK, "register units"),
    "units.operate": Rule(MANAGERS | {SYSTEM}, "act for any unit"),
    "units.token": Rule(MANAGERS, "hand out tablet tokens"),
    "vessels.manage": Rule(MANAGERS, "see or change the AIS feeds and danger zones"),
    "sensors.manage": Rule(MANAGERS, "register stations or post readings"),
    "flood_roads.mark": Rule(MANAGERS, "mark flooded roads"),
    "warnings.read": Rule(STAFF, "read warnings of every status",
                          "the public feed is /api/v1/public/warnings.atom"),
    "warnings.draft": Rule(MANAGERS, "draft warnings"),
    "warnings.import": Rule(MANAGERS, "post CAP messages"),
    "warnings.contacts": Rule(MANAGERS, "read or register the contacts"),
})


def rule(action: str) -> Rule:
    """Return the Rule of ``action``; raise KeyError naming the known actions."""
    try:
        return ACTIONS[action]
    except KeyError:
        raise KeyError(f"no action {action!r} in the policy ({', '.join(ACTIONS)})") from None


def roles(action: str) -> frozenset[str]:
    """Return the roles allowed to take ``action``."""
    return rule(action).roles


def allows(principal: "Principal", action: str) -> bool:
    """Return True if ``principal`` has a token and may take ``action``."""
    return principal.authenticated and principal.role in rule(action).roles


def require(principal: "Principal", action: str) -> None:
    """Raise Unauthorized (no token) or Forbidden (naming the roles allowed) unless
    ``principal`` may take ``action``."""
    found = rule(action)
    require_token(principal)
    if principal.role not in found.roles:
        raise refusal(principal.role, found.what, found.roles, found.hint)


def require_token(principal: "Principal") -> None:
    """Raise Unauthorized unless ``principal`` presented a valid token."""
    if not principal.authenticated:
        raise Unauthorized("send a token: Authorization: Bearer TOKEN")


def refusal(role: str, what: str, allowed: Iterable[str], hint: str = "") -> Forbidden:
    """Return the Forbidden of ``role`` refused ``what``: "role 'wall' may not … (allowed: …)"."""
    text = f"role {role!r} may not {what} (allowed: {', '.join(sorted(allowed))})"
    return Forbidden(f"{text}; {hint}" if hint else text)
