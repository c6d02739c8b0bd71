"""Teams authentication for real: signed tokens checked against published keys, MSAL for the bot's own token.

No anonymous mode here. BotFrameworkKeys publishes OpenID metadata and an RSA key on 127.0.0.1 and signs
channel tokens; FakeAuthority hands the bot its outgoing token over https; the FakeConnector checks that
the replies carry that token. Every refused request is followed by the same request with a good token,
which is accepted: the refusal is for the one thing that was wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.composition import Deps, build
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings, load_settings
from handlers.clock import FixedClock
from storage.models import Delivery
from tests.bot.test_teams import card_text
from tests.plan_data import csv_plan, load_plan
from tests.support.botframework import BotFrameworkKeys, FakeAuthority, SigningKey
from tests.support.fakeconnector import FakeConnector
from tests.support.rows import entries
from tests.support.server import BackgroundServer
from tests.support.teamsclient import BOT_APP_ID, TeamsClient, TeamsUser

ANNE = TeamsUser.make("Anne Signed")
TENANT = "72f988bf-0000-0000-0000-000000000000"
PASSWORD = "teams-client-secret-for-tests"


@pytest.fixture
def keys() -> Iterator[BotFrameworkKeys]:
    with BotFrameworkKeys() as fake:
        yield fake


@pytest.fixture
def authority(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAuthority]:
    with FakeAuthority(BOT_APP_ID, PASSWORD) as fake:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_file))  # MSAL's requests trusts the authority
        yield fake


@pytest.fixture
def connector() -> Iterator[FakeConnector]:
    with FakeConnector() as fake:
        yield fake
        assert fake.problems == [], fake.describe()


def teams_settings(keys: BotFrameworkKeys, authority: FakeAuthority, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "teams_app_id": BOT_APP_ID,
        "teams_app_password": PASSWORD,
        "teams_tenant_id": TENANT,
        "teams_openid_metadata": keys.metadata_url,
        "teams_authority": authority.url,
        "teams_service_url_hosts": "127.0.0.1",
        "scheduler_enabled": False,
    }
    return load_settings(_env_file=None, **{**values, **changes})


@pytest.fixture
def make_runtime(engine: Engine, clock: FixedClock) -> Iterator[Callable[[Settings], tuple[Deps, Runtime]]]:
    started: list[Runtime] = []

    def make(settings: Settings) -> tuple[Deps, Runtime]:
        deps = build(settings, clock=clock, engine=engine)
        running = build_runtime(deps)
        started.append(running)
        assert running.teams is not None
        assert running.slack is None
        return deps, running

    yield make
    for running in started:
        running.close()


@pytest.fixture
def served(
    keys: BotFrameworkKeys, authority: FakeAuthority, make_runtime: Callable[[Settings], tuple[Deps, Runtime]]
) -> Iterator[BackgroundServer]:
    _, running = make_runtime(teams_settings(keys, authority))
    with BackgroundServer(running.wsgi()) as server:
        yield server


@pytest.fixture
def teams(served: BackgroundServer, connector: FakeConnector) -> TeamsClient:
    return TeamsClient(served.url, connector, tenant_id=TENANT)


def good(keys: BotFrameworkKeys, connector: FakeConnector) -> str:
    return "Bearer " + keys.token(app_id=BOT_APP_ID, service_url=connector.service_url)


def test_a_signed_token_is_accepted_and_the_reply_carries_the_bots_own_token(
    teams: TeamsClient, keys: BotFrameworkKeys, authority: FakeAuthority, connector: FakeConnector, engine: Engine
) -> None:
    posted = teams.message("cpd add 1h Signed reading", user=ANNE, authorization=good(keys, connector))
    assert posted.status in (200, 202), posted.body
    [reply] = posted.replies()
    assert "Logged" in card_text(reply)
    assert reply.authorization == f"Bearer {authority.access_token}"  # MSAL got it from the authority
    [request, *_] = authority.token_requests()
    assert request.form["client_id"] == BOT_APP_ID
    assert request.form["scope"] == "https://api.botframework.com/.default"
    [entry] = entries(engine)
    assert (entry.platform, entry.user_id, entry.title) == ("teams", ANNE.aad_object_id, "Signed reading")


def _forged(keys: BotFrameworkKeys, connector: FakeConnector) -> str:
    """Signed by another key that claims the published key's id."""
    claims = keys.claims(app_id=BOT_APP_ID, service_url=connector.service_url)
    return SigningKey(kid=keys.key.kid).sign(claims)


def _claims(**changes: Any) -> Callable[[BotFrameworkKeys, FakeConnector], str]:
    def make(keys: BotFrameworkKeys, connector: FakeConnector) -> str:
        return keys.token(app_id=BOT_APP_ID, service_url=connector.service_url, **changes)

    return make


REFUSED_TOKENS: dict[str, Callable[[BotFrameworkKeys, FakeConnector], str]] = {
    "forged signature": _forged,
    "expired": _claims(exp=1_700_000_000, nbf=1_699_990_000),
    "for another bot": _claims(aud="00000000-dead-beef-0000-000000000000"),
    "another issuer": _claims(iss="https://login.example.net/not-the-bot-framework"),
    "no serviceurl claim": _claims(serviceurl=None),
    "issued for another serviceUrl": lambda keys, connector: keys.token(
        app_id=BOT_APP_ID, service_url="http://127.0.0.1:9/elsewhere/"
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED_TOKENS))
def test_a_bad_token_is_refused_and_changes_nothing(
    case: str,
    teams: TeamsClient,
    keys: BotFrameworkKeys,
    authority: FakeAuthority,
    connector: FakeConnector,
    engine: Engine,
) -> None:
    token = REFUSED_TOKENS[case](keys, connector)
    posted = teams.message("cpd add 1h Should not be logged", user=ANNE, authorization=f"Bearer {token}")
    assert posted.status == 401
    assert (entries(engine), connector.calls, authority.token_requests()) == ([], [], [])
    accepted = teams.message("cpd add 1h Logged", user=ANNE, authorization=good(keys, connector))
    assert "Logged" in card_text(accepted.replies()[0])


def test_a_service_url_on_a_host_not_allowed_is_refused_even_when_the_token_names_it(
    teams: TeamsClient, keys: BotFrameworkKeys, authority: FakeAuthority, connector: FakeConnector, engine: Engine
) -> None:
    elsewhere = connector.service_url.replace("127.0.0.1", "localhost")  # the same connector, another host name
    activity = teams.base_activity("message", ANNE)
    activity.update(text="cpd add 1h Should not be logged", serviceUrl=elsewhere)
    token = keys.token(app_id=BOT_APP_ID, service_url=elsewhere)
    assert teams.post_activity(activity, authorization=f"Bearer {token}").status == 401
    assert (entries(engine), connector.calls, authority.token_requests()) == ([], [], [])
    accepted = teams.message("cpd add 1h Logged", user=ANNE, authorization=good(keys, connector))
    assert "Logged" in card_text(accepted.replies()[0])


def test_a_reminder_reaches_a_signed_in_person_with_the_bots_own_token(
    keys: BotFrameworkKeys,
    authority: FakeAuthority,
    connector: FakeConnector,
    make_runtime: Callable[[Settings], tuple[Deps, Runtime]],
    clock: FixedClock,
) -> None:
    deps, running = make_runtime(teams_settings(keys, authority))
    with BackgroundServer(running.wsgi()) as server:
        client = TeamsClient(server.url, connector, tenant_id=TENANT)
        client.message("help", user=ANNE, authorization=good(keys, connector)).replies()
    load_plan(
        deps.uow, csv_plan([("P1", 2026, "Signed action", f"teams:{ANNE.aad_object_id}", "Q1", "")]), now=clock.now()
    )
    assert running.sweep().sending.sent == [f"plan-quarter:2026Q1:teams:{ANNE.aad_object_id}"]
    [sent] = [c for c in connector.calls_of("send_to_conversation") if "Signed action" in card_text(c)]
    assert sent.authorization == f"Bearer {authority.access_token}"


def test_proactive_messages_go_only_to_allowed_hosts(
    keys: BotFrameworkKeys,
    authority: FakeAuthority,
    connector: FakeConnector,
    make_runtime: Callable[[Settings], tuple[Deps, Runtime]],
    clock: FixedClock,
    engine: Engine,
) -> None:
    """Anne's chat was remembered with the local connector's URL; once that host is off the list, nothing goes there."""
    _, first = make_runtime(teams_settings(keys, authority))
    with BackgroundServer(first.wsgi()) as server:
        client = TeamsClient(server.url, connector, tenant_id=TENANT)
        client.message("help", user=ANNE, authorization=good(keys, connector)).replies()
    deps, second = make_runtime(teams_settings(keys, authority, teams_service_url_hosts="smba.trafficmanager.net"))
    load_plan(
        deps.uow, csv_plan([("P1", 2026, "Proactive action", f"teams:{ANNE.aad_object_id}", "Q1", "")]), now=clock.now()
    )
    sent_before, tokens_before = len(connector.calls), len(authority.token_requests())
    swept = second.sweep()
    assert swept.sending.sent == []
    [failed] = swept.sending.failed
    assert failed == f"plan-quarter:2026Q1:teams:{ANNE.aad_object_id}"
    assert (len(connector.calls), len(authority.token_requests())) == (sent_before, tokens_before)
    with Session(engine) as session:
        status, reason = session.execute(select(Delivery.status, Delivery.last_error)).one()
    assert status == "failed"  # permanently: not retried at the next pass
    assert "'127.0.0.1' is not in TEAMS_SERVICE_URL_HOSTS" in (reason or "")
    assert second.sweep().queued == []
