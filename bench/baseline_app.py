"""The baseline: a Bolt app whose listeners only acknowledge, on the same waitress stack as `serve`."""

from __future__ import annotations

import sys

from slack_bolt import App
from slack_sdk import WebClient

from bench.common import SECRET, TOKEN
from bot.slack.server import make_wsgi, serve_forever, serve_workers


def build_app(api_url: str):  # type: ignore[no-untyped-def]
    client = WebClient(token=TOKEN, base_url=api_url)
    app = App(client=client, signing_secret=SECRET, token_verification_enabled=False)

    @app.command("/cpd")
    def ack_only(ack) -> None:  # type: ignore[no-untyped-def]
        ack()

    return make_wsgi(app, database_ok=lambda: True)


def main(port: int, threads: int, api_url: str, workers: int) -> None:
    if workers == 1:
        serve_forever(build_app(api_url), host="127.0.0.1", port=port, threads=threads)
    else:
        serve_workers(lambda: build_app(api_url), host="127.0.0.1", port=port, threads=threads, workers=workers)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
