"""Post answers to Slack's response URLs over kept-alive connections.

slack_sdk's WebhookClient opens a new connection (a TCP and TLS handshake with Slack) for every
post. Nearly every command and click is answered through its response URL, all on the same host,
so a pool of open connections saves two round trips and a handshake's CPU per answer.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import urllib3
from slack_sdk.proxy_env_variable_loader import load_http_proxy_from_env

log = logging.getLogger("techcommit.slack")


@dataclass(frozen=True)
class Posted:
    status: int
    body: str


class ResponseUrls:
    """A thread-safe pool of connections to the response URLs' hosts (through HTTPS_PROXY if set, as slack_sdk)."""

    def __init__(self, *, connections: int, timeout: float = 10.0) -> None:
        options: dict[str, Any] = {
            "maxsize": connections,  # kept open per host; busier moments open (and drop) extra ones
            "timeout": urllib3.Timeout(connect=5.0, read=timeout),
            # Retry only when the post cannot have reached Slack (no connection), never after sending it.
            "retries": urllib3.Retry(total=2, connect=2, read=0, redirect=0, status=0, other=0),
            "headers": {"Content-Type": "application/json; charset=utf-8"},
        }
        proxy = load_http_proxy_from_env(log)
        self._pool = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)

    def post(self, url: str, payload: dict[str, Any]) -> Posted:
        """POST the JSON payload; raises urllib3's HTTPError if Slack could not be reached."""
        response = self._pool.request("POST", url, body=json.dumps(payload).encode("utf-8"))
        return Posted(response.status, response.data.decode("utf-8", "replace"))

    def close(self) -> None:
        self._pool.clear()
