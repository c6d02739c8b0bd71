"""gunicorn's settings for `techcommit serve` (`--config python:bot.gunicorn_conf`; the rest is on its command line)."""

from __future__ import annotations

worker_class = "gthread"  # threads: Bolt's listeners wait on Slack and the database, not the CPU
graceful_timeout = 30  # a stopping worker finishes the requests it has, and their answers
proc_name = "techcommit"
accesslog = None
errorlog = "-"
control_socket_disable = True  # gunicorn >= 25 would otherwise open ~/.gunicorn/gunicorn.ctl


def worker_exit(server: object, worker: object) -> None:
    """Stop the worker's runtime: listeners finish, queued messages are sent, the scheduler stops."""
    from bot.web import close_runtime

    close_runtime()
