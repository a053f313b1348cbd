"""Loopback helpers for tests that start real servers (apex serve, uvicorn, localstripe)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from starlette.types import ASGIApp


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def uvicorn_in_thread(app: ASGIApp, **config: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield its base URL.

    For load tests that need the app in this process (a bigger thread pool, a scratch
    database bound through ``production_sessions_on``). The app's info logging is
    quieted while it runs: hundreds of "notice sent" lines per burst help nobody.
    """
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **config)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the app did not start within 20 s")
        time.sleep(0.05)
    quiet = logging.getLogger("app")
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        quiet.setLevel(level)
        server.should_exit = True
        thread.join(timeout=15)
