"""Test helper: run a block with one hook answered by a stand-in receiver only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from app.hooks import Hook


@contextmanager
def only_receiver(hook: Hook[Any, Any], receiver: Callable[..., Any]) -> Iterator[None]:
    """Disconnect ``hook``'s receivers, connect ``receiver``; restore the wiring afterwards."""
    previous = hook.receivers
    for connected in previous:
        hook.disconnect(connected)
    hook.connect(receiver)
    try:
        yield
    finally:
        hook.disconnect(receiver)
        for connected in previous:
            hook.connect(connected)
