"""Where the bot may send its Bot Framework token: bot/teams/auth.py's serviceUrl rules, and their settings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.settings import ConfigError, load_settings
from bot.teams.auth import service_url_refusal

PUBLIC = frozenset({"smba.trafficmanager.net"})
URL = "https://smba.trafficmanager.net/emea/"
CHANNEL = {"iss": "https://api.botframework.com", "aud": "app", "serviceurl": URL}


def test_the_public_teams_host_with_its_own_token_is_allowed() -> None:
    assert service_url_refusal(URL, CHANNEL, PUBLIC) is None
    assert service_url_refusal("HTTPS://SMBA.trafficmanager.net/emea", CHANNEL, PUBLIC) is None  # as the BF compares
    assert service_url_refusal(URL, None, PUBLIC) is None  # a proactive send to a stored conversation


@pytest.mark.parametrize(
    ("url", "claims", "why"),
    [
        ("https://smba.trafficmanager.net/amer/", CHANNEL, "not the one the token was issued for"),
        (URL, {**CHANNEL, "serviceurl": 42}, "issued for"),
        (URL, {k: v for k, v in CHANNEL.items() if k != "serviceurl"}, "no serviceurl claim"),
        ("http://smba.trafficmanager.net/emea/", None, "not https"),
        ("https://user:pw@smba.trafficmanager.net/emea/", None, "credentials"),
        ("https://smba.trafficmanager.net.evil.example/emea/", None, "not in TEAMS_SERVICE_URL_HOSTS"),
        ("https://evil.example/smba.trafficmanager.net/", None, "not in TEAMS_SERVICE_URL_HOSTS"),
        ("https://127.0.0.1:8443/", None, "not in TEAMS_SERVICE_URL_HOSTS"),
        ("https://smba.trafficmanager.net:99999/", None, "not a URL"),
        (None, None, "no serviceUrl"),
        ("", CHANNEL, "no serviceUrl"),
    ],
)
def test_other_service_urls_are_refused(url: str | None, claims: dict[str, object] | None, why: str) -> None:
    assert why in (service_url_refusal(url, claims, PUBLIC) or "")


def test_this_machine_only_when_listed_or_anonymous_and_plain_http_only_there() -> None:
    local = "http://127.0.0.1:3978/"
    assert service_url_refusal(local, None, PUBLIC) is not None
    assert service_url_refusal(local, None, PUBLIC, allow_loopback=True) is None
    assert service_url_refusal(local, None, frozenset({"127.0.0.1"})) is None
    assert (
        service_url_refusal("http://10.0.0.5/", None, frozenset({"10.0.0.5"}))
        == "serviceUrl 'http://10.0.0.5/' is not https"
    )


def test_an_entra_token_without_the_claim_is_held_to_the_host_list_only() -> None:
    entra = {"iss": "https://login.microsoftonline.com/t/v2.0", "aud": "app"}
    assert service_url_refusal(URL, entra, PUBLIC) is None
    assert service_url_refusal("https://evil.example/", entra, PUBLIC) is not None


@given(st.from_regex(r"[a-z0-9-]{1,20}(\.[a-z0-9-]{1,20}){0,3}", fullmatch=True), st.text(max_size=20))
def test_no_host_off_the_list_is_allowed(host: str, path: str) -> None:
    url = f"https://{host}/{path}"
    assert service_url_refusal(url, None, PUBLIC) is not None or host == "smba.trafficmanager.net"


def test_the_settings_default_to_the_public_cloud_and_refuse_urls_for_hosts() -> None:
    settings = load_settings(_env_file=None)
    assert "smba.trafficmanager.net" in settings.teams_service_url_hosts
    assert settings.teams_metadata_urls == ("https://login.botframework.com/v1/.well-known/openidconfiguration",)
    tenant = load_settings(_env_file=None, teams_tenant_id="72f988bf-0000-0000-0000-000000000000")
    assert [u.split("/")[2] for u in tenant.teams_metadata_urls] == [
        "login.botframework.com",
        "login.microsoftonline.com",
        "login.microsoftonline.com",
    ]
    hosts = load_settings(_env_file=None, teams_service_url_hosts=" SMBA.infra.gov.teams.microsoft.us , 127.0.0.1")
    assert hosts.teams_service_url_hosts == {"smba.infra.gov.teams.microsoft.us", "127.0.0.1"}
    with pytest.raises(ConfigError, match=r"TEAMS_SERVICE_URL_HOSTS.*not a host name.*smba.trafficmanager.net"):
        load_settings(_env_file=None, teams_service_url_hosts="https://smba.trafficmanager.net/emea/")
    with pytest.raises(ConfigError, match=r"TEAMS_OPENID_METADATA.*not an https URL"):
        load_settings(_env_file=None, teams_openid_metadata="http://keys.example/openid")
