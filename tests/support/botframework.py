"""The identity side of the Bot Framework, over real local HTTP, so that the bot's real token checks run.

``BotFrameworkKeys`` plays login.botframework.com: OpenID metadata naming the Bot Framework issuer and
a JWKS with a locally generated RSA key, and signs channel tokens as the Bot Framework does (issuer
``https://api.botframework.com``, audience the bot's app id, a ``serviceurl`` claim).

``FakeAuthority`` plays Entra ID for the bot's own outgoing token: MSAL (through the Agents SDK) reads
its OpenID configuration and asks its token endpoint for a client-credentials token. MSAL only talks
https to an authority, so it serves TLS with a self-signed certificate (point ``REQUESTS_CA_BUNDLE``
at ``ca_file``), and its path is ``/adfs`` because MSAL skips Microsoft's instance discovery (a call
to login.microsoftonline.com) for AD FS authorities, and the SDK offers no other way to turn it off.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import secrets
import ssl
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .localfake import FakeHandler, LocalFake

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"


class SigningKey:
    """An RSA key pair that signs tokens (RS256) and publishes its public half as a JWK."""

    def __init__(self, kid: str | None = None) -> None:
        self.kid = kid or uuid.uuid4().hex
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": self.kid})


@dataclass
class KeysCall:
    path: str


class _KeysHandler(FakeHandler["BotFrameworkKeys"]):
    def do_GET(self) -> None:
        self.fake.record(KeysCall(self.path))
        document = self.fake.documents.get(self.path)
        data = json.dumps(document).encode() if document is not None else b"{}"
        self.reply(200 if document is not None else 404, data, "application/json")


class BotFrameworkKeys(LocalFake[KeysCall]):
    """OpenID metadata and signing keys on http://127.0.0.1, and the tokens they verify."""

    handler = _KeysHandler

    def __init__(self, issuer: str = BOT_FRAMEWORK_ISSUER) -> None:
        super().__init__()
        self.issuer = issuer
        self.key = SigningKey()
        self.documents: dict[str, Any] = {}
        self.metadata_url = ""

    def started(self, port: int) -> None:
        base = f"http://127.0.0.1:{port}"
        self.metadata_url = f"{base}/v1/.well-known/openidconfiguration"
        self.documents["/v1/.well-known/openidconfiguration"] = {
            "issuer": self.issuer,
            "authorization_endpoint": "https://invalid.botframework.com",
            "jwks_uri": f"{base}/v1/.well-known/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }
        self.documents["/v1/.well-known/keys"] = {"keys": [self.key.jwk()]}

    def claims(self, *, app_id: str, service_url: str, lifetime: int = 3600) -> dict[str, Any]:
        """The claims of a channel token the Bot Framework would send with an activity for `service_url`."""
        now = int(time.time())
        return {"serviceurl": service_url, "nbf": now - 5, "exp": now + lifetime, "iss": self.issuer, "aud": app_id}

    def token(self, *, app_id: str, service_url: str, **changes: Any) -> str:
        """A signed channel token; `changes` replace claims (None removes one)."""
        claims = {**self.claims(app_id=app_id, service_url=service_url), **changes}
        return self.key.sign({k: v for k, v in claims.items() if v is not None})


@dataclass
class TokenRequest:
    """A request the authority answered: its path and form fields."""

    path: str
    form: dict[str, str]


class _AuthorityHandler(FakeHandler["FakeAuthority"]):
    def do_GET(self) -> None:
        if self.path.split("?")[0] != "/adfs/.well-known/openid-configuration":
            self.reply(404, b"{}", "application/json")
            return
        base = self.fake.url
        document = {
            "issuer": base,
            "authorization_endpoint": f"{base}/oauth2/authorize",
            "token_endpoint": f"{base}/oauth2/token",
            "jwks_uri": f"{base}/discovery/keys",
        }
        self.reply(200, json.dumps(document).encode(), "application/json")

    def do_POST(self) -> None:
        form = {k: v[0] for k, v in parse_qs(self.body().decode()).items()}
        self.fake.record(TokenRequest(self.path, form))
        good = (
            self.path.split("?")[0] == "/adfs/oauth2/token"
            and form.get("grant_type") == "client_credentials"
            and (form.get("client_id"), form.get("client_secret")) == (self.fake.client_id, self.fake.client_secret)
        )
        if good:
            answer = {"token_type": "Bearer", "expires_in": 3600, "access_token": self.fake.access_token}
        else:
            answer = {"error": "invalid_client", "error_description": "unknown client or wrong secret"}
        self.reply(200 if good else 401, json.dumps(answer).encode(), "application/json")


class FakeAuthority(LocalFake[TokenRequest]):
    """An OAuth authority on https://127.0.0.1 that hands `client_id` its `access_token` for `client_secret`."""

    handler = _AuthorityHandler

    def __init__(self, client_id: str, client_secret: str) -> None:
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.access_token = "bot-token-" + secrets.token_hex(16)
        self._dir = tempfile.TemporaryDirectory(prefix="fake-authority-")
        self.ca_file = Path(self._dir.name) / "authority.pem"
        self.url = ""

    def started(self, port: int) -> None:
        self.url = f"https://127.0.0.1:{port}/adfs"
        key_file = Path(self._dir.name) / "authority.key"
        _self_signed(self.ca_file, key_file)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_file, key_file)
        server = self._server
        assert server is not None
        server.socket = context.wrap_socket(server.socket, server_side=True)

    def stop(self) -> None:
        super().stop()
        self._dir.cleanup()

    def token_requests(self) -> list[TokenRequest]:
        with self.lock:
            return [c for c in self.calls if c.path.startswith("/adfs/oauth2/token")]


def _self_signed(cert_file: Path, key_file: Path) -> None:
    """A certificate for 127.0.0.1 that is its own trust anchor."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
