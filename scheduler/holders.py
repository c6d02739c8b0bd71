"""Who holds work: a name for each sender or scheduler, whether one from this machine is gone, a heartbeat.

A holder's name is "host:pid:random" (random, so that two runs in one process are told apart). The
host part names the machine exactly enough to trust a process id on it: the host name, and on Linux
a digest of the kernel's boot id and the process-id namespace (two containers may share a host name,
two machines may both be called "localhost", and a machine restarted is another machine as far as
its process ids go). Only a holder from this very machine whose process no longer exists is known to
be gone; anything else (another machine, a process id taken again, a system without /proc) is left
to its lease to lapse.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("techcommit.scheduler")


@functools.cache
def this_machine() -> str:
    """The host part of this process's holder names (the same for every process on the machine)."""
    host = socket.gethostname().replace(":", "-")[:64] or "localhost"
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return host
    return f"{host}@{hashlib.sha256(f'{boot}|{namespace}'.encode()).hexdigest()[:8]}"


def new_holder() -> str:
    """A fresh name for one holder in this process: "host:pid:random"."""
    return f"{this_machine()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def gone(holder: str) -> bool:
    """Whether `holder` ran on this machine and its process has ended; False whenever that cannot be known."""
    machine, _, rest = holder.partition(":")
    pid, _, _ = rest.partition(":")
    if machine != this_machine() or "@" not in machine or not pid.isdigit() or int(pid) <= 0:
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # it exists but belongs to another user
        return False
    return False


class Heartbeat:
    """Call `beat` every `every` seconds on a thread of its own while the `with` block runs."""

    def __init__(self, beat: Callable[[], object], *, every: float) -> None:
        self._beat = beat
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._beat()
            except Exception:  # the next beat tries again; a lease outlasts several beats
                log.warning("heartbeat failed", exc_info=True)
