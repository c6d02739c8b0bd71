"""A TCP forwarder to stand between the bot and PostgreSQL, so a test can take the database away.

`TcpProxy(target_port)` listens on 127.0.0.1 on a free port and forwards every connection to
127.0.0.1:<target_port>, two threads per connection. `cut()` closes every open connection (both
sides: the client sees the server vanish mid-conversation) and handles new ones as chosen:

- "refuse": accepted and closed at once (the client reads end-of-stream straight away);
- "blackhole": accepted and held open without a byte forwarded (the client waits for an answer
  that never comes, as across a network partition).

`restore()` forwards again; `close()` stops everything. Thread-based and test-only.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Literal

Mode = Literal["refuse", "blackhole"]
_CHUNK = 65536


class TcpProxy:
    def __init__(self, target_port: int, *, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()  # both ends of every forwarded connection
        self._held: list[socket.socket] = []  # connections accepted into the black hole
        self._mode: Mode | None = None  # None: forwarding
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name=f"tcpproxy-{self.port}", daemon=True)
        self.forwarded = 0  # connections forwarded so far
        self.turned_away = 0  # connections refused or held while cut

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- control ------------------------------------------------------------------------------

    def cut(self, mode: Mode = "refuse") -> None:
        """Drop every open connection; refuse (or black-hole) new ones until `restore()`."""
        with self._lock:
            self._mode = mode
            dropping = list(self._open)
            self._open.clear()
        for sock in dropping:
            _drop(sock)

    def restore(self) -> None:
        """Forward new connections again (those held in the black hole are dropped)."""
        with self._lock:
            self._mode = None
            held, self._held = self._held, []
        for sock in held:
            _drop(sock)

    def close(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.cut()
        self.restore()
        self._listener.close()

    # -- forwarding ---------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            with self._lock:
                mode = self._mode
                if mode == "blackhole":
                    self._held.append(client)
                    self.turned_away += 1
                    continue
            if mode == "refuse":
                with self._lock:
                    self.turned_away += 1
                _drop(client)
                continue
            self._forward(client)

    def _forward(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.target, timeout=5)
        except OSError:
            _drop(client)
            return
        server.settimeout(None)
        with self._lock:
            if self._mode is not None:  # cut while connecting
                _drop(client)
                _drop(server)
                return
            self._open.update((client, server))
            self.forwarded += 1
        for source, sink in ((client, server), (server, client)):
            threading.Thread(target=self._pump, args=(source, sink), name="tcpproxy-pump", daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(_CHUNK)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(source)
                self._open.discard(sink)
            _drop(source)
            _drop(sink)


def _drop(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
