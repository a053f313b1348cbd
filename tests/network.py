"""Loopback helpers for tests that start real servers (apex serve, localstripe, SMTP)."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
