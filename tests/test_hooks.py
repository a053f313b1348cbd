"""The hook type and the one wiring: every declared hook point is connected."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import app
from app.hooks import Hook, HookNotConnected
from app.wiring import wire


def test_a_hook_calls_its_receivers_in_order_and_connects_each_once() -> None:
    hook: Hook[[int], int] = Hook("test.double")
    hook.connect(lambda n: n * 2)
    plus_one = hook.connect(lambda n: n + 1)
    hook.connect(plus_one)
    assert hook.send(5) == [10, 6]
    hook.disconnect(plus_one)
    assert hook.send(5) == [10]


def test_an_optional_hook_with_no_receiver_answers_nothing() -> None:
    assert Hook[[int], int]("test.optional").send(1) == []


def test_a_required_hook_with_no_receiver_is_an_error_not_a_silent_nobody() -> None:
    with pytest.raises(HookNotConnected, match=r"test\.required"):
        Hook[[int], int]("test.required", required=True).send(1)


def _declared_hooks() -> list[Hook[..., object]]:
    found = []
    for module_info in pkgutil.walk_packages(app.__path__, "app."):
        if not module_info.name.endswith(".hooks"):
            continue
        module = importlib.import_module(module_info.name)
        found += [value for value in vars(module).values() if isinstance(value, Hook)]
    return found


def test_wiring_connects_every_declared_hook_point_and_is_idempotent() -> None:
    hooks = _declared_hooks()
    assert len(hooks) >= 7  # scheduling 2, enrolment 3, content 1, learning 1
    wire()
    counts = {hook.name: len(hook.receivers) for hook in hooks}
    wire()  # the CLI and the app may both wire one process
    assert {hook.name: len(hook.receivers) for hook in hooks} == counts
    assert [name for name, count in counts.items() if count == 0] == []


def test_the_cli_and_the_worker_wire_the_features(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from app import cli, wiring

    calls: list[str] = []
    monkeypatch.setattr(wiring, "wire", lambda: calls.append("wired"))
    CliRunner().invoke(cli.cli, ["db", "--help"])
    assert calls == ["wired"]
    import app.worker

    calls.clear()
    importlib.reload(app.worker)
    assert calls == ["wired"]
