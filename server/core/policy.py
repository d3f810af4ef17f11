"""Who may do what, declared once: the roles, the groups of roles, the named actions
(``Permission``: a name and the roles allowed) and the one check. Handlers, desks and lifecycle
tables ask here and nowhere else::

    policy.require(principal, actions.MANAGE)   # Unauthorized (no token) or Forbidden
    policy.allows(principal, policy.EVENTS_READ)  # True / False

The core's actions are declared below; each feature declares its own in its ``actions.py``
(``server/features/vessels/actions.py``: ``MANAGE = Permission("vessels.manage", MANAGERS, …)``)
and lists them in ``Feature.actions``, so the role matrix test sees every one. Adding a role is
one edit of ``ROLES`` (and of the groups it joins); adding an action is one ``Permission``.
Lifecycle tables (``server.core.kit.transitions``) take their ``roles``
from the groups. Where *whose* object it is matters (an agency's own case, a responder's own
unit) the feature checks that after the policy.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from server.core.errors import Forbidden, Unauthorized

if TYPE_CHECKING:
    from server.core.auth import Principal

#: The roles a token may have.
ROLES = ("admin", "supervisor", "operator", "agency", "responder", "wall", "public")
#: The server's own timers and workers (never a token).
SYSTEM = "system"
#: A citizen acting on the case they filed, with its citizen token (never a bearer token).
CITIZEN = "citizen"
#: A caller without a token (``auth.ANONYMOUS``): an action whose roles include it needs no
#: token (a citizen filing from the /report page); the per-address rate limit still applies.
ANYONE = "none"

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
#: Post what citizens file (the kinds with ``Kind.citizen``): also without a token, since
#: citizens have no accounts (the /report page, a phone in rising water).
CITIZEN_POSTERS = POSTERS | {"agency", "public", ANYONE}
#: Read every case whatever its unit (a supervisor only when not bound to an agency).
EVERY_CASE = frozenset({"admin", "operator", "wall", SYSTEM})
#: Roles a token may bind to an agency: an agency acts on its own cases; a bound supervisor
#: supervises the agency and every unit below it (``parent`` links), an unbound one the city.
AGENCY_BOUND = frozenset({"agency", "supervisor"})
#: A responder token is a unit's tablet: bound to one responder unit (``extra["unit"]``).
UNIT_BOUND = frozenset({"responder"})
#: Callers whose input the server dates itself (its receipt time as observed_at): the public
#: token, no token, a citizen. Everyone else (staff, feeds, the server's own workers) may date
#: events, within the core's bounds.
PUBLIC_INPUT = frozenset({"public", ANYONE, CITIZEN})
#: Roles whose token is one person's or one device's (the public token is the citizens' app's,
#: shared by everyone who installs it).
PERSONAL = frozenset(ROLES) - {"public"}


@dataclass(frozen=True)
class Permission:
    """A named action and who may take it: ``roles``; ``what`` names the act in a refusal
    ("may not …") and ``hint`` says where to go instead. The core declares its own below; each
    feature declares its own in its ``actions.py`` and lists them in ``Feature.actions``."""

    name: str
    roles: frozenset[str]
    what: str
    hint: str = ""


# -- the core's actions -------------------------------------------------------------------------
EVENTS_READ = Permission("events.read", READERS, "read events")
EVENTS_POST = Permission("events.post", POSTERS, "post events of every kind")
EVENTS_POST_CITIZEN = Permission("events.post_citizen", CITIZEN_POSTERS,
                                 "post citizens' events (report, question, sos)")
EVENTS_REROUTE = Permission("events.reroute", ADMINS, "re-route events")
TOKENS_MANAGE = Permission("tokens.manage", ADMINS, "list or revoke tokens")
AUDIT_READ = Permission("audit.read", ADMINS, "read the audit trail")
#: The core's actions (the features add theirs: ``FeatureRegistry.actions``).
CORE_ACTIONS: tuple[Permission, ...] = (EVENTS_READ, EVENTS_POST, EVENTS_POST_CITIZEN,
                                        EVENTS_REROUTE, TOKENS_MANAGE, AUDIT_READ)


def allows(principal: "Principal", action: Permission) -> bool:
    """Return True if ``principal`` may take ``action``: it has a token of a role allowed, or it
    has none and the action is open to ``ANYONE``."""
    if not principal.authenticated:
        return ANYONE in action.roles
    return principal.role in action.roles


def require(principal: "Principal", action: Permission) -> None:
    """Raise Unauthorized (no token, unless the action is open to ``ANYONE``) or Forbidden
    (naming the roles allowed) unless ``principal`` may take ``action``."""
    if not principal.authenticated:
        if ANYONE in action.roles:
            return
        require_token(principal)
    if principal.role not in action.roles:
        raise refusal(principal.role, action.what, action.roles, action.hint)


def require_token(principal: "Principal") -> None:
    """Raise Unauthorized unless ``principal`` presented a valid token."""
    if not principal.authenticated:
        raise Unauthorized("send a token: Authorization: Bearer TOKEN")


def refusal(role: str, what: str, allowed: Iterable[str], hint: str = "") -> Forbidden:
    """Return the Forbidden of ``role`` refused ``what``: "role 'wall' may not … (allowed: …)"."""
    text = f"role {role!r} may not {what} (allowed: {', '.join(sorted(allowed))})"
    return Forbidden(f"{text}; {hint}" if hint else text)
