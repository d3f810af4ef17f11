"""Single sign-on with the province's OpenID Connect provider (``IOC_OIDC_*``).

``OidcClient`` speaks the authorization code flow with PKCE (S256) to one provider: discovery
(cached for ``DISCOVERY_TTL_S``), the authorization URL with state, nonce and code challenge,
the code exchange authenticated with the client secret, and the validation of the ID token
(signature against the provider's JWKS, ``iss``, ``aud``/``azp``, ``exp``/``iat``/``nbf``,
``nonce``). ``person_from_claims`` maps the validated claims to who signs in: username
``oidc:`` + ``preferred_username`` (or ``sub``), display name, role, agency and unit. Every
network call is asynchronous (httpx2, through Authlib for OAuth): the event loop never waits on
the provider. Errors are ``server.core.errors`` types: the provider unreachable or answering
nonsense is ``Unavailable``, a refused or forged sign-in ``Unauthorized``, a person whose
claims give no role ``Forbidden``.
"""
from __future__ import annotations

import hmac
import ipaddress
import re
import time
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

import httpx2
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from pydantic import Field, SecretStr, field_validator, model_validator

from server.core.errors import Forbidden, Unauthorized, Unavailable
from server.core.policy import AGENCY_BOUND, ROLES, UNIT_BOUND
from server.core.settings import SettingsBase

#: Seconds the provider's discovery document (and its keys) are reused before being fetched anew.
DISCOVERY_TTL_S = 3600.0
#: Seconds of clock difference with the provider tolerated on ``exp``, ``iat`` and ``nbf``.
LEEWAY_S = 60
#: Prefix of the username of every person who signs in through the provider.
USERNAME_PREFIX = "oidc:"
#: What may follow the prefix: the provider's ``preferred_username`` (lower-cased) when it fits,
#: else its ``sub``.
LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
#: Roles the provider may give a person (``public`` is the citizens' app, never a person's).
PERSON_ROLES = tuple(role for role in ROLES if role != "public")
#: Longest username, display name, agency or unit taken from the provider.
MAX_CLAIM_CHARS = 200
#: Signature algorithms never accepted on an ID token, whatever the provider announces.
REFUSED_ALGORITHMS = frozenset({"none", "HS256", "HS384", "HS512"})


class OidcSettings(SettingsBase):
    """Sign-on with the province's identity provider (OpenID Connect); off while the issuer is
    empty."""

    oidc_issuer: str = Field("", description="Issuer URL of the identity provider (its "
                             "/.well-known/openid-configuration is read); empty: single sign-on "
                             "is off. HTTPS, except on the machine itself (127.0.0.1, "
                             "localhost).")
    oidc_client_id: str = Field("", description="This server's client id at the provider.")
    oidc_client_secret: SecretStr = Field(SecretStr(""), description="This server's client "
                                          "secret at the provider (sent to its token endpoint "
                                          "only).")
    oidc_scopes: str = Field("openid profile ioc", description="Scopes asked for (space "
                             "separated; must include openid).")
    oidc_role_claim: str = Field("ioc_role", description="ID token claim that holds the role "
                                 "(a string or a list, e.g. the person's groups).")
    oidc_agency_claim: str = Field("ioc_agency", description="ID token claim that holds the "
                                   "agency id (roles agency and supervisor).")
    oidc_unit_claim: str = Field("ioc_unit", description="ID token claim that holds the "
                                 "responder unit id (role responder).")
    oidc_role_map: dict[str, str] = Field(default_factory=dict, description="JSON object from "
                                          "the provider's values of the role claim to roles, e.g. "
                                          '{"ioc-operators": "operator"}. Empty: the values are '
                                          "the roles' own names. Set: only the values it names "
                                          "count.")
    oidc_label_vi: str = Field("Đăng nhập bằng tài khoản của tỉnh", min_length=1,
                               description="The sign-on button's words in Vietnamese.")
    oidc_label_en: str = Field("Sign in with the province account", min_length=1,
                               description="The sign-on button's words in English.")
    oidc_timeout_s: float = Field(10.0, gt=0, le=120, description="Longest wait for one answer "
                                  "of the identity provider (seconds).")

    @field_validator("oidc_issuer")
    @classmethod
    def _issuer_url(cls, value: str) -> str:
        value = value.strip()
        if value and not secure_url(value):
            raise ValueError("the issuer must be an https:// URL (http:// only on 127.0.0.1 or "
                             "localhost)")
        return value

    @field_validator("oidc_role_map")
    @classmethod
    def _known_roles(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted({role for role in value.values() if role not in PERSON_ROLES})
        if unknown:
            raise ValueError(f"roles {unknown} unknown: map to {', '.join(PERSON_ROLES)}")
        return value

    @model_validator(mode="after")
    def _complete(self) -> "OidcSettings":
        if self.oidc_issuer:
            if not self.oidc_client_id or not self.oidc_client_secret.get_secret_value():
                raise ValueError("IOC_OIDC_ISSUER needs IOC_OIDC_CLIENT_ID and "
                                 "IOC_OIDC_CLIENT_SECRET")
            if "openid" not in self.oidc_scopes.split():
                raise ValueError("IOC_OIDC_SCOPES must include openid")
        return self

    @property
    def oidc_enabled(self) -> bool:
        """Return True when single sign-on is configured (an issuer is set)."""
        return bool(self.oidc_issuer)


def secure_url(url: str) -> bool:
    """Return True for an ``https://`` URL with a host, or an ``http://`` one on loopback."""
    parts = urlsplit(url)
    if not parts.hostname or parts.query or parts.fragment:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and loopback(parts.hostname)


def loopback(host: str) -> bool:
    """Return True when ``host`` names this machine (localhost, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class OidcStart:
    """A sign-in begun: the provider's ``url`` to send the browser to, and what the callback
    needs back, kept on the server only: ``state``, ``nonce`` and the PKCE ``verifier``."""

    url: str
    state: str
    nonce: str
    verifier: str


@dataclass(frozen=True)
class OidcPerson:
    """Who the provider signed in: ``username`` (``oidc:``…), display ``name``, ``role``,
    ``agency_id`` and ``unit_id`` (None unless the role is bound to one), and ``subject`` (the
    provider's ``sub``)."""

    username: str
    name: str
    role: str
    agency_id: str | None
    unit_id: str | None
    subject: str


def refused(message: str) -> Forbidden:
    """Return the Forbidden (403) of a person the provider signed in but who may not enter."""
    return Forbidden(message)


def _text_claim(claims: dict[str, Any], name: str) -> str | None:
    """Return claim ``name`` as stripped text (a one-element list counts as its element), None
    when absent or empty; raise Forbidden when it is of another type or too long."""
    value = claims.get(name)
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if value is None or value == "" or value == []:
        return None
    if not isinstance(value, str):
        raise refused(f"claim {name!r} of the identity provider must be text")
    value = value.strip()
    if len(value) > MAX_CLAIM_CHARS or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise refused(f"claim {name!r} of the identity provider is not a usable name")
    return value or None


def role_from_claim(value: Any, role_map: dict[str, str]) -> str | None:
    """Return the role the claim value gives (a string or a list of strings, e.g. groups): each
    value through ``role_map`` when it is set, else taken as a role's own name; of several, the
    first in ``ROLES`` order (the widest). None when no value gives a role."""
    values = value if isinstance(value, list) else [value]
    roles = set()
    for item in values:
        if not isinstance(item, str):
            continue
        role = role_map.get(item) if role_map else item
        if role in PERSON_ROLES:
            roles.add(role)
    return next((role for role in PERSON_ROLES if role in roles), None)


def login_of(subject: str, preferred: str | None) -> str:
    """Return what follows ``oidc:`` in the username: ``preferred`` lower-cased when it fits
    ``LOGIN``, else ``subject`` when it does; raise Forbidden when neither does."""
    if preferred and LOGIN.match(preferred.lower()):
        return preferred.lower()
    if LOGIN.match(subject):
        return subject
    raise refused(f"the identity provider names this person {preferred or subject!r}: a "
                  "username here is 2 to 80 of a-z 0-9 . _ - (ask the province's account "
                  "administrator for a preferred_username of that form)")


def person_from_claims(claims: dict[str, Any], settings: OidcSettings) -> OidcPerson:
    """Return the OidcPerson of validated ID token ``claims`` under ``settings``; raise
    Forbidden (403) with what is missing when the claims give no usable username, no role, or
    not the agency or unit the role needs."""
    subject = _text_claim(claims, "sub")
    if subject is None:
        raise Unauthorized("the identity provider's answer names nobody (no sub)")
    login = login_of(subject, _text_claim(claims, "preferred_username"))
    username = USERNAME_PREFIX + login
    role = role_from_claim(claims.get(settings.oidc_role_claim), settings.oidc_role_map)
    if role is None:
        raise refused(f"the identity provider gives {login!r} no role of this command center "
                      f"(claim {settings.oidc_role_claim!r}); ask the province's account "
                      "administrator to add one")
    agency = _text_claim(claims, settings.oidc_agency_claim) if role in AGENCY_BOUND else None
    unit = _text_claim(claims, settings.oidc_unit_claim) if role in UNIT_BOUND else None
    if role == "agency" and agency is None:
        raise refused(f"role agency needs an agency: the identity provider gives {login!r} none "
                      f"(claim {settings.oidc_agency_claim!r})")
    if role in UNIT_BOUND and unit is None:
        raise refused(f"role {role} needs a unit: the identity provider gives {login!r} none "
                      f"(claim {settings.oidc_unit_claim!r})")
    name = _text_claim(claims, "name") or login
    return OidcPerson(username=username, name=name, role=role, agency_id=agency, unit_id=unit,
                      subject=subject)


def _audience_ok(claims: dict[str, Any], client_id: str) -> bool:
    """Return True when ``aud`` is ``client_id`` or a list holding it, and, with several
    audiences, ``azp`` is ``client_id`` (OpenID Connect Core 3.1.3.7)."""
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if client_id not in audiences:
        return False
    if len(audiences) > 1 or "azp" in claims:
        return claims.get("azp") == client_id
    return True


class OidcClient:
    """The client of one identity provider (``settings``), answering at ``redirect_uri`` unless
    a call names another (a server reached at several addresses: the call's must be one the
    provider has registered).
    Holds the discovery document and keys, fetched on first use and again after
    ``DISCOVERY_TTL_S`` (or at once when a token names a key it does not know). ``now`` (epoch
    seconds) judges the ID token's times; ``monotonic`` the cache's age."""

    def __init__(self, settings: OidcSettings, redirect_uri: str | None = None,
                 now: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic):
        if not settings.oidc_enabled:
            raise ValueError("single sign-on is off (IOC_OIDC_ISSUER is empty)")
        self.settings = settings
        self.redirect_uri = redirect_uri
        self._now = now
        self._monotonic = monotonic
        self._metadata: dict[str, Any] | None = None
        self._fetched_at = 0.0
        self._keys: KeySet | None = None

    # -- the provider's documents ------------------------------------------------------------
    async def _get_json(self, url: str) -> dict[str, Any]:
        """Return the JSON object at ``url``; raise Unavailable when it cannot be had."""
        try:
            async with httpx2.AsyncClient(timeout=self.settings.oidc_timeout_s) as http:
                resp = await http.get(url, headers={"Accept": "application/json"})
                resp.raise_for_status()
                doc = resp.json()
        except (httpx2.HTTPError, ValueError) as exc:
            raise Unavailable("the identity provider cannot be reached; try again shortly or "
                              "sign in with a password", headers={"Retry-After": "30"}) from exc
        if not isinstance(doc, dict):
            raise Unavailable("the identity provider answered something unreadable")
        return doc

    async def metadata(self) -> dict[str, Any]:
        """Return the provider's discovery document (``/.well-known/openid-configuration``),
        cached; raise Unavailable when it cannot be had or is not this issuer's."""
        now = self._monotonic()
        if self._metadata is not None and now - self._fetched_at < DISCOVERY_TTL_S:
            return self._metadata
        issuer = self.settings.oidc_issuer
        doc = await self._get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        endpoints = ("authorization_endpoint", "token_endpoint", "jwks_uri")
        if doc.get("issuer") != issuer or not all(
                isinstance(doc.get(k), str) and secure_url(doc[k]) for k in endpoints):
            raise Unavailable("the identity provider's configuration does not match "
                              "IOC_OIDC_ISSUER (issuer or endpoints)")
        self._metadata, self._fetched_at, self._keys = doc, now, None
        return doc

    async def keys(self, refresh: bool = False) -> KeySet:
        """Return the provider's signing keys (its JWKS), cached with the discovery document;
        fetched anew when ``refresh``."""
        meta = await self.metadata()
        if self._keys is None or refresh:
            doc = await self._get_json(meta["jwks_uri"])
            try:
                self._keys = KeySet.import_key_set(doc)
            except (JoseError, ValueError, TypeError, KeyError) as exc:
                raise Unavailable("the identity provider's keys are unreadable") from exc
        return self._keys

    def _oauth(self, meta: dict[str, Any], redirect_uri: str | None) -> AsyncOAuth2Client:
        """Return an Authlib client for this provider answering at ``redirect_uri`` (else the
        client's own): PKCE S256, the client secret by the method the provider supports (HTTP
        basic first, else in the form)."""
        redirect_uri = redirect_uri or self.redirect_uri
        if not redirect_uri:
            raise ValueError("no redirect URI: give one to OidcClient or to the call")
        methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        method = "client_secret_basic" if "client_secret_basic" in methods \
            else "client_secret_post"
        return AsyncOAuth2Client(
            client_id=self.settings.oidc_client_id,
            client_secret=self.settings.oidc_client_secret.get_secret_value(),
            scope=self.settings.oidc_scopes, redirect_uri=redirect_uri,
            code_challenge_method="S256", token_endpoint_auth_method=method,
            timeout=self.settings.oidc_timeout_s)

    # -- the flow ----------------------------------------------------------------------------
    async def start(self, redirect_uri: str | None = None) -> OidcStart:
        """Return an OidcStart: the authorization URL (response type code, PKCE S256, fresh
        random state and nonce, the answer sent to ``redirect_uri`` or the client's) and the
        secrets the callback needs."""
        meta = await self.metadata()
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        async with self._oauth(meta, redirect_uri) as client:
            url, _ = client.create_authorization_url(
                meta["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce)
        return OidcStart(url=url, state=state, nonce=nonce, verifier=verifier)

    async def exchange(self, code: str, verifier: str,
                       redirect_uri: str | None = None) -> dict[str, Any]:
        """Return the token endpoint's answer (``{"access_token", "id_token", …}``) for
        ``code``, the PKCE ``verifier`` and the ``redirect_uri`` the sign-in began with; raise
        Unauthorized when the provider refuses them (a used, forged or expired code, a wrong
        verifier), Unavailable when it cannot be reached."""
        meta = await self.metadata()
        try:
            async with self._oauth(meta, redirect_uri) as client:
                token = await client.fetch_token(
                    meta["token_endpoint"], grant_type="authorization_code", code=code,
                    code_verifier=verifier, redirect_uri=client.redirect_uri)
        except OAuthError as exc:
            raise Unauthorized(f"the identity provider refused the sign-in ({exc.error}); "
                               "sign in again") from exc
        except (httpx2.HTTPError, ValueError) as exc:
            raise Unavailable("the identity provider cannot be reached; try again shortly",
                              headers={"Retry-After": "30"}) from exc
        if not isinstance(token.get("id_token"), str):
            raise Unauthorized("the identity provider's answer has no ID token (is scope "
                               "openid asked?)")
        return dict(token)

    async def _decode(self, id_token: str, algorithms: list[str]) -> jwt.Token:
        """Return the ID token decoded with its signature checked (keys fetched anew once when
        it names a key not yet known); raise Unauthorized on a bad token."""
        for refresh in (False, True):
            try:
                return jwt.decode(id_token, await self.keys(refresh), algorithms=algorithms)
            except InvalidKeyIdError:
                if refresh:
                    break
            except (JoseError, ValueError) as exc:
                raise Unauthorized("the ID token's signature is not the identity provider's; "
                                   "sign in again") from exc
        raise Unauthorized("the ID token is signed with a key the identity provider does not "
                           "publish; sign in again")

    async def validate_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """Return the claims of ``id_token`` once its signature (the provider's JWKS), ``iss``,
        ``aud``/``azp``, ``exp``, ``iat``, ``nbf`` and ``nonce`` are checked; raise Unauthorized
        naming what failed."""
        meta = await self.metadata()
        announced = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in announced if a not in REFUSED_ALGORITHMS]
        claims = (await self._decode(id_token, algorithms)).claims
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(self._now()), leeway=LEEWAY_S,
            iss={"essential": True, "value": self.settings.oidc_issuer},
            sub={"essential": True}, exp={"essential": True}, iat={"essential": True})
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise Unauthorized(f"the ID token is not valid ({exc.error}: "
                               f"{exc.description or 'claims'}); sign in again") from exc
        if not _audience_ok(claims, self.settings.oidc_client_id):
            raise Unauthorized("the ID token was issued to another client (aud); sign in again")
        got = claims.get("nonce")
        if not isinstance(got, str) or not hmac.compare_digest(got, nonce):
            raise Unauthorized("the ID token does not answer this sign-in (nonce); sign in again")
        return claims

    async def sign_in(self, code: str, nonce: str, verifier: str,
                      redirect_uri: str | None = None) -> OidcPerson:
        """Return the OidcPerson for the authorization ``code`` of the sign-in begun with
        ``nonce``, ``verifier`` and ``redirect_uri``: the code exchanged, the ID token
        validated, its claims mapped (``person_from_claims``); raise Unauthorized, Forbidden or
        Unavailable."""
        token = await self.exchange(code, verifier, redirect_uri)
        claims = await self.validate_id_token(token["id_token"], nonce)
        return person_from_claims(claims, self.settings)

