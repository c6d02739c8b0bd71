"""Who may talk to the bot over Teams, and where the bot may send its own token.

Incoming: each request carries a JWT. It is accepted when its issuer is one of the accepted issuers
(each read from an OpenID metadata document: by default the Bot Framework's and the tenant's Entra
ID), it is signed with RS256 by a key that issuer publishes, it is addressed to our app id and it is
within its lifetime (5 minutes of clock skew allowed), as the Bot Framework's authentication
documentation asks.

Outgoing: to answer, the SDK sends the bot's own token to the activity's ``serviceUrl``. That URL
must be https on a host in TEAMS_SERVICE_URL_HOSTS, and the one the token was issued for: the Bot
Framework puts it in the token's ``serviceurl`` claim, which its channel tokens always carry.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import time
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt

log = logging.getLogger("techcommit.teams.auth")

SERVICE_URL_CLAIM = "serviceurl"
BOT_FRAMEWORK_ISSUERS = frozenset({"https://api.botframework.com", "https://api.botframework.us"})
CLOCK_SKEW_SECONDS = 300
METADATA_REFRESH_SECONDS = 24 * 3600
METADATA_RETRY_SECONDS = 60  # after a failed read: not on every request while the issuer is unreachable
KEYS_LIFESPAN_SECONDS = 6 * 3600
FETCH_TIMEOUT_SECONDS = 10


class Refused(Exception):
    """The request is not let in (answered 401); the message says why, for the log only."""


@dataclass(frozen=True)
class Issuer:
    """An accepted token issuer and the client of the keys it signs with."""

    name: str
    keys: jwt.PyJWKClient


class IssuerDirectory:
    """The accepted issuers, read from their OpenID metadata documents (kept a day; a failed read is tried
    again a minute later, keeping the last good copy). Nothing a token says decides which URL is fetched."""

    def __init__(self, metadata_urls: Iterable[str]) -> None:
        self.metadata_urls = tuple(metadata_urls)
        self._issuers: dict[str, Issuer] = {}
        self._loaded_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def find(self, name: str) -> Issuer | None:
        """The accepted issuer called `name` exactly, or None."""
        with self._lock:
            now = time.monotonic()
            for url in self.metadata_urls:
                if now - self._loaded_at.get(url, -METADATA_REFRESH_SECONDS) >= METADATA_REFRESH_SECONDS:
                    self._load(url, now)
            return self._issuers.get(name)

    def _load(self, url: str, now: float) -> None:
        try:
            with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 (from settings)
                document = json.loads(response.read())
            name, jwks_uri = document["issuer"], document["jwks_uri"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("could not read the OpenID metadata at %s: %s", url, exc)
            self._loaded_at[url] = now - METADATA_REFRESH_SECONDS + METADATA_RETRY_SECONDS
            return
        known = self._issuers.get(name)
        if known is None or known.keys.uri != jwks_uri:
            self._issuers[name] = Issuer(name, jwt.PyJWKClient(jwks_uri, lifespan=KEYS_LIFESPAN_SECONDS, timeout=10))
        self._loaded_at[url] = now


class TokenValidator:
    """Checks Bot Framework bearer tokens for one app id against the accepted issuers."""

    def __init__(self, app_id: str, issuers: IssuerDirectory) -> None:
        self.app_id = app_id
        self.issuers = issuers
        self._keys_lock = threading.Lock()  # PyJWKClient's caches are not meant to be shared unguarded

    def claims(self, authorization: str | None) -> dict[str, Any]:
        """The verified claims of the ``Authorization: Bearer`` token, or Refused saying why."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Refused("no bearer token")
        if not self.app_id:
            raise Refused("TEAMS_APP_ID is not set: no audience to check tokens against")
        token = token.strip()
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
            issuer = self.issuers.find(str(unverified.get("iss")))
            if issuer is None:
                raise Refused(f"issuer {unverified.get('iss')!r} is not accepted")
            with self._keys_lock:
                key = issuer.keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=issuer.name,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWKClientConnectionError as exc:
            log.warning("could not fetch the token signing keys: %s", exc)
            raise Refused("signing keys unavailable") from None
        except jwt.PyJWTError as exc:
            raise Refused(f"token rejected: {exc}") from None
        return claims


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine (localhost, 127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def service_url_refusal(
    service_url: object, claims: Mapping[str, Any] | None, hosts: frozenset[str], *, allow_loopback: bool = False
) -> str | None:
    """Why the bot must not send its token to `service_url` (None: it may).

    `claims` are the verified token's (None for anonymous requests and proactive sends). http is only
    accepted to this machine, and `allow_loopback` admits this machine without it being listed.
    """
    if not isinstance(service_url, str) or not service_url:
        return "the activity has no serviceUrl"
    try:
        parts = urlsplit(service_url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (raises on a malformed port)
    except ValueError:
        return f"serviceUrl {service_url!r} is not a URL"
    if parts.username is not None or parts.password is not None:
        return "serviceUrl carries credentials"
    local = is_loopback(host)
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        return f"serviceUrl {service_url!r} is not https"
    if host not in hosts and not (local and allow_loopback):
        return f"serviceUrl host {host!r} is not in TEAMS_SERVICE_URL_HOSTS"
    if claims is None:
        return None
    claimed = claims.get(SERVICE_URL_CLAIM)
    if claimed is None:
        if claims.get("iss") in BOT_FRAMEWORK_ISSUERS:
            return "the Bot Framework token has no serviceurl claim"
        return None
    if not isinstance(claimed, str) or _same_url(claimed) != _same_url(service_url):
        return f"serviceUrl {service_url!r} is not the one the token was issued for ({claimed!r})"
    return None


def _same_url(url: str) -> str:
    """A URL as the Bot Framework compares it: case-insensitive; one trailing slash does not matter."""
    return url.lower().rstrip("/")
