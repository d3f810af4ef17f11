"""The OpenID Connect client against a real provider (oidc-provider in a child process): people
go through its sign-in and consent forms over HTTP; the code is exchanged, the ID token checked
and its claims mapped; forged or replayed parts of the flow are refused."""
from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from pydantic import ValidationError

from server.core.errors import Forbidden, Unauthorized, Unavailable
from server.features.people.oidc import OidcClient, OidcPerson, OidcSettings
from tests.helpers.oidc import CLIENT_ID, CLIENT_SECRET, oidc_provider, sign_in_code
from tests.helpers.sync import run_async

REDIRECT = "http://127.0.0.1:9/auth/oidc/callback"  # never reached: the helper stops before it


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """One test provider for the module's tests."""
    with oidc_provider(tmp_path_factory.mktemp("oidc"), [REDIRECT]) as running:
        yield running


def settings_for(issuer: str, **overrides: Any) -> OidcSettings:
    """Return OidcSettings of the test client at ``issuer`` (environment ignored)."""
    fields = {"oidc_issuer": issuer, "oidc_client_id": CLIENT_ID,
              "oidc_client_secret": CLIENT_SECRET, **overrides}
    return OidcSettings(_env_file=None, **fields)


def client_for(provider, **overrides: Any) -> OidcClient:
    """Return an OidcClient of the test provider."""
    return OidcClient(settings_for(provider.issuer, **overrides), REDIRECT)


def code_for(client: OidcClient, login: str):
    """Return (OidcStart, the provider's answer at the redirect URI) for ``login``."""
    start = run_async(client.start())
    return start, sign_in_code(start.url, login, REDIRECT)


def sign_in(client: OidcClient, login: str) -> OidcPerson:
    """Return the person the whole flow signs in as ``login``."""
    start, answer = code_for(client, login)
    assert answer["state"] == start.state
    return run_async(client.sign_in(answer["code"], start.nonce, start.verifier))


def test_authorization_url_asks_code_with_pkce_state_and_nonce(provider):
    start = run_async(client_for(provider).start())
    parts = urlsplit(start.url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == provider.issuer + "/auth"
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == REDIRECT
    assert query["scope"] == "openid profile ioc"
    assert query["state"] == start.state and query["nonce"] == start.nonce
    assert query["code_challenge_method"] == "S256"
    digest = hashlib.sha256(start.verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert start.verifier not in start.url and CLIENT_SECRET not in start.url
    other = run_async(client_for(provider).start())
    assert len({start.state, other.state, start.nonce, other.nonce}) == 4


def test_operator_signs_in_with_validated_claims(provider):
    client = client_for(provider)
    start, answer = code_for(client, "lan")
    assert answer["iss"] == provider.issuer
    token = run_async(client.exchange(answer["code"], start.verifier))
    claims = run_async(client.validate_id_token(token["id_token"], start.nonce))
    assert claims["iss"] == provider.issuer and claims["aud"] == CLIENT_ID
    assert claims["sub"] == "lan" and claims["nonce"] == start.nonce
    assert claims["exp"] > time.time() and claims["ioc_role"] == "operator"
    person = run_async(client.sign_in(*_fresh(client, "lan")))
    assert person == OidcPerson(username="oidc:lan", name="Trần Thị Lan", role="operator",
                                agency_id=None, unit_id=None, subject="lan")


def _fresh(client: OidcClient, login: str) -> tuple[str, str, str]:
    """Return (code, nonce, verifier) of a new sign-in of ``login``."""
    start, answer = code_for(client, login)
    return answer["code"], start.nonce, start.verifier


def test_username_from_preferred_username_else_sub(provider):
    client = client_for(provider)
    assert sign_in(client, "khanh").username == "oidc:khanh.do"
    assert sign_in(client, "mai").username == "oidc:mai"  # an e-mail is no username here
    with pytest.raises(Forbidden, match="2 to 80 of a-z"):
        sign_in(client, "Ngọc Ánh")


def test_role_from_a_list_claim_and_the_agency(provider):
    person = sign_in(client_for(provider), "binh")
    assert (person.username, person.role, person.agency_id) == ("oidc:binh", "agency", "ca-hue")
    assert person.name == "Lê Văn Bình"


def test_responder_gets_its_unit(provider):
    person = sign_in(client_for(provider), "cuong")
    assert (person.role, person.unit_id, person.agency_id) == ("responder", "qs-xuong-01", None)


def test_role_map_translates_the_providers_groups(provider):
    mapped = client_for(provider, oidc_role_map={"ioc-supervisors": "supervisor",
                                                 "staff": "wall"})
    hoa = sign_in(mapped, "hoa")
    assert (hoa.role, hoa.agency_id) == ("supervisor", "so-yt")
    assert sign_in(mapped, "dung").role == "wall"
    with pytest.raises(Forbidden, match="no role"):  # a mapped server takes only mapped values
        sign_in(mapped, "lan")


def test_role_and_agency_from_other_claims(provider):
    client = client_for(provider, oidc_role_claim="name", oidc_agency_claim="sub",
                        oidc_role_map={"Võ Hoa": "agency"})
    person = sign_in(client, "hoa")
    assert (person.role, person.agency_id) == ("agency", "hoa")


def test_a_person_without_a_role_is_refused_clearly(provider):
    with pytest.raises(Forbidden) as refused:
        sign_in(client_for(provider), "dung")
    assert refused.value.status == 403
    assert "'oidc:dung'" not in refused.value.message and "'dung'" in refused.value.message
    assert "ioc_role" in refused.value.message and "administrator" in refused.value.message


def test_agency_role_without_agency_is_refused(provider):
    client = client_for(provider, oidc_agency_claim="ioc_unit")
    with pytest.raises(Forbidden, match="needs an agency"):
        sign_in(client, "binh")


def test_forged_code_is_refused(provider):
    client = client_for(provider)
    code, nonce, verifier = _fresh(client, "lan")
    with pytest.raises(Unauthorized, match="invalid_grant"):
        run_async(client.sign_in(code[:-2] + ("AA" if code[-2:] != "AA" else "BB"), nonce,
                                   verifier))


def test_a_code_is_used_once(provider):
    client = client_for(provider)
    code, nonce, verifier = _fresh(client, "lan")
    assert run_async(client.sign_in(code, nonce, verifier)).role == "operator"
    with pytest.raises(Unauthorized, match="invalid_grant"):
        run_async(client.sign_in(code, nonce, verifier))


def test_wrong_pkce_verifier_is_refused(provider):
    client = client_for(provider)
    code, nonce, _ = _fresh(client, "lan")
    other_verifier = run_async(client.start()).verifier
    with pytest.raises(Unauthorized, match="invalid_grant"):
        run_async(client.sign_in(code, nonce, other_verifier))


def test_wrong_client_secret_is_refused(provider):
    client = client_for(provider, oidc_client_secret="not-the-secret")
    with pytest.raises(Unauthorized, match="invalid_client"):
        run_async(client.sign_in(*_fresh(client, "lan")))


def test_tampered_nonce_is_refused(provider):
    client = client_for(provider)
    start, answer = code_for(client, "lan")
    with pytest.raises(Unauthorized, match="nonce"):
        run_async(client.sign_in(answer["code"], start.nonce + "x", start.verifier))


def test_tampered_state_never_matches(provider):
    """The provider hands back the state it was given: a callback whose state was changed
    matches no sign-in kept by the server (the server looks the state up, see the callback)."""
    client = client_for(provider)
    start = run_async(client.start())
    forged = start.url.replace(start.state, start.state[:-1] + "x")
    answer = sign_in_code(forged, "lan", REDIRECT)
    assert answer["state"] != start.state


def _id_token(client: OidcClient) -> tuple[str, str]:
    """Return (a real ID token, its nonce) of a new sign-in of lan."""
    start, answer = code_for(client, "lan")
    token = run_async(client.exchange(answer["code"], start.verifier))
    return token["id_token"], start.nonce


def test_id_token_with_a_changed_claim_is_refused(provider):
    client = client_for(provider)
    id_token, nonce = _id_token(client)
    header, _, signature = id_token.split(".")
    claims = jwt.decode(id_token, run_async(client.keys())).claims
    payload = json.dumps({**claims, "ioc_role": "admin"}).encode()
    forged = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    with pytest.raises(Unauthorized, match="signature"):
        run_async(client.validate_id_token(f"{header}.{forged}.{signature}", nonce))


def test_id_token_signed_by_another_key_is_refused(provider):
    client = client_for(provider)
    id_token, nonce = _id_token(client)
    real = jwt.decode(id_token, run_async(client.keys()))
    stranger = RSAKey.generate_key(2048, parameters={"kid": "not-the-providers"})
    forged = jwt.encode({"alg": "RS256", "kid": "not-the-providers"}, real.claims, stranger)
    with pytest.raises(Unauthorized, match="key"):
        run_async(client.validate_id_token(forged, nonce))
    same_kid = RSAKey.generate_key(2048, parameters={"kid": real.header["kid"]})
    forged = jwt.encode({"alg": "RS256", "kid": real.header["kid"]}, real.claims, same_kid)
    with pytest.raises(Unauthorized, match="signature"):
        run_async(client.validate_id_token(forged, nonce))


def test_id_token_for_another_client_or_issuer_is_refused(provider):
    client = client_for(provider)
    id_token, nonce = _id_token(client)
    other_client = OidcClient(settings_for(provider.issuer, oidc_client_id="someone-else"),
                              REDIRECT)
    with pytest.raises(Unauthorized, match="aud"):
        run_async(other_client.validate_id_token(id_token, nonce))
    as_localhost = OidcClient(settings_for(provider.issuer.replace("127.0.0.1", "localhost")),
                              REDIRECT)
    with pytest.raises(Unavailable, match="does not match"):  # discovery names 127.0.0.1
        run_async(as_localhost.validate_id_token(id_token, nonce))


def test_expired_id_token_is_refused(provider):
    id_token, nonce = _id_token(client_for(provider))
    three_hours_on = OidcClient(settings_for(provider.issuer), REDIRECT,
                                now=lambda: time.time() + 3 * 3600)
    with pytest.raises(Unauthorized, match="exp"):
        run_async(three_hours_on.validate_id_token(id_token, nonce))
    an_hour_ago = OidcClient(settings_for(provider.issuer), REDIRECT,
                             now=lambda: time.time() - 3600)
    with pytest.raises(Unauthorized, match="future"):  # iat after its clock
        run_async(an_hour_ago.validate_id_token(id_token, nonce))


def test_discovery_is_cached(tmp_path):
    with oidc_provider(tmp_path, [REDIRECT]) as running:
        cached = client_for(running)
        run_async(cached.start())
    assert run_async(cached.start()).url.startswith(running.issuer + "/auth?")
    with pytest.raises(Unavailable, match="cannot be reached"):
        run_async(client_for(running).start())


@pytest.mark.parametrize("fields, problem", [
    ({"oidc_issuer": "http://idp.hue.gov.vn"}, "https"),
    ({"oidc_client_secret": ""}, "IOC_OIDC_CLIENT_SECRET"),
    ({"oidc_scopes": "profile ioc"}, "openid"),
    ({"oidc_role_map": {"ioc-admins": "root"}}, "unknown"),
    ({"oidc_role_map": {"citizens": "public"}}, "unknown"),
])
def test_settings_refuse_what_cannot_work(fields, problem):
    with pytest.raises(ValidationError, match=problem):
        settings_for("https://idp.hue.gov.vn/realms/ioc", **fields)


def test_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("IOC_OIDC_ISSUER", "https://idp.hue.gov.vn/realms/ioc")
    monkeypatch.setenv("IOC_OIDC_CLIENT_ID", "ioc")
    monkeypatch.setenv("IOC_OIDC_CLIENT_SECRET", "the-client-secret")
    monkeypatch.setenv("IOC_OIDC_ROLE_MAP", '{"ioc-operators": "operator"}')
    read = OidcSettings()
    assert read.oidc_enabled and read.oidc_role_map == {"ioc-operators": "operator"}
    assert read.oidc_role_claim == "ioc_role" and read.oidc_scopes == "openid profile ioc"
    assert "the-client-secret" not in repr(read)
    monkeypatch.delenv("IOC_OIDC_ISSUER")
    assert not OidcSettings().oidc_enabled
