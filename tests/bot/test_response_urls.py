"""Answers go to the response URL over a kept-alive connection, and another way when it cannot be reached."""

from __future__ import annotations

import socket

from bot.slack.response_urls import ResponseUrls
from tests.support.fakeslack import FakeSlack
from tests.support.slackclient import SignedClient
from tests.support.slackmessages import texts


def test_posts_one_after_another_share_one_connection(fake_slack: FakeSlack) -> None:
    answers = ResponseUrls(connections=4)
    urls = [fake_slack.new_response_url() for _ in range(5)]
    opened = fake_slack.connections
    try:
        for n, url in enumerate(urls):
            assert answers.post(url, {"text": f"answer {n}"}).status == 200
    finally:
        answers.close()
    assert fake_slack.connections - opened == 1
    assert [fake_slack.wait_response(url)["text"] for url in urls] == [f"answer {n}" for n in range(5)]


def test_a_refused_post_says_why(fake_slack: FakeSlack) -> None:
    answers = ResponseUrls(connections=1)
    try:
        posted = answers.post(fake_slack.base_url + "/response/never-issued", {"text": "hello"})
    finally:
        answers.close()
    assert (posted.status, posted.body) == (404, "no_such_url")
    fake_slack.problems.clear()  # the fake rightly complained about the unknown URL


def test_every_answer_over_slack_goes_to_its_response_url(slack: SignedClient, fake_slack: FakeSlack) -> None:
    for n in range(5):
        sent = slack.command("/cpd", f"add 30m Lab induction {n}")
        assert f"Lab induction {n}" in texts(sent.reply())
    assert {call.method for call in fake_slack.calls} <= {"auth.test"}  # nothing went through the Web API


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_response_url_is_answered_in_the_channel(slack: SignedClient, fake_slack: FakeSlack) -> None:
    slack.command("/cpd", "add 30m Fume cupboard checks", response_url=f"http://127.0.0.1:{closed_port()}/hooks/1")
    call = fake_slack.wait_call("chat.postEphemeral", timeout=15)  # after the connection retries
    assert (call.args["channel"], call.args["user"]) == ("C1", "U1")
    assert "Fume cupboard checks" in texts(call.args)
