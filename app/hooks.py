"""Hook points: how a lower feature tells or asks a higher one without importing it.

Imports flow one way (accounts, content → learning, scheduling → enrollment → payments →
documents). When a lower feature must reach a higher one (enrolment cancels a seat and
payments owes a refund; the catalogue's course page shows enrolment's upcoming sessions),
the lower feature declares a ``Hook`` in its ``hooks.py`` and calls it; the higher
feature's function is connected to it in ``app/wiring.py``, which the web app, the CLI
and the document worker all run at start-up. A hook with nothing connected does nothing
(``send`` returns ``[]``) unless it is declared ``required``: then calling it is an error,
never a silent "nobody answered".

This module is a leaf: it imports nothing from the application.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class HookNotConnected(RuntimeError):
    """A required hook was called before ``app.wiring.wire()`` connected it."""


class Hook(Generic[P, R]):
    """One hook point: a name, the receivers' signature, and the receivers connected to it.

    ``Hook[[Session, list[int]], set[int]]`` is a point whose receivers take a session and
    some ids and return a set; mypy checks both the receivers and the callers.
    """

    def __init__(self, name: str, *, required: bool = False) -> None:
        self.name = name
        self.required = required
        self._receivers: list[Callable[P, R]] = []

    def __repr__(self) -> str:
        return f"Hook({self.name!r}, receivers={len(self._receivers)})"

    @property
    def receivers(self) -> tuple[Callable[P, R], ...]:
        """The connected functions, in the order they were connected."""
        return tuple(self._receivers)

    def connect(self, receiver: Callable[P, R]) -> Callable[P, R]:
        """Connect ``receiver`` (once: connecting it again changes nothing); returns it."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Callable[P, R]) -> None:
        """Disconnect ``receiver`` if it is connected."""
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    def send(self, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        """Call every receiver in order and return their answers."""
        if self.required and not self._receivers:
            raise HookNotConnected(f"hook {self.name!r} has no receiver; call app.wiring.wire()")
        return [receiver(*args, **kwargs) for receiver in self._receivers]
