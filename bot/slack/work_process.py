"""The work process: the work behind acknowledged Slack requests, in a process of its own.

Python runs one thread at a time in a process. With the work in the process that serves HTTP, an
acknowledgement waits for the interpreter behind the database work and the answers of earlier
requests, so under a burst acknowledgements slow down with the work (bench/RESULTS.md). So `serve`
forks a work process as it starts: the web process verifies, acknowledges and hands each `Job`
over through a pipe; the work process, at a lower CPU priority, does the work and answers. Slack's
three seconds apply to the acknowledgement only; the answer has its response URL for 30 minutes.

The work process stops when its web process does (its end of the pipe closes): it finishes the
jobs it was given, then exits. If it dies, the web process does the work itself from then on and
logs an error; jobs in the pipe at that moment are lost, as they would be if one process died.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import logging
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, Pipe

from bot.logs import fields
from bot.slack.work import Job

log = logging.getLogger("techcommit.work")

NICENESS = 10  # below the web process: when both want the CPU, acknowledgements go first
PIPE_BYTES = 1 << 20  # jobs (about 1 kB each) the pipe holds before handing over has to wait


class WorkProcess:
    """The web process's end: hands jobs to the work process, or does them here once it has gone."""

    def __init__(self, pid: int, jobs: Connection) -> None:
        self.pid = pid
        self._jobs = jobs
        self._waiting: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._here: Callable[[Job], None] | None = None
        self._on_lost: list[Callable[[], None]] = []
        self._lost = threading.Event()
        self._closing = False
        self._guard = threading.Lock()
        # Jobs are pickled and written by a thread of their own, so an acknowledgement never waits
        # for the pipe, even when the work process is slow to read it.
        self._feeder = threading.Thread(target=self._feed, name="handoff", daemon=True)
        self._watcher = threading.Thread(target=self._watch, name="work-process-watch", daemon=True)
        self._feeder.start()
        self._watcher.start()

    @classmethod
    def start(cls, run: Callable[[Connection], None]) -> WorkProcess:
        """Fork the work process; it calls `run(jobs)` (see `receive`) and exits when that returns.

        Call it before this process starts threads or opens database connections: a fork copies
        only the calling thread, and connections must not be shared.
        """
        reader, writer = Pipe(duplex=False)
        with contextlib.suppress(OSError):  # the pipe works at the default size too, with less slack
            fcntl.fcntl(writer.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        if threading.active_count() > 1:  # only the forking thread goes on in the child: locks others hold stay held
            log.warning(
                "forking the work process with other threads running %s", fields(threads=threading.active_count())
            )
        sys.stdout.flush()  # or what is buffered would be written twice
        sys.stderr.flush()
        gc.freeze()  # what is loaded by now stays shared between the two processes, not copied on write
        pid = os.fork()
        if pid == 0:
            writer.close()
            os._exit(_run_child(run, reader))
        reader.close()
        log.info("work process started %s", fields(pid=pid))
        return cls(pid, writer)

    def fall_back_to(self, here: Callable[[Job], None]) -> None:
        """Where jobs go once the work process has gone: this process's own `Work`."""
        self._here = here

    def when_lost(self, callback: Callable[[], None]) -> None:
        """Call `callback` (once) when the work process has gone, or now if it has already."""
        with self._guard:
            lost = self._lost.is_set()
            if not lost:
                self._on_lost.append(callback)
        if lost:
            callback()

    @property
    def alive(self) -> bool:
        return not self._lost.is_set()

    def __call__(self, job: Job) -> None:
        """Hand the job over (never waits)."""
        self._waiting.put(job)

    def close(self, timeout: float = 30) -> None:
        """Stop handing over; the work process finishes the jobs it was given, then exits."""
        self._closing = True
        self._waiting.put(None)
        self._feeder.join(timeout)
        self._jobs.close()
        self._watcher.join(timeout)

    def _feed(self) -> None:
        while (job := self._waiting.get()) is not None:
            if not self._lost.is_set():
                try:
                    self._jobs.send(job)
                    continue
                except OSError as error:  # the work process has gone (a broken pipe)
                    self._lose(f"handing over failed: {type(error).__name__}")
            self._run_here(job)

    def _run_here(self, job: Job) -> None:
        if self._here is None:
            log.error("job lost: no work process and nowhere to do it %s", fields(kind=job.kind, user=job.who.person))
            return
        _do(self._here, job)

    def _watch(self) -> None:
        try:
            _, status = os.waitpid(self.pid, 0)
            why = f"exit status {os.waitstatus_to_exitcode(status)}"
        except ChildProcessError:  # collected elsewhere
            why = "exit status unknown"
        if not self._closing:
            self._lose(why)

    def _lose(self, why: str) -> None:
        with self._guard:
            if self._lost.is_set():
                return
            self._lost.set()
            callbacks = list(self._on_lost)
        log.error("work process gone; doing the work in this process from now on %s", fields(pid=self.pid, why=why))
        for callback in callbacks:
            callback()


def _run_child(run: Callable[[Connection], None], jobs: Connection) -> int:
    """The work process's whole life; its exit code."""
    # Ctrl-C and a service manager's SIGTERM reach every process of the group: this one stops when
    # the web process does (the pipe closes), after finishing the jobs it was given.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.nice(NICENESS)
    try:
        run(jobs)
        return 0
    except BaseException:
        log.exception("work process failed")
        return 1
    finally:
        logging.shutdown()


def receive(jobs: Connection, work: Callable[[Job], None]) -> None:
    """Start each job as it arrives, until the web process closes its end of the pipe."""
    started = time.monotonic()
    done = 0
    while True:
        try:
            job = jobs.recv()
        except EOFError:
            break
        _do(work, job)
        done += 1
    log.info("work process stopping %s", fields(jobs=done, seconds=round(time.monotonic() - started)))


def _do(work: Callable[[Job], None], job: Job) -> None:
    """Start the job; a failure to start it is logged, and the next job goes on."""
    try:
        work(job)
    except Exception:
        log.exception("job failed %s", fields(kind=job.kind, user=job.who.person))
