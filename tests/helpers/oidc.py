"""A real OpenID Connect provider for the tests: ``tests/oidc/provider.mjs`` (npm package
oidc-provider) as a child process on a free port of 127.0.0.1, and a person's way through its
development sign-in and consent forms over real HTTP (``sign_in_code``)."""
from __future__ import annotations

import json
import select
import shutil
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2

from tests.helpers.server import REPO_ROOT

PROVIDER_SCRIPT = Path(REPO_ROOT) / "tests" / "oidc" / "provider.mjs"
CLIENT_ID = "hue-ioc"
CLIENT_SECRET = "a-test-client-secret-of-the-ioc"  # a test provider's, known to no real one

#: People of the test provider: account id (the login typed) → claims.
ACCOUNTS: dict[str, dict[str, Any]] = {
    "lan": {"name": "Trần Thị Lan", "ioc_role": "operator"},
    "binh": {"name": "Lê Văn Bình", "ioc_role": ["staff", "agency"], "ioc_agency": "ca-hue"},
    "cuong": {"name": "Phạm Cường", "ioc_role": "responder", "ioc_unit": "qs-xuong-01"},
    "dung": {"name": "Hồ Dũng", "ioc_role": ["staff"]},
    "hoa": {"name": "Võ Hoa", "ioc_role": "ioc-supervisors", "ioc_agency": "so-yt"},
    "mai": {"name": "Nguyễn Mai", "preferred_username": "Mai.Nguyen@hue.gov.vn",
            "ioc_role": "operator"},
    "khanh": {"name": "Đỗ Khánh", "preferred_username": "Khanh.Do", "ioc_role": "operator"},
    "Ngọc Ánh": {"name": "Ngọc Ánh", "preferred_username": "Ngọc Ánh", "ioc_role": "operator"},
}


@dataclass
class Provider:
    """A running test provider: its ``issuer`` URL and the client registered there."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)


def _wait_ready(proc: subprocess.Popen, timeout: float) -> str:
    """Return the issuer the provider prints (``ready ISSUER``); raise AssertionError with its
    error output when it exits or says nothing within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            line = proc.stdout.readline()
            if line.startswith("ready "):
                return line.split(" ", 1)[1].strip()
        if proc.poll() is not None:
            break
    proc.kill()
    _, err = proc.communicate(timeout=5)
    raise AssertionError(f"the test OpenID provider did not start (is `npm ci` done?): {err}")


@contextmanager
def oidc_provider(tmp_path: Path, redirect_uris: list[str],
                  accounts: dict[str, dict[str, Any]] | None = None,
                  timeout: float = 30.0) -> Iterator[Provider]:
    """Start the test provider with one confidential client (``CLIENT_ID``/``CLIENT_SECRET``,
    ``redirect_uris``) and ``accounts`` (default ``ACCOUNTS``); yield a Provider; stop it."""
    accounts = ACCOUNTS if accounts is None else accounts
    config = tmp_path / "oidc-provider.json"
    config.write_text(json.dumps({
        "client": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                   "redirect_uris": redirect_uris},
        "accounts": accounts}), encoding="utf-8")
    node = shutil.which("node") or "node"
    proc = subprocess.Popen([node, str(PROVIDER_SCRIPT), str(config), "0"], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        issuer = _wait_ready(proc, timeout)
        yield Provider(issuer, CLIENT_ID, CLIENT_SECRET, list(redirect_uris), dict(accounts))
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        proc.stdout.close()
        proc.stderr.close()


def _form_action(html: str, base: str) -> str:
    """Return the absolute action URL of the first form of ``html``."""
    start = html.index("<form")
    action = html[html.index('action="', start) + 8:]
    return urljoin(base, action[:action.index('"')].replace("&amp;", "&"))


def walk_provider(http: httpx2.Client, url: str, login: str, redirect_uri: str) -> str:
    """Go through the provider's development forms with ``http`` as ``login`` (any password):
    follow ``url`` (the authorization URL), fill the sign-in form, confirm the consent form,
    and stop at the redirect back to ``redirect_uri``; return that address."""
    for _ in range(20):
        if url.startswith(redirect_uri):
            return url
        resp = http.get(url)
        if resp.is_redirect:
            url = urljoin(url, resp.headers["location"])
            continue
        assert resp.status_code == 200, f"{url}: {resp.status_code} {resp.text[:300]}"
        page = resp.text
        if 'name="prompt" value="login"' in page:
            form = {"prompt": "login", "login": login, "password": "any password"}
        elif 'name="prompt" value="consent"' in page:
            form = {"prompt": "consent"}
        else:
            raise AssertionError(f"unexpected page of the provider at {url}: {page[:300]}")
        resp = http.post(_form_action(page, url), data=form)
        assert resp.is_redirect, f"{resp.status_code} {resp.text[:300]}"
        url = urljoin(url, resp.headers["location"])
    raise AssertionError("the provider never sent the browser back")


def sign_in_code(authorization_url: str, login: str, redirect_uri: str,
                 timeout: float = 10.0) -> dict[str, str]:
    """Return the query parameters (``code``, ``state``, ``iss``, or ``error``) of the
    provider's redirect to ``redirect_uri`` once ``login`` went through its forms from
    ``authorization_url`` in a browser of its own (``walk_provider``)."""
    with httpx2.Client(timeout=timeout, follow_redirects=False) as http:
        url = walk_provider(http, authorization_url, login, redirect_uri)
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
