"""FakeSlack: a fake Slack Web API (plus upload and response URLs) served over real local HTTP.

Point the bot's WebClient at ``fake.api_url``; every call is recorded in ``fake.calls`` and every
misuse (bad auth, missing arguments, invalid Block Kit, reused response URLs, ...) is appended to
``fake.problems`` so that a fixture can assert ``fake.problems == []`` after each test.
The Web API methods themselves live in ``fakeslack_methods``.
"""

from __future__ import annotations

import itertools
import json
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from . import fakeslack_methods as methods
from .blockkit import check_message
from .localfake import FakeHandler, LocalFake
from .slackspec import decode_json_args, required_args

T = TypeVar("T")
MAX_RESPONSE_URL_USES = 5


@dataclass
class ApiCall:
    """One recorded Web API call and the answer the fake gave."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    response: dict[str, Any]
    status: int = 200
    at: float = field(default_factory=time.monotonic)  # when the fake answered it

    @property
    def ok(self) -> bool:
        """Whether the fake answered ok: true."""
        return bool(self.response.get("ok"))


@dataclass
class UploadedFile:
    """A file shared through the files_upload_v2 flow."""

    file_id: str
    filename: str
    title: str | None
    content: bytes
    channel_id: str | None
    initial_comment: str | None
    thread_ts: str | None = None


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    error: str | None
    times: int
    delay: float


@dataclass
class Hold:
    """One call kept waiting for its answer: `reached` is set once it arrives, `release()` lets it go."""

    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


HOLD_LIMIT = 30.0  # seconds a held call waits at most, so a failing test cannot hang the fake


@dataclass
class _Bucket:
    rate: float
    tokens: float
    stamp: float = field(default_factory=time.monotonic)


class _Handler(FakeHandler["FakeSlack"]):
    """Routes /api/<method>, /upload/<file_id> and /response/<id> to the FakeSlack instance."""

    server_version = "FakeSlack/1.0"
    protocol_version = "HTTP/1.1"  # connections stay open between requests unless the client says close

    def setup(self) -> None:
        super().setup()
        with self.fake.lock:
            self.fake.connections += 1

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        route, _, name = parts.path.lstrip("/").partition("/")
        raw = self.body()
        if route == "api" and name:
            self._api(name, parts.query, raw)
        elif route == "upload" and self.command == "POST":
            self._text(*self.fake.handle_upload(name, raw))
        elif route == "response" and self.command == "POST":
            self._text(*self.fake.handle_response(name, raw))
        else:
            self.fake.problem(f"http: no such endpoint {self.command} {self.path}")
            self._text(404, "Not Found")

    def _api(self, method: str, query: str, raw: bytes) -> None:
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        args: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        form_token = args.get("token")
        try:
            if ctype == "application/json" and raw:
                body = json.loads(raw.decode("utf-8"))
                args.update(body if isinstance(body, dict) else {})
            elif raw:
                form = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
                args.update({k: v[-1] for k, v in form.items()})
                form_token = args.get("token", form_token)
        except ValueError as exc:
            self.fake.problem(f"{method}: unparseable body ({exc})")
            self._json(200, {}, {"ok": False, "error": "invalid_json"})
            return
        decode_json_args(args)
        auth = self.headers.get("Authorization") or ""
        bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else form_token
        status, extra, body = self.fake.handle_api(method, args, dict(self.headers.items()), bearer)
        self._json(status, extra, body)

    def _json(self, status: int, extra: dict[str, str], body: dict[str, Any]) -> None:
        self.reply(status, json.dumps(body).encode("utf-8"), "application/json; charset=utf-8", extra)

    def _text(self, status: int, text: str) -> None:
        self.reply(status, text.encode("utf-8"), "text/plain; charset=utf-8")


class FakeSlack(LocalFake[ApiCall]):
    """A fake Slack Web API on 127.0.0.1 that validates and records what the bot sends."""

    handler = _Handler

    def __init__(self, token: str = "xoxb-test-token", *, team_id: str = "T0TEST") -> None:
        required_args()  # fail at once, with the reason, if Slack's method table is missing
        super().__init__()
        self.token = token
        self.open_response_prefix: str | None = None
        self.team_id = team_id
        self.domain = "techcommit-test"
        self.responses: dict[str, list[dict[str, Any]]] = {}
        self.files: list[UploadedFile] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.users_by_email: dict[str, str] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[str]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, str] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        self.count_429 = 0
        self.connections = 0  # TCP connections accepted
        self._response_urls: dict[str, int] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._buckets: dict[str, _Bucket] = {}
        self._holds: dict[str, list[Hold]] = {}
        self._ids = itertools.count(1)
        self.base_url = ""
        self.api_url = ""

    # -- lifecycle ----------------------------------------------------------------------------

    def started(self, port: int) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.api_url = self.base_url + "/api/"

    def reset(self) -> None:
        """Forget recorded calls, problems, responses, files, injected faults and rate limits."""
        with self._cond:
            self.calls.clear()
            self.problems.clear()
            self.responses.clear()
            self.files.clear()
            self._faults.clear()
            self._buckets.clear()
            for hold in (h for holds in self._holds.values() for h in holds):
                hold.release()
            self._holds.clear()
            self._response_urls = dict.fromkeys(self._response_urls, 0)
            self.count_429 = 0
            self._cond.notify_all()

    # -- identifiers --------------------------------------------------------------------------

    def next_id(self, prefix: str) -> str:
        """A fresh identifier such as F0000007."""
        return f"{prefix}{next(self._ids):07d}"

    def next_ts(self) -> str:
        """A fresh, strictly increasing message timestamp such as 1700000000.000100."""
        micros = 1_700_000_000_000_000 + next(self._ids) * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def new_response_url(self) -> str:
        """Issue a response URL (as Slack puts in interaction payloads) served by this fake."""
        rid = self.next_id("R") + secrets.token_hex(4)
        with self._cond:
            self._response_urls[rid] = 0
        return f"{self.base_url}/response/{rid}"

    # -- recording and waiting ----------------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        """All recorded calls of one method, oldest first."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def describe(self, last: int = 15) -> str:
        """A short account of recent calls, responses and problems, for failure messages."""
        with self._lock:
            lines = [f"recent calls ({len(self.calls)} in all):"]
            for c in self.calls[-last:]:
                args = json.dumps(c.args, default=str)
                lines.append(f"  {c.method} {args[:300]} -> {c.status} {json.dumps(c.response)[:200]}")
            for url, bodies in self.responses.items():
                lines.append(f"  response {url.rsplit('/', 1)[-1]}: {len(bodies)} post(s)")
            lines.append(f"problems: {self.problems}")
        return "\n".join(lines)

    def wait_response(self, url: str, n: int = 1, timeout: float = 5.0) -> dict[str, Any]:
        """The n-th body POSTed to a response URL."""

        def nth() -> dict[str, Any] | None:
            bodies = self.responses.get(url, [])
            return bodies[n - 1] if len(bodies) >= n else None

        return self.wait_for(nth, timeout)

    def wait_call(
        self, method: str, predicate: Callable[[ApiCall], bool] | None = None, timeout: float = 5.0
    ) -> ApiCall:
        """The first recorded call of `method` (matching predicate, if given)."""

        def find() -> ApiCall | None:
            return next((c for c in self.calls_to(method) if predicate is None or predicate(c)), None)

        return self.wait_for(find, timeout)

    def wait_file(self, timeout: float = 5.0, predicate: Callable[[UploadedFile], bool] | None = None) -> UploadedFile:
        """The first uploaded file (matching predicate, if given)."""

        def find() -> UploadedFile | None:
            return next((f for f in self.files if predicate is None or predicate(f)), None)

        return self.wait_for(find, timeout)

    # -- fault injection ----------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int | None = 1,
        error: str | None = None,
        times: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Make the next `times` calls of `method` fail (429/5xx, or 200 with ok: false if error is set)."""
        with self._cond:
            self._faults.setdefault(method, []).append(_Fault(status, retry_after, error, times, delay))

    def hold(self, method: str) -> Hold:
        """Keep the next call of `method` waiting for its answer until the Hold is released.

        The call is carried out and recorded at once, so a test can act while the bot is still
        waiting for Slack's reply (e.g. click a message whose ts the bot has not stored yet).
        """
        hold = Hold()
        with self._cond:
            self._holds.setdefault(method, []).append(hold)
        return hold

    def rate_limit(self, method: str, per_second: float) -> None:
        """Answer 429 (with Retry-After) to calls of `method` beyond `per_second`."""
        with self._cond:
            self._buckets[method] = _Bucket(per_second, max(1.0, per_second))

    def _take_fault(self, method: str) -> _Fault | None:
        with self._cond:
            queue = self._faults.get(method)
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault

    def _throttle(self, method: str) -> int | None:
        """Seconds to Retry-After if the call exceeds the rate limit, else None."""
        with self._cond:
            bucket = self._buckets.get(method)
            if bucket is None:
                return None
            now = time.monotonic()
            bucket.tokens = min(max(1.0, bucket.rate), bucket.tokens + (now - bucket.stamp) * bucket.rate)
            bucket.stamp = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            self.count_429 += 1
            return max(1, math.ceil((1 - bucket.tokens) / bucket.rate))

    # -- request handling ---------------------------------------------------------------------

    def handle_api(
        self, method: str, args: dict[str, Any], headers: dict[str, str], bearer: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Answer one Web API call: (HTTP status, extra headers, JSON body); records it."""
        status, extra = 200, {}
        body: dict[str, Any] | None = None
        fault = self._take_fault(method)
        if fault is not None:
            time.sleep(fault.delay)
            if fault.error is not None:
                body = {"ok": False, "error": fault.error}
            elif fault.status == 429:
                status, body = 429, {"ok": False, "error": "ratelimited"}
                extra = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
                with self._cond:
                    self.count_429 += 1
            elif fault.status != 200:
                status, body = fault.status, {"ok": False, "error": "fatal_error", "injected": True}
        if body is None and (wait := self._throttle(method)) is not None:
            status, extra, body = 429, {"Retry-After": str(wait)}, {"ok": False, "error": "ratelimited"}
        if body is None:
            try:
                body = methods.dispatch(self, method, args, bearer)
            except Exception as exc:  # a malformed argument the fake did not anticipate
                body = {"ok": False, "error": "fake_internal_error", "detail": f"{type(exc).__name__}: {exc}"}
            if not body.get("ok") and body.get("error") not in methods.EXPECTED_ERRORS:
                detail = body.get("response_metadata", {}).get("messages", [])
                self.problem(f"{method}: {body.get('error')} {detail if detail else ''}".rstrip())
        self.record(ApiCall(method, args, headers, body, status))
        with self._cond:
            hold = self._holds[method].pop(0) if self._holds.get(method) else None
        if hold is not None:
            hold.reached.set()
            hold.released.wait(HOLD_LIMIT)
        return status, extra, body

    def handle_upload(self, file_id: str, data: bytes) -> tuple[int, str]:
        """Store the bytes POSTed to an upload URL."""
        with self._cond:
            pending = self.uploads.get(file_id)
            if pending is None:
                self.problems.append(f"upload: unknown file id {file_id}")
                return 404, "Not Found"
            if len(data) != pending["length"]:
                announced = pending["length"]
                self.problems.append(f"upload {file_id}: got {len(data)} bytes, announced {announced}")
                return 400, "length mismatch"
            pending["content"] = data
            self._cond.notify_all()
        return 200, f"OK - {len(data)}"

    def handle_response(self, rid: str, raw: bytes) -> tuple[int, str]:
        """Validate and record a POST to a response URL."""
        url = f"{self.base_url}/response/{rid}"
        with self._cond:
            uses = self._response_urls.get(rid)
            if uses is None and self.open_response_prefix and rid.startswith(self.open_response_prefix):
                uses = 0  # benchmarks mint their own response URLs under this prefix
            if uses is None:
                self.problems.append(f"response_url: unknown url {url}")
                return 404, "no_such_url"
            if uses >= MAX_RESPONSE_URL_USES:
                self.problems.append(f"response_url: used more than {MAX_RESPONSE_URL_USES} times: {url}")
                return 404, "used_url"
            self._response_urls[rid] = uses + 1
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            self.problem(f"response_url: body is not JSON: {raw[:200]!r}")
            return 400, "invalid_payload"
        found = check_message(body)
        for p in found:
            self.problem(f"response_url: {p}")
        with self._cond:
            self.responses.setdefault(url, []).append(body)
            self._cond.notify_all()
        return (400, "invalid_blocks") if found else (200, "ok")
